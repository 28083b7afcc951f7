"""The lessons 05-07 and the demo: run each script top to bottom in fast mode, in a temporary folder,
and check the numbers the lessons promise (the lecture's units 01-04 are in test_examples_units.py).

Fast mode (``TINYGRAD_EDU_FAST=1``) shrinks the work so that each test takes seconds on two cores:
AlexNet's forward pass and training step use 10 classes, the digit CNN is narrower and trains for
fewer epochs (and must still reach 95 % on the held-out digits), the vanishing-gradient networks
train for fewer steps (the gradient measurement itself is unchanged).
"""
from __future__ import annotations

import math
from pathlib import Path

import pytest
from doc_tools import run_example

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def fast(tmp_path, monkeypatch):
    """Fast mode, inside a fresh temporary directory, pictures going to the current directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TINYGRAD_EDU_FAST", "1")
    monkeypatch.delenv("TINYGRAD_EDU_OUT", raising=False)
    return tmp_path


def _assert_pictures(paths, folder: Path, names) -> None:
    assert sorted(Path(p).name for p in paths) == sorted(names)
    for p in map(Path, paths):
        assert p.parent == folder.resolve(), p
        assert p.is_file() and p.stat().st_size > 5000, p
        assert p.read_bytes()[:8] == PNG, p


# ------------------------------------------------------------------------------------ 05 AlexNet
def test_05_alexnet(fast):
    r = run_example("05_alexnet")
    assert r["fast"] and r["num_classes"] == 10
    # assignment 2: our AlexNet is the library's, parameter for parameter
    assert r["ours"] == r["library"] == 61_100_840
    assert r["same_state_dict"] and r["output_diff"] < 1e-5
    # the shapes the lecture's formula predicts, block by block
    assert r["shapes"][0] == (1, 3, 224, 224)
    assert (1, 64, 55, 55) in r["shapes"] and (1, 192, 13, 13) in r["shapes"]
    assert r["shapes"][-1] == (1, 256, 6, 6)
    # assignment 1 and the two summaries
    assert r["count_total"] == r["summary_224_params"] == 61_100_840
    assert r["conv_params"] == 2_469_696 and r["fc_params"] == 58_631_144
    assert r["summary_224_out"] == [1, 1000]
    assert r["summary_227_params"] == 60_965_224 and r["summary_227_out"] == [1, 1000]
    assert r["summary_224_mult_adds"] == 714_682_664
    # forward pass on a batch of two, and one training step
    assert r["logits_shape"] == (2, 10)
    assert all(abs(s - 1.0) < 1e-5 for s in r["softmax_sums"])
    assert abs(r["loss_before"] - math.log(10)) < 0.1
    assert r["loss_after"] < r["loss_before"]
    assert r["grad_conv1"] > 0 and r["grad_fc1"] > 0


# ------------------------------------------------------------------------------------ 06 digits
def test_06_train_cnn_digits(fast):
    r = run_example("06_train_cnn_digits")
    assert r["fast"] and r["epochs"] == 5
    assert r["test_accuracy"] >= 0.95, f"held-out accuracy {r['test_accuracy']:.3f} below 95 %"
    assert r["reloaded_accuracy"] == r["test_accuracy"]          # the state_dict round trip
    assert r["train_loss"][-1] < r["train_loss"][0] / 5           # it learned
    assert len(r["test_accuracies"]) == r["epochs"]
    assert r["lrs"][0] > r["lrs"][-1]                             # the cosine schedule lowered the lr
    assert sum(map(sum, r["confusion"])) == 359                   # every test digit, once
    assert sum(r["confusion"][i][i] for i in range(10)) == round(r["test_accuracy"] * 359)
    assert r["num_parameters"] == (9 * 1 + 1) * 16 + (9 * 16 + 1) * 32 + (32 * 4 + 1) * 10
    _assert_pictures(r["pictures"], fast, ["06_training_curves.png"])


# ------------------------------------------------------------------------------------ 07 gradients
def test_07_vanishing_gradients(fast):
    r = run_example("07_vanishing_gradients")
    first, ratio = r["first_layer_norm"], r["ratio_first_last"]
    sig, relu = "sigmoid + Xavier", "relu + He"
    assert set(r["settings"]) == {sig, "sigmoid + He", "tanh + Xavier", "relu + Xavier", relu}
    assert r["sigmoid_grad_max"] == pytest.approx(0.25, abs=1e-6)
    # the lecture's claim, measured: the sigmoid network's first layer gets orders of magnitude less
    assert first[sig] * 100 <= first[relu], (first[sig], first[relu])
    assert first[relu] / first[sig] > 1e6
    assert ratio[sig] < 1e-6 and ratio["sigmoid + He"] < 1e-4      # vanishing: first << last
    assert r["per_layer_factor"][sig] < 0.3                         # about sigmoid's 0.25 per layer
    for k in ("tanh + Xavier", "relu + Xavier", relu):
        assert 0.1 < ratio[k] < 10, (k, ratio[k])                   # no vanishing with tanh / ReLU
    assert all(len(n) == r["depth"] + 1 for n in r["norms"].values())
    # and what it means: the sigmoid networks do not learn, ReLU + He does
    assert r["test_accuracy"][sig] < 0.2
    assert r["test_accuracy"][relu] > 0.6
    _assert_pictures(r["pictures"], fast, ["07_vanishing_gradients.png", "07_gradflow_sigmoid.png"])


# ------------------------------------------------------------------------------------ demo
def test_demo(fast, monkeypatch):
    out = fast / "pictures"
    monkeypatch.setenv("TINYGRAD_EDU_OUT", str(out))            # pictures go where the user says
    r = run_example("demo")
    assert r["fast"]
    assert r["alexnet_params"] == 61_100_840
    assert r["test_accuracy"] >= 0.95
    assert r["relu_first_layer_norm"] >= 100 * r["sigmoid_first_layer_norm"]
    _assert_pictures(r["pictures"], out, ["06_training_curves.png", "07_vanishing_gradients.png",
                                          "07_gradflow_sigmoid.png"])
    assert not list(fast.glob("*.png"))                          # nothing written beside them


# ------------------------------------------------------------------------------------ 08 backprop
def test_08_backprop_internals(tmp_path, monkeypatch, capsys):
    out = tmp_path / "pictures"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TINYGRAD_EDU_OUT", str(out))
    r = run_example("08_backprop_internals")
    # f = tanh(a * b + c) with a = 2, b = -3, c = 6.5: d = 0.5, and the chain rule by hand
    dtanh = 1 - math.tanh(0.5) ** 2
    assert r["f"] == pytest.approx(math.tanh(0.5), rel=1e-6)
    for k, want in {"a": -3 * dtanh, "b": 2 * dtanh, "c": dtanh}.items():
        assert math.isclose(r["hand_grads"][k], want, rel_tol=1e-12)
        assert math.isclose(r["node_grads"][k], want, rel_tol=1e-6)
        assert math.isclose(r["engine_grads"][k], want, rel_tol=1e-6)
    assert r["max_abs_diff"] < 1e-5
    assert Path(r["graph_file"]).exists() and Path(r["graph_file"]).parent == out.resolve()
    printed = capsys.readouterr().out
    assert "df/da = df/de * b = 0.7864 * -3.0 = -2.3593" in printed
    assert "MulBackward0   rule: y = a * b;  da = dy * b, db = dy * a." in printed
    # the custom Function, its checks, and second derivatives
    assert r["gradcheck"] is True and r["gradgradcheck"] is True
    assert r["wrong_backward_caught"] is True
    assert r["cube_grad"] == pytest.approx([0.75, 4.32, 12.0])
    assert r["cube_first"] == pytest.approx(6.75) and r["cube_second"] == pytest.approx(9.0)
    assert r["tanh_second"] == pytest.approx(r["tanh_second_hand"], rel=1e-5)
    assert r["tanh_second_hand"] == pytest.approx(-2 * math.tanh(0.5) * dtanh, rel=1e-12)
    # hooks: six sigmoid layers, the gradient shrinks towards the input
    norms = r["layer_norms"]
    assert norms == sorted(norms) and norms[-1] / norms[0] > 100
    assert r["hook_grad_d"] == pytest.approx(dtanh, rel=1e-6)
    _assert_pictures([r["gradflow_picture"]], out, ["08_gradflow.png"])
