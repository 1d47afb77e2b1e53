"""No-op cgroupspy.trees: nodes accept cgroups and controller settings and
apply nothing (see test/e2e/README.md)."""


class _Controller:
    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)


class _Cgroup:
    def __init__(self):
        self.controller = _Controller()


class _Node:
    def create_cgroup(self, name):
        return _Cgroup()

    def delete_cgroup(self, name):
        return None


class Tree:
    def get_node_by_path(self, path):
        return _Node()
