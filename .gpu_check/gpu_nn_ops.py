"""GPU check of activation/loss/normalization/dropout/pad ops: CUDA results equal CPU results."""
import sys, traceback
import numpy as np
import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
print("cuda available:", tg.cuda.is_available()); sys.stdout.flush()
if not tg.cuda.is_available():
    sys.exit(0)
rng = np.random.default_rng(0)
X = rng.normal(size=(4, 5)) * 3
X4 = rng.normal(size=(2, 6, 3, 3))
T = np.array([1, -100, 4, 2]); W = rng.uniform(0.5, 2, 5)
P = rng.uniform(0.05, 0.95, (4, 5)); Y = rng.uniform(0, 1, (4, 5))
cases = {
 "relu": (lambda d, x: F.relu(x), [X]), "relu6": (lambda d, x: F.relu6(x), [X]), "leaky": (lambda d, x: F.leaky_relu(x, 0.1), [X]),
 "elu": (lambda d, x: F.elu(x), [X]), "gelu": (lambda d, x: F.gelu(x), [X]), "gelu_tanh": (lambda d, x: F.gelu(x, approximate="tanh"), [X]),
 "silu": (lambda d, x: F.silu(x), [X]), "softplus": (lambda d, x: F.softplus(x, 2.0, 3.0), [X]), "hardtanh": (lambda d, x: F.hardtanh(x), [X]),
 "softmax": (lambda d, x: F.softmax(x, 1), [X]), "log_softmax": (lambda d, x: F.log_softmax(x, 1), [X]),
 "ce": (lambda d, x: F.cross_entropy(x, tg.tensor(T, device=d), weight=tg.tensor(W, device=d), label_smoothing=0.2), [X]),
 "ce_prob": (lambda d, x, p: F.cross_entropy(x, p), [X, P]),
 "nll_spatial": (lambda d, x: F.nll_loss(x, tg.tensor(rng2(), device=d)), [X4]),
 "mse": (lambda d, x, y: F.mse_loss(x, y), [X, Y]), "l1": (lambda d, x, y: F.l1_loss(x, y), [X, Y]),
 "smooth_l1": (lambda d, x, y: F.smooth_l1_loss(x, y, beta=0.5), [X, Y]), "huber": (lambda d, x, y: F.huber_loss(x, y, delta=2.0), [X, Y]),
 "bce": (lambda d, p, y: F.binary_cross_entropy(p, y), [P, Y]),
 "bcel": (lambda d, x, y: F.binary_cross_entropy_with_logits(x, y, pos_weight=tg.tensor(W, device=d)), [X, Y]),
 "bn": (lambda d, x: F.batch_norm(x, tg.zeros(6, device=d), tg.ones(6, device=d), training=True), [X4]),
 "ln": (lambda d, x: F.layer_norm(x, (3, 3)), [X4]),
 "lrn": (lambda d, x: F.local_response_norm(x, 5, 1e-4, 0.75, 2.0), [X4 * 10]),
 "pad": (lambda d, x: F.pad(x, (1, -1, 2, 0), value=0.5), [X4]),
 "dropout_eval": (lambda d, x: F.dropout(x, 0.5, training=False), [X]),
}
def rng2():
    return np.random.default_rng(1).integers(0, 6, (2, 3, 3))
bad = 0
for name, (fn, arrs) in cases.items():
    try:
        res = []
        for d in ("cpu", "cuda"):
            xs = [tg.tensor(a, dtype=tg.float64, device=d, requires_grad=True) for a in arrs]
            y = fn(d, *xs); y.sum().backward()
            res.append([y.cpu().detach().numpy()] + [x.grad.cpu().numpy() for x in xs])
        ok = all(np.allclose(a, b, rtol=1e-9, atol=1e-12) for a, b in zip(*res))
        bad += not ok
        print(name, "OK" if ok else "MISMATCH", str(res[1][0].dtype))
    except Exception:
        bad += 1; print(name, "ERROR"); traceback.print_exc()
    sys.stdout.flush()
tg.manual_seed(0); y = F.dropout(tg.ones(100, 100, device="cuda"), 0.3); m = (y.cpu().numpy() != 0).mean()
print("dropout cuda keep fraction", m, "device", y.device)
y = F.dropout2d(tg.ones(8, 16, 3, 3, device="cuda"), 0.5).cpu().numpy().reshape(8, 16, 9)
print("dropout2d channels ok", bool(np.all((y == 0).all(-1) | (y == 2).all(-1))))
x = tg.tensor([[-1e4, 0.0, 1e4]], dtype=tg.float32, device="cuda", requires_grad=True)
l = F.cross_entropy(x, tg.tensor([0], device="cuda")) + F.softplus(x).sum() + F.gelu(x).sum()
l.backward(); print("float32 extremes on cuda:", l.item(), x.grad.cpu().numpy(), l.dtype)
print("FAILURES", bad)
