"""Test-only shims for running the platform's Python 3.7 code on Debian's
Python 3.11 with Debian's packages. Each one is listed, with its reason, in
test/e2e/README.md. Nothing here changes what the programs do with the
generated files."""
import importlib
import importlib.abc
import importlib.util
import ssl
import sys
import types


# 1. Python 3.11's ssl.SSLContext.set_npn_protocols raises AttributeError
#    (OpenSSL 3 has no NPN); on 3.7 it worked or raised NotImplementedError,
#    which the platform's ssl_helper.py and grpclib catch.
def _no_npn(self, protocols):
    raise NotImplementedError("NPN is not available (test shim)")


ssl.SSLContext.set_npn_protocols = _no_npn


# 2. Debian's python3-pycryptodome installs the package as "Cryptodome";
#    the images' pycryptodome is "Crypto". Alias every Crypto.* module.
class _CryptoAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname == "Crypto" or fullname.startswith("Crypto."):
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        real = importlib.import_module("Cryptodome" + spec.name[len("Crypto"):])
        return real

    def exec_module(self, module):
        pass


sys.meta_path.insert(0, _CryptoAlias())


# 3. Import-only stubs for packages Debian does not package. Whatever needs
#    them (secure aggregation, GPUs, cgroup quotas, TensorFlow) is not run by
#    the tests; any use of a stub raises.
class _Stub(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _StubThing("%s.%s" % (self.__name__, name))


class _StubThing:
    def __init__(self, name):
        self._name = name

    def __getattr__(self, name):
        return _StubThing("%s.%s" % (self._name, name))

    def __call__(self, *args, **kwargs):
        raise RuntimeError("%s is an import-only test stub" % self._name)

    def __mro_entries__(self, bases):
        return (object,)


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    ROOTS = ("secretsharing", "diffiehellman", "tensorflow")

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.ROOTS:
            try:
                # a real installation wins over the stub
                if importlib.machinery.PathFinder.find_spec(fullname.split(".")[0]) is not None:
                    return None
            except Exception:
                pass
            return importlib.util.spec_from_loader(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = _Stub(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


sys.meta_path.append(_StubFinder())
