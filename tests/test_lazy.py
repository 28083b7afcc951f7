"""nn/lazy.py: lazy layers infer their input size on the first forward, become the real class (as
PyTorch's do), initialise exactly as the real layer constructed at that point would, keep the
Parameter objects an optimizer already holds, and give the same outputs and state_dict keys as
PyTorch's lazy layers."""
import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("lazy,real,args,shape,inferred", [
    ("LazyLinear", "Linear", (5,), (2, 3, 7), 7),
    ("LazyConv1d", "Conv1d", (4, 3), (2, 3, 9), 3),
    ("LazyConv2d", "Conv2d", (4, 3, 2, 1), (2, 3, 8, 8), 3),
    ("LazyConv2d", "Conv2d", (4, 3), (2, 8, 8), 2),                    # unbatched input
    ("LazyConv3d", "Conv3d", (2, 2), (1, 3, 4, 4, 4), 3),
    ("LazyConvTranspose2d", "ConvTranspose2d", (4, 3, 2), (2, 3, 5, 5), 3),
    ("LazyBatchNorm1d", "BatchNorm1d", (), (4, 6), 6),
    ("LazyBatchNorm2d", "BatchNorm2d", (), (2, 3, 4, 4), 3),
    ("LazyInstanceNorm2d", "InstanceNorm2d", (1e-5, 0.1, True, True), (2, 3, 4, 4), 3)])
def test_lazy_becomes_the_real_layer(lazy, real, args, shape, inferred):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    tg.manual_seed(3)
    m = getattr(nn, lazy)(*args)
    params_before = list(m.parameters())
    assert all(isinstance(p, nn.UninitializedParameter) for p in params_before)
    y = m(tg.tensor(x))
    assert type(m) is getattr(nn, real)
    assert [id(p) for p in m.parameters()] == [id(p) for p in params_before]   # the same objects, filled in
    assert all(type(p) is nn.Parameter for p in m.parameters())
    tg.manual_seed(3)
    ref = getattr(nn, real)(inferred, *args)
    assert list(m.state_dict()) == list(ref.state_dict())
    for (k, a), (_, b) in zip(m.named_parameters(), ref.named_parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=k)   # same initial draws
    theirs = getattr(torch.nn, lazy)(*args)
    theirs(torch.tensor(x))
    assert type(theirs).__name__ == real and list(m.state_dict()) == list(theirs.state_dict())
    assert repr(m) == repr(ref)
    assert tuple(y.shape) == tuple(theirs(torch.tensor(x)).shape)


def test_optimizer_built_before_first_forward_trains():
    tg.manual_seed(0)
    model = nn.Sequential(nn.LazyConv2d(4, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(2))
    opt = tg.optim.SGD(model.parameters(), lr=0.1)
    x = tg.randn(4, 1, 6, 6)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = (model(x) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert type(model[0]) is nn.Conv2d and model[0].in_channels == 1 and model[3].in_features == 64
    assert losses[-1] < losses[0]


def test_lazy_errors():
    with pytest.raises(ValueError, match="expected 2D \\(unbatched\\) or 3D"):
        nn.LazyConv1d(2, 3)(tg.zeros(1, 2, 3, 4))
    with pytest.raises(ValueError, match="0-D input"):
        nn.LazyLinear(3)(tg.tensor(1.0))
