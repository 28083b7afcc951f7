"""Exercise 01 · 출력 크기 (output size)

[한국어]
convolution filter를 통과하면 입력 이미지에 비해 크기가 작아집니다. padding은 크기를 유지하고,
stride를 크게 하면 output의 크기는 작아집니다. 강의의 공식

    OW = (W + 2P - FW) / S + 1

(W: 입력 가로 해상도, P: padding 줄 수, FW: filter 가로 해상도, S: stride, OW: 출력 가로 해상도)
을 `conv_output_size(W, FW, P, S)`로 구현하세요.
- 강의의 예: 5x5 이미지, 3x3 filter, padding 1, stride 1 → 5x5 feature map.
- 강의의 세 그림: 3x3/padding 0/stride 1, 4x4/padding 2/stride 1, 3x3/padding 1/stride 2.
- 나누어떨어지지 않을 때(예: W=6, FW=3, P=0, S=2)는 내림합니다: 밖으로 삐져나가는 마지막 window는 버립니다.
- filter가 padding한 입력보다 크면 `ValueError`를 내세요.
반환값은 int여야 합니다.

[English]
A convolution shrinks its input unless it is padded; a larger stride shrinks it more. Implement
the lecture's formula (W input width, P padding, FW filter width, S stride, OW output width) as
`conv_output_size(W, FW, P, S)`:
- the lecture's example: a 5x5 image, 3x3 filter, padding 1, stride 1 gives a 5x5 feature map;
- the deck's three pictures: 3x3/pad 0/stride 1, 4x4/pad 2/stride 1, 3x3/pad 1/stride 2;
- when the division is not exact (W=6, FW=3, P=0, S=2) round down: a last window that would
  stick out of the padded input is dropped;
- raise `ValueError` when the filter is wider than the padded input.
Return an int.

Check:  python -m tinygrad_edu.exercises check 01
"""


def conv_output_size(W: int, FW: int, P: int, S: int) -> int:
    """The output width of a convolution (or pooling) window sliding over W pixels."""
    # TODO: raise ValueError if the filter does not fit, then apply the formula, rounding down.
    raise NotImplementedError("conv_output_size")
