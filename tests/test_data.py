"""Datasets, DataLoader, offline datasets (digits, MNIST IDX) and image layout helpers."""
import gzip
import os
import struct
import subprocess
import sys
from collections import namedtuple

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.utils import data as D
from tinygrad_edu.utils import datasets, image
from tinygrad_edu.utils.data import DataLoader, TensorDataset, default_collate


def _ds(n=10):
    return TensorDataset(tg.arange(n).float().reshape(n, 1) * 10, tg.arange(n))


# ----------------------------------------------------------------------------- datasets
def test_utils_data_is_importable_like_torch():
    import tinygrad_edu.utils.data as data_module
    assert tg.utils.data is data_module and tg.utils.data.DataLoader is DataLoader


def test_tensor_dataset():
    ds = _ds(4)
    assert len(ds) == 4
    x, y = ds[2]
    assert x.tolist() == [20.0] and y.item() == 2
    with pytest.raises(ValueError, match=r"Size mismatch between tensors: every tensor needs the same first "
                                         r"dimension, but got sizes \[3, 4\]"):
        TensorDataset(tg.zeros(3, 2), tg.zeros(4))
    with pytest.raises(TypeError, match="TensorDataset expects tensors, but argument 1 is list"):
        TensorDataset(tg.zeros(3), [1, 2, 3])


def test_subset_concat_and_random_split():
    ds = _ds(10)
    sub = D.Subset(ds, [7, 2])
    assert len(sub) == 2 and sub[0][1].item() == 7 and [s[1].item() for s in sub[[0, 1]]] == [7, 2]
    both = ds + _ds(3)
    assert len(both) == 13 and both[11][1].item() == 1 and both[-1][1].item() == 2

    tg.manual_seed(0)
    a, b = D.random_split(ds, [7, 3])
    tg.manual_seed(0)
    a2, b2 = D.random_split(ds, [7, 3])
    assert a.indices == a2.indices and b.indices == b2.indices  # reproducible under manual_seed
    assert sorted(a.indices + b.indices) == list(range(10))     # disjoint, covering
    g1, g2 = tg.Generator().manual_seed(5), tg.Generator().manual_seed(5)
    by_fraction = D.random_split(ds, [0.5, 0.5], generator=g1)[0].indices
    assert by_fraction == D.random_split(ds, [5, 5], generator=g2)[0].indices
    assert [len(s) for s in D.random_split(_ds(11), [0.5, 0.3, 0.2])] == [6, 3, 2]  # remainder round-robin
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length of the input dataset!"):
        D.random_split(ds, [3, 3])
    with pytest.raises(ValueError, match="Fraction at index 1 is not between 0 and 1"):
        D.random_split(ds, [0.5, 1.5, -1.0])


# ----------------------------------------------------------------------------- the loader
def test_batching_drop_last_and_len():
    loader = DataLoader(_ds(10), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [len(y) for _, y in batches] == [4, 4, 2]
    x, y = batches[0]
    assert x.shape == (4, 1) and x.dtype == tg.float32 and y.dtype == tg.int64
    assert y.tolist() == [0, 1, 2, 3] and x.reshape(-1).tolist() == [0.0, 10.0, 20.0, 30.0]
    dropped = DataLoader(_ds(10), batch_size=4, drop_last=True)
    assert len(dropped) == 2 and [len(y) for _, y in dropped] == [4, 4]
    assert len(DataLoader(_ds(10))) == 10


def test_tensor_dataset_fast_path_equals_collating_samples():
    ds = TensorDataset(tg.randn(9, 2, 3), tg.arange(9))
    fast = list(DataLoader(ds, batch_size=4))
    slow = list(DataLoader(ds, batch_size=4, collate_fn=lambda batch: default_collate(batch)))
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert np.array_equal(fx.numpy(force=True), sx.numpy(force=True))
        assert np.array_equal(fy.numpy(force=True), sy.numpy(force=True))


def test_shuffle_is_reproducible_under_manual_seed():
    loader = DataLoader(_ds(20), batch_size=5, shuffle=True)

    def epoch():
        return [i for _, y in loader for i in y.tolist()]

    tg.manual_seed(0)
    e1, e2 = epoch(), epoch()
    assert sorted(e1) == list(range(20)) and e1 != list(range(20)) and e1 != e2  # a new order each epoch
    tg.manual_seed(0)
    assert epoch() == e1 and epoch() == e2
    # with its own generator the order does not depend on the default generator
    g = tg.Generator().manual_seed(3)
    own = DataLoader(_ds(20), batch_size=5, shuffle=True, generator=g)
    first = [i for _, y in own for i in y.tolist()]
    g.manual_seed(3)
    tg.manual_seed(123)
    assert [i for _, y in own for i in y.tolist()] == first


def test_samplers():
    ds = _ds(6)
    loader = DataLoader(ds, batch_sampler=[[5, 0], [1]])
    assert [y.tolist() for _, y in loader] == [[5, 0], [1]]
    loader = DataLoader(ds, batch_size=2, sampler=[3, 4, 5])
    assert [y.tolist() for _, y in loader] == [[3, 4], [5]] and len(loader) == 2
    tg.manual_seed(1)
    rs = list(D.RandomSampler(ds, replacement=True, num_samples=10))
    assert len(rs) == 10 and all(0 <= i < 6 for i in rs)
    assert len(list(D.RandomSampler(ds, num_samples=8))) == 8
    assert sorted(D.SubsetRandomSampler([1, 3, 5])) == [1, 3, 5]
    assert list(D.BatchSampler(D.SequentialSampler(ds), 4, False)) == [[0, 1, 2, 3], [4, 5]]


def test_no_batching_and_iterable_datasets():
    samples = list(DataLoader(_ds(3), batch_size=None))
    assert len(samples) == 3 and samples[1][1].item() == 1 and samples[1][1].shape == ()

    class Stream(D.IterableDataset):
        def __iter__(self):
            return iter(range(7))

        def __len__(self):
            return 7

    loader = DataLoader(Stream(), batch_size=3)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]] and len(loader) == 3
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]


def test_default_collate():
    Point = namedtuple("Point", "x y")
    batch = default_collate([{"img": tg.ones(2, 2), "label": 1, "w": 0.5, "ok": True, "name": "a",
                              "pt": Point(1, 2.0), "arr": np.zeros(3, np.float32), "pair": (1, [2, 3])},
                             {"img": tg.zeros(2, 2), "label": 2, "w": 1.5, "ok": False, "name": "b",
                              "pt": Point(3, 4.0), "arr": np.ones(3, np.float32), "pair": (4, [5, 6])}])
    assert batch["img"].shape == (2, 2, 2) and batch["img"].dtype == tg.float32
    assert batch["label"].tolist() == [1, 2] and batch["label"].dtype == tg.int64
    assert batch["w"].dtype == tg.float64 and batch["ok"].dtype == tg.bool and batch["ok"].tolist() == [True, False]
    assert batch["name"] == ["a", "b"]
    assert isinstance(batch["pt"], Point) and batch["pt"].x.tolist() == [1, 3]
    assert batch["arr"].shape == (2, 3) and batch["arr"].dtype == tg.float32
    assert isinstance(batch["pair"], list) and batch["pair"][0].tolist() == [1, 4]
    assert [t.tolist() for t in batch["pair"][1]] == [[2, 5], [3, 6]]
    assert default_collate([np.float32(1), np.float32(2)]).dtype == tg.float32
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got \[2\] at entry 0 "
                                           r"and \[3\] at entry 1"):
        default_collate([tg.zeros(2), tg.zeros(3)])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([(1, 2), (3,)])
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                                        "or lists; found <class 'object'>"):
        default_collate([object(), object()])


def test_loader_argument_errors():
    ds = _ds(4)
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                         "sampler, and drop_last"):
        DataLoader(ds, batch_size=2, batch_sampler=[[0]])
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="batch_size=None option disables auto-batching and is mutually exclusive "
                                         "with drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    assert len(list(DataLoader(ds, num_workers=2, batch_size=2))) == 2  # worker processes (utils/worker.py)


# ----------------------------------------------------------------------------- digits
def test_digits_shapes_ranges_and_labels():
    x, y = datasets.load_digits()
    assert x.shape == (1797, 1, 8, 8) and x.dtype == tg.float32 and y.shape == (1797,) and y.dtype == tg.int64
    assert x.numpy(force=True).min() == 0.0 and x.numpy(force=True).max() == 1.0
    assert y.tolist()[:10] == list(range(10)) and sorted(set(y.tolist())) == list(range(10))
    # the first image's top row in sklearn's CSV is 0,0,5,13,9,1,0,0 (values 0..16)
    np.testing.assert_array_equal(x.numpy(force=True)[0, 0, 0] * 16, [0, 0, 5, 13, 9, 1, 0, 0])
    xtr, ytr = datasets.load_digits("train")
    xte, yte = datasets.load_digits("test")
    assert len(ytr) == 1438 and len(yte) == 359
    np.testing.assert_array_equal(xte.numpy(force=True), x.numpy(force=True)[4::5])  # every fifth image is a test image
    assert np.array_equal(datasets.load_digits("test")[0].numpy(force=True), xte.numpy(force=True))  # deterministic
    assert datasets.load_digits(flatten=True)[0].shape == (1797, 64)
    with pytest.raises(ValueError, match="split must be 'train', 'test' or 'all', but got 'valid'"):
        datasets.load_digits("valid")


def test_digits_match_scikit_learn():
    sk = pytest.importorskip("sklearn.datasets")
    ref = sk.load_digits()
    x, y = datasets.load_digits()
    np.testing.assert_array_equal(x.numpy(force=True)[:, 0] * 16, ref.images)
    np.testing.assert_array_equal(y.numpy(force=True), ref.target)


def test_digits_resized_to_28x28_like_torch_interpolate():
    x, _ = datasets.load_digits("test", image_size=28)
    assert x.shape == (359, 1, 28, 28) and x.dtype == tg.float32
    assert 0.0 <= x.numpy(force=True).min() and x.numpy(force=True).max() <= 1.0
    torch = pytest.importorskip("torch")
    small, _ = datasets.load_digits("test")
    ref = torch.nn.functional.interpolate(torch.tensor(small.numpy(force=True)), size=(28, 28), mode="bilinear",
                                          align_corners=False)
    np.testing.assert_allclose(x.numpy(force=True), ref.numpy(force=True), atol=1e-6)
    odd = np.random.default_rng(0).random((2, 3, 5, 7)).astype(np.float32)  # down and up, non-square
    ref = torch.nn.functional.interpolate(torch.tensor(odd), size=(3, 11), mode="bilinear", align_corners=False)
    np.testing.assert_allclose(image.resize(odd, (3, 11)), ref.numpy(force=True), atol=1e-6)
    assert image.resize(tg.tensor(odd), 4).shape == (2, 3, 4, 4)


def test_digits_dataset_with_a_loader():
    ds = datasets.Digits(train=True, image_size=28)
    img, label = ds[0]
    assert img.shape == (1, 28, 28) and isinstance(label, int) and len(ds) == 1438
    x, y = next(iter(DataLoader(ds, batch_size=32)))
    assert x.shape == (32, 1, 28, 28) and y.dtype == tg.int64
    flipped = datasets.Digits(train=False, transform=lambda t: t * -1, target_transform=lambda v: v + 100)
    img, label = flipped[0]
    assert img.numpy(force=True).max() <= 0 and label >= 100


def test_digits_without_scikit_learn_say_how_to_install(monkeypatch):
    monkeypatch.setattr(datasets, "_digits_cache", None)
    monkeypatch.setattr(datasets.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(RuntimeError, match=r"scikit-learn is not installed: pip install scikit-learn \(or pip "
                                           r"install 'tinygrad_edu\[data\]'\)"):
        datasets.load_digits()


def test_loading_digits_imports_neither_sklearn_nor_scipy():
    code = ("import sys; import tinygrad_edu.utils.datasets as d; d.load_digits(image_size=28); "
            "print('sklearn' in sys.modules, 'scipy' in sys.modules)")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.getcwd(), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]


# ----------------------------------------------------------------------------- MNIST IDX
def _idx(path, array, type_byte=0x08, compress=False):
    header = bytes([0, 0, type_byte, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    body = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    if compress:
        with gzip.open(str(path) + ".gz", "wb") as fh:
            fh.write(body)
    else:
        with open(path, "wb") as fh:
            fh.write(body)


def _mnist_files(folder, n=5, compress=False):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(n, 6, 4), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    os.makedirs(folder, exist_ok=True)
    _idx(os.path.join(folder, "train-images-idx3-ubyte"), images, compress=compress)
    _idx(os.path.join(folder, "train-labels-idx1-ubyte"), labels, compress=compress)
    _idx(os.path.join(folder, "t10k-images-idx3-ubyte"), images[:2], compress=compress)
    _idx(os.path.join(folder, "t10k-labels-idx1-ubyte"), labels[:2], compress=compress)
    return images, labels


@pytest.mark.parametrize("compress", [False, True])
def test_mnist_reads_idx_files(tmp_path, compress):
    images, labels = _mnist_files(tmp_path, compress=compress)
    ds = datasets.MNIST(tmp_path)
    assert len(ds) == 5 and ds.data.dtype == tg.uint8 and ds.targets.dtype == tg.int64
    np.testing.assert_array_equal(ds.data.numpy(force=True), images)
    np.testing.assert_array_equal(ds.targets.numpy(force=True), labels)
    img, label = ds[3]
    assert img.shape == (1, 6, 4) and img.dtype == tg.float32 and label == int(labels[3])
    np.testing.assert_allclose(img.numpy(force=True)[0], images[3] / 255.0, rtol=1e-6)
    test = datasets.MNIST(str(tmp_path), train=False, transform=lambda t: t.reshape(-1))
    assert len(test) == 2 and test[0][0].shape == (24,)


def test_mnist_torchvision_layout_and_other_idx_types(tmp_path):
    _mnist_files(tmp_path / "MNIST" / "raw", n=3)
    assert len(datasets.MNIST(tmp_path)) == 3
    ints = np.array([[1, -2], [300000, 4]], dtype=np.int32)
    _idx(tmp_path / "ints.idx", ints, type_byte=0x0C)
    got = datasets.read_idx(str(tmp_path / "ints.idx"))
    assert got.dtype == np.int32 and got.dtype.isnative and got.tolist() == ints.tolist()


def test_mnist_errors(tmp_path):
    with pytest.raises(RuntimeError, match=r"MNIST: train-images-idx3-ubyte\(.gz\) not found in .*Expected the files: "
                                           r"train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
                                           r"t10k-labels-idx1-ubyte \(each optionally .gz\)"):
        datasets.MNIST(tmp_path)
    with pytest.raises(RuntimeError, match="tinygrad_edu works offline and downloads nothing"):
        datasets.MNIST(tmp_path, download=True)
    bad = tmp_path / "bad"
    bad.write_bytes(b"GIF89a....")
    with pytest.raises(RuntimeError, match=r"bad is not an IDX file: bad magic number b'GIF8' \(expected 00 00 "
                                           r"<type> <ndim>\)"):
        datasets.read_idx(str(bad))
    short = tmp_path / "short"
    short.write_bytes(bytes([0, 0, 8, 1]) + struct.pack(">I", 10) + b"\x01\x02")
    with pytest.raises(RuntimeError, match=r"short is truncated or padded: shape \[10\] needs 10 bytes of data, "
                                           r"but the file has 2"):
        datasets.read_idx(str(short))
    images, labels = _mnist_files(tmp_path / "mismatch", n=4)
    _idx(tmp_path / "mismatch" / "train-labels-idx1-ubyte", labels[:3])
    with pytest.raises(RuntimeError, match="train-labels-idx1-ubyte holds 3 labels for 4 images"):
        datasets.MNIST(tmp_path / "mismatch")


def test_synthetic_shapes():
    ds = datasets.SyntheticShapes(n=30, image_size=16, seed=1)
    img, label = ds[0]
    assert len(ds) == 30 and img.shape == (1, 16, 16) and label in (0, 1, 2)
    assert 0.0 <= ds.data.numpy(force=True).min() and ds.data.numpy(force=True).max() <= 1.0
    again = datasets.SyntheticShapes(n=30, image_size=16, seed=1)
    assert np.array_equal(again.data.numpy(force=True), ds.data.numpy(force=True))
    assert set(ds.targets.tolist()) == {0, 1, 2}


# ----------------------------------------------------------------------------- images
def test_chw_hwc_conversions():
    hwc = np.arange(2 * 3 * 4).reshape(2, 3, 4)  # H=2, W=3, C=4
    chw = image.hwc_to_chw(hwc)
    assert chw.shape == (4, 2, 3) and chw[1, 0, 2] == hwc[0, 2, 1]
    np.testing.assert_array_equal(image.chw_to_hwc(chw), hwc)
    t = tg.tensor(hwc.astype(np.float32), requires_grad=True)
    out = image.hwc_to_chw(t)
    assert isinstance(out, tg.Tensor) and out.shape == (4, 2, 3)
    out.sum().backward()  # differentiable
    assert t.grad.shape == (2, 3, 4)
    batch = tg.zeros(5, 3, 8, 6)
    assert image.chw_to_hwc(batch).shape == (5, 8, 6, 3)
    assert image.hwc_to_chw(image.chw_to_hwc(batch)).shape == (5, 3, 8, 6)
    with pytest.raises(ValueError, match=r"chw_to_hwc\(\) expects a 3-D \(C, H, W\) image or a 4-D batch of them, "
                                         r"but got shape \[28, 28\]"):
        image.chw_to_hwc(tg.zeros(28, 28))
    with pytest.raises(TypeError, match=r"hwc_to_chw\(\) expects a Tensor or an array, but got list"):
        image.hwc_to_chw([[[1]]])


def test_to_tensor_like_torchvision():
    hwc = np.array([[[0, 128, 255]], [[255, 0, 51]]], dtype=np.uint8)  # H=2, W=1, C=3
    t = image.to_tensor(hwc)
    assert t.shape == (3, 2, 1) and t.dtype == tg.float32
    np.testing.assert_allclose(t.numpy(force=True)[:, 0, 0], [0.0, 128 / 255, 1.0], rtol=1e-6)
    assert image.to_tensor(np.zeros((5, 7), np.uint8)).shape == (1, 5, 7)  # grayscale
    floats = image.to_tensor(np.full((2, 2, 1), 3.0))
    assert floats.dtype == tg.float64 and floats.numpy(force=True).max() == 3.0  # non-8-bit values are kept
    with pytest.raises(ValueError, match=r"to_tensor\(\) expects an H×W×C or H×W image, but got shape \[1, 2, 3, 4\]"):
        image.to_tensor(np.zeros((1, 2, 3, 4), np.uint8))


def test_image_files_round_trip_through_pillow(tmp_path):
    pytest.importorskip("PIL")
    rgb = tg.tensor(np.random.default_rng(0).integers(0, 256, (3, 5, 4)).astype(np.float32) / 255)
    image.save_image(rgb, tmp_path / "rgb.png")
    back = image.load_image(tmp_path / "rgb.png")
    assert back.shape == (3, 5, 4)
    np.testing.assert_allclose(back.numpy(force=True), rgb.numpy(force=True), atol=1e-6)  # PNG is lossless
    gray = image.load_image(tmp_path / "rgb.png", mode="L")
    assert gray.shape == (1, 5, 4)
    image.save_image(tg.rand(6, 1, 4, 4), tmp_path / "grid.png", nrow=3, padding=1)
    grid = image.load_image(tmp_path / "grid.png")
    assert grid.shape == (1, 2 * 5 + 1, 3 * 5 + 1)


def test_pillow_missing_gives_install_hint(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r"reading and writing image files needs Pillow: pip install pillow \(or pip "
                                          r"install 'tinygrad_edu\[viz\]'\)"):
        image.load_image(tmp_path / "x.png")
    with pytest.raises(ImportError, match="needs Pillow"):
        image.save_image(tg.zeros(1, 2, 2), tmp_path / "x.png")


def test_digits_takes_the_split_by_name_like_load_digits():
    # Digits("test") once returned the 1,438 training digits: "test" is truthy for a `train` flag
    assert len(datasets.Digits("test")) == 359 and len(datasets.Digits("train")) == 1438
    assert len(datasets.Digits("all")) == 1797 and len(datasets.Digits()) == 1438
    assert len(datasets.Digits(train=False)) == 359 and datasets.Digits(train=False).split == "test"
    x_test, _ = datasets.load_digits("test")
    np.testing.assert_array_equal(datasets.Digits("test")[0][0].numpy(), x_test.numpy()[0])


@pytest.mark.parametrize("split,message", [
    ("valid", r"Digits\(\): split must be 'train', 'test' or 'all', but got 'valid'"),
    (True, r"but got True; for torchvision's flag write Digits\(train=True\)"),
])
def test_digits_refuses_an_unknown_split(split, message):
    with pytest.raises(ValueError, match=message):
        datasets.Digits(split)
