"""Exercise 02: convolution with loops, on the deck's 5x5 example and against ``F.conv2d``."""
from .. import backend
from ..tensor import Tensor
from ..nn import functional as F
from .checking import as_array, expect_close, expect_shape

NUMBER, STEM, TITLE = "02", "02_conv_loops", "convolution by loops: the deck's 5x5 example, then F.conv2d"
np = backend.np

# The deck's worked example (padding 1, stride 1), copied from the slide.
IMAGE = [[2, 4, 9, 1, 4], [2, 1, 4, 4, 6], [1, 1, 2, 9, 2], [7, 3, 5, 1, 3], [2, 3, 4, 8, 5]]
KERNEL = [[1, 2, 3], [-4, 7, 4], [2, -5, 1]]
FEATURE = [[21, 59, 37, -19, 2], [30, 51, 66, 20, 43], [-14, 31, 49, 101, -19],
           [59, 15, 53, -2, 21], [49, 57, 64, 76, 10]]


def library_conv(image, kernel, padding, stride):
    x = Tensor(np.asarray(image, dtype=np.float64)[None, None])
    w = Tensor(np.asarray(kernel, dtype=np.float64)[None, None])
    return backend.to_numpy(F.conv2d(x, w, stride=stride, padding=padding).array)[0, 0]


def check(ex, ok) -> None:
    image = np.array(IMAGE, dtype=np.float64)
    padded = as_array(ex.zero_pad(image.copy(), 1), "zero_pad(image, 1)")
    expect_shape(padded, (7, 7), "zero_pad(image, 1) on the 5x5 image")
    want = np.zeros((7, 7))
    want[1:-1, 1:-1] = image
    expect_close(padded, want, "zero_pad(image, 1)", "the deck's padded image (a ring of zeros)")
    ok("zero_pad gives the deck's 7x7 padded image")

    got = ex.conv2d_loops(image.copy(), np.array(KERNEL, dtype=np.float64), padding=1, stride=1)
    expect_close(got, FEATURE, "feature map", "the deck's slide")
    ok("the deck's 5x5 example: your feature map matches the slide")

    rng = np.random.default_rng(2)
    for h, w, k, p, s in [(6, 6, 3, 0, 1), (7, 5, 3, 1, 2), (8, 8, 4, 2, 1), (9, 7, 2, 0, 3), (5, 6, 5, 1, 1)]:
        img, ker = rng.normal(size=(h, w)), rng.normal(size=(k, k))
        got = ex.conv2d_loops(img.copy(), ker.copy(), padding=p, stride=s)
        expect_close(got, library_conv(img, ker, p, s), f"conv on a random {h}x{w} image ({k}x{k} filter, "
                     f"padding {p}, stride {s})", "F.conv2d")
    ok("5 random images with other filter sizes, paddings and strides agree with F.conv2d")
