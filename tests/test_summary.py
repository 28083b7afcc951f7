"""tinygrad_edu.summary (torchinfo's table) and tinygrad_edu.count_parameters (the lecture's formula)."""
import pytest

import tinygrad_edu as tg
from tinygrad_edu import models, nn
from tinygrad_edu.nn import functional as F
from tinygrad_edu.utils.summary import ModelStatistics, count_parameters, summary



_ALEXNET = {}


def _alexnet():
    if not _ALEXNET:
        _ALEXNET["m"] = models.alexnet()
    return _ALEXNET["m"]


class MLP(nn.Module):
    """Linear layers only, so these tests run before convolution exists."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(6, 4), nn.ReLU())
        self.head = nn.Linear(4, 3)

    def forward(self, x):
        return self.head(self.body(x))


# --------------------------------------------------------------------------- count_parameters
def test_count_parameters_fills_in_the_lectures_formula(capsys):
    total, rows = count_parameters(nn.Conv2d(192, 32, 5))
    assert total == 153_632
    assert rows[0].formula == "(5x5x192 + 1) x 32 = 153,632"
    assert rows[0].expression == "(5x5x192 + 1) x 32" and rows[0].count == 153_632
    out = capsys.readouterr().out
    assert "(5x5x192 + 1) x 32" in out and "153,632" in out


def test_count_parameters_formulas_for_other_layers():
    grouped = count_parameters(nn.Conv2d(96, 256, 5, padding=2, groups=2), verbose=False)
    assert grouped.rows[0].formula == "(5x5x48 + 1) x 256 = 307,456"
    assert count_parameters(nn.Linear(9216, 4096), verbose=False).rows[0].formula == \
        "(9216 + 1) x 4096 = 37,752,832"
    assert count_parameters(nn.Linear(10, 3, bias=False), verbose=False).rows[0].formula == "10 x 3 = 30"
    assert count_parameters(nn.Conv2d(3, 8, 3, bias=False), verbose=False).rows[0].formula == \
        "3x3x3 x 8 = 216"
    assert count_parameters(nn.Conv2d(3, 8, (3, 5)), verbose=False).rows[0].formula == \
        "(3x5x3 + 1) x 8 = 368"


def test_count_parameters_plain_counts_for_norm_layers():
    bn = getattr(nn, "BatchNorm2d", None)
    if bn is None:
        pytest.skip("nn.BatchNorm2d not available yet")
    assert count_parameters(bn(64), verbose=False).rows[0].formula == "weight 64 + bias 64 = 128"


def test_count_parameters_result_object_and_shared_parameters():
    shared = nn.Linear(4, 4)
    model = nn.Sequential(shared, nn.ReLU(), shared, nn.Linear(4, 2))
    result = count_parameters(model, verbose=False)
    assert result.total == 20 + 10 == sum(p.numel() for p in model.parameters())
    assert [r.name for r in result.rows] == ["0", "3"]
    total, rows = result
    assert total == result.total and rows is result.rows
    model[3].weight.requires_grad_(False)
    result = count_parameters(model, verbose=False)
    assert result.trainable == 22
    assert "Trainable" in str(result)
    with pytest.raises(TypeError):
        count_parameters("not a model")


# --------------------------------------------------------------------------- summary without input
def test_summary_without_input_lists_layers_and_parameters(capsys):
    stats = summary(_alexnet())
    assert isinstance(stats, ModelStatistics)
    assert stats.total_params == stats.trainable_params == 61_100_840
    assert stats.total_mult_adds == 0
    text = capsys.readouterr().out
    assert text.strip() == str(stats) == repr(stats)
    assert "Total params: 61,100,840" in text and "Non-trainable params: 0" in text
    assert "Mult-adds" not in text and "Input size" not in text
    labels = [r.label() for r in stats.rows]
    assert labels[:3] == ["AlexNet", "Sequential: 1-1", "Conv2d: 2-1"]
    assert "AdaptiveAvgPool2d: 1-2" in labels and "Dropout: 2-14" in labels and labels[-1] == "Linear: 2-20"
    assert all(r.output_shape == [] for r in stats.rows)
    conv1 = stats.rows[2]
    assert (conv1.name, conv1.class_name, conv1.depth, conv1.index, conv1.num_params) == \
        ("features.0", "Conv2d", 2, 1, 23_296)
    assert conv1["class"] == "Conv2d" and conv1.to_dict()["kernel_shape"] == [11, 11]
    assert "├─Sequential: 1-1" in text and "│    └─Conv2d: 2-1" in text


def test_summary_totals_for_lenet5():
    # (AlexNet's three variants: see test_models.py::test_alexnet_parameter_count_matches_the_published_figure)
    assert summary(models.lenet5(), verbose=0).total_params == 61_706
    stats = summary(models.lenet5(padding=2), (1, 1, 28, 28), verbose=0)  # MNIST-sized input
    assert stats.rows[0].output_shape == [1, 10] and stats.rows[1].output_shape == [1, 16, 5, 5]


def test_summary_depth_limits_rows_and_sums_parameters():
    stats = summary(_alexnet(), depth=1, verbose=0)
    text = str(stats)
    assert "Conv2d" not in text
    assert "├─Sequential: 1-1" in text and "2,469,696" in text  # the five conv layers' parameters
    assert "58,631,144" in text                                     # the three Linear layers'


def test_summary_argument_checks():
    model = MLP()
    with pytest.raises(RuntimeError, match="only one"):
        summary(model, input_size=(1, 6), input_data=tg.zeros(1, 6), verbose=0)
    with pytest.raises(ValueError, match="unknown column"):
        summary(model, (1, 6), col_names=("output_size", "flops"), verbose=0)
    with pytest.raises(ValueError, match="need an input"):
        summary(model, col_names=("output_size",), verbose=0)
    with pytest.raises(ValueError):
        summary(model, (1, -6), verbose=0)
    with pytest.raises(ValueError):
        summary(model, (1, 6), verbose=3)
    with pytest.raises(TypeError):
        summary(model, 6, verbose=0)


# --------------------------------------------------------------------------- summary with a forward pass
def test_summary_mult_adds_for_linear_layers_by_hand():
    model = MLP()
    stats = summary(model, (5, 6), col_names=("output_size", "num_params", "mult_adds"), verbose=0)
    rows = {r.name: r for r in stats.rows}
    # a Linear layer uses each weight and bias once per sample: batch x (in x out + out)
    assert rows["body.0"].mult_adds == 5 * (6 * 4 + 4) == 140
    assert rows["head"].mult_adds == 5 * (4 * 3 + 3) == 75
    assert rows["body.1"].mult_adds == 0 and rows["body"].mult_adds == 140
    assert stats.total_mult_adds == 215
    assert rows["body.0"].output_shape == [5, 4] and rows[""].output_shape == [5, 3]
    assert rows["body.0"].input_shape == [5, 6]
    text = str(stats)
    assert "Total mult-adds (M): 0.00" in text
    assert "Input size (MB): 0.00" in text and "Estimated Total Size (MB)" in text
    # outputs of layers with parameters, x2 for their gradients, float32
    assert stats.total_output_bytes == 2 * 4 * (5 * 4 + 5 * 3)
    assert stats.total_input == 5 * 6 * 4 and stats.total_param_bytes == 4 * (28 + 15)


def test_summary_leaves_the_model_as_it_was():
    model = MLP()
    model.train()
    first = summary(model, (2, 6), verbose=0)
    assert model.training and model.body[1].training
    second = summary(model, (2, 6), verbose=0)  # hooks left behind would duplicate rows
    assert len(first.rows) == len(second.rows) == 5
    out = model(tg.zeros(2, 6))
    assert out.requires_grad  # the forward pass no longer runs under no_grad


def test_summary_input_data_batch_dim_and_dtypes():
    model = MLP()
    stats = summary(model, input_data=tg.randn(3, 6), verbose=0)
    assert stats.rows[0].output_shape == [3, 3]
    stats = summary(model, input_data=[tg.randn(4, 6)], verbose=0)
    assert stats.rows[0].output_shape == [4, 3]
    stats = summary(model, (2, 6), device="cpu", verbose=0)
    assert stats.rows[0].output_shape == [2, 3]
    stats = summary(model, (6,), batch_dim=0, verbose=0)
    assert stats.rows[0].output_shape == [1, 3]
    stats = summary(model.double(), (2, 6), dtypes=[tg.float64], verbose=0)
    assert stats.rows[0].output_shape == [2, 3]
    assert stats.total_input == 2 * 6 * 8 and stats.total_param_bytes == 43 * 8


class Repeated(nn.Module):
    """A ModuleList (never called itself) and a layer called twice."""

    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 4)])
        self.shared = nn.Linear(4, 4)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.shared(self.shared(x))


def test_summary_containers_that_never_run_and_recursive_layers():
    stats = summary(Repeated(), (2, 4), verbose=0)
    assert [r.label() for r in stats.rows] == ["Repeated", "ModuleList: 1-1", "Linear: 2-1", "Linear: 2-2",
                                               "Linear: 1-2", "Linear: 1-3"]
    assert stats.rows[-1].is_recursive and not stats.rows[-2].is_recursive
    assert stats.total_params == 60
    assert stats.total_mult_adds == 4 * 2 * 20  # the shared layer's work counts for both calls
    assert "(recursive)" in str(stats)


def test_summary_verbose_2_and_var_names(capsys):
    stats = summary(MLP(), (1, 6), col_names=("kernel_size", "output_size", "num_params", "trainable"),
                    row_settings=("depth", "var_names"), verbose=2)
    text = capsys.readouterr().out
    assert "Layer (type (var_name):depth-idx)" in text
    assert "Linear (head): 1-2" in text
    assert "└─weight" in text and "[6, 4]" in text  # weights shown as [in, out], like torchinfo
    assert "True" in text
    assert stats.total_params == 43


def test_summary_of_alexnet_at_224_matches_torchinfo():
    stats = summary(_alexnet(), (1, 3, 224, 224), verbose=0)
    rows = {r.name: r for r in stats.rows}
    assert rows["features"].output_shape == [1, 256, 6, 6]
    assert rows["features.0"].output_shape == [1, 64, 55, 55]
    assert rows["features.2"].output_shape == [1, 64, 27, 27]
    assert rows["avgpool"].output_shape == [1, 256, 6, 6]
    assert rows["classifier.0"].output_shape == [1, 9216]
    assert rows[""].output_shape == [1, 1000]
    # torchinfo's conv count: every weight and bias once per output position
    assert rows["features.0"].mult_adds == 23_296 * 55 * 55 == 70_470_400
    assert stats.total_mult_adds == 714_682_664
    # the same table torchinfo prints for torchvision's AlexNet
    assert str(stats) == TORCHINFO_ALEXNET


def test_summary_mult_adds_for_a_conv_and_a_linear_by_hand():
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 8 * 8, 10))
    stats = summary(model, (2, 3, 8, 8), col_names=("kernel_size", "output_size", "mult_adds"), verbose=0)
    conv, linear = stats.rows[1], stats.rows[4]
    assert conv.output_shape == [2, 8, 8, 8] and conv.kernel_shape == [3, 3]
    # out elements x (in_ch x kh x kw) multiply-adds, plus one add per output element for the bias
    out_elements = 2 * 8 * 8 * 8
    assert conv.mult_adds == out_elements * (3 * 3 * 3) + out_elements == 28_672
    assert linear.mult_adds == 2 * (512 * 10 + 10) == 10_260
    assert stats.total_mult_adds == 28_672 + 10_260


TORCHINFO_ALEXNET = """\
==========================================================================================
Layer (type:depth-idx)                   Output Shape              Param #
==========================================================================================
AlexNet                                  [1, 1000]                 --
├─Sequential: 1-1                        [1, 256, 6, 6]            --
│    └─Conv2d: 2-1                       [1, 64, 55, 55]           23,296
│    └─ReLU: 2-2                         [1, 64, 55, 55]           --
│    └─MaxPool2d: 2-3                    [1, 64, 27, 27]           --
│    └─Conv2d: 2-4                       [1, 192, 27, 27]          307,392
│    └─ReLU: 2-5                         [1, 192, 27, 27]          --
│    └─MaxPool2d: 2-6                    [1, 192, 13, 13]          --
│    └─Conv2d: 2-7                       [1, 384, 13, 13]          663,936
│    └─ReLU: 2-8                         [1, 384, 13, 13]          --
│    └─Conv2d: 2-9                       [1, 256, 13, 13]          884,992
│    └─ReLU: 2-10                        [1, 256, 13, 13]          --
│    └─Conv2d: 2-11                      [1, 256, 13, 13]          590,080
│    └─ReLU: 2-12                        [1, 256, 13, 13]          --
│    └─MaxPool2d: 2-13                   [1, 256, 6, 6]            --
├─AdaptiveAvgPool2d: 1-2                 [1, 256, 6, 6]            --
├─Sequential: 1-3                        [1, 1000]                 --
│    └─Dropout: 2-14                     [1, 9216]                 --
│    └─Linear: 2-15                      [1, 4096]                 37,752,832
│    └─ReLU: 2-16                        [1, 4096]                 --
│    └─Dropout: 2-17                     [1, 4096]                 --
│    └─Linear: 2-18                      [1, 4096]                 16,781,312
│    └─ReLU: 2-19                        [1, 4096]                 --
│    └─Linear: 2-20                      [1, 1000]                 4,097,000
==========================================================================================
Total params: 61,100,840
Trainable params: 61,100,840
Non-trainable params: 0
Total mult-adds (M): 714.68
==========================================================================================
Input size (MB): 0.60
Forward/backward pass size (MB): 3.95
Params size (MB): 244.40
Estimated Total Size (MB): 248.96
=========================================================================================="""
