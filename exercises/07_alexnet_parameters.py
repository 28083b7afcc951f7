"""Exercise 07 · 과제 1: AlexNet의 파라미터 개수 구하기 (assignment 1: count AlexNet's parameters)

[한국어]
CNN의 각 layer에는 weight parameter와 bias parameter가 있고, 전체 네트워크의 parameter 수는 각 layer
parameter 수의 합입니다:

    { (Kernel size) x (Input channel) + (bias) } x (output channel)

0. 몸풀기: 강의의 예 (5 x 5 x 192 + 1) x 32 를 `warmup()`에서 계산하세요.
1. 아래 표의 물음표(?)를 채우세요. `VARIANT`로 어떤 AlexNet을 셀지 고릅니다 (기본값: 논문의 너비를
   한 장치에서 쓰는 "single-tower"). fully connected layer는 벡터 위의 1x1 convolution과 같아서
   (입력 수 + 1) x 출력 수입니다. 마지막 feature map은 256 x 6 x 6 = 9216개의 수로 펼쳐져 fc6에 들어갑니다.
   ReLU, max pooling, dropout에는 parameter가 없습니다.
채점기는 한 줄씩 확인하고, 틀린 줄에서 무엇을 다시 세어야 하는지 알려 줍니다.

    layer  filter   입력 channel → 출력 channel   (single-tower; "original"은 conv2/4/5의 filter가
    conv1  11x11      3 → 96                       입력 channel의 절반만 봅니다(GPU 2개, groups=2);
    conv2   5x5      96 → 256                      "torchvision"은 64-192-384-256-256 filters)
    conv3   3x3     256 → 384
    conv4   3x3     384 → 384
    conv5   3x3     384 → 256
    fc6    9216 → 4096,  fc7  4096 → 4096,  fc8  4096 → 1000

[English]
Every CNN layer has weights and biases; the network's total is the sum over its layers:
((kernel h x kernel w x input channels) + 1) x output channels.
0. Warm-up: the lecture's example, (5 x 5 x 192 + 1) x 32, in `warmup()`.
1. Fill in the "?"s of the table above. `VARIANT` picks which AlexNet you count (default: the
   2012 paper's widths on one device, "single-tower"; "original" is the paper's two-GPU network,
   where conv2, conv4 and conv5 see only half their input channels; "torchvision" has
   64-192-384-256-256 filters). A fully connected layer is a 1x1 convolution over a vector:
   (inputs + 1) x outputs. The last feature maps, 256 x 6 x 6 = 9216 numbers, are flattened into
   fc6. ReLU, max pooling and dropout have no parameters.
The checker goes row by row and says which row to count again.

Check:  python -m tinygrad_edu.exercises check 07
"""
VARIANT = "single-tower"   # or "original", "torchvision"


def warmup() -> int:
    """(5 x 5 x 192 + 1) x 32, the lecture's example."""
    # TODO
    raise NotImplementedError("warmup")


def alexnet_table() -> dict:
    """The number of parameters of each layer of AlexNet (VARIANT), and the total."""
    table = {          # write a number, or the arithmetic, e.g. (11 * 11 * 3 + 1) * 96
        "conv1": "?",
        "conv2": "?",
        "conv3": "?",
        "conv4": "?",
        "conv5": "?",
        "fc6": "?",
        "fc7": "?",
        "fc8": "?",
        "total": "?",
    }
    # TODO: fill in the table above, then delete the next line
    raise NotImplementedError("alexnet_table (fill in the '?'s)")
    return table
