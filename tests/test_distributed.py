"""tinygrad_edu.distributed, nn.parallel.DistributedDataParallel and DistributedSampler.

The multi-rank checks run real MPI jobs (2 ranks, ``mpiexec`` beside this Python, as the ``dist``
extra installs it) in a subprocess with a timeout; the scripts in tests/mpi_scripts/ compare every
collective with NumPy and DDP with one process on the whole batch. The rest runs in this process,
which never starts MPI."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import tinygrad_edu as tg
import tinygrad_edu.distributed as dist
from tinygrad_edu.distributed import run as launcher
from tinygrad_edu.utils.data.distributed import DistributedSampler

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = Path(__file__).resolve().parent / "mpi_scripts"
HAS_MPI = importlib.util.find_spec("mpi4py") is not None
needs_mpi = pytest.mark.skipif(not HAS_MPI, reason="mpi4py not installed: pip install -e '.[dist]'")
JOB_LIMIT = 60          # seconds any one MPI job may take before the test fails (it must never hang)


def _env(**extra) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    env.update(extra)
    return env


def _mpirun(script: str, *args, n: int = 2, **env):
    """Run ``mpiexec -n n python tests/mpi_scripts/<script> args``; return (result, seconds)."""
    cmd = [launcher.find_mpiexec(), "-n", str(n), sys.executable, str(SCRIPTS / script), *map(str, args)]
    start = time.monotonic()
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=JOB_LIMIT, env=_env(**env), cwd=ROOT)
    return res, time.monotonic() - start


# ------------------------------------------------------------------------------------ multi-rank jobs
@needs_mpi
def test_mpiexec_is_the_one_beside_this_python():
    assert Path(launcher.find_mpiexec()).parent == Path(sys.executable).parent


@needs_mpi
def test_every_collective_matches_numpy():
    res, _ = _mpirun("check_collectives.py")
    assert res.returncode == 0, res.stdout + res.stderr
    # (mpiexec may interleave the ranks' lines, so search the whole output)
    assert sorted(re.findall(r"collectives ok rank (\d) of 2", res.stdout)) == ["0", "1"], res.stdout


@needs_mpi
def test_ddp_on_2_ranks_equals_one_process_on_the_whole_batch(tmp_path):
    """float64, several SGD-with-momentum steps (one with no_sync accumulation): parameters agree
    to 1e-10; plus the same-model check, the rank-0 checkpoint and the unused-parameter error."""
    ckpt = tmp_path / "ddp.pt"
    res, _ = _mpirun("check_ddp.py", ckpt)
    assert res.returncode == 0, res.stdout + res.stderr
    diffs = [float(d) for d in re.findall(r"ddp ok rank \d max_diff (\d\.\de[-+]\d\d)", res.stdout)]
    assert len(diffs) == 2 and max(diffs) < 1e-10
    assert ckpt.is_file() and not list(tmp_path.glob("*.tmp*"))        # written once, atomically


@needs_mpi
def test_a_rank_that_raises_stops_the_others_naming_it():
    res, seconds = _mpirun("fail_rank.py", "raise", TINYGRAD_EDU_DIST_TIMEOUT="20")
    assert res.returncode != 0
    assert "ValueError: a bug in rank 1's data" in res.stderr
    assert "[rank 0] stopped in all_reduce: rank 1 failed: ValueError" in res.stderr, res.stderr
    assert "finished" not in res.stdout
    assert seconds < 20                                   # the notice, not the timeout, ended it


@needs_mpi
def test_a_killed_rank_ends_the_job_and_the_launcher_names_it():
    cmd = [sys.executable, "-m", "tinygrad_edu.distributed.run", "-n", "2", "--timeout", "20",
           str(SCRIPTS / "fail_rank.py"), "kill"]
    start = time.monotonic()
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=JOB_LIMIT, env=_env(), cwd=ROOT)
    assert res.returncode != 0
    # the launcher names the rank whose pid mpiexec reports; on a loaded machine mpiexec sometimes
    # reports the rank it stopped first instead of the one that was killed, so any rank is accepted
    assert re.search(r"rank [01] \(pid \d+", res.stderr) and "died" in res.stderr, res.stdout + res.stderr
    assert "finished" not in res.stdout
    assert time.monotonic() - start < 20


@needs_mpi
def test_a_rank_that_never_arrives_times_out():
    res, seconds = _mpirun("fail_rank.py", "hang", TINYGRAD_EDU_DIST_TIMEOUT="3")
    assert res.returncode != 0
    assert "[rank 0] all_reduce did not complete within 3 s" in res.stderr, res.stderr
    assert 3 <= seconds < 30                             # not before the limit, and not forever


@needs_mpi
def test_example_09_on_2_ranks_agrees_with_one_process(tmp_path):
    """The lesson's script under mpiexec -n 2 (small settings): it prints the agreement with one
    process and the speed-up, saves its history, and --plot draws the overlay from it."""
    cmd = [launcher.find_mpiexec(), "-n", "2", sys.executable, str(ROOT / "examples" / "09_data_parallel.py")]
    env = _env(TINYGRAD_EDU_FAST="1", TINYGRAD_EDU_OUT=str(tmp_path))
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=JOB_LIMIT, env=env, cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "speed-up" in res.stdout and "on 2 rank(s)" in res.stdout
    history = json.loads((tmp_path / "08_history_2ranks.json").read_text())
    assert history["ranks"] == 2 and history["max_param_diff"] < 1e-12            # float64: equal
    assert history["loss"][-1] < history["loss"][0]                              # it learns
    assert history["params"] == 8 * 9 + 8 + 16 * 8 * 9 + 16 + 16 * 4 * 10 + 10
    assert history["bytes_sent_per_step"] == 2 * (2 - 1) / 2 * history["params"] * 8
    assert f"{history['max_param_diff']:.1e}" in res.stdout
    plot = subprocess.run([sys.executable, str(ROOT / "examples" / "09_data_parallel.py"), "--plot"],
                          capture_output=True, text=True, timeout=JOB_LIMIT, env=env, cwd=tmp_path)
    assert plot.returncode == 0, plot.stderr
    for name in ("08_curves.png", "08_throughput.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------------------------ in this process
def test_importing_needs_no_mpi4py():
    code = ("import sys; sys.modules['mpi4py'] = None\n"
            "import tinygrad_edu, tinygrad_edu.distributed as dist, tinygrad_edu.nn.parallel\n"
            "from tinygrad_edu.utils.data.distributed import DistributedSampler\n"
            "assert not dist.is_available() and not dist.is_initialized()\n"
            "try:\n    dist.init_process_group('mpi')\n"
            "except RuntimeError as e:\n    print(e)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=_env())
    assert res.returncode == 0, res.stderr
    assert "pip install 'tinygrad_edu[dist]'" in res.stdout and "mpiexec -n 2" in res.stdout


def test_plain_import_does_not_start_mpi():
    code = "import sys, tinygrad_edu, tinygrad_edu.distributed, tinygrad_edu.nn; print('mpi4py' in sys.modules)"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=_env())
    assert res.stdout.strip() == "False", res.stderr


def test_errors_before_init():
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.get_rank()
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.all_reduce(tg.ones(2))
    with pytest.raises(ValueError, match="backend 'nccl' is not available"):
        dist.init_process_group("nccl")
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        tg.nn.parallel.DistributedDataParallel(tg.nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="Requires distributed package"):
        DistributedSampler(range(4))
    assert not dist.is_initialized()


def test_launcher_command(tmp_path):
    cmd = launcher.build_command(4, "train.py", ["--lr", "0.1"], hostfile="hosts", mpiexec="/x/mpiexec")
    assert cmd == ["/x/mpiexec", "-n", "4", "-f", "hosts", sys.executable, "train.py", "--lr", "0.1"]
    with pytest.raises(ValueError, match="positive number of ranks"):
        launcher.build_command(0, "train.py", [], mpiexec="/x/mpiexec")


# ------------------------------------------------------------------------------------ DistributedSampler
try:
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
except ImportError:  # pragma: no cover - PyTorch is only for cross-checking
    TorchSampler = None
needs_torch = pytest.mark.skipif(TorchSampler is None, reason="PyTorch not installed (make install-torch)")
CASES = [(n, r, drop) for n in (1, 2, 3, 7, 10, 12) for r in (1, 2, 3, 4) for drop in (False, True)
         if not (drop and n < r)]


@needs_torch
@pytest.mark.parametrize("n,replicas,drop_last", CASES)
def test_sampler_without_shuffle_equals_torch(n, replicas, drop_last):
    for rank in range(replicas):
        ours = DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


@needs_torch
@pytest.mark.parametrize("n,replicas,drop_last", CASES)
def test_sampler_with_shuffle_splits_like_torch(n, replicas, drop_last):
    """The permutation comes from our generator, not torch's, so the orders differ; the split is
    the same: equal shares, how many indices each rank gets, which are padded duplicates, and
    every rank computing the same permutation, so the shares never overlap."""
    for epoch in (0, 3):
        ours = [DistributedSampler(range(n), replicas, r, shuffle=True, seed=5, drop_last=drop_last)
                for r in range(replicas)]
        theirs = [TorchSampler(range(n), replicas, r, shuffle=True, seed=5, drop_last=drop_last)
                  for r in range(replicas)]
        for s in ours + theirs:
            s.set_epoch(epoch)
        a, b = [list(s) for s in ours], [list(s) for s in theirs]
        assert [len(x) for x in a] == [len(x) for x in b]
        flat_a, flat_b = sum(a, []), sum(b, [])
        assert len(set(flat_a)) == len(set(flat_b))               # distinct samples seen this epoch
        assert len(flat_a) - len(set(flat_a)) == len(flat_b) - len(set(flat_b))   # padded repeats
        if not drop_last and n >= replicas:
            assert set(flat_a) == set(range(n))                   # everything is seen
        perm = [None] * len(flat_a)                               # interleave back: the one permutation
        for r, share in enumerate(a):
            perm[r::replicas] = share
        head = perm[:min(n, len(perm))]
        assert len(set(head)) == len(head)                        # its first n are all different


def test_sampler_set_epoch_reshuffles_reproducibly():
    s = DistributedSampler(range(50), 2, 0, seed=1)
    first = list(s)
    assert list(s) == first
    s.set_epoch(1)
    second = list(s)
    assert second != first
    s.set_epoch(0)
    assert list(s) == first
    assert list(DistributedSampler(range(50), 2, 0, seed=2)) != first


def test_sampler_rejects_a_bad_rank():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
