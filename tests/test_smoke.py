import numpy as np

import tinygrad_edu as tg


def test_chain_rule_by_hand():
    # y = exp(2x + 1) summed; dy/dx = 2 exp(2x + 1)
    x = tg.tensor([[1.0, 2.0], [0.5, -1.0]], dtype=tg.float64, requires_grad=True)
    (x * 2 + 1).exp().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(2 * x.detach().numpy() + 1), rtol=1e-12)
