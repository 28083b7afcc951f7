"""The lecture's units 01-04 as lessons: run each example script and check the numbers the
lecture states; check that every library name used in the tutorials (English and Korean) exists,
and run the tutorials' code blocks."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from doc_tools import DOCS, ROOT, run_example, missing_names, names_in_code, names_in_prose, python_blocks, run_blocks

UNIT_DOCS = ["01_images_as_tensors.md", "02_convolution.md", "03_cnns.md", "04_counting_parameters.md"]
ALL_DOCS = [DOCS / name for name in UNIT_DOCS] + [DOCS / "ko" / name for name in UNIT_DOCS]

FEATURE_MAP = [[21, 59, 37, -19, 2],
               [30, 51, 66, 20, 43],
               [-14, 31, 49, 101, -19],
               [59, 15, 53, -2, 21],
               [49, 57, 64, 76, 10]]


@pytest.fixture
def lesson(tmp_path, monkeypatch):
    """Run ``examples/<name>.py`` top to bottom inside a fresh temporary directory; its ``results``."""
    def run(name: str) -> dict:
        monkeypatch.chdir(tmp_path)
        monkeypatch.delenv("TINYGRAD_EDU_OUT", raising=False)
        return run_example(name)
    return run


def _assert_pictures(result: dict, tmp_path: Path, count: int) -> None:
    paths = [Path(p) for p in result["pictures"]]
    assert len(paths) == count
    for p in paths:
        assert p.parent == tmp_path.resolve(), p
        assert p.is_file() and p.stat().st_size > 1000, p
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------------------------------ examples
def test_unit01_images_as_tensors(lesson, tmp_path):
    r = lesson("01_images_as_tensors")
    assert r["digit_shape"] == (28, 28) and r["digit_numel"] == 784
    assert 0 <= r["digit_label"] <= 9
    assert r["chw_shape"] == (3, 24, 32) and r["hwc_shape"] == (24, 32, 3)
    assert r["hwc_to_chw_equal"] and r["round_trip_equal"]
    assert r["reshape_is_permute"] is False          # the lesson's warning: reshape scrambles channels
    assert r["gray_batch_shape"] == (8, 1, 28, 28)
    assert r["colour_batch_shape"] == (2, 3, 24, 32)
    _assert_pictures(r, tmp_path, 2)


def test_unit01_pictures_honour_out_dir(tmp_path, monkeypatch):
    out = tmp_path / "pictures"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TINYGRAD_EDU_OUT", str(out))
    r = run_example("01_images_as_tensors")
    assert all(Path(p).parent == out.resolve() and Path(p).is_file() for p in r["pictures"])


def test_unit02_convolution_by_hand(lesson, tmp_path):
    r = lesson("02_convolution_by_hand")
    assert r["shift_changed_inputs"] > 200           # a 2-pixel shift changes many of the 784 inputs
    assert r["shift_conv_difference"] < 1e-6         # ... but a convolution's output just shifts
    assert r["feature_map_loops"] == FEATURE_MAP
    assert r["feature_map_conv2d"] == FEATURE_MAP
    assert r["step_value"] == 101                     # position (2, 3), printed step by step
    sizes = r["output_sizes"]
    # the deck's three drawn configurations, on conv_arithmetic's 4x4 / 5x5 / 5x5 inputs and on 7x7
    assert sizes[("3x3 filter, pad 0, stride 1", 4)] == 2
    assert sizes[("4x4 filter, pad 2, stride 1", 5)] == 6
    assert sizes[("3x3 filter, pad 1, stride 2", 5)] == 3
    assert sizes[("3x3 filter, pad 0, stride 1", 7)] == 5
    assert sizes[("4x4 filter, pad 2, stride 1", 7)] == 8
    assert sizes[("3x3 filter, pad 1, stride 2", 7)] == 4
    assert r["conv1d"] == [1, 3, 5, 3, 0, -3, -5, -3]
    assert r["multi_channel_shape"] == (1, 2, 5, 5)
    assert r["channel_sum_ok"]
    assert r["mismatch_error"] is not None            # a filter of the wrong depth is refused
    assert r["batch_shape"] == (4, 6, 28, 28)
    assert r["batch_sample_ok"]
    _assert_pictures(r, tmp_path, 1)


def test_unit02_output_size_formula_matches_conv2d():
    import tinygrad_edu as tg
    import tinygrad_edu.nn.functional as F
    for w, fw, p, s in [(4, 3, 0, 1), (5, 4, 2, 1), (5, 3, 1, 2), (7, 3, 0, 1), (7, 4, 2, 1), (7, 3, 1, 2)]:
        expected = (w + 2 * p - fw) // s + 1
        assert F.conv_output_size(w, fw, stride=s, padding=p) == expected
        y = F.conv2d(tg.zeros(1, 1, w, w), tg.zeros(1, 1, fw, fw), stride=s, padding=p)
        assert tuple(y.shape) == (1, 1, expected, expected)


def test_unit03_cnn_building_blocks(lesson, tmp_path):
    r = lesson("03_cnn_building_blocks")
    assert r["pipeline_shapes"] == [(2, 3, 16, 16), (2, 8, 16, 16), (2, 8, 16, 16), (2, 8, 8, 8),
                                    (2, 16, 8, 8), (2, 16, 8, 8), (2, 16, 4, 4), (2, 256), (2, 10)]
    assert r["pipeline_params"] == (3 * 3 * 3 + 1) * 8 + (3 * 3 * 8 + 1) * 16 + (256 + 1) * 10
    assert r["composed"] == [8.0, 16.0, 24.0, -12.0]   # c = 2: h(h(h(x))) = c^3 x = 8x
    assert r["composed_grad"] == [8.0] * 4
    assert r["linear_collapse_error"] < 1e-5
    assert r["sigmoid_grad_max"] == pytest.approx(0.25, abs=1e-7)
    assert r["sigmoid_grad_argmax"] == pytest.approx(0.0, abs=1e-6)
    assert 0 < r["sigmoid_chain10_grad"] < 0.25 ** 10 * 2 ** 10   # tiny: the gradient vanishes
    assert r["relu_grad_pos"] == [1.0] and r["relu_grad_neg"] == [0.0]
    assert r["dead_units"] > 0 and r["dead_unit_grad"] == 0.0
    by_bias = r["dead_units_by_bias"]                 # more negative bias, more dead units
    assert by_bias[0.0] <= by_bias[-0.5] <= by_bias[-1.0] <= by_bias[-1.5] == r["dead_units"]
    assert r["pool_in"] == (2, 3, 4, 4) and r["pool_out"] == (2, 3, 2, 2)
    assert r["pool_params"] == 0 and r["pool_per_channel"]
    _assert_pictures(r, tmp_path, 2)


def test_unit04_counting_parameters(lesson):
    r = lesson("04_counting_parameters")
    assert r["deck_example"] == 153_632 == r["deck_example_layer"]
    assert r["full_hd_inputs"] == 6_220_800
    assert r["fc_params"][1000] == 6_220_801_000
    assert r["conv_params"] == 1_792
    assert r["alexnet"] == {"torchvision": 61_100_840, "original": 60_965_224, "single-tower": 62_378_344}


# ------------------------------------------------------------------------------------------ docs
@pytest.mark.parametrize("path", ALL_DOCS, ids=lambda p: str(p.relative_to(DOCS)))
def test_doc_library_names_exist(path):
    assert path.is_file(), f"missing tutorial {path}"
    text = path.read_text(encoding="utf-8")
    names = names_in_code(python_blocks(text)) | names_in_prose(text)
    assert any(n.startswith("tinygrad_edu.") for n in names)
    missing = missing_names(names)
    assert not missing, f"{path.name} uses names that do not exist: {missing}"


@pytest.mark.parametrize("path", ALL_DOCS, ids=lambda p: str(p.relative_to(DOCS)))
def test_doc_snippets_run(path, tmp_path, monkeypatch):
    """The code blocks of a tutorial, run top to bottom in one namespace, like a notebook, from the
    repository root (as a reader would); pictures go to a temporary folder."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("TINYGRAD_EDU_OUT", str(tmp_path))
    monkeypatch.syspath_prepend(str(ROOT))
    run_blocks(python_blocks(path.read_text(encoding="utf-8")), str(path.relative_to(ROOT)))


KOREAN_DOCS = sorted(p.name for p in (DOCS / "ko").glob("*.md"))


@pytest.mark.parametrize("name", KOREAN_DOCS)
def test_korean_docs_follow_english(name):
    """Every Korean page is a twin of an English one: block for block the same code (comments may be
    Korean), and every large number of the English page."""
    en, ko = DOCS / name, DOCS / "ko" / name
    assert en.is_file(), f"docs/ko/{name} has no English twin docs/{name}"
    text_en, text_ko = en.read_text(encoding="utf-8"), ko.read_text(encoding="utf-8")
    blocks_en, blocks_ko = python_blocks(text_en), python_blocks(text_ko)
    assert len(blocks_en) == len(blocks_ko), f"{name}: {len(blocks_en)} python blocks in English, {len(blocks_ko)} in Korean"
    for i, (a, b) in enumerate(zip(blocks_en, blocks_ko)):
        assert _code_only(a) == _code_only(b), f"{name} block {i}: the Korean code differs from the English"
    assert re.search(r"[\uac00-\ud7a3]", text_ko), "the Korean tutorial has no Hangul"
    for number in re.findall(r"\b\d{1,3}(?:,\d{3})+\b", text_en):
        assert number in text_ko, f"{ko.name} lacks the number {number} of the English tutorial"


def _code_only(block: str) -> str:
    """The code of a block with comments and blank lines dropped (the comments are translated)."""
    import io
    import tokenize
    tokens = [tok for tok in tokenize.generate_tokens(io.StringIO(block).readline)
              if tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                                  tokenize.DEDENT, tokenize.ENDMARKER)]
    return " ".join(tok.string for tok in tokens)


@pytest.mark.parametrize("folder", ["", "ko"])
def test_worked_example_says_positions_count_from_zero(folder):
    """Output "row 2, column 3" is 101 counted from 0 (Python's out[2][3]) and 66 counted from 1 (the
    deck's 2행 3열); the page must say which it means and give the other reading."""
    assert FEATURE_MAP[2][3] == 101 and FEATURE_MAP[2 - 1][3 - 1] == 66
    text = (DOCS / folder / "02_convolution.md").read_text(encoding="utf-8")
    zero_based = "count from 0" if not folder else "0부터"
    assert zero_based in text and "66" in text and "101" in text
    text01 = (DOCS / folder / "01_images_as_tensors.md").read_text(encoding="utf-8")
    assert zero_based in text01 and ("21st column" in text01 or "9행 21열" in text01)
