"""Optimizers (``SGD``, ``Adam``, ``AdamW``, ``RMSprop``, ``Adagrad``) and learning-rate schedulers
(``optim.lr_scheduler``), with PyTorch's names, arguments and update formulas."""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW
from .rmsprop import RMSprop
from .adagrad import Adagrad

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
from . import lr_scheduler  # noqa: E402

# --- PyTorch breadth (issue 14) ---
from .adadelta import Adadelta  # noqa: E402
from .adamax import Adamax  # noqa: E402
from .nadam import NAdam  # noqa: E402
from .radam import RAdam  # noqa: E402
from .lbfgs import LBFGS  # noqa: E402
__all__ += ["Adadelta", "Adamax", "NAdam", "RAdam", "LBFGS"]
