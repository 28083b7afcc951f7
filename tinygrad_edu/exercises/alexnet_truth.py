"""AlexNet by hand, for exercises 07 and 08: each layer's filter and channel counts, and the map
sizes after each conv and pooling layer, written out from the papers rather than read off
``tinygrad_edu.models`` (the tests check that the two agree).

A row is (name, kh, kw, in_ch seen by one filter, out_ch); a Linear layer is a 1x1 "conv" over a
vector, so the lecture's formula ((kh x kw x in_ch) + 1) x out_ch covers both.
"""
VARIANTS = {
    # the 2012 paper's widths on one device (the usual textbook count)
    "single-tower": [("conv1", 11, 11, 3, 96), ("conv2", 5, 5, 96, 256), ("conv3", 3, 3, 256, 384),
                     ("conv4", 3, 3, 384, 384), ("conv5", 3, 3, 384, 256),
                     ("fc6", 1, 1, 9216, 4096), ("fc7", 1, 1, 4096, 4096), ("fc8", 1, 1, 4096, 1000)],
    # the paper's two GPUs: conv2, conv4, conv5 see only the half of the channels on their own GPU
    "original": [("conv1", 11, 11, 3, 96), ("conv2", 5, 5, 48, 256), ("conv3", 3, 3, 256, 384),
                 ("conv4", 3, 3, 192, 384), ("conv5", 3, 3, 192, 256),
                 ("fc6", 1, 1, 9216, 4096), ("fc7", 1, 1, 4096, 4096), ("fc8", 1, 1, 4096, 1000)],
    # torchvision's layout (the "one weird trick" paper, 2014)
    "torchvision": [("conv1", 11, 11, 3, 64), ("conv2", 5, 5, 64, 192), ("conv3", 3, 3, 192, 384),
                    ("conv4", 3, 3, 384, 256), ("conv5", 3, 3, 256, 256),
                    ("fc6", 1, 1, 9216, 4096), ("fc7", 1, 1, 4096, 4096), ("fc8", 1, 1, 4096, 1000)],
}

INPUT_SIDE = {"single-tower": 227, "original": 227, "torchvision": 224}

# (channels, side) after conv1, pool1, conv2, pool2, conv3, conv4, conv5, pool3
_PAPER_MAPS = [(96, 55), (96, 27), (256, 27), (256, 13), (384, 13), (384, 13), (256, 13), (256, 6)]
MAPS = {"single-tower": _PAPER_MAPS, "original": _PAPER_MAPS,
        "torchvision": [(64, 55), (64, 27), (192, 27), (192, 13), (384, 13), (256, 13), (256, 13), (256, 6)]}
STAGES = ["conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool3"]

WARMUP = (5 * 5 * 192 + 1) * 32  # the deck's example: 153,632


def count(row) -> int:
    _, kh, kw, cin, cout = row
    return (kh * kw * cin + 1) * cout


def formula(row) -> str:
    _, kh, kw, cin, cout = row
    return f"({cin}+1)x{cout}" if kh == kw == 1 else f"({kh}x{kw}x{cin}+1)x{cout}"


def total(variant: str) -> int:
    return sum(count(r) for r in VARIANTS[variant])
