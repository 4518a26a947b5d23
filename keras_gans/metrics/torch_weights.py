"""Reads a PyTorch state dict (`.pth`) into numpy arrays, without PyTorch.

For the FID Inception weights, which are published only as a PyTorch
file. Both of `torch.save`'s formats are read: the zip archive (PyTorch
1.6 and later: `<name>/data.pkl` plus one raw file per storage) and the
legacy stream (a few pickles, then each storage as an 8-byte element count
and its raw bytes). Only what a state dict of dense CPU tensors needs is
understood: the unpickler builds nothing but numpy arrays, ordered dicts
and plain containers, and refuses any other class.
"""

import collections
import io
import pickle
import struct
import zipfile

import numpy as np

_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "BFloat16Storage": None,  # No numpy dtype; refused below.
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


class _StorageType:
    def __init__(self, name):
        if _DTYPES.get(name) is None:
            raise ValueError(f"Unsupported tensor storage {name} in the weights file.")
        self.dtype = np.dtype(_DTYPES[name])


class _Storage:
    """A flat array filled from the file (legacy: after unpickling)."""

    def __init__(self, dtype, numel, data=None):
        self.dtype, self.numel, self.data = dtype, numel, data


def _rebuild_tensor(storage, offset, size, stride, *unused):
    if not size:
        return storage.data[offset].copy()
    item = storage.dtype.itemsize
    view = np.lib.stride_tricks.as_strided(
        storage.data[offset:], shape=tuple(size), strides=tuple(s * item for s in stride)
    )
    return np.array(view)


def _rebuild_parameter(tensor, *unused):
    return tensor


def _tensor_placeholder(storage, offset, size, stride, *unused):
    # Legacy files are unpickled before their storages are read.
    return ("_tensor", storage, offset, size, stride)


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, storages, make_storage, lazy):
        super().__init__(file)
        self._storages = storages
        self._make_storage = make_storage
        self._lazy = lazy

    def find_class(self, module, name):
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor_v2", "_rebuild_tensor"):
            return _tensor_placeholder if self._lazy else _rebuild_tensor
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if module == "torch" and name.endswith("Storage"):
            return _StorageType(name)
        raise pickle.UnpicklingError(
            f"The weights file needs {module}.{name}, which a plain state dict of tensors "
            "does not; refusing to load it."
        )

    def persistent_load(self, pid):
        if pid[0] != "storage":
            raise pickle.UnpicklingError(f"Unsupported persistent id {pid[0]!r}.")
        storage_type, key, numel = pid[1], str(pid[2]), int(pid[4])
        if key not in self._storages:
            self._storages[key] = self._make_storage(storage_type.dtype, key, numel)
        return self._storages[key]


def _resolve(obj):
    """Replaces legacy tensor placeholders by arrays, recursively."""
    if isinstance(obj, tuple) and len(obj) == 5 and obj[0] == "_tensor":
        return _rebuild_tensor(*obj[1:])
    if isinstance(obj, dict):
        out = type(obj)() if isinstance(obj, collections.OrderedDict) else {}
        for k, v in obj.items():
            out[k] = _resolve(v)
        return out
    if isinstance(obj, (list, tuple)):
        return type(obj)(_resolve(v) for v in obj)
    return obj


def _load_zip(path):
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        (pkl,) = [n for n in names if n.endswith("/data.pkl") or n == "data.pkl"]
        prefix = pkl[: -len("data.pkl")]

        def make(dtype, key, numel):
            raw = archive.read(f"{prefix}data/{key}")
            return _Storage(dtype, numel, np.frombuffer(raw, dtype=dtype.newbyteorder("<"))[:numel])

        with archive.open(pkl) as f:
            return _Unpickler(io.BytesIO(f.read()), {}, make, lazy=False).load()


def _load_legacy(path):
    with open(path, "rb") as f:
        if pickle.load(f) != _LEGACY_MAGIC:
            raise ValueError(f"{path} is not a PyTorch file (wrong magic number).")
        pickle.load(f)  # protocol version
        pickle.load(f)  # system info
        storages = {}
        result = _Unpickler(f, storages, lambda dtype, key, numel: _Storage(dtype, numel), lazy=True).load()
        for key in pickle.load(f):
            storage = storages[str(key)]
            (count,) = struct.unpack("<q", f.read(8))
            raw = f.read(count * storage.dtype.itemsize)
            if len(raw) != count * storage.dtype.itemsize:
                raise ValueError(f"{path} is truncated (storage {key}).")
            storage.data = np.frombuffer(raw, dtype=storage.dtype.newbyteorder("<"))
    return _resolve(result)


def load_state_dict(path):
    """Reads a PyTorch state dict file into `{name: numpy array}`.

    Args:
        path: A file written by `torch.save(module.state_dict(), path)`,
            in either format.

    Returns:
        An ordered dict of numpy arrays.

    Raises:
        ValueError: when the file is not a PyTorch file of plain tensors.
    """
    try:
        if zipfile.is_zipfile(path):
            state = _load_zip(path)
        else:
            state = _load_legacy(path)
    except (pickle.UnpicklingError, EOFError, KeyError, struct.error) as e:
        raise ValueError(f"Cannot read {path} as a PyTorch state dict: {e}") from e
    if not isinstance(state, dict):
        raise ValueError(f"{path} holds a {type(state).__name__}, not a state dict.")
    return state
