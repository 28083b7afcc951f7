"""Classic networks built from ``tinygrad_edu.nn``: AlexNet (every common variant) and LeNet-5.

    from tinygrad_edu import models
    model = models.alexnet()                      # torchvision's layout: its weights load as they are
    paper = models.alexnet(variant="original")    # the 2012 paper's two-GPU network
    digits = models.lenet5(padding=2)             # LeNet-5 for 28x28 MNIST images
"""
from .alexnet import VARIANTS as ALEXNET_VARIANTS
from .alexnet import AlexNet, alexnet, default_input_size
from .lenet import LeNet5, lenet5

__all__ = ["AlexNet", "alexnet", "default_input_size", "ALEXNET_VARIANTS", "LeNet5", "lenet5"]
