"""Run under ``mpiexec -n 2``: rank 1 fails while rank 0 waits in an all_reduce.

``python fail_rank.py raise``: rank 1 raises ValueError; ``... kill``: rank 1 kills itself (SIGKILL);
``... hang``: rank 1 sleeps past the timeout. Rank 0 must stop with an error naming rank 1 (or be
ended by mpiexec), never hang."""
import os
import signal
import sys
import time


def main(mode: str):
    import tinygrad_edu as torch
    import tinygrad_edu.distributed as dist

    dist.init_process_group("mpi")
    t = torch.ones(4)
    dist.all_reduce(t)                       # everyone is here once
    if dist.get_rank() == 1:
        time.sleep(0.3)                      # rank 0 is waiting in the next all_reduce by now
        if mode == "raise":
            raise ValueError("a bug in rank 1's data")
        if mode == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if mode == "hang":
            time.sleep(60)
    dist.all_reduce(t)
    print(f"rank {dist.get_rank()} finished, which it should not have", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
