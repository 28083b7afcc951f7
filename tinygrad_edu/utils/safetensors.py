"""Weights in the safetensors format (https://github.com/huggingface/safetensors), through the
``safetensors`` package (``pip install tinygrad_edu[safetensors]``).

A .safetensors file is a JSON header (names, dtypes, shapes, byte offsets) followed by the raw
bytes: like our .npz checkpoints it never runs code when loaded, and unlike them it is read by
PyTorch, JAX, Hugging Face and other tools, so weights move between libraries::

    from tinygrad_edu.utils.safetensors import save_file, load_file
    save_file(model.state_dict(), "model.safetensors")
    model.load_state_dict(load_file("model.safetensors"))
    # in PyTorch:  model.load_state_dict(safetensors.torch.load_file("model.safetensors"))

The names mirror ``safetensors.torch``: ``save_file``, ``load_file``, ``save``, ``load``,
``save_model``, ``load_model``. Only flat {name: tensor} dicts can be stored (no optimizer state:
use ``tinygrad_edu.save`` for full checkpoints).
"""
from __future__ import annotations

from typing import Dict, Optional

from ..tensor import Tensor


def _package():
    try:
        import safetensors.numpy as st  # noqa: PLC0415 (an optional dependency)
    except ImportError:
        raise ImportError("the safetensors format needs the 'safetensors' package: pip install safetensors "
                          "(or pip install tinygrad_edu[safetensors])") from None
    return st


def _arrays(tensors: Dict[str, Tensor]) -> dict:
    if not isinstance(tensors, dict):
        raise TypeError(f"safetensors: expected a dict of name -> Tensor, but got {type(tensors).__name__}")
    out = {}
    for name, t in tensors.items():
        if not isinstance(name, str):
            raise TypeError(f"safetensors: tensor names must be str, but got {type(name).__name__}")
        if not isinstance(t, Tensor):
            raise TypeError(f"safetensors: {name!r} is a {type(t).__name__}, not a Tensor (only flat dicts of "
                            f"tensors can be stored; use tinygrad_edu.save for other objects)")
        out[name] = t.detach().numpy(force=True)  # bytes on the host, in C order
    return out


def _tensors(arrays: dict, device) -> Dict[str, Tensor]:
    out = {}
    for name, a in arrays.items():
        t = Tensor._make(a.copy())  # our own writable copy
        out[name] = t if device in (None, "cpu") else t.to(device)
    return out


def save(tensors: Dict[str, Tensor], metadata: Optional[Dict[str, str]] = None) -> bytes:
    """The safetensors bytes of a {name: tensor} dict."""
    return _package().save(_arrays(tensors), metadata=metadata)


def save_file(tensors: Dict[str, Tensor], filename, metadata: Optional[Dict[str, str]] = None) -> None:
    """Write a {name: tensor} dict (a ``state_dict()``) to a .safetensors file."""
    _package().save_file(_arrays(tensors), str(filename), metadata=metadata)


def load(data: bytes, device="cpu") -> Dict[str, Tensor]:
    return _tensors(_package().load(data), device)


def load_file(filename, device="cpu") -> Dict[str, Tensor]:
    """The {name: tensor} dict stored in a .safetensors file (from this library, PyTorch or any tool)."""
    return _tensors(_package().load_file(str(filename)), device)


def save_model(model, filename, metadata: Optional[Dict[str, str]] = None) -> None:
    """``save_file(model.state_dict(), filename)``."""
    save_file(dict(model.state_dict()), filename, metadata)


def load_model(model, filename, strict: bool = True, device="cpu"):
    """Load a .safetensors file into ``model``; returns (missing_keys, unexpected_keys) as PyTorch's does."""
    result = model.load_state_dict(load_file(filename, device), strict=strict)
    return result


__all__ = ["save", "save_file", "load", "load_file", "save_model", "load_model"]
