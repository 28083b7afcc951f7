"""Checkpoints: bit-exact round trips, safe loading (no pickle, ever), clear errors, atomic saves."""
import io
import json
import os
import pathlib
import pickle
import zipfile
from collections import Counter, OrderedDict

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import optim
from tinygrad_edu.utils import serialization


def _same(a, b):
    """Bit-for-bit equality of two tensors, dtype and shape included."""
    assert a.dtype == b.dtype and tuple(a.shape) == tuple(b.shape)
    x, y = a.numpy(force=True), b.numpy(force=True)
    assert x.tobytes() == y.tobytes()


def _write_raw(path, manifest, arrays):
    """Craft an archive by hand, as an attacker or a corrupted disk would."""
    data = json.dumps(manifest).encode()
    with open(path, "wb") as fh:  # (np.savez would append .npz to a path)
        np.savez(fh, __tinygrad_edu__=np.frombuffer(data, np.uint8), **arrays)


# ----------------------------------------------------------------------------- round trips
def test_tensors_round_trip_bit_exact_with_dtype(tmp_path):
    f32 = np.array([0.1, -0.0, np.inf, -np.inf, np.nan, 1e-45, 3.4e38], dtype=np.float32)
    obj = {
        "f32": tg.tensor(f32),
        "f64": tg.tensor(np.array([np.pi, -1e-310, np.nan]), dtype=tg.float64),
        "f16": tg.tensor([1.5, -2.25], dtype=tg.float16),
        "i64": tg.tensor([2 ** 62, -(2 ** 63), 0]),
        "i32": tg.tensor([7, -7], dtype=tg.int32),
        "u8": tg.tensor([0, 255, 128], dtype=tg.uint8),
        "bool": tg.tensor([True, False, True]),
        "scalar": tg.tensor(3.5),
        "empty": tg.zeros(0, 3),
        "transposed": tg.tensor(np.arange(6.0).reshape(2, 3)).t(),  # not contiguous
        "grad": tg.randn(2, 2, requires_grad=True),
    }
    tg.save(obj, tmp_path / "t.tg")
    back = tg.load(tmp_path / "t.tg")
    assert list(back) == list(obj)
    for k in obj:
        _same(back[k], obj[k])
        assert back[k].device == obj[k].device
        assert back[k].requires_grad == obj[k].requires_grad
        assert back[k].is_leaf


def test_nested_containers_and_plain_values_round_trip(tmp_path):
    shared = tg.ones(2)
    obj = OrderedDict([
        ("z_first", 1), ("a_second", 2.5),
        ("plain", {"none": None, "t": True, "f": False, "big": 2 ** 80, "neg": -3, "inf": float("inf"),
                   "ninf": float("-inf"), "tiny": 5e-324, "text": "한글 ✓", "empty": "", "el": [], "ed": {}}),
        ("keys", {0: "int", 1.5: "float", None: "none", True: "bool", ("a", 1): "tuple", "s": "str"}),
        ("seq", [1, (2, [3, {"four": 4}]), ()]),
        ("counter", Counter({3: 2, 5: 1})),
        ("shared1", shared), ("shared2", [shared]),
        ("np_scalars", [np.float32(0.5), np.int64(3), np.bool_(True)]),
    ])
    buf = io.BytesIO()
    tg.save(obj, buf)
    buf.seek(0)
    back = tg.load(buf)
    assert type(back) is OrderedDict and list(back) == list(obj)
    assert back["plain"]["big"] == 2 ** 80 and back["plain"]["tiny"] == 5e-324
    assert back["plain"]["inf"] == float("inf") and back["plain"]["ninf"] == float("-inf")
    assert {k: v for k, v in back["plain"].items() if k not in ("inf", "ninf")} == {
        k: v for k, v in obj["plain"].items() if k not in ("inf", "ninf")}
    assert back["keys"] == obj["keys"] and all(type(k) is type(j) for k, j in zip(back["keys"], obj["keys"]))
    assert back["seq"] == [1, (2, [3, {"four": 4}]), ()] and type(back["seq"][1]) is tuple
    assert type(back["counter"]) is Counter and back["counter"] == Counter({3: 2, 5: 1})
    assert back["shared1"] is back["shared2"][0]  # one tensor saved twice comes back as one tensor
    assert back["np_scalars"] == [0.5, 3, True] and [type(v) for v in back["np_scalars"]] == [float, int, bool]
    nan = tg.load(_bytes({"nan": float("nan")}))["nan"]
    assert nan != nan


def _bytes(obj):
    buf = io.BytesIO()
    tg.save(obj, buf)
    return io.BytesIO(buf.getvalue())


def test_paths_str_pathlib_and_file_objects(tmp_path):
    t = tg.arange(5)
    tg.save(t, str(tmp_path / "a.tg"))
    tg.save(t, tmp_path / "b.tg")
    with open(tmp_path / "c.tg", "wb") as fh:
        tg.save(t, fh)
    for name in ("a.tg", "b.tg", "c.tg"):
        _same(tg.load(str(tmp_path / name)), t)
        _same(tg.load(pathlib.Path(tmp_path / name)), t)
        with open(tmp_path / name, "rb") as fh:
            _same(tg.load(fh), t)
    tg.save([1, 2], tmp_path / "b.tg")  # overwriting an existing checkpoint
    assert tg.load(tmp_path / "b.tg") == [1, 2]
    assert sorted(os.listdir(tmp_path)) == ["a.tg", "b.tg", "c.tg"]  # no temporary files left
    assert os.stat(tmp_path / "b.tg").st_mode & 0o777 == os.stat(tmp_path / "a.tg").st_mode & 0o777


def test_optimizer_state_dict_round_trips(tmp_path):
    W, b = tg.randn(3, 2, requires_grad=True), tg.randn(2, requires_grad=True)
    opt = optim.Adam([{"params": [W]}, {"params": [b], "lr": 0.5}], lr=0.1, amsgrad=True, betas=(0.8, 0.9))
    for _ in range(3):
        W.grad, b.grad = tg.randn(3, 2), tg.randn(2)
        opt.step()
    sd = opt.state_dict()
    tg.save(sd, tmp_path / "opt.tg")
    back = tg.load(tmp_path / "opt.tg")
    assert back["param_groups"] == sd["param_groups"]  # tuples (betas), bools, None (foreach), ints
    assert type(back["param_groups"][0]["betas"]) is tuple
    assert set(back["state"]) == {0, 1}
    for i in (0, 1):
        assert back["state"][i]["step"] == 3
        for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            _same(back["state"][i][key], sd["state"][i][key])


def test_model_state_dict_round_trips(tmp_path):
    nn = tg.nn
    if not hasattr(nn, "Linear"):
        pytest.skip("nn.Linear is not available yet")
    model = nn.Linear(4, 3)
    tg.save(model.state_dict(), tmp_path / "m.tg")
    back = tg.load(tmp_path / "m.tg")
    assert type(back) is type(model.state_dict()) and list(back) == ["weight", "bias"]
    other = nn.Linear(4, 3)
    other.load_state_dict(back)
    _same(other.weight, model.weight)
    _same(other.bias, model.bias)
    if hasattr(nn, "Parameter"):  # a Parameter saved as such comes back as a Parameter
        p = tg.load(_bytes({"w": model.weight}))["w"]
        assert isinstance(p, nn.Parameter) and p.requires_grad


def test_map_location(tmp_path):
    tg.save({"x": tg.ones(2, device="cpu")}, tmp_path / "x.tg")
    for loc in ("cpu", tg.device("cpu"), {"cpu": "cpu"}):
        assert tg.load(tmp_path / "x.tg", map_location=loc)["x"].device == tg.device("cpu")
    with pytest.raises(TypeError, match="map_location must be None, a device name, a device or a dict"):
        tg.load(tmp_path / "x.tg", map_location=3)
    if not tg.cuda.is_available():
        with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA device but CUDA is not "
                                               "available.*map_location='cpu'"):
            tg.load(tmp_path / "x.tg", map_location="cuda")
        # a checkpoint written on a GPU machine loads on a CPU with map_location='cpu'
        manifest = {"format": "tinygrad_edu", "version": 1,
                    "root": {"type": "tensor", "index": 0, "dtype": "float32", "shape": [2], "device": "cuda:0",
                             "requires_grad": False}}
        _write_raw(tmp_path / "gpu.tg", manifest, {"0": np.ones(2, np.float32)})
        assert tg.load(tmp_path / "gpu.tg", map_location="cpu").device == tg.device("cpu")
        assert tg.load(tmp_path / "gpu.tg", map_location={"cuda:0": "cpu"}).device == tg.device("cpu")
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            tg.load(tmp_path / "gpu.tg")


@pytest.mark.skipif(not tg.cuda.is_available(), reason="needs a GPU")
def test_cuda_round_trip(tmp_path):
    t = tg.randn(3, 4).cuda()
    tg.save({"t": t, "c": tg.arange(3, device="cpu")}, tmp_path / "g.tg")
    back = tg.load(tmp_path / "g.tg")
    assert back["t"].device == tg.device("cuda") and back["c"].device == tg.device("cpu")
    _same(back["t"].cpu(), t.cpu())
    on_cpu = tg.load(tmp_path / "g.tg", map_location="cpu")["t"]
    assert on_cpu.device == tg.device("cpu")
    _same(on_cpu, t.cpu())
    assert tg.load(tmp_path / "g.tg", map_location="cuda")["c"].device == tg.device("cuda")


# ----------------------------------------------------------------------------- what cannot be saved
def test_unsupported_values_are_refused_when_saving(tmp_path):
    with pytest.raises(TypeError, match=r"save\(\): cannot save obj\['f'\] of type function; a checkpoint holds "
                                        r"tensors, dicts, lists, tuples, str, int, float, bool and None"):
        tg.save({"f": lambda: 0}, tmp_path / "x.tg")
    with pytest.raises(TypeError, match=r"cannot save obj\[1\] of type numpy.ndarray \(wrap arrays with "
                                        r"tinygrad_edu.from_numpy"):
        tg.save([1, np.zeros(2)], tmp_path / "x.tg")
    with pytest.raises(TypeError, match="cannot save a dict key of type Tensor"):
        tg.save({tg.ones(1): 1}, tmp_path / "x.tg")
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match=r"save\(\): obj\[0\] contains itself \(a reference cycle\)"):
        tg.save(loop, tmp_path / "x.tg")
    assert not os.listdir(tmp_path)  # nothing was written


# ----------------------------------------------------------------------------- safety
class _Evil:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.marker),))


def test_a_pickle_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"weights": _Evil(str(marker))}))
    with pytest.raises(RuntimeError) as info:
        tg.load(path)
    assert str(info.value) == (f"{path} is not a tinygrad_edu checkpoint: it is a Python pickle (protocol "
                               f"{pickle.DEFAULT_PROTOCOL}), e.g. from pickle.dump or an old torch.save; tinygrad_edu "
                               "never unpickles, because loading a pickle can run arbitrary code")
    assert not marker.exists()


def test_an_object_array_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "pwned"
    evil = np.empty(1, dtype=object)
    evil[0] = _Evil(str(marker))
    manifest = {"format": "tinygrad_edu", "version": 1,
                "root": {"type": "tensor", "index": 0, "dtype": "float32", "shape": [1], "device": "cpu",
                         "requires_grad": False}}
    _write_raw(tmp_path / "evil.tg", manifest, {"0": evil})
    with pytest.raises(RuntimeError) as info:
        tg.load(tmp_path / "evil.tg")
    assert str(info.value) == (f"{tmp_path / 'evil.tg'} is not a tinygrad_edu checkpoint: entry '0' is an object "
                               "array, which only pickle can load, and loading a pickle can run arbitrary code; "
                               "refusing it")
    assert not marker.exists()
    # also when the manifest does not even mention it
    _write_raw(tmp_path / "evil2.tg", {"format": "tinygrad_edu", "version": 1, "root": {"type": "none"}},
               {"extra": evil})
    with pytest.raises(RuntimeError, match="entry 'extra' is an object array"):
        tg.load(tmp_path / "evil2.tg")
    assert not marker.exists()


def test_a_torch_save_file_is_refused(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.zeros(2)}, tmp_path / "model.pt")
    with pytest.raises(RuntimeError, match=r"model.pt is not a tinygrad_edu checkpoint: it looks like a torch.save "
                                           r"file, which is a pickle inside a zip; tinygrad_edu never unpickles"):
        tg.load(tmp_path / "model.pt")


# ----------------------------------------------------------------------------- damaged and foreign files
def _checkpoint_bytes():
    return _bytes({"w": tg.tensor(np.arange(256, dtype=np.float32)), "step": 3}).getvalue()


@pytest.mark.parametrize("content,reason", [
    (b"", "the file is empty (0 bytes)"),
    (b"hello, I am a text file\n", "expected a zip archive (.npz) but the file starts with b'hello, I am a te' (text)"),
    (b"\x00\x01\x02\x03garbage", "expected a zip archive (.npz) but the file starts with "
                                 "b'\\x00\\x01\\x02\\x03garbage' (binary data)"),
    ("truncated-head", "the zip archive is truncated or corrupted (BadZipFile: File is not a zip file)"),
    ("truncated-tail", "the zip archive is truncated or corrupted (BadZipFile: File is not a zip file)"),
    ("corrupted", "entry '0' is truncated or corrupted (BadZipFile: Bad CRC-32 for file '0.npy')"),
    ("npy", "it is a single NumPy .npy array, not a checkpoint archive (load it with numpy)"),
    ("zip", "the zip archive has no '__tinygrad_edu__' manifest entry (entries: ['notes.txt'])"),
    ("npz", "the zip archive has no '__tinygrad_edu__' manifest entry (entries: ['a', 'b'])"),
])
def test_damaged_or_foreign_files_give_clear_errors(tmp_path, content, reason):
    path = tmp_path / "bad.ckpt"
    good = _checkpoint_bytes()
    if content == "truncated-head":
        content = good[:40]
    elif content == "truncated-tail":
        content = good[:-30]
    elif content == "corrupted":
        data = bytearray(good)
        data[good.index(b"0.npy") + 200] ^= 0xFF  # a byte inside the tensor's data
        content = bytes(data)
    elif content == "npy":
        np.save(tmp_path / "a.npy", np.zeros(3))
        content = (tmp_path / "a.npy").read_bytes()
    elif content == "zip":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("notes.txt", "not a checkpoint")
        content = path.read_bytes()
    elif content == "npz":
        np.savez(tmp_path / "foreign.npz", a=np.zeros(2), b=np.ones(3))
        content = (tmp_path / "foreign.npz").read_bytes()
    path.write_bytes(content)
    with pytest.raises(RuntimeError) as info:
        tg.load(path)
    assert str(info.value) == f"{path} is not a tinygrad_edu checkpoint: {reason}"


_T0 = {"type": "tensor", "index": 0, "dtype": "float32", "shape": [2], "device": "cpu", "requires_grad": False}


@pytest.mark.parametrize("manifest,arrays,reason", [
    ({"format": "other", "version": 1, "root": _T0}, {"0": np.zeros(2, np.float32)},
     "the manifest does not describe a tinygrad_edu checkpoint"),
    ({"format": "tinygrad_edu", "version": 99, "root": _T0}, {"0": np.zeros(2, np.float32)},
     "checkpoint format version 99 is not supported (this tinygrad_edu reads version 1)"),
    ({"format": "tinygrad_edu", "version": 1, "root": _T0}, {},
     "the manifest refers to tensor 0, which is missing from the archive"),
    ({"format": "tinygrad_edu", "version": 1, "root": dict(_T0, dtype="float64")}, {"0": np.zeros(2, np.float32)},
     "tensor at root is stored as <f4 but the manifest says float64"),
    ({"format": "tinygrad_edu", "version": 1, "root": _T0}, {"0": np.zeros(3, np.float32)},
     "tensor at root has shape [3] but the manifest says [2]"),
    ({"format": "tinygrad_edu", "version": 1, "root": dict(_T0, dtype="complex64")}, {"0": np.zeros(2, np.float32)},
     "tensor at root has unsupported dtype 'complex64'"),
    ({"format": "tinygrad_edu", "version": 1, "root": dict(_T0, device="tpu")}, {"0": np.zeros(2, np.float32)},
     "a tensor was saved on an unknown device 'tpu'"),
    ({"format": "tinygrad_edu", "version": 1, "root": {"type": "list", "items": [{"type": "code"}]}}, {},
     "manifest node at root[0] has unknown type 'code'"),
    ({"format": "tinygrad_edu", "version": 1, "root": {"type": "int", "value": "3"}}, {},
     "manifest node at root should hold a int, not '3'"),
    ({"format": "tinygrad_edu", "version": 1, "root": {"type": "dict", "items": [[{"type": "str"}]]}}, {},
     "manifest node at root has a malformed dict item"),
])
def test_tampered_manifests_give_clear_errors(tmp_path, manifest, arrays, reason):
    path = tmp_path / "t.tg"
    _write_raw(path, manifest, arrays)
    with pytest.raises(RuntimeError) as info:
        tg.load(path)
    assert str(info.value) == f"{path} is not a tinygrad_edu checkpoint: {reason}"


def test_manifest_that_is_not_json(tmp_path):
    with open(tmp_path / "j.tg", "wb") as fh:
        np.savez(fh, __tinygrad_edu__=np.frombuffer(b"{not json", np.uint8))
    with pytest.raises(RuntimeError, match=r"j.tg is not a tinygrad_edu checkpoint: the manifest is not valid JSON "
                                           r"\(JSONDecodeError: "):
        tg.load(tmp_path / "j.tg")


def test_missing_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        tg.load(tmp_path / "nope.tg")


# ----------------------------------------------------------------------------- atomic saving
def test_an_interrupted_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "model.tg"
    tg.save({"epoch": 1, "w": tg.ones(3)}, path)
    before = path.read_bytes()

    def crash_mid_write(fileobj, arrays):
        fileobj.write(b"PK\x03\x04 half a checkpoint")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(serialization, "_write_archive", crash_mid_write)
    with pytest.raises(OSError, match="No space left on device"):
        tg.save({"epoch": 2, "w": tg.zeros(3)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.tg"]  # the temporary file was removed
    monkeypatch.undo()
    back = tg.load(path)
    assert back["epoch"] == 1 and back["w"].tolist() == [1.0, 1.0, 1.0]


def test_an_interrupted_first_save_leaves_nothing(tmp_path, monkeypatch):
    def interrupted(fileobj, arrays):
        fileobj.write(b"PK")
        raise KeyboardInterrupt

    monkeypatch.setattr(serialization, "_write_archive", interrupted)
    with pytest.raises(KeyboardInterrupt):
        tg.save([1], tmp_path / "new.tg")
    assert os.listdir(tmp_path) == []
