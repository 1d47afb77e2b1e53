"""Test-only no-op stand-in for cgroupspy (not packaged by Debian): the
linux executor's CPU and memory limits are not applied in the tests."""
