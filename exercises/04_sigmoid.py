"""Exercise 04 · Sigmoid Function과 역전파 (a Sigmoid Function with backward)

[한국어]
sigmoid는 x의 값에 따라 0 ~ 1의 값을 출력하는 S자 형태의 함수입니다:

    sigmoid(x) = 1 / (1 + e^-x)

1. `Sigmoid(Function)`의 `forward(ctx, x)`와 `backward(ctx, grad)`를 구현하세요.
   forward는 NumPy 배열(`x.array`)로 계산하고, backward에 필요한 값을 `ctx.save_for_backward`로 저장합니다.
   backward는 연쇄 법칙(chain rule)에 따라 들어온 기울기 `grad`에 국소 미분 dy/dx를 곱해 반환합니다.
   (힌트: y = sigmoid(x)이면 dy/dx를 y로만 쓸 수 있습니다.)
2. `sigmoid_derivative(x)`: NumPy 배열 x에서의 도함수 값을 반환하세요.
3. `largest_derivative()`: 도함수가 가장 큰 x와 그 값을 `(x, 값)`으로 반환하세요.
강의: "Sigmoid 도함수 그래프를 보면 미분 계수의 최대값이 0.25로 1보다 작기에 back-propagation을
계산하는 과정에서 미분값이 계속 곱해져 ... Vanishing Gradient Problem이 발생한다."
채점기는 finite differences(수치 미분), gradcheck, Hypothesis가 고른 입력으로 확인합니다.

[English]
Sigmoid squashes x into (0, 1) with an S-shaped curve.
1. Implement `forward(ctx, x)` and `backward(ctx, grad)` of `Sigmoid(Function)`. forward works on
   the NumPy array `x.array` and keeps what backward needs with `ctx.save_for_backward`;
   backward returns the incoming gradient times the local derivative dy/dx (the chain rule).
   Hint: with y = sigmoid(x), dy/dx can be written in terms of y alone.
2. `sigmoid_derivative(x)`: the derivative at each element of a NumPy array x.
3. `largest_derivative()`: return `(x, value)` where the derivative is largest.
The lecture: the derivative never exceeds 0.25 < 1, so back-propagation multiplies gradients by
small numbers layer after layer, and deep sigmoid networks suffer from vanishing gradients.
The checker compares with finite differences, gradcheck, and inputs drawn by Hypothesis.

Check:  python -m tinygrad_edu.exercises check 04
"""
import numpy as np

from tinygrad_edu.autograd import Function


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        """x is a Tensor; compute on x.array and return a NumPy array."""
        # TODO
        raise NotImplementedError("Sigmoid.forward")

    @staticmethod
    def backward(ctx, grad):
        """grad is d loss / d y (a Tensor); return d loss / d x."""
        # TODO: y, = ctx.saved_tensors ... (Tensor arithmetic keeps backward differentiable)
        raise NotImplementedError("Sigmoid.backward")


def sigmoid_derivative(x: np.ndarray) -> np.ndarray:
    """d sigmoid / dx at every element of x."""
    # TODO
    raise NotImplementedError("sigmoid_derivative")


def largest_derivative():
    """(x, value) where sigmoid's derivative is largest: scan a grid, or reason it out."""
    # TODO
    raise NotImplementedError("largest_derivative")
