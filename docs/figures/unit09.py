"""Lesson 09 · sequences: the three pictures of ``examples/10_sequences.py`` (gradient through time,
accuracy against length, the attention map). The lesson script draws them itself; this runs it
with its output folder pointed at ``out``, so ``make figures`` regenerates them with the rest."""
from __future__ import annotations

import os
import runpy
from pathlib import Path

from common import REPO

NAMES = ("09_gradient_through_time.png", "09_accuracy_vs_length.png", "09_attention_map.png")


def sequence_lesson(out, fast=False):
    saved = {k: os.environ.get(k) for k in ("TINYGRAD_EDU_OUT", "TINYGRAD_EDU_FAST")}
    os.environ["TINYGRAD_EDU_OUT"] = str(out)
    os.environ["TINYGRAD_EDU_FAST"] = "1" if fast else ""
    try:
        runpy.run_path(str(REPO / "examples" / "10_sequences.py"), run_name="__main__")
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return [Path(out) / n for n in NAMES]


FIGURES = [sequence_lesson]
