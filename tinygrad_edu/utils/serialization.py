"""Safe checkpoints: ``save(obj, f)`` and ``load(f, map_location=None)``.

A checkpoint holds a tree of dicts (``OrderedDict`` and ``Counter`` kept; other dict subclasses
come back as ``dict``), lists and tuples whose leaves are tensors, ``int``, ``float``, ``bool``,
``str`` and ``None`` (NumPy scalars are saved as the Python numbers they equal): a model's ``state_dict()``, an
optimizer's, a scheduler's, or a dict of all three with the epoch number.

The file is an ordinary NumPy ``.npz`` archive (a zip of ``.npy`` arrays):

* each tensor is one array, named by its index (``"0"``, ``"1"``, ...), stored bit for bit;
* the entry ``"__tinygrad_edu__"`` is a JSON manifest (as bytes) describing the tree: where each
  tensor goes, with its dtype, shape, device and ``requires_grad``.

Why not pickle, as ``torch.save`` does? Unpickling runs whatever code the file names, so a
downloaded checkpoint could do anything. Here loading reads arrays with ``allow_pickle=False`` and
parses JSON: it can never run code. Object arrays (which would need pickle) are refused.

Saving is atomic: the archive is written to a temporary file in the same directory, flushed to
disk (``fsync``) and then renamed over the target (``os.replace``), so an interrupted save leaves
the previous checkpoint intact.
"""
from __future__ import annotations

import io
import json
import math
import os
import tempfile
import zipfile
from collections import Counter, OrderedDict
from typing import Any, Dict, List

from .. import backend
from ..nn.parameter import Parameter
from ..ops.checks import typename
from ..tensor import Tensor

FORMAT = "tinygrad_edu"
VERSION = 1
MANIFEST = "__tinygrad_edu__"
_DTYPES = {d.name: d for d in backend._ALL}
_DICTS = {"dict": dict, "OrderedDict": OrderedDict, "Counter": Counter}
_SCALARS = (bool, int, float, str, type(None))


# ----------------------------------------------------------------------------- save
def save(obj: Any, f, *, _use_new_zipfile_serialization: bool = True) -> None:
    """Save ``obj`` (a nested dict/list/tuple of tensors and plain Python values) to ``f``.

    ``f`` is a path (``str`` or ``pathlib.Path``; written atomically) or a binary file object
    opened for writing. Raises ``TypeError`` naming the first value that cannot be saved.
    """
    arrays: Dict[str, Any] = {}
    tree = _Encoder(arrays).encode(obj, "obj", set())
    manifest = {"format": FORMAT, "version": VERSION, "root": tree}
    data = json.dumps(manifest, allow_nan=False, separators=(",", ":")).encode("utf-8")
    arrays[MANIFEST] = backend.np.frombuffer(data, dtype=backend.np.uint8)
    if hasattr(f, "write"):
        _write_archive(f, arrays)
        return
    _atomic_write(os.fspath(f), arrays)


def _write_archive(fileobj, arrays: Dict[str, Any]) -> None:
    """Write the ``.npz`` archive (NumPy never pickles here: no array has dtype object)."""
    backend.np.savez(fileobj, **arrays)


def _atomic_write(path: str, arrays: Dict[str, Any]) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_archive(fh, arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)  # atomic: readers see the old file or the new one, never a mix
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable (POSIX; not possible on every system)
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def _file_mode(path: str) -> int:
    """The permissions the new file gets: those of the file it replaces, else the umask's."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


class _Encoder:
    """Turns the object tree into JSON-able nodes, collecting tensors' arrays by index."""

    def __init__(self, arrays: Dict[str, Any]):
        self.arrays = arrays
        self.tensor_index: Dict[int, int] = {}  # id(tensor) -> index: a tensor saved twice is stored once
        self.keep_alive: List[Tensor] = []

    def encode(self, obj, where: str, active: set) -> Dict[str, Any]:
        if isinstance(obj, Tensor):
            return self.tensor(obj)
        if backend.is_numpy_scalar(obj) and obj.dtype.kind in "biuf":
            obj = obj.item()  # NumPy scalars are saved as the Python numbers they equal
        if isinstance(obj, _SCALARS):
            return self.scalar(obj, where)
        if isinstance(obj, (dict, list, tuple)):
            if id(obj) in active:
                raise ValueError(f"save(): {where} contains itself (a reference cycle); a checkpoint must be a tree")
            active.add(id(obj))
            try:
                if isinstance(obj, dict):
                    items = [[self.key(k, where), self.encode(v, f"{where}[{k!r}]", active)] for k, v in obj.items()]
                    return {"type": _dict_kind(obj), "items": items}
                kind = "list" if isinstance(obj, list) else "tuple"  # a namedtuple comes back as a tuple
                return {"type": kind, "items": [self.encode(v, f"{where}[{i}]", active) for i, v in enumerate(obj)]}
            finally:
                active.discard(id(obj))
        raise self.unsupported(obj, where)

    @staticmethod
    def unsupported(obj, where: str) -> TypeError:
        name = typename(obj)
        hint = ""
        if backend.is_array(obj):
            hint = " (wrap arrays with tinygrad_edu.from_numpy / tinygrad_edu.tensor)"
        return TypeError(f"save(): cannot save {where} of type {name}{hint}; a checkpoint holds tensors, "
                         "dicts, lists, tuples, str, int, float, bool and None")

    @staticmethod
    def scalar(obj, where: str) -> Dict[str, Any]:
        if obj is None:
            return {"type": "none"}
        if isinstance(obj, bool):
            return {"type": "bool", "value": obj}
        if isinstance(obj, int):
            return {"type": "int", "value": int(obj)}
        if isinstance(obj, float):
            # JSON has no inf/nan: write those as strings; finite floats round-trip exactly via repr
            return {"type": "float", "value": float(obj) if math.isfinite(obj) else repr(float(obj))}
        return {"type": "str", "value": str(obj)}

    def key(self, k, where: str) -> Dict[str, Any]:
        if backend.is_numpy_scalar(k) and k.dtype.kind in "biuf":
            k = k.item()
        if isinstance(k, _SCALARS):
            return self.scalar(k, where)
        if isinstance(k, tuple):
            return {"type": "tuple", "items": [self.key(x, where) for x in k]}
        raise TypeError(f"save(): cannot save a dict key of type {type(k).__name__} in {where}; keys must be "
                        "str, int, float, bool, None or tuples of those")

    def tensor(self, t: Tensor) -> Dict[str, Any]:
        idx = self.tensor_index.get(id(t))
        if idx is None:
            idx = self.tensor_index[id(t)] = len(self.tensor_index)
            self.keep_alive.append(t)  # ids stay unique while we hold the tensors
            self.arrays[str(idx)] = backend.to_numpy(t.array)
        node = {"type": "tensor", "index": idx, "dtype": t.dtype.name, "shape": list(t.shape),
                "device": str(t.device), "requires_grad": bool(t.requires_grad)}
        if type(t).__name__ == "Parameter":
            node["parameter"] = True
        return node


def _dict_kind(obj: dict) -> str:
    """OrderedDict and Counter are kept; any other dict subclass comes back as a plain dict."""
    if isinstance(obj, Counter):
        return "Counter"
    return "OrderedDict" if isinstance(obj, OrderedDict) else "dict"


# ----------------------------------------------------------------------------- load
class _NotACheckpoint(Exception):
    pass


def load(f, map_location=None, *, weights_only: bool = True, mmap=None) -> Any:
    """Load what ``save`` wrote. Never runs code from the file (no pickle).

    ``map_location`` puts tensors on a device: ``'cpu'``, ``'cuda'``, a ``device``, or a dict such
    as ``{'cuda:0': 'cpu'}``; by default tensors return to the device they were saved from.
    A file that is not a tinygrad_edu checkpoint (truncated, corrupted, empty, a pickle, some other
    zip) raises ``RuntimeError: <path> is not a tinygrad_edu checkpoint: <what was wrong>``.
    ``weights_only`` and ``mmap`` are accepted for PyTorch compatibility; loading is always safe.
    """
    if hasattr(f, "read"):
        name = str(getattr(f, "name", None) or f"<{type(f).__name__}>")
        data = f.read()
        return _load_bytes(data, name, map_location)
    name = os.fspath(f)
    with open(name, "rb") as fh:
        data = fh.read()
    return _load_bytes(data, str(name), map_location)


def _load_bytes(data: bytes, name: str, map_location) -> Any:
    if not (map_location is None or isinstance(map_location, (str, backend.device, dict))):
        raise TypeError(f"load(): map_location must be None, a device name, a device or a dict, "
                        f"not {type(map_location).__name__}")
    try:
        manifest, arrays = _read_archive(data)
        return _Decoder(arrays, map_location).decode(manifest["root"], "root")
    except _NotACheckpoint as e:
        raise RuntimeError(f"{name} is not a tinygrad_edu checkpoint: {e}") from None


def _sniff(data: bytes) -> None:
    """Refuse, with a precise reason, anything that does not start like a zip archive."""
    if len(data) == 0:
        raise _NotACheckpoint("the file is empty (0 bytes)")
    if data[:2] == b"PK":
        return
    if data[:1] == b"\x80" and len(data) > 1 and data[1] <= 5:
        raise _NotACheckpoint(f"it is a Python pickle (protocol {data[1]}), e.g. from pickle.dump or an old "
                              "torch.save; tinygrad_edu never unpickles, because loading a pickle can run "
                              "arbitrary code")
    if data[:6] == b"\x93NUMPY":
        raise _NotACheckpoint("it is a single NumPy .npy array, not a checkpoint archive (load it with numpy)")
    head = data[:16]
    kind = "text" if all(32 <= c < 127 or c in (9, 10, 13) for c in head) else "binary data"
    raise _NotACheckpoint(f"expected a zip archive (.npz) but the file starts with {head!r} ({kind})")


def _read_archive(data: bytes):
    _sniff(data)
    try:
        npz = backend.np.load(io.BytesIO(data), allow_pickle=False)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        raise _NotACheckpoint(f"the zip archive is truncated or corrupted ({type(e).__name__}: {e})") from None
    if not isinstance(npz, backend.np.lib.npyio.NpzFile):
        raise _NotACheckpoint("expected a zip archive of arrays")
    names = list(npz.files)
    if MANIFEST not in names:
        what = ("it looks like a torch.save file, which is a pickle inside a zip; tinygrad_edu never "
                "unpickles" if any(n.endswith("data.pkl") for n in _zip_names(data)) else
                f"the zip archive has no {MANIFEST!r} manifest entry (entries: {sorted(names)[:8]})")
        raise _NotACheckpoint(what)
    raw = _read_entry(npz, MANIFEST)
    if raw.dtype != backend.np.uint8 or raw.ndim != 1:
        raise _NotACheckpoint(f"the manifest entry has dtype {raw.dtype} and {raw.ndim} dims; expected uint8 bytes")
    try:
        manifest = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise _NotACheckpoint(f"the manifest is not valid JSON ({type(e).__name__}: {e})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or "root" not in manifest:
        raise _NotACheckpoint("the manifest does not describe a tinygrad_edu checkpoint")
    if manifest.get("version") != VERSION:
        raise _NotACheckpoint(f"checkpoint format version {manifest.get('version')!r} is not supported "
                              f"(this tinygrad_edu reads version {VERSION})")
    return manifest, _Entries(npz)


def _zip_names(data: bytes) -> List[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return []


def _read_entry(npz, key: str):
    try:
        arr = npz[key]
        if not backend.is_array(arr):
            raise _NotACheckpoint(f"entry {key!r} is not a .npy array")
        return arr
    except ValueError as e:
        if "allow_pickle" in str(e) or "Object arrays" in str(e):
            raise _NotACheckpoint(f"entry {key!r} is an object array, which only pickle can load, and loading a "
                                  "pickle can run arbitrary code; refusing it") from None
        raise _NotACheckpoint(f"entry {key!r} is corrupted ({type(e).__name__}: {e})") from None
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, RuntimeError) as e:
        raise _NotACheckpoint(f"entry {key!r} is truncated or corrupted ({type(e).__name__}: {e})") from None


class _Entries:
    """Every array in the archive, read up front: an object array anywhere is refused."""

    def __init__(self, npz):
        self.arrays = {name: _read_entry(npz, name) for name in npz.files if name != MANIFEST}

    def get(self, index: int):
        arr = self.arrays.get(str(index))
        if arr is None:
            raise _NotACheckpoint(f"the manifest refers to tensor {index}, which is missing from the archive")
        return arr


class _Decoder:
    def __init__(self, arrays: _Entries, map_location):
        self.arrays = arrays
        self.map_location = map_location
        self.tensors: Dict[int, Tensor] = {}

    def decode(self, node, where: str):
        if not isinstance(node, dict) or not isinstance(node.get("type"), str):
            raise _NotACheckpoint(f"manifest node at {where} is malformed")
        kind = node["type"]
        try:
            if kind == "none":
                return None
            if kind in ("bool", "int", "str"):
                value = node["value"]
                expected = {"bool": bool, "int": int, "str": str}[kind]
                if type(value) is not expected:
                    raise _NotACheckpoint(f"manifest node at {where} should hold a {kind}, not {value!r}")
                return value
            if kind == "float":
                value = node["value"]
                if isinstance(value, str) and value in ("inf", "-inf", "nan"):
                    return float(value)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    return float(value)
                raise _NotACheckpoint(f"manifest node at {where} should hold a float, not {value!r}")
            if kind in ("list", "tuple"):
                items = [self.decode(v, f"{where}[{i}]") for i, v in enumerate(self._items(node, where))]
                return items if kind == "list" else tuple(items)
            if kind in _DICTS:
                out = _DICTS[kind]()
                for pair in self._items(node, where):
                    if not isinstance(pair, list) or len(pair) != 2:
                        raise _NotACheckpoint(f"manifest node at {where} has a malformed dict item")
                    k = self.decode_key(pair[0], where)
                    out[k] = self.decode(pair[1], f"{where}[{k!r}]")
                return out
            if kind == "tensor":
                return self.tensor(node, where)
        except (KeyError, TypeError) as e:
            raise _NotACheckpoint(f"manifest node at {where} is malformed ({type(e).__name__}: {e})") from None
        raise _NotACheckpoint(f"manifest node at {where} has unknown type {kind!r}")

    def decode_key(self, node, where):
        value = self.decode(node, where + " (a key)")
        if isinstance(value, (list, dict, Tensor)):
            raise _NotACheckpoint(f"manifest node at {where} has an unhashable dict key")
        return value

    @staticmethod
    def _items(node, where):
        items = node["items"]
        if not isinstance(items, list):
            raise _NotACheckpoint(f"manifest node at {where} has malformed items")
        return items

    def tensor(self, node, where: str) -> Tensor:
        index = node["index"]
        if not isinstance(index, int) or isinstance(index, bool):
            raise _NotACheckpoint(f"manifest node at {where} has a malformed tensor index {index!r}")
        if index in self.tensors:  # the same tensor saved twice comes back as one tensor
            return self.tensors[index]
        dtype = _DTYPES.get(node["dtype"])
        if dtype is None:
            raise _NotACheckpoint(f"tensor at {where} has unsupported dtype {node['dtype']!r}")
        arr = self.arrays.get(index)
        if arr.dtype != dtype.np:
            raise _NotACheckpoint(f"tensor at {where} is stored as {arr.dtype.str} but the manifest says "
                                  f"{dtype.name}")
        if list(arr.shape) != node["shape"]:
            raise _NotACheckpoint(f"tensor at {where} has shape {list(arr.shape)} but the manifest says "
                                  f"{node['shape']}")
        dev = self.device_for(str(node.get("device", "cpu")))
        arr = backend.to_device(arr, dev)
        t = Tensor._make(arr, bool(node.get("requires_grad", False)) and dtype.is_floating_point)
        if node.get("parameter"):
            t = _as_parameter(t)
        self.tensors[index] = t
        return t

    def device_for(self, saved: str) -> backend.device:
        try:
            saved = str(backend.device(saved))
        except (RuntimeError, TypeError):
            raise _NotACheckpoint(f"a tensor was saved on an unknown device {saved!r}") from None
        m = self.map_location
        if isinstance(m, dict):
            target = m.get(saved, m.get(saved.split(":")[0], saved))
        elif m is None:
            target = saved
        else:
            target = m
        dev = backend.device(target)
        if dev.type == "cuda" and not backend.cuda_is_available():
            raise RuntimeError("Attempting to deserialize object on a CUDA device but CUDA is not available. "
                               "If you are running on a CPU-only machine, please use tinygrad_edu.load with "
                               "map_location='cpu' to map your tensors to the CPU.")
        return dev


def _as_parameter(t: Tensor) -> Tensor:
    """Wrap a loaded tensor back into ``nn.Parameter``."""
    return Parameter(t, requires_grad=t.requires_grad)
