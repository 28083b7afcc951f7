"""``tinygrad_edu.nn``: layers, containers and losses with PyTorch's names, plus ``functional``
(the math, as functions), ``init`` (weight initialisation) and ``utils`` (gradient clipping).

    from tinygrad_edu import nn
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
"""
from . import functional  # noqa: F401
from .parameter import Buffer, Parameter
from .module import Module, RemovableHandle
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .linear import Identity, Linear
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d,
                      AdaptiveMaxPool2d, AvgPool1d, AvgPool2d, AvgPool3d, MaxPool1d, MaxPool2d, MaxPool3d)
from .activation import (ELU, GELU, Hardtanh, LeakyReLU, LogSoftmax, ReLU, ReLU6, SiLU, Sigmoid, Softmax,
                         Softplus, Tanh)
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, LayerNorm, LocalResponseNorm
from .dropout import Dropout, Dropout2d
from .flatten import Flatten, Unflatten
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss, NLLLoss,
                   SmoothL1Loss)
from .sparse import Embedding
from .upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from . import init, utils  # noqa: F401,E402

__all__ = [
    "Buffer", "Parameter", "Module", "RemovableHandle",
    "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict",
    "Identity", "Linear",
    "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
    "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
    "ReLU", "ReLU6", "LeakyReLU", "ELU", "GELU", "SiLU", "Softplus", "Hardtanh", "Sigmoid", "Tanh",
    "Softmax", "LogSoftmax",
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "LocalResponseNorm",
    "Dropout", "Dropout2d", "Flatten", "Unflatten",
    "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss",
    "BCEWithLogitsLoss",
    "functional", "init", "utils",
]
__all__ += ["Embedding", "GroupNorm", "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]
