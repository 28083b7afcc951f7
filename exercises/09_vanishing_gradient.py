"""Exercise 09 · 기울기 소실 문제 (the vanishing gradient problem)

[한국어]
sigmoid 도함수의 최대값은 0.25로 1보다 작기 때문에, back-propagation에서 미분값이 계속 곱해지며
은닉층이 깊어질수록 앞쪽 층의 기울기가 사라집니다 (Vanishing Gradient Problem). ReLU는 0보다 큰
곳에서 미분값이 1이라 이 문제를 완화합니다. 직접 재 봅시다.
1. `make_net(activation, depth, width)`: `Linear(width, width)` → 활성화 함수("sigmoid"면 `nn.Sigmoid()`,
   "relu"면 `nn.ReLU()`)를 depth번 쌓은 `nn.Sequential`을 만드세요. 공정한 비교를 위해 weight는
   `nn.init.kaiming_normal_(w, nonlinearity="relu")`, bias는 `nn.init.zeros_`로 초기화합니다.
2. `layer_grad_norms(net, x)`: `net(x).sum()`을 역전파하고, 각 Linear layer 출력에 대한 기울기의
   norm을 첫 층부터 순서대로 리스트로 반환하세요. **hook**을 쓰세요: `register_forward_hook`으로 각
   Linear의 출력을 받아, 그 텐서에 `register_hook`을 걸면 역전파 때 기울기가 들어옵니다.
3. `vanishing_ratio(norms)`: 첫 층 기울기 norm / 마지막 층 기울기 norm.
채점기는 hook 없이(retain_grad로) 잰 값과 비교하고, sigmoid 층마다 기울기가 0.25 x |W| 이하로만
전달되는지, 10층 sigmoid 망의 비율이 0.001보다 작고 ReLU 망은 1 근처인지 확인합니다.

[English]
Sigmoid's derivative is at most 0.25 < 1, so back-propagation multiplies the gradient by small
numbers layer after layer, and the first layers of a deep network barely learn. ReLU's slope is
1 for x > 0, which eases this. Measure it:
1. `make_net(activation, depth, width)`: an `nn.Sequential` of depth pairs `Linear(width, width)`
   -> activation (`nn.Sigmoid()` for "sigmoid", `nn.ReLU()` for "relu"); for a fair comparison
   initialise weights with `nn.init.kaiming_normal_(w, nonlinearity="relu")` and biases with zeros.
2. `layer_grad_norms(net, x)`: back-propagate `net(x).sum()` and return the norm of the gradient
   with respect to each Linear layer's output, first layer first. Use **hooks**: a
   `register_forward_hook` on each Linear receives its output; `register_hook` on that tensor
   receives its gradient during backward.
3. `vanishing_ratio(norms)`: first layer's norm / last layer's norm.
The checker compares with norms kept by retain_grad (no hooks), checks that each sigmoid layer
passes back at most 0.25 x |W| of its gradient, and that the ratio is below 0.001 for 10 sigmoid
layers and near 1 for ReLU.

Check:  python -m tinygrad_edu.exercises check 09
"""
import tinygrad_edu as torch
import tinygrad_edu.nn as nn


def make_net(activation: str, depth: int = 10, width: int = 32) -> nn.Sequential:
    """depth x (Linear(width, width) -> activation), He-initialised weights, zero biases."""
    # TODO
    raise NotImplementedError("make_net")


def layer_grad_norms(net, x) -> list:
    """The norm of d net(x).sum() / d (each Linear layer's output), first layer first, via hooks."""
    # TODO: register hooks, run forward and backward, remove the hooks, return the norms as floats
    raise NotImplementedError("layer_grad_norms")


def vanishing_ratio(norms) -> float:
    """How much smaller the first layer's gradient is than the last layer's."""
    # TODO
    raise NotImplementedError("vanishing_ratio")
