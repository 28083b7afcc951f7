"""Optimizer updates in place, slice by slice, each beside the whole-array rule it computes.

Written with whole arrays, an update like ``θ ← θ - γ (μ b + g)`` makes a temporary the size of the
parameter for every product and streams every array through memory once per NumPy call. The fast
versions here instead walk the parameter, its gradient and its state together, one slice of
``PIECE`` elements at a time: each slice of every array stays in the CPU cache for all the calls on
it, and the products go into small scratch arrays kept between steps. The arithmetic, and so every
rounded number, is exactly that of the ``*_reference`` version, which is the rule as the optimizer's
docstring states it. On the GPU, or for arrays that do not share one memory order, the "slice" is
the whole array. On the CPU the slices of a large parameter are shared out over our threads
(``threads.run_split``): each slice is updated on its own, so the numbers do not change.
"""
from __future__ import annotations

import threading

from .. import backend
from .threads import run_split

PIECE = 1 << 18     # elements: 1 MiB per float32 slice, so the slices of one update fit the L3 cache
_scratch = threading.local()    # each thread's scratch buffer (threads may step optimizers at once)


# ----------------------------------------------------------------------------- memory order
def same_order(a, like) -> bool:
    """Do ``a`` and ``like`` lay out their elements in the same order in memory (C or F)?"""
    fa, fl = a.flags, like.flags
    return (fa.c_contiguous and fl.c_contiguous) or (fa.f_contiguous and fl.f_contiguous)


def copy_in_order(a, out) -> None:
    """``out[...] = a``; where the two differ in memory order (one C, one F), in square tiles, so
    that both sides of each tile stay in the cache."""
    if a.ndim != 2 or backend.get_array_module(a) is not backend.np:
        out[...] = a
        return
    tile = 128
    for i in range(0, a.shape[0], tile):
        for j in range(0, a.shape[1], tile):
            out[i:i + tile, j:j + tile] = a[i:i + tile, j:j + tile]


def like_order(a, like):
    """``a`` in ``like``'s memory order: itself when it already is, otherwise one copy. (A gradient
    stored transposed would make every later pass mix two orders, each several times slower.)"""
    if not (like.flags.c_contiguous or like.flags.f_contiguous) or same_order(a, like):
        return a
    out = backend.get_array_module(like).empty_like(like, dtype=a.dtype)
    copy_in_order(a, out)
    return out


def grad_like(theta, grad):
    """A parameter's gradient checked against its shape, in its memory order; never modified."""
    if grad.shape != theta.shape:
        raise RuntimeError(f"the gradient of a parameter has shape {list(grad.shape)}, but the parameter "
                           f"has shape {list(theta.shape)}")
    return like_order(grad, theta)


# ----------------------------------------------------------------------------- slices and scratch
def _pieces(theta, *arrays):
    """Yield ``(θ piece, piece of each array...)``: matching flat slices (``None`` entries stay
    ``None``). One piece, the whole arrays, on the GPU or when the arrays do not all share θ's
    (C or F) memory order."""
    present = [a for a in arrays if a is not None]
    if (backend.get_array_module(theta) is not backend.np
            or not (theta.flags.c_contiguous or theta.flags.f_contiguous)
            or not all(same_order(a, theta) for a in present)):
        yield (theta,) + arrays
        return
    flats = [None if a is None else a.ravel(order="K") for a in (theta,) + arrays]  # views
    for i in range(0, theta.size, PIECE):
        yield tuple(None if f is None else f[i:i + PIECE] for f in flats)


def _work(k: int, piece) -> list:
    """``k`` scratch arrays shaped like ``piece``: views of this thread's small buffer for flat CPU
    pieces, new arrays otherwise."""
    if piece.ndim != 1 or piece.size > PIECE or backend.get_array_module(piece) is not backend.np:
        xp = backend.get_array_module(piece)
        return [xp.empty_like(piece) for _ in range(k)]
    buf = getattr(_scratch, "buffer", None)
    if buf is None or buf.dtype != piece.dtype or buf.shape[0] < k or buf.shape[1] < piece.size:
        buf = _scratch.buffer = backend.np.empty((max(k, 4), PIECE), dtype=piece.dtype)
    return [buf[i, :piece.size] for i in range(k)]


# ----------------------------------------------------------------------------- lerp
def lerp_(start, end, weight: float, tmp=None) -> None:
    """``start <- start + weight * (end - start)`` in place, in PyTorch's two-branch form (see
    ``lerp_reference``). ``tmp``, an array like ``start``, is the work space instead of a new one."""
    xp = backend.get_array_module(start)
    diff = end - start if tmp is None else xp.subtract(end, start, out=tmp)
    if abs(weight) < 0.5:
        diff *= weight                      # w (end - start)
        start += diff                       # start + w (end - start)
    else:
        diff *= 1.0 - weight                # (1 - w)(end - start)
        xp.subtract(end, diff, out=start)   # end - (1 - w)(end - start)


def lerp_reference(start, end, weight: float):
    """start + w (end - start); for a large weight PyTorch computes the same as end - (1 - w)(end -
    start), which rounds better there, so the numbers match it."""
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (1.0 - weight) * (end - start)


# ----------------------------------------------------------------------------- SGD
def sgd_update_(theta, grad, momentum_buffer, *, lr: float, momentum: float, dampening: float,
                weight_decay: float, nesterov: bool, maximize: bool):
    """``sgd_update_reference`` in place: θ and the momentum buffer b are updated slice by slice.
    Returns b (made here on the first step, when ``momentum_buffer`` is None and μ ≠ 0)."""
    xp = backend.get_array_module(theta)
    grad = grad_like(theta, grad)
    lr, mu, tau, wd = float(lr), float(momentum), float(dampening), float(weight_decay)
    first = mu != 0 and momentum_buffer is None
    if first:
        momentum_buffer = xp.empty_like(theta)
    pieces = list(_pieces(theta, grad, momentum_buffer if mu != 0 else None))

    def update(lo, hi):
        for th, g, b in pieces[lo:hi]:
            _sgd_piece(xp, th, g, b, lr, mu, tau, wd, nesterov, maximize, first)
    run_split(update, len(pieces), theta.size, theta)
    return momentum_buffer


def _sgd_piece(xp, th, g, b, lr, mu, tau, wd, nesterov, maximize, first) -> None:
    """One slice of ``sgd_update_``: θ (and b) updated in place."""
    s1, s2 = _work(2, th)
    if maximize:
        g = xp.negative(g, out=s1)            # -g
    if wd != 0:
        xp.multiply(th, wd, out=s2)           # λ θ
        s2 += g                               # g + λ θ
        g = s2
    free = s2 if g is s1 else s1              # a work array g does not occupy
    if mu != 0:
        if first:
            b[...] = g                        # first step: b = g
        else:
            b *= mu                           # μ b
            if tau == 0:
                b += g                        # μ b + g   ((1 - τ) g is g exactly)
            else:
                b += xp.multiply(g, 1.0 - tau, out=free)   # μ b + (1 - τ) g
        if nesterov:
            look = xp.multiply(b, mu, out=free)   # μ b
            look += g                         # g + μ b
            g = look
        else:
            g = b
    step = g if g is s1 or g is s2 else free
    th -= xp.multiply(g, lr, out=step)        # θ - γ g


def sgd_update_reference(theta, grad, momentum_buffer, *, lr: float, momentum: float, dampening: float,
                         weight_decay: float, nesterov: bool, maximize: bool):
    """SGD's rule (``optim/sgd.py``) in whole arrays: returns the new (θ, b); changes nothing."""
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * theta
    b = momentum_buffer
    if momentum != 0:
        b = g.copy() if b is None else momentum * b + (1 - dampening) * g
        g = g + momentum * b if nesterov else b
    return theta - lr * g, b


# ----------------------------------------------------------------------------- Adam and AdamW
def adam_update_(theta, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, step: int, lr: float, beta1: float,
                 beta2: float, eps: float, weight_decay: float, decoupled_weight_decay: bool, amsgrad: bool,
                 maximize: bool) -> None:
    """``adam_update_reference`` in place: θ, m, v (and v̂ with amsgrad) updated slice by slice."""
    xp = backend.get_array_module(theta)
    grad = grad_like(theta, grad)
    lr, beta1, beta2, eps, wd = float(lr), float(beta1), float(beta2), float(eps), float(weight_decay)
    bias_correction1 = 1.0 - beta1 ** step
    bias_correction2 = 1.0 - beta2 ** step
    step_size = lr / bias_correction1
    pieces = list(_pieces(theta, grad, exp_avg, exp_avg_sq, max_exp_avg_sq if amsgrad else None))
    rule = (lr, beta1, beta2, eps, wd, decoupled_weight_decay, amsgrad, maximize, bias_correction2, step_size)

    def update(lo, hi):
        for piece in pieces[lo:hi]:
            _adam_piece(xp, *piece, *rule)
    run_split(update, len(pieces), theta.size, theta)


def _adam_piece(xp, th, g, m, v, v_hat, lr, beta1, beta2, eps, wd, decoupled_weight_decay, amsgrad, maximize,
                bias_correction2, step_size) -> None:
    """One slice of ``adam_update_``: θ, m, v (and v̂) updated in place."""
    s1, s2, sq, update = _work(4, th)
    if maximize:
        g = xp.negative(g, out=s1)                  # -g
    if wd != 0:
        if decoupled_weight_decay:
            th *= 1.0 - lr * wd                     # θ (1 - γ λ)
        else:
            xp.multiply(th, wd, out=s2)             # λ θ
            s2 += g                                 # g + λ θ
            g = s2
    lerp_(m, g, 1.0 - beta1, tmp=sq)                # m ← β1 m + (1 - β1) g
    v *= beta2
    xp.multiply(g, 1.0 - beta2, out=sq)
    sq *= g
    v += sq                                         # v ← β2 v + (1 - β2) g²
    if amsgrad:
        xp.maximum(v_hat, v, out=v_hat)             # v̂ ← max(v̂, v)
        v = v_hat
    denom = xp.sqrt(v, out=sq)                      # √v
    denom /= bias_correction2 ** 0.5                # √v / √(1 - β2^t)
    denom += eps                                    # ... + ε
    xp.multiply(m, -step_size, out=update)
    update /= denom                                 # -step_size · m / denom
    th += update


def adam_update_reference(theta, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, step: int, lr: float,
                          beta1: float, beta2: float, eps: float, weight_decay: float,
                          decoupled_weight_decay: bool, amsgrad: bool, maximize: bool):
    """Adam's rule (``optim/adam.py``) in whole arrays: returns the new (θ, m, v, v̂); changes nothing."""
    g = -grad if maximize else grad
    if weight_decay != 0:
        if decoupled_weight_decay:
            theta = theta * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * theta
    xp = backend.get_array_module(theta)
    m = lerp_reference(exp_avg, g, 1 - beta1)
    v = beta2 * exp_avg_sq + (1 - beta2) * g * g
    v_hat = xp.maximum(max_exp_avg_sq, v) if amsgrad else None
    denom = xp.sqrt(v_hat if amsgrad else v) / (1 - beta2 ** step) ** 0.5 + eps
    return theta - lr / (1 - beta1 ** step) * m / denom, m, v, v_hat
