"""Exercise 09: the vanishing gradient, measured with hooks in a deep sigmoid net and a ReLU net."""
from .. import backend, manual_seed, nn
from ..tensor import Tensor
from .checking import CheckFailed, num

NUMBER, STEM, TITLE = "09", "09_vanishing_gradient", "the vanishing gradient: per-layer gradient norms via hooks"
np = backend.np
DEPTH, WIDTH = 10, 32


def check_structure(net, activation: str) -> list:
    kind = nn.Sigmoid if activation == "sigmoid" else nn.ReLU
    mods = list(net.children()) if isinstance(net, nn.Module) else []
    pairs_ok = len(mods) == 2 * DEPTH and all(
        isinstance(a, nn.Linear) and a.in_features == a.out_features == WIDTH and isinstance(b, kind)
        for a, b in zip(mods[::2], mods[1::2]))
    if not pairs_ok:
        raise CheckFailed(f"make_net({activation!r}, depth={DEPTH}, width={WIDTH}) should be an nn.Sequential of "
                          f"{DEPTH} pairs Linear({WIDTH}, {WIDTH}) -> {kind.__name__}(); yours has "
                          f"{[type(m).__name__ for m in mods][:6]}...")
    linears = mods[::2]
    w = np.concatenate([backend.to_numpy(m.weight.detach().array).ravel() for m in linears])
    want = (2 / WIDTH) ** 0.5
    if not 0.8 * want < w.std() < 1.2 * want:
        raise CheckFailed(f"the weights of make_net({activation!r}) have standard deviation {num(w.std())}; "
                          f"He initialisation (nn.init.kaiming_normal_) gives sqrt(2/{WIDTH}) = {num(want)}")
    if any(np.any(backend.to_numpy(m.bias.detach().array) != 0) for m in linears):
        raise CheckFailed(f"the biases of make_net({activation!r}) should start at 0 (nn.init.zeros_)")
    return linears


def true_norms(net, x) -> list:
    """The truth without hooks: keep each Linear output's gradient with retain_grad."""
    outs, h = [], x
    for m in net.children():
        h = m(h)
        if isinstance(m, nn.Linear):
            h.retain_grad()
            outs.append(h)
    h.sum().backward()
    return [float(np.linalg.norm(backend.to_numpy(o.grad.array))) for o in outs]


def measure(ex, activation: str):
    manual_seed(0)
    net = ex.make_net(activation, depth=DEPTH, width=WIDTH)
    linears = check_structure(net, activation)
    x = Tensor(np.random.default_rng(9).normal(size=(16, WIDTH)).astype(np.float32))
    got = [float(v) for v in ex.layer_grad_norms(net, x)]
    want = true_norms(net, x)
    if len(got) != DEPTH:
        raise CheckFailed(f"layer_grad_norms gives {len(got)} norms for a net of {DEPTH} Linear layers")
    for i, (g, w) in enumerate(zip(got, want)):
        if not np.isclose(g, w, rtol=1e-4):
            raise CheckFailed(f"for the {activation} net your gradient norm at layer {i + 1} is {num(g)}; "
                              f"keeping that layer's output gradient with retain_grad gives {num(w)} "
                              "(first layer first; the gradient of net(x).sum() w.r.t. the Linear's output)")
    return got, linears


def check(ex, ok) -> None:
    sig, linears = measure(ex, "sigmoid")
    ok("make_net('sigmoid') and your hook-measured gradient norms agree with retain_grad")
    for i in range(DEPTH - 1):
        bound = 0.25 * np.linalg.norm(backend.to_numpy(linears[i + 1].weight.detach().array), 2) * sig[i + 1]
        if sig[i] > bound * (1 + 1e-4):
            raise CheckFailed(f"layer {i + 1}'s gradient {num(sig[i])} exceeds 0.25 x |W| x layer {i + 2}'s "
                              f"= {num(bound)}, which sigmoid's derivative (at most 0.25) does not allow")
    ok("each sigmoid layer passes back at most 0.25 x |W| of the gradient it receives")
    relu, _ = measure(ex, "relu")
    ok("make_net('relu') measured the same way")
    for name, norms in [("sigmoid", sig), ("relu", relu)]:
        r = ex.vanishing_ratio(norms)
        if not np.isclose(r, norms[0] / norms[-1], rtol=1e-6):
            raise CheckFailed(f"vanishing_ratio gives {num(r)} for the {name} net; first / last layer's norm is "
                              f"{num(norms[0] / norms[-1])}")
    rs, rr = sig[0] / sig[-1], relu[0] / relu[-1]
    if not rs < 1e-3:
        raise CheckFailed(f"in your 10-layer sigmoid net the first layer's gradient is {num(rs)} times the last "
                          "one's; with sigmoid it should be below 0.001 (check the activation and the init)")
    if not 0.1 < rr < 100:
        raise CheckFailed(f"in your 10-layer ReLU net the ratio is {num(rr)}; with He init it should stay near 1")
    ok(f"first/last gradient ratio: sigmoid {num(rs)}, ReLU {num(rr)}: the sigmoid net's gradient vanishes")
