"""Exercise 05 · ReLU와 Max pooling의 역전파 (ReLU and MaxPool2d Functions with backward)

[한국어]
ReLU(x) = max(0, x)는 x가 0보다 크면 기울기가 1인 직선, 0보다 작으면 0인 함수입니다. 0보다 큰 곳에서
미분값이 1이라 sigmoid의 Vanishing Gradient Problem을 완화하지만, 0보다 작은 곳에서는 뉴런이 죽을 수
있습니다.
max pooling은 학습할 parameter가 없고, channel별로 독립적으로 시행됩니다
(입력 N x C x H x W → 출력 N x C x OH x OW). 정해진 filter 크기의 window를 가장 큰 값 1개로 줄입니다.
1. `ReLU(Function)`: forward와 backward를 구현하세요. 규칙: x = 0에서의 미분값은 0으로 정합니다
   (PyTorch와 같음).
2. `MaxPool2d(Function)`: `forward(ctx, x, kernel_size, stride)`와 `backward(ctx, grad)`를 구현하세요.
   역전파에서 각 window의 기울기는 최댓값이 있던 자리로만 갑니다. 동점 규칙(tie rule): window 안에
   최댓값이 여럿이면 window를 행 순서(왼쪽 위부터 한 줄씩)로 읽었을 때 처음 나온 자리가 기울기를
   모두 받습니다. window가 겹치면(kernel 3, stride 2) 한 입력이 여러 window의 기울기를 받으니 더해야 합니다.
   backward는 forward의 인자마다 하나씩 돌려줍니다: `return dx, None, None`.
채점기는 finite differences, gradcheck, 라이브러리의 `F.relu`, `F.max_pool2d`와 비교합니다.

[English]
ReLU(x) = max(0, x) has slope 1 for x > 0, which eases the vanishing gradient of sigmoid, and
slope 0 for x < 0, where units can die. Max pooling has no parameters and works on each channel
on its own (N x C x H x W -> N x C x OH x OW), keeping the largest value of each window.
1. `ReLU(Function)`: forward and backward. Rule: the derivative at x = 0 is taken as 0 (as in PyTorch).
2. `MaxPool2d(Function)`: `forward(ctx, x, kernel_size, stride)` and `backward(ctx, grad)`.
   Each window's gradient goes only to the position of its maximum. Tie rule: when several
   positions share the maximum, the first one, reading the window row by row from the top left,
   gets all of it. Overlapping windows (kernel 3, stride 2) send several gradients to one input:
   add them. backward returns one value per forward argument: `return dx, None, None`.
Checked against finite differences, gradcheck, and the library's `F.relu` and `F.max_pool2d`.

Check:  python -m tinygrad_edu.exercises check 05
"""
import numpy as np

from tinygrad_edu.autograd import Function


class ReLU(Function):
    @staticmethod
    def forward(ctx, x):
        # TODO: compute on x.array, save what backward needs
        raise NotImplementedError("ReLU.forward")

    @staticmethod
    def backward(ctx, grad):
        # TODO: the gradient passes where x > 0 and is 0 elsewhere (x = 0 included)
        raise NotImplementedError("ReLU.backward")


class MaxPool2d(Function):
    @staticmethod
    def forward(ctx, x, kernel_size, stride):
        """x.array is N x C x H x W; return the N x C x OH x OW array of window maxima."""
        # TODO: loop over output positions (i, j); a window is a[:, :, i*s:i*s+k, j*s:j*s+k].
        #       Remember, for backward, where each maximum was (np.argmax of the window flattened
        #       row by row returns the FIRST maximum: that is the tie rule).
        raise NotImplementedError("MaxPool2d.forward")

    @staticmethod
    def backward(ctx, grad):
        """grad.array is N x C x OH x OW; return (dx, None, None) with dx shaped like x."""
        # TODO
        raise NotImplementedError("MaxPool2d.backward")
