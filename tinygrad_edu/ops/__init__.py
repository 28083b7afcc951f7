"""Built-in ops, one family per module. Each op is a ``Function``: forward on arrays, backward
in Tensor ops (so it can be differentiated again)."""
