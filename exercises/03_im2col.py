"""Exercise 03 · im2col: 여러 채널, 여러 filter의 합성곱을 행렬곱 한 번으로 (im2col + one matmul)

[한국어]
3차원 텐서의 합성곱에서는 filter와 그 filter에 대응하는 tensor를 내적하여 나온 스칼라 값들로 하나의
행렬을 만듭니다. 항상 input data의 channel 수와 filter의 차원 수는 같아야 합니다. filter를 FN개 쓰면
출력 map도 FN개이고, batch(N장)를 넣으면 입력은 N x C x H x W, 출력은 N x FN x OH x OW인
4차원 텐서가 됩니다.
반복문을 돌며 window마다 내적하는 대신, 모든 window를 한 행씩 펼쳐 하나의 행렬로 만들면(im2col)
합성곱 전체가 행렬곱 한 번이 됩니다.
1. `im2col(x, FH, FW, stride, pad)`: 입력 x (N x C x H x W)의 window 하나를 한 행으로 펼친
   (N*OH*OW) x (C*FH*FW) 행렬을 반환하세요. 행 순서는 (n, i, j), 열 순서는 (c, p, q)입니다.
2. `conv2d_im2col(x, w, b, stride, pad)`: w (FN x C x FH x FW)를 (C*FH*FW) x FN 행렬로 바꾸고,
   `im2col(...) @ W + b` 행렬곱 한 번으로 계산한 뒤 N x FN x OH x OW로 되돌리세요.
결과는 `F.conv2d`와 같아야 합니다.

[English]
With a 3-D input each filter spans all C channels (its depth equals the input's channels) and
gives one output map; FN filters give FN maps; a batch of N images makes the input N x C x H x W
and the output N x FN x OH x OW. Instead of looping over windows, lay every window out as one
row of a matrix (im2col): the whole convolution becomes a single matrix product.
1. `im2col(x, FH, FW, stride, pad)`: return the (N*OH*OW) x (C*FH*FW) matrix whose rows are the
   flattened windows of x (N x C x H x W), rows in (n, i, j) order, columns in (c, p, q) order.
2. `conv2d_im2col(x, w, b, stride, pad)`: reshape w (FN x C x FH x FW) into a (C*FH*FW) x FN
   matrix, compute `im2col(...) @ W + b` in one product, and reshape to N x FN x OH x OW.
The result must equal `F.conv2d`.

Check:  python -m tinygrad_edu.exercises check 03
"""
import numpy as np


def im2col(x: np.ndarray, FH: int, FW: int, stride: int = 1, pad: int = 0) -> np.ndarray:
    """Every FH x FW window of every image, one window per row: (N*OH*OW, C*FH*FW)."""
    # TODO: pad H and W with np.pad, then copy each window x[n, :, i*stride:i*stride+FH, j*stride:j*stride+FW]
    #       into its row (or, faster: loop over the FH*FW kernel positions and copy strided slices).
    raise NotImplementedError("im2col")


def conv2d_im2col(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0) -> np.ndarray:
    """Convolution of x (N x C x H x W) with FN filters w (FN x C x FH x FW) plus bias b (FN,)."""
    # TODO: one matrix product, then reshape (N*OH*OW, FN) -> (N, OH, OW, FN) -> transpose to (N, FN, OH, OW).
    raise NotImplementedError("conv2d_im2col")
