"""The exercises' autograder: every skeleton fails, every solution passes, planted mistakes fail.

Checks run in-process (``run_check``) to stay fast; a few CLI calls go through a subprocess. A
planted mistake is the reference solution with one line changed, written to a temporary folder.
"""
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tinygrad_edu as tg
from tinygrad_edu.exercises import run_check
from tinygrad_edu.exercises.alexnet_truth import MAPS, VARIANTS, WARMUP, count, total
from tinygrad_edu.exercises.runner import CHECK_MODULES, find_check

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
NUMBERS = [name[2:4] for name in CHECK_MODULES]


def check(number, **kw):
    out = io.StringIO()
    rc = run_check(number, out=out, **kw)
    return rc, out.getvalue()


def test_at_least_ten_exercises_in_files():
    assert len(NUMBERS) >= 10
    for n in NUMBERS:
        stem = find_check(n).STEM
        assert (EXERCISES / f"{stem}.py").exists() and (EXERCISES / "solutions" / f"{stem}.py").exists()


@pytest.mark.parametrize("number", NUMBERS)
def test_skeleton_is_not_done(number):
    rc, text = check(number)
    assert rc == 1
    assert "not done yet: implement" in text and "Traceback" not in text


@pytest.mark.parametrize("number", NUMBERS)
def test_skeleton_has_both_languages_and_todos(number):
    source = (EXERCISES / f"{find_check(number).STEM}.py").read_text(encoding="utf-8")
    assert "[한국어]" in source and "[English]" in source
    assert "raise NotImplementedError" in source and "TODO" in source


@pytest.mark.parametrize("number", NUMBERS)
def test_solution_passes(number):
    rc, text = check(number, solutions=True)
    assert rc == 0, text
    assert text.rstrip().endswith(f"all checks passed for exercise {number}")


# (number, the solution's line, the planted mistake, a phrase the student must see)
MISTAKES = [
    ("01", "return (W + 2 * P - FW) // S + 1", "return (W + 2 * P - FW) / S + 1", "return an int"),
    ("01", "return (W + 2 * P - FW) // S + 1", "return (W + P - FW) // S + 1", "fits"),
    ("02", "np.sum(window * kernel)", "np.sum(window * kernel[::-1, ::-1])", "the deck's slide"),
    ("03", "cols.transpose(0, 4, 5, 1, 2, 3)", "cols.transpose(0, 4, 5, 2, 3, 1)", "im2col matrix"),
    ("04", "return grad * y * (1 - y)", "return grad * y", "finite differences give"),
    ("04", "return grad * y * (1 - y)", "return y * (1 - y)", "incoming gradient"),
    ("05", "grad * (x.array > 0)", "grad * (x.array >= 0)", "derivative at 0"),
    ("05", "dx[n, c, i * s + p, j * s + q] += g[:, :, i, j]", "dx[n, c, i * s + p, j * s + q] = g[:, :, i, j]",
     "overlapping windows"),
    ("05", "window.argmax(axis=2)", "k * k - 1 - window[:, :, ::-1].argmax(axis=2)", "tie rule"),
    ("06", "dw = (ctx.col.T @ dout).T.reshape(ctx.w_shape)", "dw = (ctx.col.T @ dout).reshape(ctx.w_shape)",
     "weight gradient"),
    ("06", "dx = col2im(dcol,", "dx = 0 * col2im(dcol,", "input gradient"),
    ("07", '"conv3": (3 * 3 * 256 + 1) * 384', '"conv3": 3 * 3 * 256 * 384', "count (3x3x256+1)x384 again"),
    ("07", "return (5 * 5 * 192 + 1) * 32", "return 5 * 5 * 192 * 32", "warm-up"),
    ("08", "nn.Conv2d(96, 256, kernel_size=5, padding=2)", "nn.Conv2d(96, 256, kernel_size=5)", "after conv2"),
    ("08", "nn.Linear(4096, num_classes)", "nn.Linear(4096, num_classes, bias=False)", "fc8"),
    ("09", "return [norms[i] for i in range(len(linears))]",
     "return [norms[i] for i in reversed(range(len(linears)))]", "layer 1"),
    ("09", "nn.Sigmoid() if activation", "nn.Tanh() if activation", "Sigmoid"),
    ("10", "    return nn.Sequential(\n",
     "    return nn.Sequential(nn.Flatten(), nn.Linear(64, 10))  # an MLP, not a CNN\n    return nn.Sequential(\n",
     "no nn.Conv2d"),
]


@pytest.mark.parametrize("number,line,mistake,phrase", MISTAKES, ids=[f"{m[0]}-{i}" for i, m in enumerate(MISTAKES)])
def test_planted_mistake_fails(tmp_path, number, line, mistake, phrase):
    stem = find_check(number).STEM
    source = (EXERCISES / "solutions" / f"{stem}.py").read_text(encoding="utf-8")
    assert source.count(line) == 1, "the solution changed: update the planted mistake"
    (tmp_path / f"{stem}.py").write_text(source.replace(line, mistake), encoding="utf-8")
    rc, text = check(number, directory=str(tmp_path))
    assert rc == 1, text
    assert "FAIL" in text and phrase in text, text
    assert "Traceback" not in text


def test_every_exercise_has_a_planted_mistake():
    assert {m[0] for m in MISTAKES} == set(NUMBERS)


def test_messages_quote_the_students_number(tmp_path):
    stem = find_check("07").STEM
    source = (EXERCISES / "solutions" / f"{stem}.py").read_text(encoding="utf-8")
    (tmp_path / f"{stem}.py").write_text(source.replace("(11 * 11 * 3 + 1) * 96", "11 * 11 * 3 * 96 + 96 - 1"))
    rc, text = check("07", directory=str(tmp_path))
    assert rc == 1
    assert "your table says 34,943 for conv1; count (11x11x3+1)x96 again" in text


def test_a_crash_in_student_code_is_one_line(tmp_path):
    (tmp_path / "01_output_size.py").write_text("def conv_output_size(W, FW, P, S):\n    return W / 0\n")
    rc, text = check("01", directory=str(tmp_path))
    assert rc == 1
    assert "your code raised ZeroDivisionError in conv_output_size (line 2)" in text
    assert "Traceback" not in text


def test_alexnet_truth_matches_the_library():
    """The hand tables agree with tinygrad_edu.models (built independently) and the deck's 153,632."""
    assert WARMUP == 153_632
    for variant in VARIANTS:
        model = tg.models.alexnet(variant)
        layers = [sum(p.numel() for p in m.parameters()) for m in model.modules()
                  if isinstance(m, (tg.nn.Conv2d, tg.nn.Linear))]
        assert layers == [count(r) for r in VARIANTS[variant]]
        assert sum(p.numel() for p in model.parameters()) == total(variant)
    assert total("single-tower") == 62_378_344 and total("original") == 60_965_224
    assert total("torchvision") == 61_100_840


def test_alexnet_maps_follow_the_output_size_formula():
    from tinygrad_edu.ops.output_size import conv_output_size
    side = 227
    for layer, (k, s, p) in zip(range(8), [(11, 4, 0), (3, 2, 0), (5, 1, 2), (3, 2, 0), (3, 1, 1), (3, 1, 1),
                                           (3, 1, 1), (3, 2, 0)]):
        side = conv_output_size(side, k, s, p)
        assert MAPS["single-tower"][layer][1] == side


def run_cli(*args, cwd=ROOT):  # the real command line, as a student types it
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "tinygrad_edu.exercises", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_list_and_exit_codes():
    listing = run_cli("list")
    assert listing.returncode == 0
    lines = listing.stdout.strip().splitlines()
    assert [line[:2] for line in lines] == NUMBERS
    skeleton = run_cli("check", "01", cwd=ROOT / "docs")        # found from a folder inside the repo
    assert skeleton.returncode == 1 and "not done yet" in skeleton.stdout


def test_main_arguments(tmp_path, capsys):
    from tinygrad_edu.exercises import main
    assert main(["check", "1", "--solutions"]) == 0
    (tmp_path / "01_output_size.py").write_text((EXERCISES / "solutions" / "01_output_size.py").read_text())
    assert main(["check", "01", "--dir", str(tmp_path)]) == 0
    assert main(["check", "99"]) == 2
    assert main(["check", "02", "--dir", str(tmp_path)]) == 2   # no 02_*.py there
    assert "no file 02_*.py" in capsys.readouterr().out
