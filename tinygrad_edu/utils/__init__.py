"""Utilities: data loading, datasets, images, checkpoints, model summaries."""
from . import data  # noqa: F401,E402 (tinygrad_edu.utils.data.DataLoader, as in torch)

# --- PyTorch breadth (issue 14) ---
from . import dlpack  # noqa: F401,E402 (tinygrad_edu.utils.dlpack.from_dlpack, as in torch.utils.dlpack)
