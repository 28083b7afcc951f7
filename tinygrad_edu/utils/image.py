"""Images as tensors (the lecture's unit 01).

A grayscale image is a 2-D grid of pixels; a colour image is three such grids (R, G, B) stacked
into a 3-D tensor. Two layouts are common, and code has to convert between them:

* **C×H×W**, channels first: PyTorch and tinygrad_edu layers (``Conv2d`` takes N×C×H×W);
* **H×W×C**, channels last: image files, Pillow, matplotlib's ``imshow``, Keras.

``hwc_to_chw`` / ``chw_to_hwc`` convert (batched N×... inputs too); ``to_tensor`` turns an 8-bit
H×W×C image into a C×H×W float tensor in [0, 1] (torchvision's ``ToTensor``); ``load_image`` and
``save_image`` go through Pillow, an optional dependency (``pip install pillow``).
"""
from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple, Union

from .. import backend
from ..tensor import Tensor

__all__ = ["hwc_to_chw", "chw_to_hwc", "to_tensor", "to_pil_image", "load_image", "save_image", "make_grid",
           "resize"]


def _permute(x, dims, name: str, expect: str):
    if not (isinstance(x, Tensor) or backend.is_array(x)):
        raise TypeError(f"{name}() expects a Tensor or an array, but got {type(x).__name__}")
    if x.ndim not in (3, 4):
        raise ValueError(f"{name}() expects a 3-D {expect} image or a 4-D batch of them, but got shape "
                         f"{list(x.shape)}")
    if x.ndim == 4:
        dims = (0,) + tuple(d + 1 for d in dims)
    if isinstance(x, Tensor):
        return x.permute(*dims)  # differentiable
    return backend.get_array_module(x).transpose(x, dims)  # a view of the same memory


def hwc_to_chw(x):
    """H×W×C -> C×H×W (and N×H×W×C -> N×C×H×W), for tensors and NumPy/CuPy arrays."""
    return _permute(x, (2, 0, 1), "hwc_to_chw", "(H, W, C)")


def chw_to_hwc(x):
    """C×H×W -> H×W×C (and N×C×H×W -> N×H×W×C), for tensors and NumPy/CuPy arrays."""
    return _permute(x, (1, 2, 0), "chw_to_hwc", "(C, H, W)")


def _pil():
    try:
        from PIL import Image  # noqa: PLC0415 (optional dependency)
    except ImportError:
        raise ImportError("reading and writing image files needs Pillow: pip install pillow "
                          "(or pip install 'tinygrad_edu[viz]')") from None
    return Image


def to_tensor(pic) -> Tensor:
    """An H×W×C (or H×W) image -> a C×H×W tensor, like torchvision's ``ToTensor``.

    8-bit images (uint8 arrays, Pillow images) are scaled from 0..255 to float32 in [0, 1]; other
    dtypes keep their values. ``pic`` may be a NumPy array, a Tensor or a Pillow image.
    """
    np = backend.np
    if isinstance(pic, Tensor):
        arr = backend.to_numpy(pic.array)
    elif backend.is_array(pic):
        arr = backend.to_numpy(pic)
    elif hasattr(pic, "mode") and hasattr(pic, "size"):  # a Pillow image, without importing Pillow
        arr = np.asarray(pic)
        if pic.mode == "1":
            arr = arr.astype(np.uint8) * 255
    else:
        raise TypeError(f"to_tensor() expects an H×W×C array, a Tensor or a Pillow image, but got {type(pic).__name__}")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise ValueError(f"to_tensor() expects an H×W×C or H×W image, but got shape {list(arr.shape)}")
    chw = np.ascontiguousarray(arr.transpose(2, 0, 1))
    if chw.dtype == np.uint8:
        chw = chw.astype(np.float32) / np.float32(255.0)
    elif chw.dtype == np.bool_:
        chw = chw.astype(np.float32)
    return Tensor._make(chw)


def to_pil_image(x, mode: Optional[str] = None):
    """A C×H×W float tensor in [0, 1] (or uint8) -> a Pillow image ('L' for one channel, 'RGB' for
    three, 'RGBA' for four). Floats are scaled as ``save_image`` does: x·255 + 0.5, clamped."""
    Image = _pil()
    np = backend.np
    arr = backend.to_numpy(x.detach().array if isinstance(x, Tensor) else x)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[0] not in (1, 3, 4):
        raise ValueError(f"to_pil_image() expects a C×H×W image with 1, 3 or 4 channels, but got shape "
                         f"{list(arr.shape)}")
    if arr.dtype != np.uint8:
        arr = np.clip(arr.astype(np.float32) * np.float32(255.0) + np.float32(0.5), 0, 255).astype(np.uint8)
    hwc = np.ascontiguousarray(arr.transpose(1, 2, 0))
    if hwc.shape[2] == 1:
        return Image.fromarray(hwc[:, :, 0], mode="L" if mode is None else mode)
    return Image.fromarray(hwc, mode=mode) if mode else Image.fromarray(hwc)


def load_image(path, mode: Optional[str] = None) -> Tensor:
    """Read an image file into a C×H×W float32 tensor in [0, 1]. ``mode='L'`` converts to
    grayscale (1 channel), ``'RGB'`` to colour (3 channels)."""
    Image = _pil()
    with Image.open(path) as img:
        if mode is not None:
            img = img.convert(mode)
        img.load()
        return to_tensor(img)


def make_grid(tensor, nrow: int = 8, padding: int = 2, pad_value: float = 0.0) -> Tensor:
    """Tile a batch N×C×H×W into one C×H'×W' image, ``nrow`` images per row (torchvision's layout)."""
    arr = tensor.detach().array if isinstance(tensor, Tensor) else tensor
    if arr.ndim == 3:
        return Tensor._make(arr)
    if arr.ndim != 4:
        raise ValueError(f"make_grid() expects an N×C×H×W batch, but got shape {list(arr.shape)}")
    xp = backend.get_array_module(arr)
    n, c, h, w = arr.shape
    ncols = min(nrow, n)
    nrows = int(math.ceil(n / ncols))
    hh, ww = h + padding, w + padding
    grid = xp.full((c, nrows * hh + padding, ncols * ww + padding), pad_value, dtype=arr.dtype)
    for k in range(n):
        r, col = divmod(k, ncols)
        grid[:, r * hh + padding:r * hh + padding + h, col * ww + padding:col * ww + padding + w] = arr[k]
    return Tensor._make(grid)


def save_image(tensor, fp, nrow: int = 8, padding: int = 2, format: Optional[str] = None) -> None:  # noqa: A002
    """Write a C×H×W image (floats in [0, 1]) or an N×C×H×W batch (tiled with ``make_grid``) to an
    image file; the format follows the file name's extension."""
    x = tensor.detach() if isinstance(tensor, Tensor) else Tensor._make(tensor)
    if x.ndim == 4:
        x = make_grid(x, nrow=nrow, padding=padding)
    to_pil_image(x).save(fp, format=format)


def resize(x, size: Union[int, Sequence[int]]):
    """Bilinear resize of the last two dimensions (…×H×W) to ``size`` (an int or ``(h, w)``), with
    PyTorch's ``F.interpolate(mode='bilinear', align_corners=False)`` sampling: output pixel ``i``
    samples input position ``(i + 0.5) · in/out - 0.5``. Works on arrays and tensors (not tracked by
    autograd); integer images are converted to float32 first."""
    is_tensor = isinstance(x, Tensor)
    arr = x.detach().array if is_tensor else x
    if arr.ndim < 2:
        raise ValueError(f"resize() expects an image of at least 2 dimensions (…, H, W), but got shape "
                         f"{list(arr.shape)}")
    out_h, out_w = (size, size) if isinstance(size, int) else tuple(size)
    if out_h <= 0 or out_w <= 0:
        raise ValueError(f"resize(): output size must be positive, but got {(out_h, out_w)}")
    xp = backend.get_array_module(arr)
    if arr.dtype.kind != "f":
        arr = arr.astype(backend.np.float32)
    in_h, in_w = arr.shape[-2:]
    i0, i1, w0, w1 = _bilinear_taps(in_h, out_h, xp, arr.dtype)
    rows = arr[..., i0, :] * w0[:, None] + arr[..., i1, :] * w1[:, None]     # interpolate along H
    j0, j1, v0, v1 = _bilinear_taps(in_w, out_w, xp, arr.dtype)
    out = rows[..., j0] * v0 + rows[..., j1] * v1                              # then along W
    return Tensor._make(out) if is_tensor else out


def _bilinear_taps(n_in: int, n_out: int, xp, dtype) -> Tuple:
    """For each output index: the two input indices it mixes and their weights."""
    scale = n_in / n_out
    src = (xp.arange(n_out, dtype=backend.np.float64) + 0.5) * scale - 0.5
    src = xp.maximum(src, 0.0)
    lo = xp.minimum(xp.floor(src).astype(backend.np.int64), n_in - 1)
    hi = xp.minimum(lo + 1, n_in - 1)
    w_hi = (src - lo).astype(dtype)
    w_lo = (1 - w_hi).astype(dtype)
    return lo, hi, w_lo, w_hi
