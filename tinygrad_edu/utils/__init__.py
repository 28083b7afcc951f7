"""Utilities: data loading, datasets, images, checkpoints, model summaries."""
