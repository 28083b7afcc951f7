"""Exercise 06 · Conv2d의 역전파 (Conv2d backward: input and weight gradients)

[한국어]
convolution layer는 filter와 bias를 학습합니다. 학습하려면 손실의 filter에 대한 기울기가 필요하고,
앞 층으로 역전파하려면 입력에 대한 기울기도 필요합니다.
forward는 연습 03의 방법(im2col + 행렬곱 한 번)으로 이미 구현되어 있습니다:

    col = im2col(x)                 (N*OH*OW) x (C*FH*FW)
    out = col @ Wm + b              Wm = w.reshape(FN, -1).T,  (C*FH*FW) x FN

행렬곱 Y = X @ W 의 역전파는 dX = dY @ W.T, dW = X.T @ dY 입니다. 이것으로 `backward`를 완성하세요:
- db: 출력 위치마다 bias가 한 번씩 더해졌으니, 기울기를 N, OH, OW에 대해 모두 더합니다.
- dw: col.T @ dout 은 (C*FH*FW) x FN 모양입니다. w는 FN x C x FH x FW이므로 **전치(transpose)한 뒤**
  reshape해야 합니다 (전치하지 않고 reshape하면 모양은 맞아도 값이 틀립니다).
- dx: dout @ Wm.T 로 col의 기울기를 구하고 `col2im`으로 이미지 모양에 되돌립니다 (겹치는 window의
  기울기는 더해집니다).
`return dx, dw, db, None, None` (forward의 인자 x, w, b, stride, pad 순서).
채점기는 finite differences(수치 미분), gradcheck, 라이브러리의 `F.conv2d`와 비교합니다.

[English]
A conv layer learns its filters and bias: training needs the loss's gradient with respect to the
filters, and back-propagation to earlier layers needs the gradient with respect to the input.
forward is written for you, the way of exercise 03 (im2col, then one matrix product). The
backward of Y = X @ W is dX = dY @ W.T and dW = X.T @ dY. Complete `backward`:
- db: the bias was added at every output position, so sum the gradient over N, OH and OW;
- dw: col.T @ dout is (C*FH*FW) x FN; w is FN x C x FH x FW, so **transpose, then reshape**
  (reshaping without the transpose gives the right shape and wrong numbers);
- dx: dout @ Wm.T is the gradient of col; `col2im` folds it back into an image, adding the
  gradients of overlapping windows.
Return `dx, dw, db, None, None` (one per forward argument x, w, b, stride, pad).
Checked against finite differences, gradcheck and the library's `F.conv2d`.

Check:  python -m tinygrad_edu.exercises check 06
"""
import numpy as np

from tinygrad_edu.autograd import Function


def im2col(x, FH, FW, stride, pad):
    """(N, C, H, W) -> (N*OH*OW, C*FH*FW): one window per row (given; exercise 03)."""
    N, C, H, W = x.shape
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    OH, OW = (H + 2 * pad - FH) // stride + 1, (W + 2 * pad - FW) // stride + 1
    cols = np.zeros((N, C, FH, FW, OH, OW), dtype=x.dtype)
    for p in range(FH):
        for q in range(FW):
            cols[:, :, p, q] = x[:, :, p:p + stride * OH:stride, q:q + stride * OW:stride]
    return cols.transpose(0, 4, 5, 1, 2, 3).reshape(N * OH * OW, C * FH * FW)


def col2im(cols, x_shape, FH, FW, stride, pad):
    """The reverse of im2col for gradients: add each row back onto its window (given)."""
    N, C, H, W = x_shape
    OH, OW = (H + 2 * pad - FH) // stride + 1, (W + 2 * pad - FW) // stride + 1
    cols = cols.reshape(N, OH, OW, C, FH, FW).transpose(0, 3, 4, 5, 1, 2)
    out = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for p in range(FH):
        for q in range(FW):
            out[:, :, p:p + stride * OH:stride, q:q + stride * OW:stride] += cols[:, :, p, q]
    return out[:, :, pad:pad + H, pad:pad + W]


class Conv2d(Function):
    @staticmethod
    def forward(ctx, x, w, b, stride=1, pad=0):
        """x: N x C x H x W, w: FN x C x FH x FW, b: FN  ->  N x FN x OH x OW (given)."""
        xa, wa = x.array, w.array
        N, C, H, W = xa.shape
        FN, _, FH, FW = wa.shape
        OH, OW = (H + 2 * pad - FH) // stride + 1, (W + 2 * pad - FW) // stride + 1
        col = im2col(xa, FH, FW, stride, pad)
        Wm = wa.reshape(FN, -1).T
        ctx.col, ctx.Wm, ctx.x_shape, ctx.w_shape, ctx.stride, ctx.pad = col, Wm, xa.shape, wa.shape, stride, pad
        out = col @ Wm + b.array
        return out.reshape(N, OH, OW, FN).transpose(0, 3, 1, 2)

    @staticmethod
    def backward(ctx, grad):
        """grad.array is N x FN x OH x OW; return dx, dw, db, None, None."""
        # TODO: dout = grad.array laid out as (N*OH*OW, FN) (the reverse of forward's last line),
        #       then db, dw (transpose before the reshape!) and dx (with col2im).
        raise NotImplementedError("Conv2d.backward")
