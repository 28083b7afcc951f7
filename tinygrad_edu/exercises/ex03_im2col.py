"""Exercise 03: im2col and a multi-channel, multi-filter convolution as one matrix product."""
from .. import backend
from ..tensor import Tensor
from ..nn import functional as F
from .checking import CheckFailed, as_array, expect_close, expect_shape

NUMBER, STEM, TITLE = "03", "03_im2col", "multi-channel convolution: im2col + one matrix product"
np = backend.np

CASES = [  # N, C, H, W, FN, FH, FW, stride, pad
    (1, 3, 5, 5, 2, 3, 3, 1, 1), (2, 3, 7, 6, 4, 3, 2, 2, 0), (2, 1, 6, 6, 3, 4, 4, 1, 2), (3, 2, 8, 8, 5, 3, 3, 2, 1)]


def windows(x, FH, FW, stride, pad):
    """The truth for im2col, one window at a time: row (n, i, j) holds window (i, j) of image n."""
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    N, C, H, W = x.shape
    OH, OW = (H - FH) // stride + 1, (W - FW) // stride + 1
    rows = [x[n, :, i * stride:i * stride + FH, j * stride:j * stride + FW].reshape(-1)
            for n in range(N) for i in range(OH) for j in range(OW)]
    return np.array(rows)


def check(ex, ok) -> None:
    rng = np.random.default_rng(3)
    for N, C, H, W, FN, FH, FW, s, p in CASES:
        x = rng.normal(size=(N, C, H, W))
        cols = as_array(ex.im2col(x.copy(), FH, FW, stride=s, pad=p), "im2col")
        want = windows(x, FH, FW, s, p)
        expect_shape(cols, want.shape, f"im2col of a {N}x{C}x{H}x{W} input with {FH}x{FW} windows "
                     f"(stride {s}, pad {p}), which should be (N*OH*OW, C*FH*FW),")
        expect_close(cols, want, f"im2col matrix ({N}x{C}x{H}x{W} input, {FH}x{FW} window, stride {s}, pad {p})",
                     "the window cut out by hand (rows in (n, i, j) order, columns in (c, p, q) order)")
    ok("im2col: one row per window, rows (n, i, j), columns (c, p, q), for 4 shapes")
    for N, C, H, W, FN, FH, FW, s, p in CASES:
        x, w, b = rng.normal(size=(N, C, H, W)), rng.normal(size=(FN, C, FH, FW)), rng.normal(size=FN)
        got = ex.conv2d_im2col(x.copy(), w.copy(), b.copy(), stride=s, pad=p)
        want = F.conv2d(Tensor(x), Tensor(w), Tensor(b), stride=s, padding=p)
        what = f"conv2d_im2col ({N}x{C}x{H}x{W} input, {FN} filters of {C}x{FH}x{FW}, stride {s}, pad {p})"
        got = as_array(got, what)
        if got.ndim == 4 and got.shape[1:] == tuple(want.shape)[1:][::-1]:
            raise CheckFailed(f"{what} has shape {got.shape}: N x OH x OW x FN; transpose it to N x FN x OH x OW")
        expect_close(got, backend.to_numpy(want.array), what, "F.conv2d")
    ok("conv2d_im2col: N x FN x OH x OW, equal to F.conv2d for 4 shapes (each filter spans all C channels)")
