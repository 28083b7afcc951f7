"""Every bad input to the core gets a PyTorch-style message, raised by our own checks before
any array work (never an error from deep inside NumPy).

``raises`` asserts the exception type, the message, and that the frame raising it lies in
tinygrad_edu: a NumPy error would name NumPy's internals and not what the user did wrong."""
import os
import re

import pytest

import tinygrad_edu as tg


def raises(exc, match, fn, *args, **kwargs):
    with pytest.raises(exc, match=match) as info:
        fn(*args, **kwargs)
    where = str(info.traceback[-1].path)
    package = os.path.dirname(tg.__file__)
    assert where.startswith(package), f"raised from {where}, not from tinygrad_edu"
    return info.value


def esc(text):
    return re.escape(text)


x23 = tg.ones(2, 3)


# ----------------------------------------------------------------------------- matmul
def test_matmul_shape_errors():
    raises(RuntimeError, esc("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
           lambda: tg.ones(2, 3) @ tg.ones(4, 5))
    raises(RuntimeError, esc("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
           tg.matmul, tg.ones(7, 2, 3), tg.ones(7, 4, 5))
    raises(RuntimeError, esc("mat1 and mat2 shapes cannot be multiplied (1x3 and 4x1)"),
           lambda: tg.ones(3) @ tg.ones(4, 1))
    raises(RuntimeError, esc("inconsistent tensor size, expected tensor [3] and src [4]"),
           lambda: tg.ones(3) @ tg.ones(4))
    raises(RuntimeError, "both arguments to matmul need to be at least 1D, but they are 0D and 1D",
           lambda: tg.tensor(1.0) @ tg.ones(2))
    raises(RuntimeError, "The size of tensor a \\(2\\) must match the size of tensor b \\(3\\) at non-singleton "
           "dimension 0", lambda: tg.ones(2, 2, 3) @ tg.ones(3, 3, 2))
    raises(RuntimeError, "expected m1 and m2 to have the same dtype, but got: float32 != float64",
           lambda: tg.ones(2, 3) @ tg.ones(3, 2, dtype=tg.float64))
    raises(TypeError, "matmul\\(\\): argument 'other' \\(position 2\\) must be Tensor, not list", tg.matmul,
           tg.ones(2), [1.0, 2.0])


# ----------------------------------------------------------------------------- broadcasting
@pytest.mark.parametrize("op", [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
                                lambda a, b: a ** b, tg.maximum, tg.minimum, lambda a, b: a < b,
                                lambda a, b: tg.where(a > 0, a, b)])
def test_broadcast_failure_names_the_dimension(op):
    raises(RuntimeError, esc("The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
                             "dimension 1"), op, tg.ones(2, 3), tg.ones(2, 4))
    raises(RuntimeError, esc("The size of tensor a (2) must match the size of tensor b (5) at non-singleton "
                             "dimension 1"), op, tg.ones(4, 2, 1), tg.ones(5, 3))


def test_where_condition_shape_and_type():
    raises(RuntimeError, "must match the size of tensor b", tg.where, tg.ones(3) > 0, tg.ones(2), tg.ones(2))
    raises(TypeError, "where\\(\\): expected condition to be a bool tensor, but got float32",
           tg.where, tg.ones(2), tg.ones(2), tg.ones(2))


def test_unsupported_operands():
    raises(TypeError, "add\\(\\): unsupported operand type str", lambda: tg.ones(2) + "a")
    raises(TypeError, "mul\\(\\): unsupported operand type list", lambda: tg.ones(2) * [1, 2])


def test_arithmetic_refusals_like_pytorch():
    raises(RuntimeError, "Subtraction, the `-` operator, with a bool tensor is not supported",
           lambda: tg.ones(2, dtype=tg.bool) - tg.ones(2, dtype=tg.bool))
    raises(RuntimeError, "Negation, the `-` operator, on a bool tensor is not supported",
           lambda: -tg.ones(2, dtype=tg.bool))
    raises(RuntimeError, "Integers to negative integer powers are not allowed", lambda: tg.arange(3) ** -1)
    raises(RuntimeError, "clamp\\(\\): At least one of 'min' or 'max' must not be None", x23.clamp)
    raises(RuntimeError, "mean\\(\\): could not infer output dtype. Input dtype must be floating point",
           tg.arange(3).mean)


# ----------------------------------------------------------------------------- reshape and friends
def test_reshape_and_view_errors():
    raises(RuntimeError, esc("shape '[4, 2]' is invalid for input of size 6"), x23.reshape, 4, 2)
    raises(RuntimeError, esc("shape '[4, -1]' is invalid for input of size 6"), x23.view, 4, -1)
    raises(RuntimeError, "only one dimension can be inferred", x23.reshape, -1, -1)
    raises(RuntimeError, "invalid shape dimension -2", x23.reshape, -2, 3)
    raises(TypeError, "argument 'shape' must be a tuple of ints, but found element of type float", x23.reshape, 2.0, 3)


def test_expand_repeat_permute_errors():
    raises(RuntimeError, esc("The expanded size of the tensor (4) must match the existing size (3) at "
                             "non-singleton dimension 1.  Target sizes: [2, 4]"), x23.expand, 2, 4)
    raises(RuntimeError, "the number of sizes provided \\(1\\) must be greater or equal to the number of "
           "dimensions in the tensor \\(2\\)", x23.expand, 3)
    raises(RuntimeError, "-1 is not allowed in a leading, non-existing dimension 0", x23.expand, -1, 2, 3)
    raises(RuntimeError, "Number of dimensions of repeat dims can not be smaller than number of dimensions",
           x23.repeat, 2)
    raises(RuntimeError, "number of dimensions in the tensor input does not match the length of the desired "
           "ordering of dimensions i.e. input.dim\\(\\) = 2 is not equal to len\\(dims\\) = 3", x23.permute, 0, 1, 2)
    raises(RuntimeError, esc("permute(): duplicate dims are not allowed (got [0, 0])"), x23.permute, 0, 0)
    raises(RuntimeError, "flatten\\(\\) has invalid args: start_dim cannot come after end_dim", x23.flatten, 1, 0)
    raises(RuntimeError, "t\\(\\) expects a tensor with <= 2 dimensions, but self is 3D", tg.ones(1, 2, 3).t)


# ----------------------------------------------------------------------------- dim out of range
DIM_OPS = {
    "sum": lambda t, d: t.sum(d), "mean": lambda t, d: t.mean(d), "max": lambda t, d: t.max(d),
    "min": lambda t, d: t.min(d), "argmax": lambda t, d: t.argmax(d), "argmin": lambda t, d: t.argmin(d),
    "amax": lambda t, d: t.amax(d), "amin": lambda t, d: t.amin(d), "softmax": lambda t, d: t.softmax(d),
    "log_softmax": lambda t, d: t.log_softmax(d), "squeeze": lambda t, d: t.squeeze(d),
    "unsqueeze": lambda t, d: t.unsqueeze(d + (1 if d > 0 else -1)), "transpose": lambda t, d: t.transpose(0, d),
    "permute": lambda t, d: t.permute(0, d), "cat": lambda t, d: tg.cat([t, t], d),
    "stack": lambda t, d: tg.stack([t, t], d + (1 if d > 0 else -1)), "split": lambda t, d: t.split(1, d),
    "chunk": lambda t, d: t.chunk(2, d), "gather": lambda t, d: t.gather(d, tg.zeros(2, 3, dtype=tg.int64)),
    "flatten": lambda t, d: t.flatten(d), "flatten_end": lambda t, d: t.flatten(0, d),
    "var": lambda t, d: t.var(d), "std": lambda t, d: t.std(d), "logsumexp": lambda t, d: t.logsumexp(d),
    "norm": lambda t, d: t.norm(dim=d), "size": lambda t, d: t.size(d), "all": lambda t, d: tg.all(t > 0, d),
    "any": lambda t, d: tg.any(t > 0, d), "sum_tuple": lambda t, d: t.sum((0, d)),
}


@pytest.mark.parametrize("op", sorted(DIM_OPS))
@pytest.mark.parametrize("dim", [2, -3, 5])
def test_dim_out_of_range(op, dim):
    n = 3 if op in ("unsqueeze", "stack") else 2  # these take a dim of the result, one more
    shown = dim + (1 if dim > 0 else -1) if n == 3 else dim
    raises(IndexError, esc(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {shown})"),
           DIM_OPS[op], x23, dim)


def test_dim_must_be_an_int_and_dims_unique():
    raises(TypeError, "dim must be an int, but got float", x23.sum, 1.0)
    raises(RuntimeError, esc("sum(): dim [1, -1] appears multiple times in the list of dims"), x23.sum, (1, -1))


# ----------------------------------------------------------------------------- joining and splitting
def test_cat_stack_split_chunk_errors():
    raises(RuntimeError, "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for "
           "tensor number 1 in the list", tg.cat, [x23, tg.ones(2, 4)])
    raises(RuntimeError, "Tensors must have same number of dimensions: got 2 and 1", tg.cat, [x23, tg.ones(3)])
    raises(RuntimeError, "cat\\(\\): expected a non-empty list of Tensors", tg.cat, [])
    raises(RuntimeError, "zero-dimensional tensor \\(at position 1\\) cannot be concatenated",
           tg.cat, [tg.ones(1), tg.tensor(1.0)])
    raises(TypeError, "cat\\(\\): expected a sequence of Tensors, but element 1 is list", tg.cat, [x23, [1]])
    raises(RuntimeError, esc("stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [3] at "
                             "entry 1"), tg.stack, [x23, tg.ones(3)])
    raises(RuntimeError, "stack expects a non-empty TensorList", tg.stack, [])
    raises(RuntimeError, esc("split_with_sizes expects split_sizes to sum exactly to 3 (input tensor's size at "
                             "dimension 1), but got split_sizes=[1, 1]"), tg.split, x23, [1, 1], 1)
    raises(RuntimeError, "split\\(\\): split_size must be a positive integer, but got 0", x23.split, 0)
    raises(RuntimeError, "chunk expects `chunks` to be greater than 0, got: 0", x23.chunk, 0)


def test_gather_errors():
    raises(RuntimeError, "gather\\(\\): Expected dtype int64 for index, but got float32", x23.gather, 1, tg.ones(2, 1))
    raises(RuntimeError, "Index tensor must have the same number of dimensions as input tensor \\(got 1 and 2\\)",
           x23.gather, 1, tg.zeros(2, dtype=tg.int64))
    raises(RuntimeError, "gather\\(\\): index 3 is out of bounds for dimension 1 with size 3",
           x23.gather, 1, tg.tensor([[0], [3]]))
    raises(RuntimeError, "gather\\(\\): index -1 is out of bounds for dimension 1 with size 3",
           x23.gather, 1, tg.tensor([[0], [-1]]))
    raises(RuntimeError, esc("Size does not match at dimension 1 expected index [1, 4] to be no larger than self "
                             "[2, 3] apart from dimension 0"), x23.gather, 0, tg.zeros(1, 4, dtype=tg.int64))


# ----------------------------------------------------------------------------- indexing
def test_index_errors():
    raises(IndexError, "index 2 is out of bounds for dimension 0 with size 2", lambda: x23[2])
    raises(IndexError, "index -4 is out of bounds for dimension 1 with size 3", lambda: x23[0, -4])
    raises(IndexError, "index 3 is out of bounds for dimension 1 with size 3", lambda: x23[:, tg.tensor([0, 3])])
    raises(IndexError, "index -3 is out of bounds for dimension 0 with size 2", lambda: x23[[0, -3]])
    raises(IndexError, "too many indices for tensor of dimension 2", lambda: x23[0, 0, 0])
    raises(IndexError, esc("The shape of the mask [3] at index 0 does not match the shape of the indexed tensor "
                           "[2] at index 0"), lambda: x23[tg.tensor([True, False, True])])
    raises(IndexError, "tensors used as indices must be long, int or bool tensors", lambda: x23[tg.tensor([0.0])])
    raises(IndexError, "only integers, slices .* are valid indices \\(got str\\)", lambda: x23["a"])


def test_setitem_errors():
    y = tg.zeros(2, 3)
    raises(RuntimeError, esc("shape mismatch: value tensor of shape [4] cannot be broadcast to indexing result of "
                             "shape [3]"), y.__setitem__, 0, tg.ones(4))
    raises(IndexError, "index 5 is out of bounds for dimension 0 with size 2", y.__setitem__, 5, 1.0)
    raises(RuntimeError, "a leaf Variable that requires grad is being used in an in-place operation",
           tg.ones(2, requires_grad=True).__setitem__, 0, 1.0)


# ----------------------------------------------------------------------------- making tensors
@pytest.mark.parametrize("data, exc, message", [
    ([[1, 2], [3]], ValueError, esc("expected a sequence of equal-length rows, but data[0] has shape [2] and "
                                    "data[1] has shape [1]")),
    ([[[1], [2]], [[1], [2, 3]]], ValueError, esc("data[1][0] has shape [1] and data[1][1] has shape [2]")),
    ([1, [2]], ValueError, "equal-length rows"),
    ("abc", TypeError, "could not infer a number from data of type str"),
    ([1, "a"], TypeError, esc("could not infer a number from data[1] of type str")),
    ([None], TypeError, "of type NoneType"), ({"a": 1}, TypeError, "of type dict"),
    ([1 + 2j], TypeError, "of type complex"), (object(), TypeError, "of type object"),
])
def test_tensor_refuses_ragged_and_non_numeric_data(data, exc, message):
    raises(exc, message, tg.tensor, data)


def test_requires_grad_only_for_floats():
    for make in (lambda: tg.tensor([1, 2], requires_grad=True), lambda: tg.ones(2, dtype=tg.int64).requires_grad_(),
                 lambda: tg.arange(3, requires_grad=True), lambda: tg.full((2,), True, requires_grad=True)):
        raises(RuntimeError, "Only Tensors of floating point dtype can require gradients", make)


def test_creation_argument_errors():
    raises(RuntimeError, esc("zeros(): trying to create tensor with negative dimension -1: [2, -1]"), tg.zeros, 2, -1)
    raises(TypeError, "ones\\(\\): argument 'size' must be a tuple of ints, but found element of type float",
           tg.ones, 2.5)
    raises(RuntimeError, "arange\\(\\): step must be nonzero", tg.arange, 0, 5, 0)
    raises(RuntimeError, "upper bound and larger bound inconsistent with step sign", tg.arange, 0, 5, -1)
    raises(RuntimeError, "linspace\\(\\): number of steps must be non-negative, but got -1", tg.linspace, 0, 1, -1)
    raises(RuntimeError, "eye\\(\\): n and m must be non-negative", tg.eye, -1)
    raises(RuntimeError, "random_ expects 'from' to be less than 'to', but got from=5 >= to=5", tg.randint, 5, 5, (2,))
    raises(TypeError, "randint\\(\\): missing the 'size' argument", tg.randint, 5)
    raises(TypeError, "unsupported dtype 'complex64'", tg.zeros, 2, dtype="complex64")
    raises(TypeError, "manual_seed expected an int, but got float", tg.manual_seed, 1.5)


# ----------------------------------------------------------------------------- reductions
def test_reduction_value_errors():
    raises(RuntimeError, "amax\\(\\): Expected reduction dim to be specified for input.numel\\(\\) == 0",
           tg.zeros(0).amax)
    raises(RuntimeError, "max\\(\\): Expected reduction dim to be specified for input.numel\\(\\) == 0", tg.zeros(0).max)
    raises(IndexError, "max\\(\\): Expected reduction dim 1 to have non-zero size", tg.zeros(2, 0).max, 1)
    raises(ValueError, "norm\\(\\): p must be a positive number, 'fro' or inf, but got -1", x23.norm, -1)


def test_conversion_errors():
    raises(RuntimeError, "a Tensor with 6 elements cannot be converted to Scalar", x23.item)
    raises(RuntimeError, "Can't call numpy\\(\\) on Tensor that requires grad",
           tg.ones(2, requires_grad=True).numpy)
    raises(TypeError, "to\\(\\) got unexpected keyword arguments \\['foo'\\]", x23.to, foo=1)


def test_errors_are_raised_before_numpy_sees_the_data():
    """A quick sweep: none of these may surface as a NumPy exception type or message."""
    bad = [lambda: x23 @ tg.ones(2, 3), lambda: x23 + tg.ones(3, 2), lambda: x23.reshape(5),
           lambda: x23.sum(4), lambda: x23[5], lambda: tg.cat([x23, tg.ones(3, 3)], 1),
           lambda: tg.tensor([[1], [1, 2]]), lambda: x23.gather(1, tg.tensor([[9], [0]]))]
    for fn in bad:
        with pytest.raises(Exception) as info:
            fn()
        assert type(info.value).__module__ == "builtins"
        assert "numpy" not in str(info.traceback[-1].path)
