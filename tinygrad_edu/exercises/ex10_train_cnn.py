"""Exercise 10: a small CNN trained on the handwritten digits to 90 % held-out accuracy."""
import time

from .. import backend, manual_seed, nn
from ..autograd import no_grad
from ..utils.datasets import load_digits
from .checking import CheckFailed, num

NUMBER, STEM, TITLE = "10", "10_train_cnn", "a small CNN trained on the digits to 90 % test accuracy"
np = backend.np
TARGET = 0.90        # on the 359 held-out digits
TIME_LIMIT = 120.0   # seconds for train(); the reference solution needs about 2 on an idle laptop core


def check(ex, ok) -> None:
    x_train, y_train = load_digits("train")
    x_test, y_test = load_digits("test")
    manual_seed(0)
    model = ex.build_model()
    if not any(isinstance(m, nn.Conv2d) for m in model.modules()):
        raise CheckFailed("build_model() has no nn.Conv2d layer: this exercise wants a CNN")
    with no_grad():
        out = model.eval()(x_test[:2])
    if tuple(out.shape) != (2, 10):
        raise CheckFailed(f"a batch of two 1x8x8 digits gives output shape {tuple(out.shape)}; it should be (2, 10)")
    ok("build_model(): a CNN that maps 1x8x8 digits to 10 scores")
    start = time.perf_counter()
    losses = [float(v) for v in ex.train(model, x_train, y_train)]
    seconds = time.perf_counter() - start
    if seconds > TIME_LIMIT:
        raise CheckFailed(f"train() took {seconds:.0f} s; keep it under {TIME_LIMIT:.0f} s (fewer epochs or filters)")
    if not losses or (len(losses) > 1 and not losses[-1] < losses[0]):
        raise CheckFailed(f"train() returned losses {[num(v) for v in losses]}; they should go down")
    ok(f"train(): {len(losses)} epochs in {seconds:.1f} s, loss {num(losses[0])} -> {num(losses[-1])}")
    model.eval()
    with no_grad():
        predicted = backend.to_numpy(model(x_test).array).argmax(axis=1)
    truth = float((predicted == backend.to_numpy(y_test.array)).mean())
    got = float(ex.accuracy(model, x_test, y_test))
    if not np.isclose(got, truth, atol=1e-6):
        raise CheckFailed(f"your accuracy() says {num(got)} on the test digits; counting argmax == label gives "
                          f"{num(truth)}")
    if truth < TARGET:
        raise CheckFailed(f"your CNN gets {100 * truth:.1f} % of the 359 test digits right; reach {100 * TARGET:.0f} % "
                          "(more epochs, a different learning rate, or more filters)")
    ok(f"accuracy on the 359 held-out digits: {100 * truth:.1f} % (target {100 * TARGET:.0f} %)")
