"""``tinygrad_edu.distributed``: data-parallel training over MPI, with ``torch.distributed``'s names.

    import tinygrad_edu.distributed as dist
    dist.init_process_group("mpi")            # run with: mpiexec -n 2 python script.py
    t = torch.tensor([float(dist.get_rank())])
    dist.all_reduce(t)                        # every rank now holds 0 + 1 = 1

Importing this package needs nothing beyond NumPy; ``init_process_group`` imports mpi4py (install
the ``dist`` extra: ``pip install 'tinygrad_edu[dist]'``). Launch with ``mpiexec -n N python
script.py`` or ``python -m tinygrad_edu.distributed.run -n N script.py``.
"""
from .process_group import (DistBackendError, DistError, destroy_process_group, get_backend, get_rank,
                            get_world_size, init_process_group, is_available, is_initialized)
from .collectives import (ReduceOp, Work, all_gather, all_gather_object, all_reduce, barrier, broadcast,
                          gather, reduce, scatter)

__all__ = ["init_process_group", "destroy_process_group", "is_available", "is_initialized", "get_rank",
           "get_world_size", "get_backend", "barrier", "all_reduce", "broadcast", "all_gather", "reduce",
           "gather", "scatter", "all_gather_object", "ReduceOp", "Work", "DistError", "DistBackendError"]
