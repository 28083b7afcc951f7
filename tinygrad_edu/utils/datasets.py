"""Datasets that work offline.

* ``load_digits()`` / ``Digits``: scikit-learn's 1,797 real 8x8 handwritten digits, read straight
  from the CSV file scikit-learn ships (without importing scikit-learn, so SciPy is not loaded).
  ``image_size=28`` resizes them (bilinear) to the "28x28 grayscale digit" of the lecture.
* ``MNIST(root)``: reads the four MNIST IDX files from a folder you downloaded them to.
* ``SyntheticShapes``: squares, circles and crosses drawn on the fly, for quick experiments.

Images come as float32 tensors of shape (1, H, W) with values in [0, 1], labels as ints. The
tensors live on the default device (``TINYGRAD_EDU_DEVICE``), like any other new tensor.
"""
from __future__ import annotations

import gzip
import importlib.util
import os
import struct
from typing import Callable, Optional, Tuple

from .. import backend
from ..tensor import Tensor
from .data import Dataset
from .image import resize

__all__ = ["load_digits", "Digits", "MNIST", "read_idx", "SyntheticShapes"]

_digits_cache = None


def _new_tensor(arr) -> Tensor:
    """A tensor on the default device from a NumPy array made here."""
    return Tensor._make(backend.xp_for(backend.default_device()).asarray(arr))


def _digits_csv_path() -> str:
    """Where scikit-learn keeps digits.csv.gz, found without importing scikit-learn."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("load_digits() reads the handwritten digits that scikit-learn ships, but scikit-learn "
                           "is not installed: pip install scikit-learn (or pip install 'tinygrad_edu[data]')")
    for root in spec.submodule_search_locations:
        path = os.path.join(root, "datasets", "data", "digits.csv.gz")
        if os.path.exists(path):
            return path
    raise RuntimeError("load_digits(): scikit-learn is installed but its datasets/data/digits.csv.gz is missing; "
                       "reinstall it: pip install --force-reinstall scikit-learn")


def _read_digits():
    """All 1,797 images (uint8, 0..16, shape [1797, 8, 8]) and labels (int64), read once."""
    global _digits_cache
    if _digits_cache is None:
        path = _digits_csv_path()
        with gzip.open(path, "rt") as fh:
            rows = [line.split(",") for line in fh.read().splitlines() if line.strip()]
        data = backend.np.array(rows, dtype=backend.np.float64).astype(backend.np.int64)
        if data.ndim != 2 or data.shape[1] != 65:
            raise RuntimeError(f"load_digits(): {path} does not hold 64 pixels and a label per row")
        images = data[:, :64].reshape(-1, 8, 8).astype(backend.np.uint8)
        labels = data[:, 64].copy()
        images.setflags(write=False)
        labels.setflags(write=False)
        _digits_cache = (images, labels)
    return _digits_cache


def _split_indices(n: int, split: str):
    """A fixed split: every fifth image (index 4, 9, 14, ...) is a test image, the rest train."""
    idx = backend.np.arange(n)
    if split == "all":
        return idx
    if split == "test":
        return idx[idx % 5 == 4]
    if split == "train":
        return idx[idx % 5 != 4]
    raise ValueError(f"split must be 'train', 'test' or 'all', but got {split!r}")


def load_digits(split: str = "all", image_size: int = 8, flatten: bool = False) -> Tuple[Tensor, Tensor]:
    """scikit-learn's handwritten digits as tensors ``(images, labels)``.

    Args:
        split: ``'train'`` (1,438 images), ``'test'`` (359: every fifth image) or ``'all'`` (1,797).
        image_size: 8 (the original) or any other size, resized bilinearly (28 gives MNIST's size).
        flatten: images as ``[N, image_size**2]`` rows instead of ``[N, 1, H, W]``.

    Returns: float32 images in [0, 1] and int64 labels 0-9.
    """
    if not isinstance(image_size, int) or image_size <= 0:
        raise ValueError(f"image_size must be a positive int, but got {image_size!r}")
    images, labels = _read_digits()
    idx = _split_indices(len(labels), split)
    x = images[idx].astype(backend.np.float32)[:, None] / 16.0  # 0..16 -> [0, 1] (a Python float keeps float32)
    if image_size != 8:
        x = resize(x, (image_size, image_size))
    if flatten:
        x = x.reshape(len(idx), -1)
    return _new_tensor(x), _new_tensor(labels[idx])


class Digits(Dataset):
    """``load_digits`` as a Dataset: ``ds[i]`` is ``(image [1, H, W] float32, label int)``.

    ``Digits(split="train", image_size=8, transform=None, target_transform=None)``, with ``split``
    ``'train'``, ``'test'`` or ``'all'`` as in ``load_digits``. torchvision's ``train=True/False``
    keyword works too.
    """

    def __init__(self, split: str = "train", image_size: int = 8, transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, *, train: Optional[bool] = None):
        if train is not None:
            if not isinstance(train, bool):
                raise TypeError(f"Digits(): train must be True or False, but got {train!r}")
            split = "train" if train else "test"
        elif split not in ("train", "test", "all"):  # a bool here once meant train=...: say so
            hint = f"; for torchvision's flag write Digits(train={split})" if isinstance(split, bool) else ""
            raise ValueError(f"Digits(): split must be 'train', 'test' or 'all', but got {split!r}{hint}")
        self.split, self.train = split, split == "train"
        self.data, self.targets = load_digits(split, image_size=image_size)
        self.transform = transform
        self.target_transform = target_transform
        self.classes = [str(i) for i in range(10)]

    def __len__(self) -> int:
        return self.data.shape[0]

    def __getitem__(self, i):
        img, label = Tensor._make(self.data.array[i]), int(self.targets.array[i])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return img, label


# ----------------------------------------------------------------------------- MNIST (IDX files)
_IDX_TYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str):
    """Read one IDX file (``.gz`` or not) into a NumPy array.

    The format: 2 zero bytes, a type byte (0x08 = unsigned byte), the number of dimensions, then
    each dimension as a big-endian 32-bit int, then the data in C order.
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            data = fh.read()
    except (OSError, EOFError) as e:
        raise RuntimeError(f"{path} is not a readable IDX file: {e}") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise RuntimeError(f"{path} is not an IDX file: bad magic number {data[:4]!r} (expected 00 00 <type> <ndim>)")
    ndim = data[3]
    if len(data) < 4 + 4 * ndim:
        raise RuntimeError(f"{path} is truncated: its header names {ndim} dimensions")
    shape = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    dtype = backend.np.dtype(_IDX_TYPES[data[2]])
    count = 1
    for s in shape:
        count *= s
    body = data[4 + 4 * ndim:]
    if len(body) != count * dtype.itemsize:
        raise RuntimeError(f"{path} is truncated or padded: shape {list(shape)} needs {count * dtype.itemsize} "
                           f"bytes of data, but the file has {len(body)}")
    arr = backend.np.frombuffer(body, dtype=dtype).reshape(shape)
    return arr.astype(dtype.newbyteorder("="))


class MNIST(Dataset):
    """MNIST from its four IDX files in ``root`` (or ``root/MNIST/raw``, torchvision's layout).

    ``ds[i]`` is ``(image, label)``: the image a float32 tensor [1, 28, 28] in [0, 1] (what
    torchvision's ``ToTensor`` gives), passed through ``transform`` if given. ``ds.data`` holds all
    images as uint8 [N, 28, 28], ``ds.targets`` the int64 labels. Nothing is downloaded.
    """

    resources = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                 False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
    classes = [f"{i} - {w}" for i, w in enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])]

    def __init__(self, root: str, train: bool = True, transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False):
        self.root = os.fspath(root)
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        if download:
            raise RuntimeError("MNIST(download=True): tinygrad_edu works offline and downloads nothing; fetch "
                               "the four IDX files yourself and pass their folder as root")
        img_name, lbl_name = self.resources[bool(train)]
        images = read_idx(self._find(img_name))
        labels = read_idx(self._find(lbl_name))
        if images.ndim != 3:
            raise RuntimeError(f"{img_name} should hold [N, rows, cols] images, but has shape {list(images.shape)}")
        if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
            raise RuntimeError(f"{lbl_name} holds {labels.shape[0] if labels.ndim else 0} labels for "
                               f"{images.shape[0]} images in {img_name}")
        self.data = _new_tensor(images.astype(backend.np.uint8))
        self.targets = _new_tensor(labels.astype(backend.np.int64))

    def _find(self, name: str) -> str:
        folders = [self.root, os.path.join(self.root, "MNIST", "raw"), os.path.join(self.root, "raw")]
        for folder in folders:
            for candidate in (name, name + ".gz", name.replace("-idx", ".idx")):
                path = os.path.join(folder, candidate)
                if os.path.isfile(path):
                    return path
        expected = [n for pair in self.resources.values() for n in pair]
        raise RuntimeError(f"MNIST: {name}(.gz) not found in {self.root!r} (nor in its MNIST/raw or raw "
                           f"folders). Expected the files: {', '.join(expected)} (each optionally .gz)")

    def __len__(self) -> int:
        return self.data.shape[0]

    def __getitem__(self, i):
        img = Tensor._make(self.data.array[i][None].astype(backend.np.float32) / 255.0)  # Python float: stays float32
        label = int(self.targets.array[i])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return img, label


# ----------------------------------------------------------------------------- synthetic shapes
class SyntheticShapes(Dataset):
    """Grayscale images of a filled square (class 0), a circle (1) or a cross (2), at random sizes
    and positions, drawn once from ``generator`` (or a generator seeded with ``seed``).

    ``SyntheticShapes(n=600, image_size=28, seed=0, noise=0.05)``; ``ds[i]`` is
    ``(image [1, H, W] float32 in [0, 1], label int)``.
    """

    classes = ["square", "circle", "cross"]

    def __init__(self, n: int = 600, image_size: int = 28, seed: int = 0, noise: float = 0.05,
                 generator=None, transform: Optional[Callable] = None):
        if image_size < 8:
            raise ValueError(f"SyntheticShapes needs image_size >= 8, but got {image_size}")
        np = backend.np
        rng = (generator or backend.Generator().manual_seed(seed)).rng(np)
        s = image_size
        yy, xx = np.mgrid[0:s, 0:s].astype(np.float32)
        images = np.zeros((n, 1, s, s), dtype=np.float32)
        labels = rng.integers(0, 3, size=n)
        for i in range(n):
            r = rng.uniform(s * 0.15, s * 0.3)
            cy, cx = rng.uniform(r + 1, s - r - 1, size=2)
            if labels[i] == 0:
                mask = (np.abs(yy - cy) <= r) & (np.abs(xx - cx) <= r)
            elif labels[i] == 1:
                mask = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
            else:
                w = max(1.0, r / 3)
                mask = ((np.abs(yy - cy) <= w) & (np.abs(xx - cx) <= r)) | (
                    (np.abs(xx - cx) <= w) & (np.abs(yy - cy) <= r))
            images[i, 0] = mask
        if noise:
            images += rng.normal(0.0, noise, size=images.shape).astype(np.float32)
            np.clip(images, 0.0, 1.0, out=images)
        self.data = _new_tensor(images)
        self.targets = _new_tensor(labels.astype(np.int64))
        self.transform = transform

    def __len__(self) -> int:
        return self.data.shape[0]

    def __getitem__(self, i):
        img = Tensor._make(self.data.array[i])
        if self.transform is not None:
            img = self.transform(img)
        return img, int(self.targets.array[i])
