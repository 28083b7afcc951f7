"""The autograd engine and its user-facing API: backward, grad, grad modes, hooks, retain_grad,
custom Functions, higher-order gradients, the version counter, anomaly detection.

Values are checked against derivatives worked out by hand in the comments."""
import re
import sys

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.autograd import Function, gradcheck, gradgradcheck


def npy(t):
    """Values on the host, whatever the device."""
    return np.asarray(t.detach().cpu())


def f64(data, requires_grad=True):
    return tg.tensor(data, dtype=tg.float64, requires_grad=requires_grad)


# ----------------------------------------------------------------------------- the engine
def test_chain_of_20000_ops_is_iterative():
    x = f64(1.0)
    y = x
    for i in range(20000):  # y = x + 20000 * 1e-4 ... each step y = y * 1 + x * 0 shape: dy/dx = 1 per add
        y = y + 1e-4 if i % 2 else y * 1.0
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # a recursive engine would need one frame per op
    try:
        y.backward()
    finally:
        sys.setrecursionlimit(limit)
    assert npy(x.grad) == 1.0
    del y  # freeing a deep graph must not recurse either


def test_diamond_graph_waits_for_every_path():
    # y = (2x) * (3x) = 6 x^2: both paths meet at the Mul; dy/dx = 12 x
    x = f64([1.0, -2.0])
    a, b = x * 2, x * 3
    (a * b).sum().backward()
    np.testing.assert_allclose(npy(x.grad), 12 * np.array([1.0, -2.0]))


def test_same_tensor_used_twice_in_one_op():
    x = f64(3.0)
    (x * x).backward()  # d(x^2)/dx = 2x
    assert npy(x.grad) == 6.0


def test_gradients_accumulate_across_backward_calls():
    x = f64([1.0, 2.0])
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(npy(x.grad), 2 * np.array([1.0, 2.0]) + 3)
    x.grad.zero_()
    (x * 5).sum().backward()
    np.testing.assert_allclose(npy(x.grad), [5.0, 5.0])


def test_backward_with_explicit_gradient():
    x = f64([1.0, 2.0, 3.0])
    y = x * x
    y.backward(gradient=tg.tensor([1.0, 0.5, 0.0], dtype=tg.float64))
    np.testing.assert_allclose(npy(x.grad), [2.0, 2.0, 0.0])  # 2x * g


def test_backward_on_a_non_scalar_needs_a_gradient():
    x = f64([1.0, 2.0])
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()


def test_backward_gradient_of_the_wrong_shape():
    x = f64([1.0, 2.0])
    with pytest.raises(RuntimeError, match=re.escape("Mismatch in shape: grad_output[0] has a shape of [3]")):
        (x * 2).backward(tg.ones(3, dtype=tg.float64))


def test_backward_on_a_tensor_without_grad():
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        tg.ones(2).sum().backward()


def test_graph_is_freed_after_backward():
    x = f64([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = f64([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(npy(x.grad), 2 * 2 * np.array([1.0, 2.0]))


def test_nodes_that_saved_nothing_can_run_again():
    # as in PyTorch: an add or a sum lost nothing when the graph was freed
    x = f64([1.0, 2.0])
    y = (x + 1).sum()
    y.backward()
    y.backward()
    np.testing.assert_allclose(npy(x.grad), [2.0, 2.0])


def test_saved_values_are_released_after_backward():
    x = f64([1.0, 2.0])
    y = x * x
    node = y.grad_fn
    assert node._saved
    y.sum().backward()
    assert node._saved is None


def test_create_graph_gives_second_derivative_of_x_cubed():
    # y = x^3: dy/dx = 3x^2, d2y/dx2 = 6x
    x = f64([1.0, -2.0, 0.5])
    y = (x ** 3).sum()
    (g,) = tg.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(npy(g), 3 * npy(x) ** 2)
    assert g.requires_grad
    (h,) = tg.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(npy(h), 6 * npy(x))


def test_third_derivative_through_backward_create_graph():
    # y = x^4 -> 4x^3 -> 12x^2 -> 24x
    x = f64(2.0)
    (x ** 4).backward(create_graph=True)
    g1 = x.grad
    (g2,) = tg.autograd.grad(g1, x, create_graph=True)
    (g3,) = tg.autograd.grad(g2, x)
    assert npy(g1) == 32.0 and npy(g2) == 48.0 and npy(g3) == 48.0


def test_create_graph_accumulation_keeps_graph_and_never_shares():
    x, y = f64(2.0), f64(3.0)
    (x + y).backward(create_graph=True)
    assert x.grad is not y.grad
    (x * x * y).backward(create_graph=True)  # adds 2xy = 12 to x.grad, x^2 = 4 to y.grad
    assert npy(x.grad) == 13.0 and npy(y.grad) == 5.0
    assert x.grad.requires_grad
    (gx,) = tg.autograd.grad(x.grad, y)  # d(1 + 2xy)/dy = 2x
    assert npy(gx) == 4.0


def test_grad_returns_without_touching_dot_grad():
    x, w = f64([1.0, 2.0]), f64([3.0, 4.0])
    y = (x * w).sum()
    gx, gw = tg.autograd.grad(y, [x, w])
    np.testing.assert_allclose(npy(gx), [3.0, 4.0])
    np.testing.assert_allclose(npy(gw), [1.0, 2.0])
    assert x.grad is None and w.grad is None


def test_grad_allow_unused():
    x, unused = f64(1.0), f64(2.0)
    y = x * 3
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        tg.autograd.grad(y, [x, unused], retain_graph=True)
    gx, gu = tg.autograd.grad(y, [x, unused], allow_unused=True)
    assert npy(gx) == 3.0 and gu is None


def test_grad_with_respect_to_a_non_leaf():
    x = f64([1.0, 2.0])
    h = x * 2
    y = (h * h).sum()
    (gh,) = tg.autograd.grad(y, h)  # dy/dh = 2h
    np.testing.assert_allclose(npy(gh), 2 * npy(h))


def test_grad_inputs_must_require_grad():
    x = f64(1.0)
    with pytest.raises(RuntimeError, match=r"input 0\) does not require grad"):
        tg.autograd.grad(x * 2, [tg.tensor(1.0)])


def test_backward_with_inputs_accumulates_only_there():
    x, w = f64(2.0), f64(3.0)
    (x * w).backward(inputs=[w])
    assert x.grad is None and npy(w.grad) == 2.0


def test_multi_output_node_with_one_output_unused():
    x = f64([1.0, 2.0, 3.0, 4.0])
    a, b = x.split(2)
    (a * 3).sum().backward()  # the gradient of b never arrives: zeros there
    np.testing.assert_allclose(npy(x.grad), [3.0, 3.0, 0.0, 0.0])


def test_both_outputs_of_a_multi_output_node():
    x = f64([1.0, 2.0, 3.0, 4.0])
    a, b = x.chunk(2)
    (a.sum() * 2 + (b * b).sum()).backward()
    np.testing.assert_allclose(npy(x.grad), [2.0, 2.0, 6.0, 8.0])


def test_nodes_reached_by_no_gradient_are_skipped():
    # y depends on x through a branch whose gradient is None (a custom op that blocks it)
    class Block(Function):
        @staticmethod
        def forward(ctx, t):
            return t.array.copy()

        @staticmethod
        def backward(ctx, g):
            return None

    x = f64([1.0, 2.0])
    blocked = Block.apply(x * 5)
    (blocked.sum() + (x * 2).sum()).backward()
    np.testing.assert_allclose(npy(x.grad), [2.0, 2.0])


def test_repeated_indices_accumulate():
    x = f64([10.0, 20.0, 30.0])
    idx = tg.tensor([0, 2, 0, 0])
    x[idx].sum().backward()
    np.testing.assert_allclose(npy(x.grad), [3.0, 0.0, 1.0])


def test_gather_with_repeated_indices_accumulates():
    x = f64([[1.0, 2.0], [3.0, 4.0]])
    x.gather(1, tg.tensor([[0, 0, 0], [1, 0, 1]])).sum().backward()
    np.testing.assert_allclose(npy(x.grad), [[3.0, 0.0], [1.0, 2.0]])


def test_norm_gradient_at_the_zero_vector_is_zero_like_pytorch():
    for p in (2, 3, 1.5, 1):
        x = f64([[0.0, 0.0], [3.0, 4.0]])
        x.norm(p, dim=1).sum().backward()
        assert np.isfinite(npy(x.grad)).all(), p
        np.testing.assert_allclose(npy(x.grad)[0], [0.0, 0.0])
    x = f64([3.0, 4.0])
    x.norm().backward()
    np.testing.assert_allclose(npy(x.grad), [0.6, 0.8])  # x / |x| away from zero


def test_setitem_is_recorded():
    x = f64([1.0, 2.0, 3.0])
    v = f64(5.0)
    y = x * 2
    y[1:] = v  # y = [2, 5, 5]
    (y * f64([1.0, 2.0, 3.0], requires_grad=False)).sum().backward()
    np.testing.assert_allclose(npy(x.grad), [2.0, 0.0, 0.0])
    assert npy(v.grad) == 5.0


# ----------------------------------------------------------------------------- no aliasing
def test_two_leaves_never_share_a_gradient_array():
    x, y = f64([1.0, 2.0]), f64([3.0, 4.0])
    (x + y).sum().backward()  # Add hands the same gradient to both inputs
    assert not np.shares_memory(x.grad.array, y.grad.array) if x.grad.device.type == "cpu" else True
    x.grad.zero_()
    np.testing.assert_allclose(npy(y.grad), [1.0, 1.0])
    (x + y).sum().backward()
    np.testing.assert_allclose(npy(x.grad), [1.0, 1.0])
    np.testing.assert_allclose(npy(y.grad), [2.0, 2.0])


def test_broadcast_gradient_is_writable_and_accumulates():
    x = f64([1.0, 2.0, 3.0])
    y = x.sum()  # the gradient is a broadcast (read-only) view of one number
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(npy(x.grad), [2.0, 2.0, 2.0])
    x.grad.add_(1)  # owned and writable
    np.testing.assert_allclose(npy(x.grad), [3.0, 3.0, 3.0])


def test_user_gradient_is_not_stored_or_modified():
    x = f64([1.0, 2.0])
    g = tg.tensor([1.0, 1.0], dtype=tg.float64)
    (x + 0).backward(g)
    (x + 0).backward(g)  # accumulates into x.grad in place: g must be untouched
    np.testing.assert_allclose(npy(g), [1.0, 1.0])
    np.testing.assert_allclose(npy(x.grad), [2.0, 2.0])


def test_leaf_root_backward_copies_the_gradient():
    x = f64([1.0, 2.0])
    g = tg.tensor([1.0, 1.0], dtype=tg.float64)
    x.backward(g)
    x.backward(g)
    np.testing.assert_allclose(npy(g), [1.0, 1.0])
    np.testing.assert_allclose(npy(x.grad), [2.0, 2.0])


def test_retained_grad_and_leaf_grad_do_not_alias():
    x = f64([1.0, 2.0])
    h = x + 0  # Add's backward passes the same array on
    h.retain_grad()
    h.sum().backward()
    x.grad.zero_()
    np.testing.assert_allclose(npy(h.grad), [1.0, 1.0])


def test_slices_of_one_gradient_do_not_alias():
    x, y = f64([1.0, 2.0]), f64([3.0])
    tg.cat([x, y]).sum().backward()  # Cat hands out slices of one gradient array
    if x.grad.device.type == "cpu":
        assert not np.shares_memory(x.grad.array, y.grad.array)
    tg.cat([x, y]).sum().backward()
    np.testing.assert_allclose(npy(x.grad), [2.0, 2.0])
    np.testing.assert_allclose(npy(y.grad), [2.0])


def test_a_view_of_the_user_gradient_is_not_stored():
    # the leaf's gradient is a view (reshape, transpose) of the caller's array: it must be copied
    cases = [(lambda x: x.reshape(4), lambda base: base.reshape(4)),  # a reshaped view of the user's array
             (lambda x: x.t(), lambda base: base.T)]                   # a transposed one
    for make, view in cases:
        for use_inputs in (False, True):
            base = np.ones((2, 2))
            user = tg.from_numpy(view(base))
            x = f64([[1.0, 2.0], [3.0, 4.0]])
            for _ in range(2):
                make(x).backward(user, inputs=[x] if use_inputs else None)
            np.testing.assert_allclose(npy(x.grad), np.full((2, 2), 2.0))
            np.testing.assert_allclose(base, np.ones((2, 2)))  # the caller's array is untouched
            assert not np.shares_memory(x.grad.array, base)


def test_transposed_gradient_is_stored_in_c_order():
    # y = x @ w.t(): w's gradient comes back through a transpose, as an F-ordered view; it is copied
    # into C order, so an optimizer step walks .grad in the same order as the parameter
    rng = np.random.default_rng(0)
    xa, wa = rng.standard_normal((5, 4)), rng.standard_normal((3, 4))
    x, w = f64(xa), f64(wa)
    (x @ w.t()).sum().backward()
    np.testing.assert_allclose(npy(w.grad), np.ones((5, 3)).T @ xa)
    np.testing.assert_allclose(npy(x.grad), np.ones((5, 3)) @ wa)
    assert w.grad.array.flags.c_contiguous
    (x @ w.t()).sum().backward()  # the second pass adds in place into the stored array
    np.testing.assert_allclose(npy(w.grad), 2 * np.ones((5, 3)).T @ xa)


def test_reshaped_gradient_is_stored_without_a_copy():
    # w's gradient is a reshape (a C-ordered view of all of a fresh matmul result): stored as it is
    rng = np.random.default_rng(1)
    xa, wa = rng.standard_normal((5, 4)), rng.standard_normal((3, 4))
    x, w = f64(xa), f64(wa)
    (x @ w.reshape(4, 3)).sum().backward()
    expected = (xa.T @ np.ones((5, 3))).reshape(3, 4)
    np.testing.assert_allclose(npy(w.grad), expected)
    assert w.grad.array.flags.c_contiguous
    if w.grad.device.type == "cpu":
        assert not w.grad.array.flags.owndata  # no copy of a weight-sized array
        assert not np.shares_memory(w.grad.array, x.grad.array)
    (x @ w.reshape(4, 3)).sum().backward()
    np.testing.assert_allclose(npy(w.grad), 2 * expected)


# ----------------------------------------------------------------------------- grad modes
def test_no_grad_context_and_decorators():
    x = f64(1.0)
    with tg.no_grad():
        assert not (x * 2).requires_grad
        with tg.enable_grad():
            assert (x * 2).requires_grad
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()

    @tg.no_grad()
    def f(t):
        return t * 2

    @tg.no_grad
    def g(t):
        return t * 2

    @tg.enable_grad()
    def h(t):
        return t * 2

    assert not f(x).requires_grad and not g(x).requires_grad
    with tg.no_grad():
        assert h(x).requires_grad
    assert tg.is_grad_enabled()


def test_set_grad_enabled_context_decorator_and_call():
    x = f64(1.0)
    with tg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad

    @tg.set_grad_enabled(False)
    def f(t):
        return t * 2

    assert tg.is_grad_enabled()  # decorating does not switch the mode
    assert not f(x).requires_grad
    tg.set_grad_enabled(False)  # a plain call switches at once
    try:
        assert not tg.is_grad_enabled()
    finally:
        tg.set_grad_enabled(True)
    assert tg.is_grad_enabled()


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ValueError):
        with tg.no_grad():
            raise ValueError
    assert tg.is_grad_enabled()


# ----------------------------------------------------------------------------- hooks and retain_grad
def test_hook_on_a_leaf_can_change_its_gradient():
    x = f64([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(npy(g)))
    handle = x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    np.testing.assert_allclose(npy(x.grad), [30.0, 30.0])
    np.testing.assert_allclose(seen[0], [3.0, 3.0])
    handle.remove()
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(npy(x.grad), [3.0, 3.0])


def test_hook_on_a_non_leaf_changes_what_flows_on():
    x = f64([1.0, 2.0])
    h = x * 2
    h.register_hook(lambda g: g * 0.5)
    (h * 3).sum().backward()  # dL/dh = 3, halved, times dh/dx = 2
    np.testing.assert_allclose(npy(x.grad), [3.0, 3.0])


def test_hook_needs_requires_grad():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        tg.ones(2).register_hook(lambda g: g)


def test_post_accumulate_grad_hook_and_node_hook():
    x = f64([1.0, 2.0])
    calls = []
    x.register_post_accumulate_grad_hook(lambda t: calls.append(npy(t.grad)))
    y = x * 3
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: calls.append(len(grad_inputs)))
    y.sum().backward()
    assert calls[0] == 2  # the Mul node: two inputs
    np.testing.assert_allclose(calls[1], [3.0, 3.0])


def _leaf_hook_calls(lib, x0, loss, returns=None):
    """Calls of a tensor hook and a post-accumulate hook on a leaf used several times in ``loss``."""
    w = lib.tensor(x0, dtype=lib.float64, requires_grad=True)
    calls = []
    w.register_hook(lambda g: calls.append(("hook", np.asarray(g.detach()).tolist())) or
                    (returns(g) if returns else None))
    w.register_post_accumulate_grad_hook(lambda t: calls.append(("post", np.asarray(t.grad.detach()).tolist())))
    loss(w).backward()
    loss(w).backward()
    return calls


@pytest.mark.parametrize("loss", [
    lambda w: (w * 3 + w * w).sum(),                      # used three times
    lambda w: (w.exp() * w).sum() + (w[0] * w[1]) * 2,    # through different ops, and indexed
    lambda w: w.sum() + w.sum() * 0,                      # one use contributes zeros
])
@pytest.mark.parametrize("returns", [None, lambda g: g * 10])
def test_leaf_hooks_run_once_with_the_total_gradient_like_pytorch(loss, returns):
    torch = pytest.importorskip("torch")
    ours = _leaf_hook_calls(tg, [1.0, 2.0], loss, returns)
    theirs = _leaf_hook_calls(torch, [1.0, 2.0], loss, returns)
    assert [c[0] for c in ours] == [c[0] for c in theirs] == ["hook", "post"] * 2
    for (_, a), (_, b) in zip(ours, theirs):
        np.testing.assert_allclose(a, b)


def test_leaf_hook_runs_once_for_a_leaf_that_is_also_a_root():
    torch = pytest.importorskip("torch")
    got = {}
    for lib in (tg, torch):
        w = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        calls = []
        w.register_hook(lambda g: calls.append(np.asarray(g.detach()).tolist()))
        ones = lib.ones(2, dtype=lib.float64)
        lib.autograd.backward([w, w * 2], [ones, ones * 10])
        got[lib.__name__] = (calls, np.asarray(w.grad.detach()).tolist())
    assert got["tinygrad_edu"] == got["torch"] == ([[21.0, 21.0]], [21.0, 21.0])


def test_leaf_hook_runs_once_in_autograd_grad():
    w = f64([1.0, 2.0])
    calls = []
    w.register_hook(lambda g: calls.append(npy(g)))
    gw, = tg.autograd.grad((w * 3 + w * w).sum(), w)
    assert len(calls) == 1
    np.testing.assert_allclose(calls[0], [5.0, 7.0])
    np.testing.assert_allclose(npy(gw), [5.0, 7.0])


def test_retain_grad_on_a_non_leaf():
    x = f64([1.0, 2.0])
    h = x * x
    h.retain_grad()
    assert h.retains_grad
    (h * 3).sum().backward()
    np.testing.assert_allclose(npy(h.grad), [3.0, 3.0])
    np.testing.assert_allclose(npy(x.grad), [6.0, 12.0])
    h2 = x * 2
    (h2 * 3).sum().backward()
    assert h2.grad is None  # not retained: non-leaves keep no gradient


def test_retain_grad_needs_requires_grad():
    with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has requires_grad=False"):
        tg.ones(2).retain_grad()


# ----------------------------------------------------------------------------- version counter
def test_inplace_change_of_a_saved_input_is_detected():
    x = f64([1.0, 2.0])
    h = x * 1
    y = h * h  # saves h
    with tg.no_grad():
        h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*is at version 1; expected version 0"):
        y.sum().backward()


def test_inplace_change_of_a_saved_output_is_detected():
    x = f64([1.0, 2.0])
    y = x.exp()  # Exp saves its output
    with tg.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_change_through_a_view_is_detected():
    # a view shares its base's version counter, as in PyTorch: writing through it changes the base
    for make_view in (lambda t: t.view(3), lambda t: t.view(-1, 1), lambda t: t.reshape(3),
                      lambda t: t.unsqueeze(0), lambda t: t.t()):
        x = f64([1.0, 2.0, 3.0])
        y = x.exp()  # Exp saves its output
        v = make_view(y)
        with tg.no_grad():
            v.mul_(2)
        assert y._version[0] == 1
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_recorded_inplace_op_on_a_non_leaf():
    x = f64([1.0, 2.0])
    y = x * 2
    y.add_(x)  # y = 3x, recorded
    assert y.grad_fn is not None and y._version[0] == 1
    y.sum().backward()
    np.testing.assert_allclose(npy(x.grad), [3.0, 3.0])


def test_inplace_on_a_leaf_requiring_grad_is_refused():
    x = f64([1.0, 2.0])
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        x.add_(1)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        x[0] = 3.0
    with tg.no_grad():  # the optimizer's way
        x.sub_(0.5)
        x[1] = 7.0
    np.testing.assert_allclose(npy(x), [0.5, 7.0])


def test_inplace_keeps_dtype_and_shape():
    x = tg.ones(3)
    x += tg.ones(3, dtype=tg.float64)  # float32 stays float32
    assert x.dtype is tg.float32
    i = tg.ones(3, dtype=tg.int64)
    with pytest.raises(RuntimeError, match="result type float32 can't be cast to the desired output type int64"):
        i.add_(0.5)
    with pytest.raises(RuntimeError, match=re.escape("output with shape [3] doesn't match the broadcast shape [2, 3]")):
        x.add_(tg.ones(2, 3))


# ----------------------------------------------------------------------------- custom Function
class Cube(Function):
    """y = x^3; forward on arrays, backward in tensor ops (so double backward works)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.array ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x


def test_custom_function_first_and_second_derivative():
    x = f64([1.0, -2.0])
    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward0"
    (g,) = tg.autograd.grad(y.sum(), x, create_graph=True)
    np.testing.assert_allclose(npy(g), 3 * npy(x) ** 2)
    (h,) = tg.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(npy(h), 6 * npy(x))
    assert gradcheck(Cube.apply, (f64([0.3, -1.2]),))
    assert gradgradcheck(Cube.apply, (f64([0.3, -1.2]),))


def test_custom_function_with_two_outputs_and_non_tensor_args():
    class ScaleBoth(Function):
        @staticmethod
        def forward(ctx, a, k, b):
            ctx.k = k
            return a.array * k, b.array * k

        @staticmethod
        def backward(ctx, ga, gb):
            return ga * ctx.k, None, gb * ctx.k

    a, b = f64([1.0]), f64([2.0])
    ya, yb = ScaleBoth.apply(a, 3.0, b)
    (ya + 2 * yb).sum().backward()
    assert npy(a.grad) == 3.0 and npy(b.grad) == 6.0


def test_custom_function_non_differentiable_output():
    class ArgMaxAndMax(Function):
        @staticmethod
        def forward(ctx, x):
            i = x.array.argmax()
            ctx.i = i
            idx = x.xp.asarray(i)
            ctx.mark_non_differentiable(idx)
            return x.array.max(), idx

        @staticmethod
        def backward(ctx, g, _):
            out = tg.zeros(3, dtype=tg.float64)
            out[int(ctx.i)] = 1.0
            return g * out

    x = f64([1.0, 5.0, 2.0])
    m, i = ArgMaxAndMax.apply(x)
    assert not i.requires_grad and m.requires_grad
    m.backward()
    np.testing.assert_allclose(npy(x.grad), [0.0, 1.0, 0.0])


def test_custom_function_wrong_number_of_gradients():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a.array + b.array

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match="returned an incorrect number of gradients"):
        Bad.apply(f64(1.0), f64(2.0)).backward()


def test_custom_function_wrong_gradient_shape():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a):
            return a.array * 2

        @staticmethod
        def backward(ctx, g):
            return tg.ones(5, dtype=tg.float64)

    with pytest.raises(RuntimeError, match=re.escape("returned an invalid gradient at index 0 - got [5]")):
        Bad.apply(f64([1.0, 2.0])).sum().backward()


def test_wrong_gradient_shape_names_its_input_when_one_tensor_is_passed_twice():
    """x * x: both inputs are one tensor made by one op (they share its shape record); the error
    must still name the second input when only its gradient is wrong."""
    class BadSecond(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a.array * b.array

        @staticmethod
        def backward(ctx, g):
            return g, tg.ones(5, dtype=tg.float64)

    x = f64([1.0, 2.0]) * 1.0          # made by an op, so the edge leads to a node
    with pytest.raises(RuntimeError, match=re.escape("returned an invalid gradient at index 1 - got [5]")):
        BadSecond.apply(x, x).sum().backward()


def test_gradcheck_catches_a_wrong_backward():
    class WrongExp(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.xp.exp(x.array)
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y * 1.01  # 1% off

    with pytest.raises(tg.autograd.GradcheckError, match="Jacobian mismatch"):
        gradcheck(WrongExp.apply, (f64([0.5, 1.0]),))
    assert not gradcheck(WrongExp.apply, (f64([0.5, 1.0]),), raise_exception=False)


# ----------------------------------------------------------------------------- detach, clone, leaves
def test_detach_shares_memory_and_leaves_the_graph():
    x = f64([1.0, 2.0])
    y = x * 2
    d = y.detach()
    assert d.grad_fn is None and not d.requires_grad and d.is_leaf
    with tg.no_grad():
        y.add_(1)  # the change shows through the detached tensor
    np.testing.assert_allclose(npy(d), [3.0, 5.0])


def test_clone_copies_and_keeps_the_graph():
    x = f64([1.0, 2.0])
    c = x.clone()
    assert c.grad_fn is not None and c.grad_fn.name() == "CloneBackward0"
    with tg.no_grad():
        c.mul_(10)
    np.testing.assert_allclose(npy(x), [1.0, 2.0])
    (x.clone() * 3).sum().backward()
    np.testing.assert_allclose(npy(x.grad), [3.0, 3.0])


def test_leaf_and_requires_grad_propagation():
    x, c = f64([1.0]), tg.tensor([2.0], dtype=tg.float64)
    assert x.is_leaf and c.is_leaf and (x * c).requires_grad and not (c * c).requires_grad
    assert not (x * c).is_leaf
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        (x * c).requires_grad = False


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(RuntimeError, match="Only Tensors of floating point dtype can require gradients"):
        tg.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point dtype"):
        tg.arange(3).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point dtype"):
        tg.zeros(2, dtype=tg.int64, requires_grad=True)


def test_integer_outputs_of_float_inputs_do_not_require_grad():
    x = f64([1.0, 3.0, 2.0])
    assert not x.argmax().requires_grad
    assert not (x > 1).requires_grad
    assert not x.max(0).indices.requires_grad


# ----------------------------------------------------------------------------- anomaly detection
def test_anomaly_mode_names_the_op_and_the_line_that_created_it():
    x = f64([0.0, 1.0])
    with tg.autograd.detect_anomaly():
        y = x.sqrt()  # THE-SQRT-LINE: d sqrt(x)/dx = inf at 0
        with pytest.raises(RuntimeError) as err:
            y.sum().backward()
    msg = str(err.value)
    assert "Function 'SqrtBackward0' returned inf values in its 0th output" in msg
    assert "THE-SQRT-LINE" in msg and "test_autograd.py" in msg
    assert "tinygrad_edu" not in msg.split("created here")[1]  # only the user's frames


def test_anomaly_mode_catches_nan_from_a_custom_function():
    class NanGrad(Function):
        @staticmethod
        def forward(ctx, x):
            return x.array * 2

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")

    x = f64([1.0])
    with tg.autograd.detect_anomaly():
        y = NanGrad.apply(x)  # THE-NAN-LINE
        with pytest.raises(RuntimeError, match=r"(?s)Function 'NanGradBackward0' returned nan.*THE-NAN-LINE"):
            y.sum().backward()
    assert not tg.autograd.is_anomaly_enabled()


def test_without_anomaly_mode_nan_flows_silently():
    x = f64([0.0])
    x.sqrt().sum().backward()
    assert np.isinf(npy(x.grad)).all()


def test_grad_mode_is_per_thread():
    """As in PyTorch, ``no_grad`` in one thread leaves recording on in another (and a new thread
    starts with recording on, whatever the thread that made it had)."""
    import threading

    seen = {}
    inside = threading.Event()
    checked = threading.Event()

    def worker():
        with tg.no_grad():
            seen["worker_in_no_grad"] = tg.is_grad_enabled()
            inside.set()
            checked.wait(5)

    def fresh():
        seen["fresh_thread"] = tg.is_grad_enabled()
        x = tg.ones(2, requires_grad=True)
        seen["fresh_records"] = (x * 2).requires_grad

    t = threading.Thread(target=worker)
    t.start()
    assert inside.wait(5)
    seen["main_while_worker_in_no_grad"] = tg.is_grad_enabled()
    x = tg.ones(2, requires_grad=True)
    seen["main_records"] = (x * 2).grad_fn is not None
    checked.set()
    t.join(5)
    with tg.no_grad():
        f = threading.Thread(target=fresh)
        f.start()
        f.join(5)
    assert seen == {"worker_in_no_grad": False, "main_while_worker_in_no_grad": True, "main_records": True,
                    "fresh_thread": True, "fresh_records": True}
