"""Exercise 02 · 반복문으로 합성곱 (convolution by loops)

[한국어]
2D-convolution은 고정된 크기의 커널(kernel)을 일정 크기만큼 이동해 가며 적용합니다. 각 위치에서
커널과 그 아래 window의 Frobenius inner product(원소끼리 곱해서 모두 더한 값)를 계산합니다:

    [f * g](i, j) = Σ_{p,q} f(p, q) g(i+p, j+q)

1. `zero_pad(image, P)`: 2차원 이미지 주위에 0으로 채운 줄을 P개씩 둘러 주세요.
2. `conv2d_loops(image, kernel, padding, stride)`: for 반복문으로 합성곱을 계산하세요
   (NumPy의 원소별 곱과 `sum`은 써도 되지만, 라이브러리의 convolution은 쓰지 마세요).
강의의 예제(5x5 이미지, 3x3 커널, padding 1, stride 1)의 결과가 강의 슬라이드의 feature map과
같아야 하고, 임의의 입력에서는 `F.conv2d`와 같아야 합니다.
출력 크기는 연습 01의 OW = (W + 2P - FW) / S + 1 (내림)입니다.

[English]
A 2-D convolution slides a fixed kernel over the image; at each position it takes the
Frobenius inner product of the kernel with the window under it (multiply elementwise, add up).
1. `zero_pad(image, P)`: surround a 2-D image with P rings of zeros.
2. `conv2d_loops(image, kernel, padding, stride)`: compute the convolution with for loops
   (NumPy's elementwise product and `sum` are fine; the library's convolution is not).
On the deck's example (5x5 image, 3x3 kernel, padding 1, stride 1) the result must equal the
slide's feature map; on random inputs it must equal `F.conv2d`. The output size is exercise 01's
formula, rounded down.

Check:  python -m tinygrad_edu.exercises check 02
"""
import numpy as np


def zero_pad(image: np.ndarray, P: int) -> np.ndarray:
    """A (H + 2P) x (W + 2P) copy of the 2-D ``image`` with zeros around it."""
    # TODO
    raise NotImplementedError("zero_pad")


def conv2d_loops(image: np.ndarray, kernel: np.ndarray, padding: int = 0, stride: int = 1) -> np.ndarray:
    """The 2-D cross-correlation of ``image`` (H x W) with ``kernel`` (FH x FW)."""
    # TODO: pad, work out OH and OW, then fill out[i, j] with the inner product of the kernel and
    #       the window whose top-left corner is at (i * stride, j * stride).
    raise NotImplementedError("conv2d_loops")
