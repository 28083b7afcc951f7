"""The conv-layer timings now live in the benchmark suite: this runs ``run.py --only conv``.

    python benchmarks/conv_layers.py [--threads N] [--rounds N] [--device cuda]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402

if __name__ == "__main__":
    sys.exit(run.main(["--only", "conv"] + sys.argv[1:]))
