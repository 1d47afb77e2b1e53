"""Test-only stand-in for nvidia-ml-py (not packaged by Debian): a machine
without GPUs. nvmlInit raises NVMLError, as the real library does when no
NVIDIA driver is present, and the platform then counts 0 GPUs."""


class NVMLError(Exception):
    pass


def nvmlInit():
    raise NVMLError("NVML Shared Library Not Found (test stand-in: no GPUs)")


def nvmlShutdown():
    return None


def nvmlDeviceGetCount():
    return 0
