"""The planted-bug list for ``make mutate`` stays in step with the code: every ``find`` occurs exactly
once in its file, each mutant changes something, names existing tests, and every family is covered."""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "mutation"))
from mutants import MUTANTS  # noqa: E402


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m["id"] for m in MUTANTS])
def test_each_mutant_applies_once_and_names_real_tests(mutant):
    with open(os.path.join(ROOT, mutant["file"]), encoding="utf-8") as fh:
        text = fh.read()
    assert text.count(mutant["find"]) == 1, f"{mutant['id']}: `find` must occur once in {mutant['file']}"
    assert mutant["replace"] != mutant["find"]
    assert mutant["tests"] and all(os.path.exists(os.path.join(ROOT, t)) for t in mutant["tests"])


def test_the_list_covers_every_family_and_is_large_enough():
    families = {m["family"] for m in MUTANTS}
    assert families == {"derivative", "kernel", "optimizer", "check", "model"}
    assert len(MUTANTS) >= 50
    assert len({m["id"] for m in MUTANTS}) == len(MUTANTS)
