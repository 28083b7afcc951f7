"""Find an exercise file, run its check, and turn what happens into a message a student can act on.

    python -m tinygrad_edu.exercises list
    python -m tinygrad_edu.exercises check 03                # exercises/03_*.py
    python -m tinygrad_edu.exercises check 03 --solutions    # exercises/solutions/03_*.py
    python -m tinygrad_edu.exercises check 03 --dir my/work  # my/work/03_*.py

Exit status: 0 when the exercise is right, 1 when it is not (or not done yet), 2 for a usage error.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
import traceback
import types
from pathlib import Path
from typing import List, Optional

from .checking import CheckFailed

# Lecture order. Each name is a module in this package with NUMBER, STEM, TITLE and check(ex, ok).
CHECK_MODULES = [
    "ex01_output_size", "ex02_conv_loops", "ex03_im2col", "ex04_sigmoid", "ex05_relu_maxpool",
    "ex06_conv_backward", "ex07_alexnet_parameters", "ex08_alexnet_module", "ex09_vanishing_gradient",
    "ex10_train_cnn",
]


def exercises() -> List[types.ModuleType]:
    return [importlib.import_module(f"{__package__}.{name}") for name in CHECK_MODULES]


def find_check(number: str) -> Optional[types.ModuleType]:
    """The check module of exercise ``number`` ("3" or "03"), imported only when asked for."""
    name = next((n for n in CHECK_MODULES if n[2:4] == number.zfill(2)), None)
    return importlib.import_module(f"{__package__}.{name}") if name else None


def _has_exercises(folder: Path) -> bool:
    return folder.is_dir() and any(folder.glob("[0-9][0-9]_*.py"))


def find_exercise_dir(start: Optional[str] = None) -> Optional[Path]:
    """``exercises/`` in the current directory or any folder above it, else the one beside the package."""
    here = Path(start or os.getcwd()).resolve()
    for folder in [here, *here.parents]:
        if _has_exercises(folder / "exercises"):
            return folder / "exercises"
    repo = Path(__file__).resolve().parents[2] / "exercises"
    return repo if _has_exercises(repo) else None


def exercise_file(folder: Path, check: types.ModuleType) -> Path:
    exact = folder / f"{check.STEM}.py"
    if exact.exists():
        return exact
    found = sorted(folder.glob(f"{check.NUMBER}_*.py"))
    if not found:
        raise FileNotFoundError(f"no file {check.NUMBER}_*.py in {folder}")
    return found[0]


def load(path: Path) -> types.ModuleType:
    """Import a student's file as a fresh module (each check sees the file as it is now)."""
    name = f"_exercise_{path.stem}_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up here
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
    return module


def _student_frame(tb, path: Path):
    """The innermost traceback frame in the student's file: (function name, line number) or None."""
    found = None
    for frame, line in traceback.walk_tb(tb):
        if Path(frame.f_code.co_filename).resolve() == path.resolve():
            found = (frame.f_code.co_name, line)
    return found


def run_check(number: str, solutions: bool = False, directory: Optional[str] = None, out=None) -> int:
    """Check one exercise and print the outcome to ``out`` (stdout); return the exit status."""
    out = out or sys.stdout

    def say(msg: str) -> None:
        print(msg, file=out)

    check = find_check(number)
    if check is None:
        say(f"there is no exercise {number}; `python -m tinygrad_edu.exercises list` shows them all")
        return 2
    folder = Path(directory) if directory else find_exercise_dir()
    if folder is None or not folder.is_dir():
        say("cannot find the exercises folder: run this from the repository, or give --dir FOLDER")
        return 2
    if solutions:
        folder = folder / "solutions"
    try:
        path = exercise_file(folder, check)
    except FileNotFoundError as e:
        say(str(e))
        return 2
    say(f"checking {path.name}: {check.TITLE}")
    try:
        module = load(path)
        check.check(module, lambda msg: say(f"  ok  {msg}"))
    except CheckFailed as e:
        say(f"  FAIL  {e}")
        return 1
    except NotImplementedError as e:
        where = _student_frame(e.__traceback__, path)
        what = str(e) or (where[0] if where else "the TODO parts")  # skeletons name what to write
        line = f" (line {where[1]})" if where else ""
        say(f"  not done yet: implement {what} in {path.name}{line}")
        return 1
    except SyntaxError as e:
        say(f"  FAIL  {path.name} does not parse: {e.msg} at line {e.lineno}")
        return 1
    except Exception as e:  # the student's code crashed: say where, without a wall of traceback
        where = _student_frame(e.__traceback__, path)
        if where:
            say(f"  FAIL  your code raised {type(e).__name__} in {where[0]} (line {where[1]}): {e}")
        else:  # raised while the check used what your code returned
            say(f"  FAIL  {type(e).__name__} while checking what your code returned: {e}")
        return 1
    say(f"all checks passed for exercise {check.NUMBER}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tinygrad_edu.exercises",
                                     description="Check the lecture's exercises (exercises/NN_*.py).")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="one line per exercise")
    c = sub.add_parser("check", help="check exercise NN")
    c.add_argument("number", help="the exercise number, e.g. 03")
    c.add_argument("--solutions", action="store_true", help="check exercises/solutions/NN_*.py instead")
    c.add_argument("--dir", help="the folder holding NN_*.py (default: ./exercises or the repository's)")
    args = parser.parse_args(argv)
    if args.command == "list":
        for check in exercises():
            print(f"{check.NUMBER}  {check.STEM + '.py':<28} {check.TITLE}")
        return 0
    return run_check(args.number, solutions=args.solutions, directory=args.dir)
