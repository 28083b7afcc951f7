"""Every differentiable core op: first derivatives (gradcheck) and second derivatives
(gradgradcheck) against central finite differences, over Hypothesis-drawn shapes with broadcasting.

PyTorch's defaults throughout: float64, eps=1e-6, atol=1e-5, rtol=1e-3. Values stay away from
kinks by construction (strategies.py): relu/abs/clamp away from 0 and the bounds, max/min/maximum
on distinct values, log/sqrt/pow on positive inputs.

Each case below draws its inputs and returns ``(fn, arrays)``; ``fn`` takes one leaf per array.
Integer indices, masks and conditions are constants built inside the case.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.autograd import gradcheck, gradgradcheck
from strategies import KINK_GAP, arrays, broadcastable_pairs, distinct, leaf, seeds, shapes

CASES = {}


def case(*names):
    def register(builder):
        for name in names:
            CASES[name] = (lambda n: lambda d: builder(d, n))(name)
        return builder
    return register


# ----------------------------------------------------------------------------- drawing helpers
def vals(d, shape, low=-2.0, high=2.0, away=None):
    return arrays(shape, low, high, away_from=away, seed=d.draw(seeds))


def pos(d, shape):
    return arrays(shape, 0.3, 2.0, seed=d.draw(seeds))


def dist(d, shape, low=-2.0, high=2.0):
    return distinct(shape, seed=d.draw(seeds), low=low, high=high)


def shape_of(d, min_dims=0, max_dims=3, min_side=1, max_side=3):
    return d.draw(shapes(min_dims, max_dims, min_side, max_side))


def a_dim(d, ndim):
    return d.draw(st.integers(-max(ndim, 1), max(ndim, 1) - 1))


def some_dims(d, ndim):
    """None, one dim, or a tuple of distinct dims (possibly negative)."""
    kind = d.draw(st.sampled_from(["none", "one", "tuple"])) if ndim else "none"
    if kind == "none":
        return None
    if kind == "one":
        return a_dim(d, ndim)
    picked = d.draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(p - ndim if d.draw(st.booleans()) else p for p in picked)


def const(a, dtype=None):
    return tg.tensor(a, dtype=dtype)


# ----------------------------------------------------------------------------- arithmetic
BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / b, "pow": lambda a, b: a ** b,
          "maximum": tg.maximum, "minimum": tg.minimum}


@case(*BINARY)
def _binary(d, name):
    sa, sb = d.draw(broadcastable_pairs(max_dims=3, max_side=3))
    if name in ("maximum", "minimum"):  # no ties anywhere: all values of both inputs distinct
        both = dist(d, (int(np.prod(sa)) + int(np.prod(sb)),))
        a, b = both[:int(np.prod(sa))].reshape(sa), both[int(np.prod(sa)):].reshape(sb)
    elif name == "pow":
        a, b = pos(d, sa), vals(d, sb)
    elif name == "div":
        a, b = vals(d, sa), vals(d, sb, 0.5, 2.0) * d.draw(st.sampled_from([1, -1]))
    else:
        a, b = vals(d, sa), vals(d, sb)
    return BINARY[name], [a, b]


SCALAR = {
    "add_scalar": (lambda x: x + 2.5, None), "radd_scalar": (lambda x: 2.5 + x, None),
    "sub_scalar": (lambda x: x - 1.5, None), "rsub_scalar": (lambda x: 1.5 - x, None),
    "mul_scalar": (lambda x: x * 3, None), "rmul_scalar": (lambda x: -0.5 * x, None),
    "div_scalar": (lambda x: x / 4, None), "rdiv_scalar": (lambda x: 2 / x, "nonzero"),
    "pow_2": (lambda x: x ** 2, None), "pow_3": (lambda x: x ** 3, None),
    "pow_half": (lambda x: x ** 0.5, "positive"), "pow_neg": (lambda x: x ** -1.5, "positive"),
    "pow_0": (lambda x: x ** 0, None), "rpow_scalar": (lambda x: 2 ** x, None),
    "pow_0dim_tensor": (lambda x: x ** tg.tensor(3.0, dtype=tg.float64), None),
    "neg": (lambda x: -x, None), "neg_method": (lambda x: x.neg(), None),
    "abs": (lambda x: x.abs(), "nonzero"), "exp": (lambda x: x.exp(), None),
    "log": (lambda x: x.log(), "positive"), "sqrt": (lambda x: x.sqrt(), "positive"),
    "sin": (lambda x: x.sin(), None), "cos": (lambda x: x.cos(), None), "tanh": (lambda x: x.tanh(), None),
    "sigmoid": (lambda x: x.sigmoid(), None), "relu": (lambda x: x.relu(), "nonzero"),
    "clamp_both": (lambda x: x.clamp(-0.5, 0.5), "bounds"), "clamp_min": (lambda x: tg.clamp(x, min=-0.5), "bounds"),
    "clamp_max": (lambda x: x.clamp(max=0.5), "bounds"),
    "clamp_tensor_bounds": (lambda x: x.clamp(tg.tensor(-0.5, dtype=tg.float64), tg.tensor(0.5, dtype=tg.float64)),
                            "bounds"),
    "square": (lambda x: x.square(), None), "reciprocal": (lambda x: x.reciprocal(), "nonzero"),
    "rsqrt": (lambda x: x.rsqrt(), "positive"),
    "clone": (lambda x: x.clone(), None), "to_float64": (lambda x: x.to(tg.float64) * x.double(), None),
    "to_device": (lambda x: x.to(x.device) * x.to(str(x.device)), None),
}


@case(*SCALAR)
def _scalar(d, name):
    fn, domain = SCALAR[name]
    shape = shape_of(d)
    if domain == "positive":
        a = pos(d, shape)
    elif domain == "nonzero":
        a = vals(d, shape, away=[0.0])
    elif domain == "bounds":
        a = vals(d, shape, -1.0, 1.0, away=[-0.5, 0.5])
    else:
        a = vals(d, shape)
    return fn, [a]


@case("where")
def _where(d, name):
    sa, sb = d.draw(broadcastable_pairs(max_dims=3, max_side=3))
    sc = d.draw(st.sampled_from([sa, sb, np.broadcast_shapes(sa, sb)]))
    cond = const(np.random.default_rng(d.draw(seeds)).random(sc) < 0.5)
    return (lambda a, b: tg.where(cond, a, b)), [vals(d, sa), vals(d, sb)]


@case("where_scalar_other")
def _where_scalar(d, name):
    shape = shape_of(d)
    cond = const(np.random.default_rng(d.draw(seeds)).random(shape) < 0.5)
    return (lambda a: a.where(cond, 0.0)), [vals(d, shape)]


# ----------------------------------------------------------------------------- matmul
MATMUL = {"matmul_1d_1d": ((3,), (3,)), "matmul_2d_1d": ((2, 3), (3,)), "matmul_1d_2d": ((3,), (3, 2)),
          "matmul_2d_2d": ((2, 3), (3, 2)), "matmul_3d_1d": ((2, 2, 3), (3,)), "matmul_1d_3d": ((3,), (2, 3, 2)),
          "matmul_batched": ((2, 2, 3), (2, 3, 1)), "matmul_3d_2d": ((2, 2, 3), (3, 2)),
          "matmul_broadcast_batch": ((2, 1, 2, 3), (3, 3, 2))}


@case(*MATMUL)
def _matmul(d, name):
    sa, sb = MATMUL[name]
    # vary the sizes a little while keeping the inner dims equal
    k = d.draw(st.integers(1, 3))
    sa = sa[:-1] + (k,)
    sb = (k,) if len(sb) == 1 else sb[:-2] + (k, sb[-1])
    op = d.draw(st.sampled_from(["@", "matmul", "mm"])) if len(sa) == len(sb) == 2 else "@"
    fn = {"@": lambda a, b: a @ b, "matmul": tg.matmul, "mm": lambda a, b: a.mm(b)}[op]
    return fn, [vals(d, sa), vals(d, sb)]


# ----------------------------------------------------------------------------- reductions
@case("sum", "mean")
def _sum_mean(d, name):
    shape = shape_of(d)
    dims, keep = some_dims(d, len(shape)), d.draw(st.booleans())
    if dims is None:
        return (lambda x: getattr(x, name)()), [vals(d, shape)]
    return (lambda x: getattr(tg, name)(x, dims, keepdim=keep)), [vals(d, shape)]


@case("max_all", "min_all", "max_dim", "min_dim", "amax", "amin")
def _max_min(d, name):
    shape = shape_of(d)
    x = dist(d, shape)
    if name.endswith("_all"):
        return (lambda t: getattr(t, name[:3])()), [x]
    if name.endswith("_dim"):
        dim, keep = a_dim(d, len(shape)), d.draw(st.booleans())
        return (lambda t: getattr(t, name[:3])(dim, keepdim=keep).values), [x]
    dims = some_dims(d, len(shape))
    return (lambda t: getattr(t, name)(dims)), [x]


@case("var", "std")
def _var_std(d, name):
    shape = shape_of(d, 1, 3, 2, 3)  # at least 2 elements along every dim: unbiased var is finite
    dims, keep = some_dims(d, len(shape)), d.draw(st.booleans())
    correction = d.draw(st.sampled_from([None, 0, 1]))
    x = dist(d, shape)  # distinct values: var > 0, so std's sqrt is smooth
    if correction is None:
        return (lambda t: getattr(t, name)(dims, keepdim=keep)), [x]
    return (lambda t: getattr(tg, name)(t, dims, keepdim=keep, correction=correction)), [x]


@case("norm")
def _norm(d, name):
    shape = shape_of(d)
    p = d.draw(st.sampled_from([2, 1, 3, 1.5, "fro", float("inf")]))
    dims = some_dims(d, len(shape))
    if p == float("inf"):
        x = dist(d, shape, 0.1, 2.0) * np.where(np.random.default_rng(d.draw(seeds)).random(shape) < 0.5, -1, 1)
    else:
        x = vals(d, shape, away=[0.0])
    return (lambda t: t.norm(p, dim=dims)), [x]


@case("logsumexp")
def _logsumexp(d, name):
    shape = shape_of(d)
    dim, keep = a_dim(d, len(shape)), d.draw(st.booleans())
    return (lambda t: t.logsumexp(dim, keepdim=keep)), [vals(d, shape, -4, 4)]


@case("softmax", "log_softmax")
def _softmax(d, name):
    shape = shape_of(d)
    dim = a_dim(d, len(shape))
    return (lambda t: getattr(t, name)(dim)), [vals(d, shape, -3, 3)]


# ----------------------------------------------------------------------------- shape ops
@case("reshape", "view")
def _reshape(d, name):
    shape = shape_of(d)
    n = int(np.prod(shape))
    new = d.draw(st.permutations(list(shape) + [1] * d.draw(st.integers(0, 1))))
    new = list(new) if new else [1]
    if n and d.draw(st.booleans()):
        new[d.draw(st.integers(0, len(new) - 1))] = -1
    return (lambda t: getattr(t, name)(*new)), [vals(d, shape)]


@case("flatten")
def _flatten(d, name):
    shape = shape_of(d)
    n = max(len(shape), 1)
    s, e = sorted([d.draw(st.integers(0, n - 1)), d.draw(st.integers(0, n - 1))])
    return (lambda t: t.flatten(s, e)), [vals(d, shape)]


@case("squeeze", "unsqueeze")
def _squeeze(d, name):
    shape = shape_of(d, 0, 3, 1, 2)
    if name == "unsqueeze":
        dim = d.draw(st.integers(-len(shape) - 1, len(shape)))
        return (lambda t: t.unsqueeze(dim)), [vals(d, shape)]
    dim = d.draw(st.one_of(st.none(), st.integers(-max(len(shape), 1), max(len(shape), 1) - 1)))
    return (lambda t: t.squeeze(dim) if dim is not None else t.squeeze()), [vals(d, shape)]


@case("permute", "transpose", "T")
def _permute(d, name):
    shape = shape_of(d, 1 if name == "transpose" else 0)
    if name == "T":
        return (lambda t: t.T), [vals(d, shape)]
    if name == "transpose":
        d0, d1 = a_dim(d, len(shape)), a_dim(d, len(shape))
        return (lambda t: t.transpose(d0, d1)), [vals(d, shape)]
    perm = d.draw(st.permutations(range(len(shape))))
    return (lambda t: t.permute(*perm)), [vals(d, shape)]


@case("expand", "repeat")
def _expand(d, name):
    shape = shape_of(d, 0, 3, 1, 2)
    if name == "expand":
        lead = d.draw(st.lists(st.integers(1, 3), max_size=2))
        target = list(lead) + [d.draw(st.integers(1, 3)) if s == 1 else d.draw(st.sampled_from([s, -1]))
                               for s in shape]
        return (lambda t: t.expand(*target)), [vals(d, shape)]
    reps = d.draw(st.lists(st.integers(1, 3), min_size=len(shape), max_size=len(shape) + 1))
    return (lambda t: t.repeat(*reps)), [vals(d, shape)]


@case("getitem_basic")
def _getitem_basic(d, name):
    shape = shape_of(d, 1, 3, 1, 3)
    idx = []
    for s in shape:
        kind = d.draw(st.sampled_from(["int", "slice", "full"]))
        if kind == "int":
            idx.append(d.draw(st.integers(-s, s - 1)))
        elif kind == "slice":
            start = d.draw(st.integers(0, s - 1))
            idx.append(slice(start, d.draw(st.integers(start + 1, s)), d.draw(st.integers(1, 2))))
        else:
            idx.append(slice(None))
    if d.draw(st.booleans()):  # an Ellipsis standing for the leading full slices
        k = 0
        while k < len(idx) and idx[k] == slice(None):
            k += 1
        idx = [Ellipsis] + idx[k:]
    if d.draw(st.booleans()):
        idx.insert(d.draw(st.integers(0, len(idx))), None)
    index = tuple(idx)
    return (lambda t: t[index]), [vals(d, shape)]


@case("getitem_int_tensor", "getitem_bool_mask", "getitem_mixed")
def _getitem_adv(d, name):
    shape = shape_of(d, 1, 3, 1, 3)
    rng = np.random.default_rng(d.draw(seeds))
    if name == "getitem_int_tensor":  # repeated indices: their gradients must add up
        idx = const(rng.integers(-shape[0], shape[0], size=d.draw(st.integers(1, 5))))
        return (lambda t: t[idx]), [vals(d, shape)]
    if name == "getitem_bool_mask":
        k = d.draw(st.integers(1, len(shape)))
        mask = const(rng.random(shape[:k]) < 0.6)
        return (lambda t: t[mask]), [vals(d, shape)]
    idx = const(rng.integers(0, shape[-1], size=(2, 2)))
    return (lambda t: t[..., idx]), [vals(d, shape)]


@case("cat", "stack")
def _cat(d, name):
    shape = shape_of(d, 1)
    dim = d.draw(st.integers(-len(shape) - (name == "stack"), len(shape) - 1 + (name == "stack")))
    n = d.draw(st.integers(1, 3))
    shapes_ = []
    for _ in range(n):
        s = list(shape)
        if name == "cat":
            s[dim] = d.draw(st.integers(1, 3))
        shapes_.append(tuple(s))
    fn = (lambda *ts: tg.cat(list(ts), dim)) if name == "cat" else (lambda *ts: tg.stack(list(ts), dim))
    return fn, [vals(d, s) for s in shapes_]


@case("split_int", "split_sizes", "chunk")
def _split(d, name):
    shape = shape_of(d, 1)
    dim = a_dim(d, len(shape))
    n = shape[dim]
    if name == "split_int":
        k = d.draw(st.integers(1, n))
        return (lambda t: t.split(k, dim)), [vals(d, shape)]
    if name == "split_sizes":
        cut = sorted(d.draw(st.lists(st.integers(0, n), max_size=2)))
        sizes = [b - a for a, b in zip([0] + cut, cut + [n])]
        return (lambda t: tg.split(t, sizes, dim)), [vals(d, shape)]
    chunks = d.draw(st.integers(1, 4))
    return (lambda t: t.chunk(chunks, dim)), [vals(d, shape)]


@case("gather")
def _gather(d, name):
    shape = shape_of(d, 1)
    dim = a_dim(d, len(shape))
    ishape = tuple(d.draw(st.integers(1, 3)) if i == dim % len(shape) else d.draw(st.integers(1, s))
                   for i, s in enumerate(shape))
    index = const(np.random.default_rng(d.draw(seeds)).integers(0, shape[dim], size=ishape))
    return (lambda t: t.gather(dim, index)), [vals(d, shape)]


# ----------------------------------------------------------------------------- the checks
def check(fn, arrays_, seed=0):
    xs = [leaf(a) for a in arrays_]
    assert gradcheck(fn, xs, eps=1e-6, atol=1e-5, rtol=1e-3)
    tg.manual_seed(seed)  # gradgradcheck draws random output gradients
    assert gradgradcheck(fn, xs, eps=1e-6, atol=1e-5, rtol=1e-3)


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_first_and_second_derivatives(name, data):
    fn, arrays_ = CASES[name](data)
    check(fn, arrays_, seed=data.draw(seeds))


def _outputs(out):
    return [out] if isinstance(out, tg.Tensor) else list(out)


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=5)  # x ~90 cases: a dtype leak shows on any input, the value checks run at 25
@given(data=st.data())
def test_float32_stays_float32(name, data):
    """Forward outputs and every gradient keep float32 (no silent float64 from NumPy scalars)."""
    fn, arrays_ = CASES[name](data)
    xs = [tg.tensor(np.asarray(a, dtype=np.float32), requires_grad=True) for a in arrays_]
    if name in ("pow_0dim_tensor", "clamp_tensor_bounds", "to_float64"):
        pytest.skip("mixes in float64 on purpose")
    outs = _outputs(fn(*xs))
    for o in outs:
        assert o.dtype is tg.float32, (name, o.dtype)
    total = sum((o.sum() for o in outs if o.requires_grad), tg.tensor(0.0))
    if not total.requires_grad:
        return
    total.backward(create_graph=True)
    for x in xs:
        assert x.grad is None or x.grad.dtype is tg.float32, (name, x.grad.dtype)
    # and the second derivative too
    g = sum((x.grad.sum() for x in xs if x.grad is not None and x.grad.requires_grad), tg.tensor(0.0))
    if g.requires_grad:
        for x, gx in zip(xs, tg.autograd.grad(g, xs, allow_unused=True)):
            assert gx is None or gx.dtype is tg.float32, (name, gx.dtype)


def test_case_table_covers_the_core_op_list():
    """The ops the core promises to differentiate, each with at least one case above."""
    required = ["add", "sub", "mul", "div", "pow", "add_scalar", "radd_scalar", "rsub_scalar", "rdiv_scalar",
                "rpow_scalar", "neg", "abs", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu",
                "clamp_both", "maximum", "minimum", "where", "matmul_1d_1d", "matmul_2d_2d", "matmul_batched",
                "matmul_broadcast_batch", "sum", "mean", "max_all", "max_dim", "min_all", "min_dim", "amax",
                "var", "std", "norm", "logsumexp", "reshape", "view", "flatten", "squeeze", "unsqueeze", "permute",
                "transpose", "expand", "repeat", "getitem_basic", "getitem_int_tensor", "getitem_bool_mask",
                "cat", "stack", "split_int", "chunk", "gather", "softmax", "log_softmax", "to_float64", "clone"]
    assert not [r for r in required if r not in CASES]
    assert KINK_GAP >= 100 * 1e-6  # the finite-difference step never crosses a kink


@pytest.mark.parametrize("data,dim,correction", [
    ([2.0, 2.0, 2.0], None, 1),                   # zero variance: the gradient is 0, not nan
    ([[1.0, 1.0], [1.0, 3.0]], 1, 1),             # one row constant, one not
    ([[1.0, 1.0], [1.0, 3.0]], 0, 0),
    ([5.0], None, 1),                             # too few elements: nan, and a nan gradient
])
@pytest.mark.filterwarnings("ignore:.*degrees of freedom is <= 0:UserWarning")  # torch, for the last row
def test_std_at_zero_variance_matches_pytorch(data, dim, correction):
    torch = pytest.importorskip("torch")
    out = {}
    for lib in (tg, torch):
        x = lib.tensor(data, requires_grad=True)
        s = lib.std(x, dim=dim, correction=correction) if dim is not None else lib.std(x, correction=correction)
        s.sum().backward()
        out[lib.__name__] = (np.asarray(s.detach()), np.asarray(x.grad))
        assert x.grad.dtype == lib.float32
    for ours, theirs in zip(out["tinygrad_edu"], out["torch"]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, equal_nan=True)
