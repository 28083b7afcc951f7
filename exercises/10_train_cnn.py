"""Exercise 10 · 작은 CNN을 손글씨 숫자로 학습하기 (train a small CNN on the digits)

[한국어]
CNN은 "convolution layer", "Pooling layer", "FC layer" 순서로 진행됩니다. 8x8 손글씨 숫자
(scikit-learn의 digits, 학습용 1,438장 / 시험용 359장)로 작은 CNN을 학습해, 학습 때 보지 않은
시험용 숫자의 **90% 이상**을 맞히세요.
1. `build_model()`: (Conv2d → ReLU → MaxPool2d)를 한두 번 반복한 뒤 Flatten → Linear(…, 10)인
   모델을 반환하세요. 입력은 N x 1 x 8 x 8, 출력은 N x 10 (숫자 0~9의 점수)입니다.
2. `train(model, images, labels)`: mini-batch로 섞어 가며 학습하고, epoch마다의 평균 손실을 리스트로
   반환하세요. 한 step은 순전파 → `optimizer.zero_grad()` → `loss.backward()` (역전파) →
   `optimizer.step()` 입니다. 손실은 `F.cross_entropy`, optimizer는 `torch.optim.SGD`나 `Adam`.
3. `accuracy(model, images, labels)`: 가장 높은 점수의 숫자가 정답인 비율 (0~1의 float).
채점기는 `torch.manual_seed(0)` 뒤에 학습시키고, 시험용 숫자로 정확도를 직접 셉니다. 학습은
120초 안에 끝나야 합니다 (참고 답안은 한가한 CPU 코어에서 2초 정도).

[English]
A CNN runs convolution, pooling, then fully connected layers. Train a small one on the 8x8
handwritten digits (scikit-learn's, 1,438 for training, 359 held out) to get **at least 90 %** of
the held-out digits right.
1. `build_model()`: (Conv2d -> ReLU -> MaxPool2d) once or twice, then Flatten -> Linear(..., 10).
   Input N x 1 x 8 x 8, output N x 10 (a score per digit).
2. `train(model, images, labels)`: shuffled mini-batches; return the mean loss of each epoch.
   A step is forward -> `optimizer.zero_grad()` -> `loss.backward()` -> `optimizer.step()`, with
   `F.cross_entropy` and `torch.optim.SGD` or `Adam`.
3. `accuracy(model, images, labels)`: the fraction (0 to 1) whose highest score is the right digit.
The checker seeds with `torch.manual_seed(0)`, trains, and counts the held-out accuracy itself.
train() must finish within 120 s (the reference solution takes about 2 s on an idle CPU core).

Check:  python -m tinygrad_edu.exercises check 10
"""
import tinygrad_edu as torch
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F


def build_model() -> nn.Module:
    """(conv -> ReLU -> max pool) x 2 -> fully connected, for 1 x 8 x 8 digits."""
    # TODO
    raise NotImplementedError("build_model")


def train(model, images, labels, epochs: int = 4, batch_size: int = 64, lr: float = 0.02) -> list:
    """Mini-batch training; returns the mean loss of each epoch."""
    # TODO: for each epoch: order = torch.randperm(n); for each batch idx = order[start:start + batch_size] ...
    raise NotImplementedError("train")


def accuracy(model, images, labels) -> float:
    """The fraction of images whose highest score is the right digit."""
    # TODO: model.eval(), torch.no_grad(), argmax(dim=1)
    raise NotImplementedError("accuracy")
