"""How much code a student walks through in one ``loss.backward()``.

    python benchmarks/trace_backward.py            # totals, files, then every function
    python benchmarks/trace_backward.py --quiet    # totals only

Builds the training step of issue 10 (conv -> relu -> maxpool -> flatten -> linear ->
cross-entropy), then traces ``loss.backward()`` with ``sys.setprofile`` and counts the project
files and the distinct functions entered, leaving out the speed code (``kernels/`` and
``backend.py``): what is left is the calculus a reader has to follow. Comprehensions are not
counted: they are expressions inside a function (Python 3.12 no longer gives them a frame).
tests/test_trace.py holds the figure down.
"""
from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import tinygrad_edu as torch  # noqa: E402
from tinygrad_edu import nn  # noqa: E402

PACKAGE = os.path.dirname(os.path.abspath(torch.__file__))
SPEED = (os.path.join(PACKAGE, "kernels") + os.sep, os.path.join(PACKAGE, "backend.py"))
COMPREHENSIONS = {"<genexpr>", "<listcomp>", "<dictcomp>", "<setcomp>"}


def training_step():
    """The model and the loss of one step, ready for ``loss.backward()``."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 3 * 3, 10))
    x = torch.randn(2, 1, 8, 8)
    y = torch.tensor([3, 7])
    return nn.functional.cross_entropy(model(x), y)


def trace_backward(loss):
    """``(files, functions)`` entered by ``loss.backward()``: sets of paths relative to the
    package, and of ``(path, line, name)``."""
    entered = set()

    def profile(frame, event, arg):
        if event == "call":
            code = frame.f_code
            entered.add((code.co_filename, code.co_firstlineno, code.co_name))

    sys.setprofile(profile)
    try:
        loss.backward()
    finally:
        sys.setprofile(None)
    functions = {(os.path.relpath(f, PACKAGE), line, name) for f, line, name in entered
                 if f.startswith(PACKAGE + os.sep) and not f.startswith(SPEED) and name not in COMPREHENSIONS}
    return {f for f, _, _ in functions}, functions


def main(argv=None) -> None:
    quiet = "--quiet" in (argv if argv is not None else sys.argv[1:])
    files, functions = trace_backward(training_step())
    print(f"loss.backward() enters {len(files)} files and {len(functions)} functions "
          "(outside kernels/ and backend.py)")
    if quiet:
        return
    for f in sorted(files):
        names = sorted(f"{name}:{line}" for g, line, name in functions if g == f)
        print(f"  {f} ({len(names)}): {', '.join(names)}")


if __name__ == "__main__":
    main()
