"""Interop: DLPack exchange with NumPy and PyTorch (zero-copy both ways: a write on one side is seen
on the other), and the safetensors format (round trips, and files written here load in PyTorch's
safetensors.torch and the other way round, with the same values and dtypes)."""
import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
from tinygrad_edu.utils import safetensors as st

torch = pytest.importorskip("torch")


def test_from_dlpack_shares_memory_with_torch_and_numpy():
    t = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    x = tg.from_dlpack(t)
    assert x.dtype is tg.float32 and tuple(x.shape) == (2, 3)
    t[0, 0] = 42.0
    assert x[0, 0].item() == 42.0                 # zero-copy: torch's write is seen here
    x.add_(1)
    assert t[1, 2].item() == 6.0                  # and ours there
    a = np.arange(3, dtype=np.int64)
    y = tg.utils.dlpack.from_dlpack(a)
    a[1] = -7
    assert y.tolist() == [0, -7, 2] and y.dtype is tg.int64


def test_tensor_exports_through_dlpack():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    t = torch.from_dlpack(x)
    assert t.dtype == torch.float32 and t.tolist() == x.tolist()
    t.mul_(10)
    assert x.tolist() == [[10.0, 20.0], [30.0, 40.0]]
    a = np.from_dlpack(x)
    a[0, 0] = 0.5
    assert x[0, 0].item() == 0.5
    assert x.__dlpack_device__() == (1, 0)        # kDLCPU, device 0
    with pytest.raises(RuntimeError, match="require gradient"):
        x.requires_grad_().__dlpack__()
    with pytest.raises(TypeError, match="raw DLPack capsule"):
        tg.from_dlpack(torch.utils.dlpack.to_dlpack(torch.zeros(2)))


def _model(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Conv2d(1, 2, 3), lib.nn.BatchNorm2d(2), lib.nn.Flatten(), lib.nn.Linear(8, 3))


def test_safetensors_round_trip(tmp_path):
    model = _model(tg)
    path = tmp_path / "m.safetensors"
    st.save_model(model, path, metadata={"epoch": "3"})
    other = _model(tg)
    for p in other.parameters():
        p.data.zero_()
    missing, unexpected = st.load_model(other, path)
    assert missing == [] and unexpected == []
    for (k, a), (_, b) in zip(model.state_dict().items(), other.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
        assert a.dtype is b.dtype
    blob = st.save({"a": tg.arange(5), "b": tg.ones(2, 2, dtype=tg.float64)})
    back = st.load(blob)
    assert back["a"].dtype is tg.int64 and back["a"].tolist() == [0, 1, 2, 3, 4] and back["b"].dtype is tg.float64


def test_safetensors_moves_weights_between_libraries(tmp_path):
    from safetensors.torch import load_file as torch_load, save_file as torch_save
    ours = _model(tg)
    st.save_file(ours.state_dict(), tmp_path / "ours.safetensors")
    theirs = _model(torch)
    theirs.load_state_dict(torch_load(str(tmp_path / "ours.safetensors")))
    x = np.random.default_rng(0).standard_normal((2, 1, 4, 4)).astype(np.float32)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(ours(tg.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    torch_save({k: v.contiguous() for k, v in theirs.state_dict().items()}, str(tmp_path / "theirs.safetensors"))
    loaded = st.load_file(tmp_path / "theirs.safetensors")
    assert set(loaded) == set(theirs.state_dict())
    assert loaded["1.num_batches_tracked"].dtype is tg.int64
    np.testing.assert_array_equal(loaded["0.weight"].numpy(), theirs[0].weight.detach().numpy())


def test_safetensors_errors(tmp_path):
    with pytest.raises(TypeError, match="only flat dicts of tensors"):
        st.save_file({"opt": {"lr": 0.1}}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="expected a dict"):
        st.save([tg.zeros(1)])
    assert isinstance(nn.Linear(2, 2).state_dict(), dict)
