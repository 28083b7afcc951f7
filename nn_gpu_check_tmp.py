"""Temporary GPU check for tinygrad_edu.nn (deleted after the run)."""
import sys, traceback
try:
    import cupy
    print("cupy", cupy.__version__)
except Exception as e:
    print("no cupy:", e); sys.exit(0)
import numpy as np
import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import init, utils
print("cuda available", tg.cuda.is_available())

def check(name):
    def deco(fn):
        try:
            fn(); print("OK  ", name)
        except Exception:
            print("FAIL", name); traceback.print_exc(limit=6)
        return fn
    return deco

def net():
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.AdaptiveAvgPool2d((2, 2)), nn.Flatten(), nn.Dropout(0.2), nn.Linear(16, 5))

@check("to(cuda) keeps identity; forward/backward equals CPU")
def _():
    tg.manual_seed(0); m = net(); m.eval()
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
    y_cpu = m(tg.tensor(x)).detach().numpy()
    params = list(m.parameters())
    m.to("cuda")
    assert [id(p) for p in m.parameters()] == [id(p) for p in params]
    assert all(p.device.type == "cuda" for p in m.parameters()) and all(b.device.type == "cuda" for b in m.buffers())
    assert m[1].num_batches_tracked.dtype == tg.int64
    y = m(tg.tensor(x, device="cuda"))
    assert y.device.type == "cuda" and y.dtype == tg.float32
    np.testing.assert_allclose(y.detach().cpu().numpy(), y_cpu, rtol=1e-4, atol=1e-5)
    m.train(); y = m(tg.tensor(x, device="cuda")); y.sum().backward()
    assert all(p.grad.device.type == "cuda" for p in m.parameters())
    m.cpu(); assert all(p.device.type == "cpu" and p.grad.device.type == "cpu" for p in m.parameters())

@check("layers built with device='cuda' (default init on GPU)")
def _():
    for layer in (nn.Linear(30, 20, device="cuda"), nn.Conv2d(3, 8, 3, device="cuda"), nn.ConvTranspose2d(3, 2, 3, device="cuda"),
                  nn.BatchNorm2d(4, device="cuda"), nn.LayerNorm(5, device="cuda")):
        for p in layer.parameters():
            assert p.device.type == "cuda", layer
    lin = nn.Linear(400, 10, device="cuda")
    w = lin.weight.detach().cpu().numpy()
    assert np.abs(w).max() <= 1 / 20 and np.abs(w).max() > 0.95 / 20
    assert lin(tg.randn(2, 400, device="cuda")).device.type == "cuda"

@check("nn.init on cuda tensors, reproducible")
def _():
    for fn in (init.kaiming_uniform_, init.kaiming_normal_, init.xavier_uniform_, init.xavier_normal_,
               lambda t: init.trunc_normal_(t, std=0.5, a=-0.5, b=0.5), init.eye_, init.zeros_, init.ones_):
        t = tg.empty(50, 40, device="cuda"); fn(t); assert t.device.type == "cuda"
    t = tg.empty(100, 100, device="cuda"); init.trunc_normal_(t, a=-0.5, b=0.5)
    v = t.cpu().numpy(); assert v.min() >= -0.5 and v.max() <= 0.5
    tg.manual_seed(5); a = init.kaiming_uniform_(tg.empty(4, 4, device="cuda")).cpu().numpy()
    tg.manual_seed(5); b = init.kaiming_uniform_(tg.empty(4, 4, device="cuda")).cpu().numpy()
    np.testing.assert_array_equal(a, b)

@check("state_dict CPU -> cuda model and back")
def _():
    cpu_m, gpu_m = net(), net().to("cuda")
    w = gpu_m[0].weight
    gpu_m.load_state_dict(cpu_m.state_dict())
    assert gpu_m[0].weight is w and w.device.type == "cuda"
    np.testing.assert_array_equal(w.detach().cpu().numpy(), cpu_m[0].weight.detach().numpy())
    back = net(); back.load_state_dict(gpu_m.state_dict())
    assert back[0].weight.device.type == "cpu"
    np.testing.assert_array_equal(back[7].bias.detach().numpy(), cpu_m[7].bias.detach().numpy())
    gpu_m.load_state_dict({k: v.numpy() for k, v in cpu_m.state_dict().items()})

@check("backward hooks, clip_grad_norm_, losses on cuda")
def _():
    lin = nn.Linear(3, 2, device="cuda"); seen = []
    lin.register_full_backward_hook(lambda m, gi, go: seen.append((gi, go)))
    x = tg.randn(4, 3, device="cuda", requires_grad=True)
    loss = nn.CrossEntropyLoss()(lin(x), tg.tensor([0, 1, 1, 0], device="cuda"))
    loss.backward()
    (gi, go), = seen
    assert gi[0].device.type == "cuda" and go[0].shape == (4, 2)
    np.testing.assert_allclose(gi[0].cpu().numpy(), x.grad.cpu().numpy())
    total = utils.clip_grad_norm_(lin.parameters(), 1e-3)
    assert total.device.type == "cuda"
    n = utils.clip_grad_norm_(lin.parameters(), 1e9); assert abs(n.item() - 1e-3) < 1e-5
    v = utils.parameters_to_vector(lin.parameters()); assert v.shape == (8,) and v.device.type == "cuda"
    mse = nn.MSELoss()(tg.randn(3, device="cuda"), tg.randn(3, device="cuda")); assert mse.device.type == "cuda"
