"""The lecture's Unit 02-04 claims about convolution and pooling, checked with our ops."""
import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.ops.output_size import conv_output_size

# The deck's worked example: a 5x5 image, a 3x3 kernel, padding 1, stride 1 -> a 5x5 feature map.
IMAGE = [[2, 4, 9, 1, 4],
         [2, 1, 4, 4, 6],
         [1, 1, 2, 9, 2],
         [7, 3, 5, 1, 3],
         [2, 3, 4, 8, 5]]
KERNEL = [[1, 2, 3],
          [-4, 7, 4],
          [2, -5, 1]]
FEATURE_MAP = [[21, 59, 37, -19, 2],
               [30, 51, 66, 20, 43],
               [-14, 31, 49, 101, -19],
               [59, 15, 53, -2, 21],
               [49, 57, 64, 76, 10]]


def test_worked_example_exactly():
    image = tg.tensor(IMAGE, dtype=tg.float32).reshape(1, 1, 5, 5)
    kernel = tg.tensor(KERNEL, dtype=tg.float32).reshape(1, 1, 3, 3)
    out = F.conv2d(image, kernel, padding=1)
    assert out.shape == (1, 1, 5, 5)
    assert out.dtype is tg.float32
    assert out.reshape(5, 5).tolist() == FEATURE_MAP  # small integers: exact in float32


def test_worked_example_is_the_cross_correlation_formula():
    """[f*g](i,j) = sum_{p,q} f(p,q) g(i+p, j+q): the Frobenius product of kernel and window."""
    g = np.pad(np.array(IMAGE), 1)
    f = np.array(KERNEL)
    by_hand = [[int((f * g[i:i + 3, j:j + 3]).sum()) for j in range(5)] for i in range(5)]
    assert by_hand == FEATURE_MAP


def test_worked_example_unbatched_and_float64():
    out = F.conv2d(tg.tensor(IMAGE, dtype=tg.float64).reshape(1, 5, 5),
                   tg.tensor(KERNEL, dtype=tg.float64).reshape(1, 1, 3, 3), padding=1)
    assert out.shape == (1, 5, 5) and out.dtype is tg.float64
    assert out[0].tolist() == FEATURE_MAP


@pytest.mark.parametrize("size, kernel, padding, stride, expected", [
    (7, 3, 0, 1, 5),   # 3x3 filter, pad 0, stride 1
    (7, 4, 2, 1, 8),   # 4x4 filter, pad 2, stride 1: OW = (7 + 4 - 4)/1 + 1 = 8
    (7, 3, 1, 2, 4),   # 3x3 filter, pad 1, stride 2: OW = (7 + 2 - 3)/2 + 1 = 4
    (5, 3, 1, 1, 5),   # the worked example keeps its size
])
def test_the_decks_output_size_formula(size, kernel, padding, stride, expected):
    """OW = (W + 2P - FW) / S + 1, for the three configurations the deck draws."""
    assert conv_output_size(size, kernel, stride, padding) == expected
    x = tg.ones(1, 1, size, size)
    w = tg.ones(1, 1, kernel, kernel)
    assert F.conv2d(x, w, stride=stride, padding=padding).shape == (1, 1, expected, expected)


def test_filters_span_all_channels_and_fn_filters_give_fn_maps():
    """A C x H x W input: each filter has depth C and gives one map; FN filters give FN maps;
    a batch makes it N x FN x OH x OW."""
    rng = np.random.default_rng(0)
    x = tg.tensor(rng.standard_normal((3, 8, 8)))             # C x H x W
    w = tg.tensor(rng.standard_normal((5, 3, 3, 3)))          # FN x C x FH x FW
    assert F.conv2d(x, w).shape == (5, 6, 6)
    # each map is the sum over channels of 2-D correlations
    one = sum(F.conv2d(x[c:c + 1], w[0:1, c:c + 1]) for c in range(3))
    np.testing.assert_allclose(one.numpy()[0], F.conv2d(x, w).numpy()[0], rtol=1e-12)
    xb = tg.tensor(rng.standard_normal((4, 3, 8, 8)))         # N x C x H x W
    assert F.conv2d(xb, w, tg.zeros(5, dtype=tg.float64)).shape == (4, 5, 6, 6)


def test_convolution_in_1d_2d_and_3d():
    assert F.conv1d(tg.ones(1, 2, 10), tg.ones(4, 2, 3)).shape == (1, 4, 8)
    assert F.conv2d(tg.ones(1, 2, 10, 9), tg.ones(4, 2, 3, 3)).shape == (1, 4, 8, 7)
    assert F.conv3d(tg.ones(1, 2, 6, 5, 4), tg.ones(4, 2, 3, 3, 3)).shape == (1, 4, 4, 3, 2)
    # all ones: every output is the kernel volume times the channels
    assert F.conv3d(tg.ones(1, 2, 6, 5, 4), tg.ones(4, 2, 3, 3, 3)).numpy().max() == 54


def test_max_pooling_works_per_channel():
    """N x C x H x W -> N x C x OH x OW, no parameters, each channel on its own."""
    x = tg.tensor(np.arange(2 * 3 * 4 * 4, dtype=np.float32).reshape(2, 3, 4, 4))
    y = F.max_pool2d(x, 2)
    assert y.shape == (2, 3, 2, 2)
    assert y[1, 2].tolist() == [[x[1, 2, 1, 1].item(), x[1, 2, 1, 3].item()],
                                [x[1, 2, 3, 1].item(), x[1, 2, 3, 3].item()]]


def test_parameter_count_formula():
    """((kernel h x kernel w x input channels) + 1) x output channels: (5*5*192 + 1) * 32 = 153,632."""
    w = tg.zeros(32, 192, 5, 5)
    b = tg.zeros(32)
    assert w.numel() + b.numel() == (5 * 5 * 192 + 1) * 32 == 153_632
    assert F.conv2d(tg.zeros(1, 192, 7, 7), w, b, padding=2).shape == (1, 32, 7, 7)
