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

# --- sequence models (issue 17) ---
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase  # noqa: E402
from .attention import MultiheadAttention  # noqa: E402
from .transformer import TransformerEncoder, TransformerEncoderLayer  # noqa: E402
from .utils import rnn as _rnn_utils  # noqa: E402,F401  (makes nn.utils.rnn an attribute)

__all__ += ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell",
            "MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder"]

# --- PyTorch breadth (issue 14) ---
from .more_activations import (CELU, GLU, Hardshrink, Hardsigmoid, Hardswish, LogSigmoid, Mish, PReLU,  # noqa: E402
                               SELU, Softmin, Softshrink, Softsign, Tanhshrink, Threshold)
from .padding import (CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d, ConstantPad2d,  # noqa: E402
                      ConstantPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d,
                      ReplicationPad2d, ReplicationPad3d, ZeroPad1d, ZeroPad2d, ZeroPad3d)
from .pixelshuffle import PixelShuffle, PixelUnshuffle  # noqa: E402
from .fold import Fold, Unfold  # noqa: E402
from .distance import CosineSimilarity, PairwiseDistance  # noqa: E402
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d  # noqa: E402
from .more_losses import CosineEmbeddingLoss, KLDivLoss, MarginRankingLoss, TripletMarginLoss  # noqa: E402
from .unpooling import LPPool1d, LPPool2d, LPPool3d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d  # noqa: E402
from .bilinear import AlphaDropout, Bilinear, EmbeddingBag  # noqa: E402
__all__ += ["CELU", "GLU", "Hardshrink", "Hardsigmoid", "Hardswish", "LogSigmoid", "Mish", "PReLU", "SELU", "Softmin",
            "Softshrink", "Softsign", "Tanhshrink", "Threshold",
            "CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
            "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
            "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "PixelShuffle", "PixelUnshuffle",
            "Fold", "Unfold", "CosineSimilarity", "PairwiseDistance", "InstanceNorm1d", "InstanceNorm2d",
            "InstanceNorm3d", "CosineEmbeddingLoss", "KLDivLoss", "MarginRankingLoss", "TripletMarginLoss",
            "LPPool1d", "LPPool2d", "LPPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d",
            "AlphaDropout", "Bilinear", "EmbeddingBag"]
from .lazy import (LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyConv1d, LazyConv2d, LazyConv3d,  # noqa: E402
                   LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d, LazyInstanceNorm1d,
                   LazyInstanceNorm2d, LazyInstanceNorm3d, LazyLinear, UninitializedParameter)
__all__ += ["LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyConv1d", "LazyConv2d", "LazyConv3d",
            "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyInstanceNorm1d",
            "LazyInstanceNorm2d", "LazyInstanceNorm3d", "LazyLinear", "UninitializedParameter"]
# --- data parallel (issue 16) ---
from . import parallel  # noqa: F401,E402 (nn.parallel.DistributedDataParallel)
