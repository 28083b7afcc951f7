"""The autograder for ``exercises/``: ``python -m tinygrad_edu.exercises list`` / ``check NN``.

Each ``exNN_*.py`` module here checks one exercise against truths the student's code cannot
influence: hand-computed numbers from the lecture, the library's own ops, and finite differences.
"""
from .checking import CheckFailed
from .runner import exercises, find_exercise_dir, main, run_check

__all__ = ["CheckFailed", "exercises", "find_exercise_dir", "main", "run_check"]
