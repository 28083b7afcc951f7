"""Exercise 07 · 과제 1: AlexNet의 파라미터 개수 구하기: reference solution.

See ../07_alexnet_parameters.py for the instructions (Korean and English).
Check:  python -m tinygrad_edu.exercises check 07 --solutions
"""
VARIANT = "single-tower"   # or "original", "torchvision"


def warmup() -> int:
    """(5 x 5 x 192 + 1) x 32, the lecture's example."""
    return (5 * 5 * 192 + 1) * 32                # 153,632


def alexnet_table() -> dict:
    """The number of parameters of each layer of AlexNet (VARIANT), and the total."""
    table = {
        "conv1": (11 * 11 * 3 + 1) * 96,         # 34,944
        "conv2": (5 * 5 * 96 + 1) * 256,         # 614,656
        "conv3": (3 * 3 * 256 + 1) * 384,        # 885,120
        "conv4": (3 * 3 * 384 + 1) * 384,        # 1,327,488
        "conv5": (3 * 3 * 384 + 1) * 256,        # 884,992
        "fc6": (256 * 6 * 6 + 1) * 4096,         # 37,752,832: 60 % of the network in one layer
        "fc7": (4096 + 1) * 4096,                # 16,781,312
        "fc8": (4096 + 1) * 1000,                # 4,097,000
    }
    table["total"] = sum(table.values())         # 62,378,344
    return table
