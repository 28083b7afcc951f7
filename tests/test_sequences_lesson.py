"""The sequence lesson (examples/10_sequences.py) in fast mode: the numbers its tutorial promises.

The script is a plain cell-by-cell script; it runs here top to bottom in a temporary folder with
``TINYGRAD_EDU_FAST=1`` and its final ``summary`` dict is checked: the vanishing gradient through
time (the RNN's first step gets orders of magnitude less gradient than the LSTM's, and its
gradient shrinks by a constant factor per step), a length the LSTM solves and the RNN cannot, the
attention model, and the pictures.
"""
from __future__ import annotations

import runpy

import pytest
from doc_tools import EXAMPLES

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lesson10")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        mp.setenv("TINYGRAD_EDU_FAST", "1")
        mp.delenv("TINYGRAD_EDU_OUT", raising=False)
        result = runpy.run_path(str(EXAMPLES / "10_sequences.py"), run_name="__main__")
    return result["summary"], folder


def test_gradient_vanishes_through_time_for_the_rnn_only(summary):
    s, _ = summary
    assert s["rnn_first_step_grad"] < 1e-3 * s["lstm_first_step_grad"]      # orders of magnitude
    assert 0.3 < s["rnn_factor_per_step"] < 0.8                              # geometric, about sqrt(1/3)


def test_lstm_solves_a_length_the_rnn_cannot(summary):
    s, _ = summary
    acc = s["accuracy"]
    assert acc["RNN"][0] >= 0.9 and acc["LSTM"][0] >= 0.9                   # short sequences: both fine
    T = s["lengths"][-1]
    assert T in s["solved_by_lstm_only"]
    i = s["lengths"].index(T)
    assert acc["LSTM"][i] >= 0.95 and acc["RNN"][i] <= 0.75


def test_attention_finds_the_first_step(summary):
    s, _ = summary
    assert s["transformer_accuracy"] >= 0.9
    assert s["attention_on_first"] > 5 / s["lengths"][-1]                    # well above uniform


def test_pictures(summary):
    s, folder = summary
    names = sorted(p.split("/")[-1] for p in s["pictures"])
    assert names == ["09_accuracy_vs_length.png", "09_attention_map.png", "09_gradient_through_time.png"]
    for name in names:
        data = (folder / name).read_bytes()
        assert data[:8] == PNG and len(data) > 5000


def test_pictures_are_in_the_docs_in_both_languages():
    from doc_tools import DOCS
    for page, prefix in ((DOCS / "09_sequences.md", "images/"), (DOCS / "ko" / "09_sequences.md", "../images/")):
        text = page.read_text(encoding="utf-8")
        for name in ("09_gradient_through_time.png", "09_accuracy_vs_length.png", "09_attention_map.png"):
            assert f"]({prefix}{name})" in text, f"{page.name} does not show {name}"
            data = (DOCS / "images" / name).read_bytes()
            assert data[:8] == PNG and len(data) > 5000
