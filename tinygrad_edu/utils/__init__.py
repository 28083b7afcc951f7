"""Utilities: data loading, datasets, images, checkpoints, model summaries."""
from . import data  # noqa: F401,E402 (tinygrad_edu.utils.data.DataLoader, as in torch)
