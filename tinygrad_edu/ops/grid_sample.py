"""Spatial transformers (Jaderberg et al. 2015): ``affine_grid`` makes a sampling grid from an
affine matrix, ``grid_sample`` reads the input at those (fractional) positions.

Grid coordinates are normalised: -1 is the left/top edge and +1 the right/bottom edge. With
``align_corners=True`` they mean the centres of the corner pixels; with False (the default) the
outer edges of the corner pixels, so the result does not depend on the resolution.

Bilinear sampling is a weighted sum of the four neighbouring pixels, weights linear in the
position: built from gather, multiply and add, so the gradient reaches both the input (through
the gather) and the grid (through the weights).
"""
from __future__ import annotations

from ..tensor import Tensor
from . import elementwise as E
from .linalg import matmul
from .shape import gather, reshape


def _base_coords(xp, n: int, align_corners: bool, dtype):
    if align_corners:
        return xp.linspace(-1.0, 1.0, n, dtype=dtype) if n > 1 else xp.zeros(1, dtype=dtype)
    return ((xp.arange(n, dtype=dtype) * 2 + 1) / n - 1).astype(dtype)


def affine_grid(theta: Tensor, size, align_corners: bool = False) -> Tensor:
    """The (N, H, W, 2) grid of (x, y) positions that ``theta`` (N, 2, 3) maps the output pixels to."""
    if not isinstance(theta, Tensor) or not theta.dtype.is_floating_point:
        raise ValueError("Expected theta to have floating point type")
    size = tuple(size)
    if len(size) != 4:
        raise NotImplementedError(f"affine_grid only supports 4D sizes, for 2D affine transformations. Got size "
                                  f"{list(size)}.")
    n, _, h, w = size
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (2, 3) or theta.shape[0] != n:
        raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {list(size)}. Got "
                         f"{list(theta.shape)}.")
    xp, dt = theta.xp, theta.array.dtype
    xs, ys = _base_coords(xp, w, align_corners, dt), _base_coords(xp, h, align_corners, dt)
    base = xp.stack([xp.broadcast_to(xs[None, :], (h, w)), xp.broadcast_to(ys[:, None], (h, w)),
                     xp.ones((h, w), dtype=dt)], axis=-1).reshape(1, h * w, 3)
    grid = matmul(Tensor._make(base), theta.transpose(1, 2))           # (N, H*W, 2)
    return reshape(grid, n, h, w, 2)


def _unnormalize(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    if align_corners:
        return (coord + 1) * ((size - 1) / 2)
    return ((coord + 1) * size - 1) / 2


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",  # noqa: A002
                align_corners=None) -> Tensor:
    """out[n, c, i, j] = input[n, c] read at grid[n, i, j] = (x, y) (normalised coordinates);
    'bilinear' or 'nearest', with 'zeros' or 'border' outside the input."""
    if mode not in ("bilinear", "nearest"):
        raise NotImplementedError(f"grid_sample(): mode '{mode}' is not implemented in tinygrad_edu (bilinear, "
                                  f"nearest)")
    if padding_mode not in ("zeros", "border"):
        raise NotImplementedError(f"grid_sample(): padding_mode '{padding_mode}' is not implemented in "
                                  f"tinygrad_edu (zeros, border)")
    for name, t in (("input", input), ("grid", grid)):
        if not isinstance(t, Tensor):
            raise TypeError(f"grid_sample(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if input.ndim != 4 or grid.ndim != 4 or grid.shape[-1] != 2 or grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sample(): expected 4D input (N, C, H, W) and grid (N, H_out, W_out, 2) with the "
                           f"same N, but got input of shape {list(input.shape)} and grid of shape {list(grid.shape)}")
    if input.dtype is not grid.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have the same dtype, but input has "
                           f"{input.dtype.name} and grid has {grid.dtype.name}")
    align = bool(align_corners)
    n, c, h, w = input.shape
    ho, wo = grid.shape[1], grid.shape[2]
    ix = _unnormalize(grid[..., 0], w, align)                             # (N, Ho, Wo), in pixels
    iy = _unnormalize(grid[..., 1], h, align)
    if padding_mode == "border":
        ix, iy = E.clamp(ix, 0, w - 1), E.clamp(iy, 0, h - 1)
    flat = reshape(input, n, c, h * w)
    xp = input.xp

    def corner(x_idx, y_idx):
        """input at integer positions (arrays), 0 outside; as (N, C, Ho, Wo)."""
        inside = (x_idx >= 0) & (x_idx < w) & (y_idx >= 0) & (y_idx < h)
        lin = (xp.clip(y_idx, 0, h - 1) * w + xp.clip(x_idx, 0, w - 1)).astype("int64")
        lin = xp.broadcast_to(lin.reshape(n, 1, ho * wo), (n, c, ho * wo))
        vals = reshape(gather(flat, 2, Tensor._make(xp.ascontiguousarray(lin))), n, c, ho, wo)
        return vals * Tensor._make(inside.reshape(n, 1, ho, wo).astype(input.array.dtype))

    if mode == "nearest":
        return corner(xp.round(ix.array), xp.round(iy.array))             # round half to even, as PyTorch
    x0, y0 = xp.floor(ix.array), xp.floor(iy.array)
    wx1 = ix - Tensor._make(x0)                                           # weights, linear in the grid
    wy1 = iy - Tensor._make(y0)
    wx0, wy0 = 1 - wx1, 1 - wy1
    u = lambda t: t.unsqueeze(1)  # noqa: E731  (N, Ho, Wo) -> (N, 1, Ho, Wo)
    return (corner(x0, y0) * u(wx0 * wy0) + corner(x0 + 1, y0) * u(wx1 * wy0)
            + corner(x0, y0 + 1) * u(wx0 * wy1) + corner(x0 + 1, y0 + 1) * u(wx1 * wy1))


__all__ = ["affine_grid", "grid_sample"]
