"""tinygrad_edu.models: AlexNet (three variants) and LeNet-5 against the published parameter counts,
torchvision's state_dict layout, and (where torch is installed) PyTorch's outputs and gradients."""
import time

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import models, nn
from tinygrad_edu.nn import functional as F
from tinygrad_edu.utils.summary import count_parameters

PUBLISHED = {"torchvision": 61_100_840, "original": 60_965_224, "single-tower": 62_378_344}
LENET5_PARAMS = 61_706

# torchvision.models.alexnet().state_dict().keys(), in order
TORCHVISION_KEYS = [
    "features.0.weight", "features.0.bias", "features.3.weight", "features.3.bias",
    "features.6.weight", "features.6.bias", "features.8.weight", "features.8.bias",
    "features.10.weight", "features.10.bias",
    "classifier.1.weight", "classifier.1.bias", "classifier.4.weight", "classifier.4.bias",
    "classifier.6.weight", "classifier.6.bias",
]



# One AlexNet per variant for the whole module: building 61 M random parameters takes a moment.
_CACHE = {}


def _alexnet(variant, num_classes=1000, dropout=0.5):
    key = (variant, num_classes, dropout)
    if key not in _CACHE:
        _CACHE[key] = models.alexnet(variant, num_classes=num_classes, dropout=dropout)
    return _CACHE[key]


# --------------------------------------------------------------------------- parameter counts
@pytest.mark.parametrize("variant", list(PUBLISHED))
def test_alexnet_parameter_count_matches_the_published_figure(variant):
    model = _alexnet(variant)
    total, rows = count_parameters(model, verbose=False)
    assert total == PUBLISHED[variant]
    assert sum(p.numel() for p in model.parameters()) == PUBLISHED[variant]
    assert tg.summary(model, verbose=0).total_params == PUBLISHED[variant]
    assert len(rows) == 8  # five conv layers, three fully connected ones


def test_alexnet_layer_by_layer_is_assignment_1(capsys):
    result = count_parameters(_alexnet("torchvision"))
    assert [(r.name, r.class_name, r.formula) for r in result.rows] == [
        ("features.0", "Conv2d", "(11x11x3 + 1) x 64 = 23,296"),
        ("features.3", "Conv2d", "(5x5x64 + 1) x 192 = 307,392"),
        ("features.6", "Conv2d", "(3x3x192 + 1) x 384 = 663,936"),
        ("features.8", "Conv2d", "(3x3x384 + 1) x 256 = 884,992"),
        ("features.10", "Conv2d", "(3x3x256 + 1) x 256 = 590,080"),
        ("classifier.1", "Linear", "(9216 + 1) x 4096 = 37,752,832"),
        ("classifier.4", "Linear", "(4096 + 1) x 4096 = 16,781,312"),
        ("classifier.6", "Linear", "(4096 + 1) x 1000 = 4,097,000"),
    ]
    printed = capsys.readouterr().out
    assert "(11x11x3 + 1) x 64" in printed and "61,100,840" in printed


def test_original_alexnet_uses_groups_and_lrn():
    model = _alexnet("original")
    formulas = [r.formula for r in count_parameters(model, verbose=False).rows]
    assert formulas[:5] == ["(11x11x3 + 1) x 96 = 34,944", "(5x5x48 + 1) x 256 = 307,456",
                            "(3x3x256 + 1) x 384 = 885,120", "(3x3x192 + 1) x 384 = 663,936",
                            "(3x3x192 + 1) x 256 = 442,624"]
    assert tuple(model.features[4].weight.shape) == (256, 48, 5, 5)
    lrns = [m for m in model.features if isinstance(m, nn.LocalResponseNorm)]
    assert len(lrns) == 2 and isinstance(model.features[2], nn.LocalResponseNorm)
    assert (lrns[0].size, lrns[0].alpha, lrns[0].beta, lrns[0].k) == (5, 1e-4, 0.75, 2.0)
    pools = [m for m in model.features if isinstance(m, nn.MaxPool2d)]
    assert len(pools) == 3  # overlapping: window 3, stride 2
    assert model.avgpool is None
    single = _alexnet("single-tower")
    assert tuple(single.features[4].weight.shape) == (256, 96, 5, 5)
    assert sum(p.numel() for p in single.parameters()) - PUBLISHED["original"] == 1_413_120


def test_torchvision_variant_has_no_lrn_and_an_adaptive_pool():
    model = _alexnet("torchvision")
    assert not any(isinstance(m, nn.LocalResponseNorm) for m in model.modules())
    assert isinstance(model.avgpool, nn.AdaptiveAvgPool2d)
    assert len(model.features) == 13 and len(model.classifier) == 7


def test_num_classes_and_dropout_arguments():
    model = _alexnet("torchvision", num_classes=10, dropout=0.25)
    assert isinstance(model, models.AlexNet) and model.variant == "torchvision"
    assert tuple(model.classifier[6].weight.shape) == (10, 4096)
    assert [m.p for m in model.classifier if isinstance(m, nn.Dropout)] == [0.25, 0.25]
    assert count_parameters(model, verbose=False).total == PUBLISHED["torchvision"] - 4_097_000 + 40_970


def test_unknown_variant_lists_the_valid_ones():
    with pytest.raises(ValueError, match="torchvision.*original.*single-tower"):
        models.alexnet("vgg")
    with pytest.raises(ValueError, match="valid variants"):
        models.default_input_size("resnet")


def test_default_input_size():
    assert models.default_input_size() == 224
    assert models.default_input_size("torchvision") == 224
    assert models.default_input_size("original") == 227
    assert models.default_input_size("single-tower") == 227
    assert _alexnet("original").input_size == 227


def test_lenet5_parameter_count():
    total, rows = count_parameters(models.lenet5(), verbose=False)
    assert total == LENET5_PARAMS
    assert [r.formula for r in rows] == ["(5x5x1 + 1) x 6 = 156", "(5x5x6 + 1) x 16 = 2,416",
                                         "(400 + 1) x 120 = 48,120", "(120 + 1) x 84 = 10,164",
                                         "(84 + 1) x 10 = 850"]
    assert count_parameters(models.lenet5(padding=2), verbose=False).total == LENET5_PARAMS
    assert count_parameters(models.LeNet5(num_classes=5), verbose=False).total == LENET5_PARAMS - 425
    with pytest.raises(ValueError):
        models.lenet5(activation="gelu")


# --------------------------------------------------------------------------- state_dict layout
def test_state_dict_keys_match_torchvision():
    model = _alexnet("torchvision")
    assert list(model.state_dict().keys()) == TORCHVISION_KEYS
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert shapes["features.0.weight"] == (64, 3, 11, 11)
    assert shapes["classifier.1.weight"] == (4096, 9216)


def test_state_dict_keys_match_real_torchvision_if_installed():
    torchvision = pytest.importorskip("torchvision")
    ref = torchvision.models.alexnet(weights=None)
    assert list(_alexnet("torchvision").state_dict().keys()) == list(ref.state_dict().keys())


def test_paper_variants_state_dict_keys():
    keys = list(_alexnet("original").state_dict().keys())
    assert keys[:4] == ["features.0.weight", "features.0.bias", "features.4.weight", "features.4.bias"]
    assert keys[-2:] == ["classifier.6.weight", "classifier.6.bias"]
    assert len(keys) == 16


def test_init_paper_weights():
    model = _alexnet("original", num_classes=5).init_paper_weights()  # (the torch test reloads it)
    convs = [m for m in model.features if isinstance(m, nn.Conv2d)]
    assert [float(c.bias.detach().numpy().mean()) for c in convs] == [0.0, 1.0, 0.0, 1.0, 1.0]
    assert float(model.classifier[6].bias.detach().numpy().max()) == 0.0
    w = model.classifier[0].weight.detach().numpy()
    assert abs(float(w.std()) - 0.01) < 1e-3 and w.dtype == np.float32


# --------------------------------------------------------------------------- forward passes
def _torch_alexnet(torch, num_classes, groups=None):
    """torchvision's AlexNet (groups=None) or the paper's (groups=1 or 2), in plain torch.nn."""
    tnn = torch.nn
    if groups is None:
        features = tnn.Sequential(
            tnn.Conv2d(3, 64, 11, 4, 2), tnn.ReLU(inplace=True), tnn.MaxPool2d(3, 2),
            tnn.Conv2d(64, 192, 5, padding=2), tnn.ReLU(inplace=True), tnn.MaxPool2d(3, 2),
            tnn.Conv2d(192, 384, 3, padding=1), tnn.ReLU(inplace=True),
            tnn.Conv2d(384, 256, 3, padding=1), tnn.ReLU(inplace=True),
            tnn.Conv2d(256, 256, 3, padding=1), tnn.ReLU(inplace=True), tnn.MaxPool2d(3, 2))
        pool = tnn.AdaptiveAvgPool2d((6, 6))
        classifier = tnn.Sequential(
            tnn.Dropout(), tnn.Linear(9216, 4096), tnn.ReLU(inplace=True), tnn.Dropout(),
            tnn.Linear(4096, 4096), tnn.ReLU(inplace=True), tnn.Linear(4096, num_classes))
    else:
        def lrn():
            return tnn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)
        features = tnn.Sequential(
            tnn.Conv2d(3, 96, 11, 4), tnn.ReLU(), lrn(), tnn.MaxPool2d(3, 2),
            tnn.Conv2d(96, 256, 5, padding=2, groups=groups), tnn.ReLU(), lrn(), tnn.MaxPool2d(3, 2),
            tnn.Conv2d(256, 384, 3, padding=1), tnn.ReLU(),
            tnn.Conv2d(384, 384, 3, padding=1, groups=groups), tnn.ReLU(),
            tnn.Conv2d(384, 256, 3, padding=1, groups=groups), tnn.ReLU(), tnn.MaxPool2d(3, 2))
        pool = tnn.Identity()  # the paper has no average pool: 227x227 inputs end in 6x6 maps
        classifier = tnn.Sequential(
            tnn.Linear(9216, 4096), tnn.ReLU(), tnn.Dropout(), tnn.Linear(4096, 4096), tnn.ReLU(),
            tnn.Dropout(), tnn.Linear(4096, num_classes))

    class Ref(tnn.Module):
        def __init__(self):
            super().__init__()
            self.features, self.avgpool, self.classifier = features, pool, classifier

        def forward(self, x):
            return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))

    return Ref()


@pytest.fixture
def torch():
    """torch on one thread: on a shared 2-core machine its thread pool only fights the other tests."""
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(threads)


def _load_from_torch(ours, ref):
    state = {k: tg.tensor(v.detach().numpy()) for k, v in ref.state_dict().items()}
    result = ours.load_state_dict(state)
    assert not result.missing_keys and not result.unexpected_keys


def test_alexnet_matches_torch_forward_and_gradient(torch):
    torch.manual_seed(0)
    ref = _torch_alexnet(torch, num_classes=10).eval()
    ours = _alexnet("torchvision", num_classes=10, dropout=0.25).eval()
    _load_from_torch(ours, ref)
    x = np.random.default_rng(0).standard_normal((2, 3, 67, 67)).astype(np.float32)  # smallest is 63x63
    tx = torch.tensor(x)
    ref_out = ref(tx)
    (ref_out ** 2).sum().backward()
    out = ours(tg.tensor(x))
    assert tuple(out.shape) == (2, 10) and out.dtype == tg.float32
    np.testing.assert_allclose(out.detach().numpy(), ref_out.detach().numpy(), rtol=1e-3, atol=1e-4)
    (out ** 2).sum().backward()
    for name in ("features.0.weight", "features.10.bias", "classifier.1.weight", "classifier.6.weight"):
        ours_grad = dict(ours.named_parameters())[name].grad.numpy()
        ref_grad = dict(ref.named_parameters())[name].grad.numpy()
        scale = np.abs(ref_grad).max() + 1e-12
        np.testing.assert_allclose(ours_grad / scale, ref_grad / scale, atol=1e-3, err_msg=name)


def test_alexnet_forward_at_224_in_eval_mode():
    model = _alexnet("torchvision")
    model.eval()
    x = tg.randn(1, 3, 224, 224)
    with tg.no_grad():
        t0 = time.perf_counter()
        out = model(x)
        elapsed = time.perf_counter() - t0
    assert tuple(out.shape) == (1, 1000) and out.dtype == tg.float32
    print(f"AlexNet forward, batch 1, 224x224: {elapsed:.2f} s")
    assert tuple(model.features(x).shape) == (1, 256, 6, 6)


def test_original_alexnet_matches_torch_at_227(torch):
    torch.manual_seed(1)
    ref = _torch_alexnet(torch, num_classes=5, groups=2).eval()
    ours = _alexnet("original", num_classes=5).eval()
    _load_from_torch(ours, ref)
    x = np.random.default_rng(1).standard_normal((1, 3, 227, 227)).astype(np.float32)
    with torch.no_grad():
        expected = ref(torch.tensor(x)).numpy()
    with tg.no_grad():
        out = ours(tg.tensor(x))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-3, atol=1e-4)
    with pytest.raises(ValueError, match="227x227"):
        with tg.no_grad():
            ours(tg.zeros(1, 3, 224, 224))


@pytest.mark.parametrize("size,padding", [(32, 0), (28, 2)])
def test_lenet5_matches_torch(torch, size, padding):
    tnn = torch.nn
    torch.manual_seed(2)
    ref_features = tnn.Sequential(tnn.Conv2d(1, 6, 5, padding=padding), tnn.Tanh(), tnn.AvgPool2d(2, 2),
                                  tnn.Conv2d(6, 16, 5), tnn.Tanh(), tnn.AvgPool2d(2, 2))
    ref_classifier = tnn.Sequential(tnn.Linear(400, 120), tnn.Tanh(), tnn.Linear(120, 84), tnn.Tanh(),
                                    tnn.Linear(84, 10))
    ref = tnn.ModuleDict({"features": ref_features, "classifier": ref_classifier})
    ours = models.lenet5(padding=padding)
    _load_from_torch(ours, ref)
    x = np.random.default_rng(2).standard_normal((3, 1, size, size)).astype(np.float32)
    expected = ref_classifier(torch.flatten(ref_features(torch.tensor(x)), 1))
    expected.sum().backward()
    out = ours(tg.tensor(x))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-4, atol=1e-5)
    out.sum().backward()
    np.testing.assert_allclose(ours.features[0].weight.grad.numpy(), ref_features[0].weight.grad.numpy(),
                               rtol=1e-3, atol=1e-5)
