"""``tinygrad_edu.nn.functional`` (import it as ``F``): every op a layer uses, as a function.

Layers in ``nn`` own parameters and call these; the math lives in ``ops/``.
"""
from __future__ import annotations

from ..ops.activation import *  # noqa: F401,F403  relu, sigmoid, softmax, ...
from ..ops.conv import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,  # noqa: F401
                        conv_transpose3d)
from ..ops.dropout import dropout, dropout2d  # noqa: F401
from ..ops.loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,  # noqa: F401
                        huber_loss, l1_loss, mse_loss, nll_loss, smooth_l1_loss)
from ..ops.normalization import batch_norm, group_norm, layer_norm, local_response_norm  # noqa: F401
from ..ops.output_size import conv_output_size  # noqa: F401
from ..ops.padding import pad  # noqa: F401
from ..ops.pooling import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d,  # noqa: F401
                           adaptive_max_pool1d, adaptive_max_pool2d, avg_pool1d, avg_pool2d, avg_pool3d,
                           max_pool1d, max_pool2d, max_pool3d)
from ..ops.shape import flatten  # noqa: F401
from ..ops.linalg import linear  # noqa: F401
from ..ops.sparse import embedding, one_hot  # noqa: F401
from ..ops.upsampling import interpolate  # noqa: F401
