"""``tinygrad_edu.backends``: PyTorch's device probes and switches, so tutorial code such as

    device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"

runs unchanged. There is no Apple-GPU (MPS) backend: ``mps.is_available()`` is False. The cuDNN
flags are accepted and kept (convolution here is im2col + GEMM, so they change nothing).
"""
from __future__ import annotations

from .. import backend as _backend


class mps:  # noqa: N801 (PyTorch's namespace)
    """Apple's Metal backend: not built into tinygrad_edu."""

    @staticmethod
    def is_available() -> bool:
        return False

    @staticmethod
    def is_built() -> bool:
        return False


class cudnn:  # noqa: N801
    """cuDNN switches (kept for compatibility: the GPU path is CuPy matrix products, not cuDNN)."""
    enabled = True
    benchmark = False
    deterministic = False
    allow_tf32 = True

    @staticmethod
    def is_available() -> bool:
        return _backend.cuda_is_available()

    @staticmethod
    def version():
        return None


class _Matmul:
    allow_tf32 = False
    allow_fp16_reduced_precision_reduction = True


class cuda:  # noqa: N801
    """``backends.cuda.matmul.allow_tf32`` and friends: accepted and kept."""
    matmul = _Matmul()

    @staticmethod
    def is_built() -> bool:
        return _backend.cuda_is_available()


class mkldnn:  # noqa: N801
    enabled = False

    @staticmethod
    def is_available() -> bool:
        return False


__all__ = ["mps", "cudnn", "cuda", "mkldnn"]
