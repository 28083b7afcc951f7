"""The "Done when" check of issue 14: a script in the shape of PyTorch's Quickstart tutorial
(tests/quickstart_script.py: DataLoader, an nn.Module, the device probe with torch.cuda and
torch.backends.mps, CrossEntropyLoss, RAdam with OneCycleLR, train and test loops, save and load)
runs unchanged under PyTorch and, after swapping only the import lines, under tinygrad_edu, and
both learn the task."""
import contextlib
import io
import re
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("quickstart_script.py")


def swap_imports(source: str) -> str:
    """The one change a user makes: PyTorch's import lines become tinygrad_edu's."""
    source = re.sub(r"^import torch$", "import tinygrad_edu as torch", source, flags=re.M)
    return re.sub(r"^from torch(\.|\s)", r"from tinygrad_edu\1", source, flags=re.M)


def _run(source: str, folder: Path, monkeypatch) -> str:
    """Run the script as ``python quickstart.py`` would, in this process (PyTorch is imported once
    for the whole test session, not once per run), and return what it printed."""
    path = folder / "quickstart.py"
    path.write_text(source, encoding="utf-8")
    monkeypatch.chdir(folder)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as done:
        exec(compile(source, str(path), "exec"), {"__name__": "__main__", "__file__": str(path)})  # noqa: S102
    assert done.value.code == 0
    return out.getvalue()


def _accuracy(out: str) -> float:
    return float(re.search(r"FINAL_ACCURACY ([0-9.]+)", out).group(1))


def test_swap_changes_only_imports():
    src = SCRIPT.read_text(encoding="utf-8")
    swapped = swap_imports(src)
    changed = [(a, b) for a, b in zip(src.splitlines(), swapped.splitlines()) if a != b]
    assert [a for a, _ in changed] == ["import torch", "from torch import nn",
                                       "from torch.utils.data import DataLoader, TensorDataset"]


def test_quickstart_runs_under_both(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    src = SCRIPT.read_text(encoding="utf-8")
    (tmp_path / "torch").mkdir(), (tmp_path / "ours").mkdir()
    theirs = _run(src, tmp_path / "torch", monkeypatch)
    ours = _run(swap_imports(src), tmp_path / "ours", monkeypatch)
    for out in (theirs, ours):
        assert "Shape of X [N, C, H, W]: " in out
        assert re.search(r"^Using (cpu|cuda) device$", out, flags=re.M)   # the probe never picks mps here
        assert "Done!" in out and "Saved PyTorch Model State to model.pth" in out
        assert _accuracy(out) > 0.6            # chance is 0.1: both learned the task
    assert (tmp_path / "ours" / "model.pth").is_file()
    # the same printed structure line for line (numbers aside)
    shape = lambda out: [re.sub(r"[-0-9.e]+", "#", line) for line in out.splitlines()]  # noqa: E731
    assert len(shape(ours)) == len(shape(theirs))
