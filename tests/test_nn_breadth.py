"""The nn additions of issue 14: activations, pad modes and padding layers, unfold/fold, pixel
shuffle, normalize/cosine_similarity/pairwise_distance/cdist/dist, instance norm, the margin and KL
losses, max_unpool/lp_pool, bilinear, embedding_bag, alpha_dropout. Values, gradients and second
derivatives against PyTorch (float64), first and second derivatives against finite differences, the
layers' outputs against PyTorch's layers, and the errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F

from op_checks import check_derivatives, compare_with_torch
from strategies import arrays, leaf, seeds

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(0)
X = RNG.uniform(-2, 2, (2, 4, 5))
IMG = RNG.uniform(-2, 2, (2, 3, 5, 6))


def _lib(functional):
    return tg if functional is F else torch


def first_order(fn, *arrays, constant=(), **tol):
    """``compare_with_torch`` for the ops PyTorch has no second derivative for: values and gradients."""
    tol = {"rtol": 1e-10, "atol": 1e-12, **tol}
    results = []
    for lib, functional in ((tg, F), (torch, torch.nn.functional)):
        ts = [lib.tensor(a, requires_grad=a.dtype.kind == "f" and i not in constant) for i, a in enumerate(arrays)]
        out = fn(functional, *ts)
        weights = np.random.default_rng(7).standard_normal(tuple(out.shape))
        (out * lib.tensor(weights)).sum().backward()
        results.append([out.detach().numpy()] + [t.grad.numpy() for t in ts if t.requires_grad])
    for what, a, b in zip(["value"] + [f"gradient {i}" for i in range(len(results[0]) - 1)], *results):
        np.testing.assert_allclose(a, b, err_msg=what, **tol)


# ----------------------------------------------------------------------------- activations
ACTIVATIONS = {
    "selu": lambda F, x: F.selu(x), "celu": lambda F, x: F.celu(x, 0.7), "mish": lambda F, x: F.mish(x),
    "softsign": lambda F, x: F.softsign(x), "hardswish": lambda F, x: F.hardswish(x),
    "hardsigmoid": lambda F, x: F.hardsigmoid(x), "glu": lambda F, x: F.glu(x, 1),
    "threshold": lambda F, x: F.threshold(x, 0.3, -2.0), "tanhshrink": lambda F, x: F.tanhshrink(x),
    "logsigmoid": lambda F, x: F.logsigmoid(x), "softshrink": lambda F, x: F.softshrink(x, 0.4),
    "hardshrink": lambda F, x: F.hardshrink(x, 0.4), "softmin": lambda F, x: F.softmin(x, -1),
    "prelu": lambda F, x, w: F.prelu(x, w),
}
KINKS = {"selu": [0], "celu": [0], "hardswish": [-3, 3], "hardsigmoid": [-3, 3], "threshold": [0.3],
         "softshrink": [-0.4, 0.4], "hardshrink": [-0.4, 0.4], "prelu": [0]}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_torch(name):
    x = arrays(X.shape, -4, 4, away_from=KINKS.get(name), seed=1)
    if name == "prelu":
        compare_with_torch(ACTIVATIONS[name], x, np.array([0.2, -0.1, 0.5, 0.3]))
        compare_with_torch(ACTIVATIONS[name], x, np.array([0.25]))
    elif name == "celu":  # PyTorch's celu backward rounds 1/alpha to float32 (relative error ~1e-7)
        compare_with_torch(ACTIVATIONS[name], x, rtol=1e-6)
    elif name == "hardsigmoid":  # PyTorch has no second derivative for it, and rounds 1/6 to float32
        first_order(ACTIVATIONS[name], x, rtol=1e-7)
    else:
        compare_with_torch(ACTIVATIONS[name], x)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@settings(max_examples=4, deadline=None)
@given(seed=seeds)
def test_activation_derivatives(name, seed):
    x = leaf(arrays((2, 4), -4, 4, away_from=KINKS.get(name), seed=seed))
    if name == "prelu":
        check_derivatives(lambda a, w: F.prelu(a, w), x, leaf(np.array([0.3, -0.2, 0.1, 0.4])), seed=seed)
    else:
        check_derivatives(lambda a: ACTIVATIONS[name](F, a), x, seed=seed)


def test_activation_layers_match_torch():
    x = arrays((3, 4), -4, 4, away_from=[0, 3, -3, 0.5], seed=3)
    for name, args in [("SELU", ()), ("CELU", (0.5,)), ("Mish", ()), ("Softsign", ()), ("Hardswish", ()),
                       ("Hardsigmoid", ()), ("GLU", ()), ("Threshold", (0.5, 7.0)), ("Tanhshrink", ()),
                       ("LogSigmoid", ()), ("Softshrink", (0.3,)), ("Hardshrink", ()), ("Softmin", (1,)),
                       ("PReLU", ())]:
        ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
        x32 = x.astype(np.float32)
        np.testing.assert_allclose(ours(tg.tensor(x32)).detach().numpy(), theirs(torch.tensor(x32)).detach().numpy(),
                                   rtol=1e-6, atol=1e-6, err_msg=name)
        assert repr(ours) == repr(theirs), name
    p = nn.PReLU(4)
    assert tuple(p.weight.shape) == (4,) and p.weight.tolist() == [0.25] * 4


# ----------------------------------------------------------------------------- padding
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_modes_match_torch(mode):
    compare_with_torch(lambda F, x: F.pad(x, (2, 1), mode=mode), X)
    compare_with_torch(lambda F, x: F.pad(x, (1, 2, 2, 0), mode=mode), IMG)
    compare_with_torch(lambda F, x: F.pad(x, (1, 0, 0, 1, 1, 1), mode=mode), IMG)
    compare_with_torch(lambda F, x: F.pad(x, (3, 3), mode=mode), X[0])  # unbatched (C, L)
    if mode == "circular":
        compare_with_torch(lambda F, x: F.pad(x, (-1, 2), mode=mode), X)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@settings(max_examples=4, deadline=None)
@given(seed=seeds, lo=st.integers(0, 2), hi=st.integers(0, 2))
def test_pad_mode_derivatives(mode, seed, lo, hi):
    check_derivatives(lambda x: F.pad(x, (lo, hi, hi, lo), mode=mode) ** 2, leaf(arrays((1, 1, 3, 3), seed=seed)),
                      seed=seed)


def test_padding_layers_match_torch():
    for kind in ("Zero", "Constant", "Reflection", "Replication", "Circular"):
        for d, data in ((1, X), (2, IMG), (3, IMG[None])):
            args = ((1, 2) * d,) + ((3.5,) if kind == "Constant" else ())
            ours, theirs = getattr(nn, f"{kind}Pad{d}d")(*args), getattr(torch.nn, f"{kind}Pad{d}d")(*args)
            np.testing.assert_array_equal(ours(tg.tensor(data)).numpy(), theirs(torch.tensor(data)).numpy())
            assert repr(ours) == repr(theirs)
    assert nn.ZeroPad2d(2).padding == torch.nn.ZeroPad2d(2).padding


def test_pad_mode_errors():
    with pytest.raises(RuntimeError, match="Padding size should be less than the corresponding input dimension"):
        F.pad(tg.ones(1, 3), (3, 3), mode="reflect")
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        F.pad(tg.ones(1, 3), (4, 4), mode="circular")
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 1D input"):
        F.pad(tg.ones(3), (1, 1), mode="reflect")
    with pytest.raises(RuntimeError, match="doesn't take in value"):
        F.pad(tg.ones(1, 3), (1, 1), mode="reflect", value=2.0)


# ----------------------------------------------------------------------------- unfold / fold / pixel shuffle
@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=(2, 3), stride=2, padding=1),
                                dict(kernel_size=2, dilation=2, padding=(1, 0))])
def test_unfold_fold_match_torch(kw):
    compare_with_torch(lambda F, x: F.unfold(x, **kw), IMG)
    compare_with_torch(lambda F, x: F.unfold(x, **kw), IMG[0])
    cols = torch.nn.functional.unfold(torch.tensor(IMG), **kw).numpy()
    compare_with_torch(lambda F, c: F.fold(c, (5, 6), **kw), RNG.standard_normal(cols.shape))
    ours, theirs = nn.Unfold(**kw), torch.nn.Unfold(**kw)
    np.testing.assert_allclose(ours(tg.tensor(IMG)).numpy(), theirs(torch.tensor(IMG)).numpy())
    assert repr(ours) == repr(theirs)
    assert repr(nn.Fold((5, 6), **kw)) == repr(torch.nn.Fold((5, 6), **kw))


def test_unfold_is_conv_as_matmul():
    """conv2d(x, w) == w.view(F, -1) @ unfold(x): the lecture's im2col, checked through the public API."""
    x, w = tg.tensor(IMG), tg.tensor(RNG.standard_normal((4, 3, 2, 3)))
    cols = F.unfold(x, (2, 3))
    y = (w.reshape(4, -1) @ cols).reshape(2, 4, 4, 4)
    np.testing.assert_allclose(y.numpy(), F.conv2d(x, w).numpy(), rtol=1e-12)


def test_unfold_fold_derivatives():
    check_derivatives(lambda x: F.unfold(x, 2, stride=1, padding=1) ** 2, leaf(arrays((1, 2, 3, 3), seed=0)))
    check_derivatives(lambda c: F.fold(c, (3, 4), 2) ** 2, leaf(arrays((1, 8, 6), seed=1)))


def test_fold_errors():
    with pytest.raises(RuntimeError, match="divisible by the product of kernel_size"):
        F.fold(tg.zeros(1, 7, 6), (3, 4), 2)
    with pytest.raises(RuntimeError, match="calculated number of sliding blocks"):
        F.fold(tg.zeros(1, 8, 5), (3, 4), 2)
    with pytest.raises(NotImplementedError, match="Only 3D or 4D"):
        F.unfold(tg.zeros(2, 3), 2)


def test_pixel_shuffle_matches_torch():
    x = RNG.standard_normal((2, 8, 3, 2))
    compare_with_torch(lambda F, a: F.pixel_shuffle(a, 2), x)
    compare_with_torch(lambda F, a: F.pixel_unshuffle(a, 2), RNG.standard_normal((2, 2, 4, 6)))
    y = nn.PixelUnshuffle(2)(nn.PixelShuffle(2)(tg.tensor(x)))
    np.testing.assert_array_equal(y.numpy(), x)
    with pytest.raises(RuntimeError, match="divisible by the square of upscale_factor"):
        F.pixel_shuffle(tg.zeros(1, 3, 2, 2), 2)


# ----------------------------------------------------------------------------- distances
def test_distances_match_torch():
    a, b = RNG.standard_normal((4, 5)), RNG.standard_normal((4, 5))
    for p in (1, 2, 3, float("inf")):
        compare_with_torch(lambda F, x: F.normalize(x, p, 1), a)
        compare_with_torch(lambda F, x, y: F.pairwise_distance(x, y, p), a, b)
        first_order(lambda F, x, y: _lib(F).cdist(x, y, p), a, b[:3])
        compare_with_torch(lambda F, x, y: _lib(F).dist(x, y, p), a, b)
    compare_with_torch(lambda F, x: F.normalize(x, dim=0), a)
    compare_with_torch(lambda F, x, y: F.cosine_similarity(x, y), a, b)
    compare_with_torch(lambda F, x, y: F.cosine_similarity(x, y, dim=0), a, b[:1])
    first_order(lambda F, x, y: _lib(F).cdist(x, y), RNG.standard_normal((2, 3, 4)),
                       RNG.standard_normal((2, 2, 4)))
    np.testing.assert_allclose(nn.CosineSimilarity(0)(tg.tensor(a), tg.tensor(b)).numpy(),
                               torch.nn.CosineSimilarity(0)(torch.tensor(a), torch.tensor(b)).numpy())
    np.testing.assert_allclose(nn.PairwiseDistance(1, keepdim=True)(tg.tensor(a), tg.tensor(b)).numpy(),
                               torch.nn.PairwiseDistance(1, keepdim=True)(torch.tensor(a), torch.tensor(b)).numpy())
    z = tg.zeros(2, 3, requires_grad=True)  # a zero vector: finite gradient thanks to eps
    F.normalize(z).sum().backward()
    assert np.isfinite(z.grad.numpy()).all()


def test_distance_derivatives():
    check_derivatives(lambda x, y: F.cosine_similarity(x, y), leaf(arrays((2, 3), seed=0)), leaf(arrays((2, 3), seed=1)))
    check_derivatives(lambda x: F.normalize(x, 3.0), leaf(arrays((2, 3), seed=2)))
    check_derivatives(lambda x, y: tg.cdist(x, y), leaf(arrays((3, 2), seed=3)), leaf(arrays((2, 2), seed=4)))


# ----------------------------------------------------------------------------- instance norm
def test_instance_norm_matches_torch():
    w, b = RNG.uniform(0.5, 2, 3), RNG.standard_normal(3)
    compare_with_torch(lambda F, x, w, b: F.instance_norm(x, weight=w, bias=b), IMG, w, b)
    compare_with_torch(lambda F, x: F.instance_norm(x), X)
    for d, data in ((1, X), (2, IMG), (3, IMG[:, :, None])):
        for kw in (dict(), dict(affine=True, track_running_stats=True)):
            c = data.shape[1]
            ours, theirs = getattr(nn, f"InstanceNorm{d}d")(c, **kw), getattr(torch.nn, f"InstanceNorm{d}d")(c, **kw)
            for _ in range(2):
                np.testing.assert_allclose(ours(tg.tensor(data)).detach().numpy(),
                                           theirs(torch.tensor(data).float()).detach().numpy().astype(np.float64),
                                           rtol=1e-5, atol=1e-5)
            if kw:
                np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), rtol=1e-5)
                ours.eval(), theirs.eval()
                np.testing.assert_allclose(ours(tg.tensor(data)).detach().numpy(),
                                           theirs(torch.tensor(data).float()).detach().numpy(), rtol=1e-4, atol=1e-5)
            assert repr(ours) == repr(theirs)
    np.testing.assert_allclose(nn.InstanceNorm1d(4)(tg.tensor(X[0])).numpy(),
                               torch.nn.InstanceNorm1d(4)(torch.tensor(X[0])).numpy())  # unbatched
    check_derivatives(lambda x: F.instance_norm(x), leaf(arrays((2, 2, 3), seed=5)))


# ----------------------------------------------------------------------------- losses
@pytest.mark.filterwarnings("ignore:reduction")  # both libraries warn, as they should
def test_losses_match_torch():
    logp = np.log(RNG.dirichlet(np.ones(5), 4))
    q = RNG.dirichlet(np.ones(5), 4)
    q[0, 1] = 0.0  # a zero target: contributes 0, and no nan
    for red in ("mean", "sum", "none", "batchmean"):
        # the target's gradient log(t) + 1 - x is -inf at t = 0 (PyTorch: nan): there the target is constant
        compare_with_torch(lambda F, x, t: F.kl_div(x, t, reduction=red), logp, q, constant=(1,))
        compare_with_torch(lambda F, x, t: F.kl_div(x, t, reduction=red), logp, q + 0.05)
        compare_with_torch(lambda F, x, t: F.kl_div(x, t, reduction=red, log_target=True), logp, np.log(q + 0.1))
    a, b = RNG.standard_normal((6, 3)), RNG.standard_normal((6, 3))
    y = np.array([1.0, -1, 1, -1, -1, 1])
    for red in ("mean", "sum", "none"):
        compare_with_torch(lambda F, x1, x2, t: F.cosine_embedding_loss(x1, x2, t, 0.1, reduction=red), a, b, y,
                           constant=(2,), rtol=1e-8)
        compare_with_torch(lambda F, x1, x2, t: F.margin_ranking_loss(x1, x2, t, 0.3, reduction=red), a[:, 0],
                           b[:, 0], y, constant=(2,))
        for swap in (False, True):
            compare_with_torch(lambda F, x, p, n: F.triplet_margin_loss(x, p, n, 1.5, swap=swap, reduction=red),
                               a, b, a * 0.5 + 0.3)
    for name, args in (("KLDivLoss", (logp, q)), ("MarginRankingLoss", (a[:, 0], b[:, 0], y)),
                       ("CosineEmbeddingLoss", (a, b, y)), ("TripletMarginLoss", (a, b, -a))):
        ours, theirs = getattr(nn, name)(), getattr(torch.nn, name)()
        np.testing.assert_allclose(ours(*map(tg.tensor, args)).numpy(), theirs(*map(torch.tensor, args)).numpy(),
                                   rtol=1e-12)
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(tg.tensor(logp), tg.tensor(q))


# ----------------------------------------------------------------------------- unpool, lp_pool
def test_max_unpool_and_lp_pool_match_torch():
    x = np.random.default_rng(1).permutation(np.linspace(-2, 2, 2 * 3 * 4 * 6)).reshape(2, 3, 4, 6)
    y, idx = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
    ours_y, ours_idx = F.max_pool2d(tg.tensor(x), 2, return_indices=True)
    assert ours_idx.tolist() == idx.tolist()
    compare_with_torch(lambda F, v: F.max_unpool2d(v, _lib(F).tensor(idx.numpy()), 2), y.numpy())
    compare_with_torch(lambda F, v: F.max_unpool2d(v, _lib(F).tensor(idx.numpy()), 2, output_size=(5, 7)), y.numpy())
    y1, i1 = torch.nn.functional.max_pool1d(torch.tensor(x[0]), 3, 2, return_indices=True)
    compare_with_torch(lambda F, v: F.max_unpool1d(v, _lib(F).tensor(i1.numpy()), 3, 2), y1.numpy())
    unpool, tunpool = nn.MaxUnpool2d(2), torch.nn.MaxUnpool2d(2)
    np.testing.assert_array_equal(unpool(ours_y, ours_idx).numpy(), tunpool(y, idx).numpy())
    pos = np.abs(x) + 0.1
    for p in (1.0, 2.0, 3.0):
        compare_with_torch(lambda F, v: F.lp_pool2d(v, p, 2), pos)
        compare_with_torch(lambda F, v: F.lp_pool1d(v, p, 3, 2), pos[0])
    np.testing.assert_allclose(nn.LPPool2d(2, (2, 3))(tg.tensor(pos)).numpy(),
                               torch.nn.LPPool2d(2, (2, 3))(torch.tensor(pos)).numpy())
    check_derivatives(lambda v: F.lp_pool2d(v, 2.0, 2), leaf(pos[:1, :1, :2, :4]))


# ----------------------------------------------------------------------------- bilinear, embedding_bag, alpha dropout
def test_bilinear_matches_torch():
    x1, x2, w, b = (RNG.standard_normal(s) for s in ((5, 3), (5, 4), (2, 3, 4), (2,)))
    compare_with_torch(lambda F, a, c, w, b: F.bilinear(a, c, w, b), x1, x2, w, b)
    compare_with_torch(lambda F, a, c, w: F.bilinear(a, c, w), x1[None], x2[None], w)
    layer = nn.Bilinear(3, 4, 2)
    assert tuple(layer.weight.shape) == (2, 3, 4) and float(abs(layer.weight).max()) <= 3 ** -0.5
    assert repr(layer) == repr(torch.nn.Bilinear(3, 4, 2))


def test_embedding_bag_matches_torch():
    w = RNG.standard_normal((10, 3))
    flat, offsets = np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 3, 3, 5])
    for mode in ("sum", "mean", "max"):  # PyTorch has no second derivative of embedding_bag
        first_order(lambda F, w: F.embedding_bag(_lib(F).tensor(flat), w, _lib(F).tensor(offsets), mode=mode), w)
        first_order(lambda F, w: F.embedding_bag(_lib(F).tensor(flat.reshape(2, 4)), w, mode=mode), w)
        first_order(lambda F, w: F.embedding_bag(_lib(F).tensor(flat), w, _lib(F).tensor(offsets), mode=mode,
                                                 padding_idx=4), w)
    first_order(lambda F, w, s: F.embedding_bag(_lib(F).tensor(flat), w, _lib(F).tensor(offsets),
                                                       mode="sum", per_sample_weights=s), w, RNG.random(8))
    check_derivatives(lambda w: F.embedding_bag(tg.tensor(flat), w, tg.tensor(offsets), mode="mean") ** 2,
                      leaf(w[:, :2]))
    bag = nn.EmbeddingBag(10, 3, mode="sum", _weight=tg.tensor(w))
    tbag = torch.nn.EmbeddingBag(10, 3, mode="sum", _weight=torch.tensor(w))
    np.testing.assert_allclose(bag(tg.tensor(flat), tg.tensor(offsets)).detach().numpy(),
                               tbag(torch.tensor(flat), torch.tensor(offsets)).detach().numpy())


def test_alpha_dropout_keeps_mean_and_variance():
    tg.manual_seed(0)
    x = tg.randn(200000, dtype=tg.float64)
    y = F.alpha_dropout(x, 0.3, training=True)
    assert abs(float(y.mean())) < 0.01 and abs(float(y.std()) - 1) < 0.01  # the point of the affine correction
    assert F.alpha_dropout(x, 0.3) is x  # PyTorch's default training=False
    layer = nn.AlphaDropout(0.2)
    layer.eval()
    assert layer(x) is x
    # the dropped value: a * alpha' + b, alpha' = -scale * alpha (computed by hand)
    alpha = -1.0507009873554805 * 1.6732632423543772
    a = ((1 - 0.3) * (1 + 0.3 * alpha ** 2)) ** -0.5
    dropped = np.isclose(y.numpy(), a * alpha - a * alpha * 0.3)
    assert 0.29 < dropped.mean() < 0.31


# ----------------------------------------------------------------------------- affine_grid, grid_sample
@pytest.mark.parametrize("align", [False, True])
def test_affine_grid_and_grid_sample_match_torch(align):
    theta = np.array([[[0.9, -0.3, 0.1], [0.2, 1.1, -0.2]], [[1.2, 0.1, 0.3], [-0.1, 0.8, 0.05]]])
    compare_with_torch(lambda F, t: F.affine_grid(t, (2, 3, 4, 5), align_corners=align), theta)
    img = RNG.standard_normal((2, 3, 4, 5))
    grid = torch.nn.functional.affine_grid(torch.tensor(theta), (2, 3, 3, 4), align_corners=align).numpy()
    grid = grid + 0.013  # keep sample points off the pixel lattice (the bilinear weights have kinks there)
    for pad in ("zeros", "border"):
        first_order(lambda F, x, g: F.grid_sample(x, g, "bilinear", pad, align), img, grid)
        first_order(lambda F, x, g: F.grid_sample(x, g, "nearest", pad, align), img, grid, constant=(1,))
    check_derivatives(lambda x, g: F.grid_sample(x, g, align_corners=align), leaf(img[:1, :1]), leaf(grid[:1]))
