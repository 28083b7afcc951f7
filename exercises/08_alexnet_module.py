"""Exercise 08 · 과제 2: AlexNet model의 코드 구현하기 (assignment 2: implement AlexNet)

[한국어]
CNN은 convolution layer와 max pooling layer가 반복된 후 fully-connected layer가 등장하는 구조입니다.
AlexNet을 `nn.Module`로 구현하고, summary로 전체 모델 구조를 보이고, 주석으로 간단히 설명하세요.
- `VARIANT`로 어떤 AlexNet을 만들지 고릅니다 (연습 07과 같은 세 가지). 기본값 "single-tower":
  conv1 11x11/stride 4, 96개 → ReLU → max pool 3x3/stride 2
  conv2 5x5/padding 2, 256개 → ReLU → max pool 3x3/stride 2
  conv3 3x3/padding 1, 384개 → ReLU, conv4 3x3/padding 1, 384개 → ReLU,
  conv5 3x3/padding 1, 256개 → ReLU → max pool 3x3/stride 2
  flatten (256 x 6 x 6 = 9216) → Dropout → fc6 4096 → ReLU → Dropout → fc7 4096 → ReLU → fc8 1000.
  입력은 3 x 227 x 227입니다 ("torchvision"은 3 x 224 x 224, conv1에 padding 2).
  "original"은 conv2/4/5에 `groups=2`를 씁니다 (두 GPU), LocalResponseNorm은 넣어도 되고 빼도 됩니다
  (parameter가 없습니다).
- `self.features` (conv 부분)와 `self.classifier` (fully connected 부분)로 나누고 `forward`를 쓰세요.
- `show_summary(model)`: `tinygrad_edu.summary(model, (1, 3, 227, 227))`로 표를 출력하세요.
채점기는 layer마다 parameter 수(연습 07의 손 계산), conv와 pooling 뒤의 feature map 크기, forward의
출력 모양 (1, 1000), summary 출력을 확인합니다.

[English]
A CNN repeats convolution and max pooling, then ends in fully connected layers. Implement AlexNet
as an `nn.Module`, show the whole structure with a summary, and explain it briefly in comments.
- `VARIANT` picks the AlexNet (the three of exercise 07); the default "single-tower" is listed
  above: inputs are 3 x 227 x 227 ("torchvision": 3 x 224 x 224 with padding 2 on conv1;
  "original": `groups=2` on conv2/4/5, LocalResponseNorm optional, it has no parameters).
- Split it into `self.features` (the conv part) and `self.classifier` (the fully connected
  part), and write `forward`.
- `show_summary(model)`: print the table with `tinygrad_edu.summary(model, (1, 3, 227, 227))`.
The checker compares each layer's parameters with exercise 07's hand count, the maps after every
conv and pooling layer, the forward output's shape (1, 1000), and the printed summary.

Check:  python -m tinygrad_edu.exercises check 08
"""
import tinygrad_edu as torch
import tinygrad_edu.nn as nn

VARIANT = "single-tower"   # or "original", "torchvision"


class AlexNet(nn.Module):
    def __init__(self, num_classes: int = 1000):
        super().__init__()
        # TODO: self.features = nn.Sequential(...)   (conv -> ReLU -> pool, ...; comment each line)
        #       self.classifier = nn.Sequential(...) (Dropout, Linear, ReLU, ...)
        raise NotImplementedError("AlexNet.__init__")

    def forward(self, x):
        # TODO: features -> flatten (torch.flatten(x, 1)) -> classifier
        raise NotImplementedError("AlexNet.forward")


def show_summary(model) -> None:
    """Print the whole model's structure with tinygrad_edu.summary."""
    # TODO
    raise NotImplementedError("show_summary")
