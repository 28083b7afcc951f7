"""Neural-network layers (filled in by the nn module work)."""
from . import functional  # noqa: F401
