"""Bad input raises the documented exception, whose message names the
operation in brackets and the shapes; afterwards the process and the very
same tensors keep working."""

import math

import numpy as np
import pytest

import swiftgrad as sg
import swiftgrad.tensor as T


@pytest.fixture
def a():
    return sg.asarray(np.arange(6.0).reshape(2, 3))


@pytest.fixture
def b():
    return sg.asarray(np.arange(20.0).reshape(4, 5))


def still_works(a, b):
    """The tensors that took part in a failed call are intact."""
    np.testing.assert_array_equal(np.asarray(a @ a.T),
                                  np.arange(6.0).reshape(2, 3) @ np.arange(6.0).reshape(2, 3).T)
    np.testing.assert_array_equal(np.asarray(b.sum(axis=0)),
                                  np.arange(20.0).reshape(4, 5).sum(axis=0))


def test_matmul_shapes(a, b):
    with pytest.raises(ValueError, match=r"^\[matmul\].*\(2, ?3\).*\(4, ?5\)"):
        sg.matmul(a, b)
    with pytest.raises(ValueError, match=r"^\[matmul\].*\(2, ?3\).*\(4, ?5\)"):
        a @ b
    still_works(a, b)


def test_dot_shapes(a, b):
    with pytest.raises(ValueError, match=r"^\[dot\].*\(2, ?3\).*\(4, ?5\)"):
        sg.dot(a, b)
    still_works(a, b)


def test_broadcasting_mismatch(a, b):
    with pytest.raises(ValueError, match=r"^\[add\].*\(2, ?3\).*\(4, ?5\)"):
        a + b
    with pytest.raises(ValueError, match=r"^\[multiply\].*\(2, ?3\).*\(3, ?2\)"):
        a * a.T
    still_works(a, b)


def test_symbolic_shape_mismatch_at_call(a, b):
    x = T.dmatrix("x")
    f = sg.function([x], sg.dot(x, a))
    with pytest.raises(ValueError, match=r"\[(dot|matmul)\].*\(4, ?5\).*\(2, ?3\)"):
        f(b)
    np.testing.assert_array_equal(np.asarray(f(a.T)), np.asarray(a.T @ a))
    still_works(a, b)


def test_float64_into_float32_input(a, b):
    x = T.fmatrix("x")
    f = sg.function([x], x * 2)
    for data in (a, np.asarray(a), np.ones((2, 2), dtype=np.int64)):
        with pytest.raises(TypeError, match=r"^\[function\] input 0 \('x'\) is float32.*(float64|int64)"):
            f(data)
    # float32 data, small integers and lists are fine
    np.testing.assert_array_equal(np.asarray(f(np.ones((1, 2), np.float32))), [[2, 2]])
    np.testing.assert_array_equal(np.asarray(f(np.ones((1, 2), np.int16))), [[2, 2]])
    assert f([[1.5]]).dtype == sg.float32
    still_works(a, b)


def test_wrong_number_of_arguments(a, b):
    x, y = T.dmatrix("x"), T.dmatrix("y")
    f = sg.function([x, y], x + y)
    with pytest.raises(TypeError, match=r"^\[function\] expected 2 arguments, got 1"):
        f(a)
    with pytest.raises(TypeError, match=r"expected 2 arguments, got 3"):
        f(a, a, a)
    with pytest.raises(TypeError, match=r"positional"):
        f(a, y=a)
    np.testing.assert_array_equal(np.asarray(f(a, a)), 2 * np.asarray(a))
    still_works(a, b)


def test_grad_of_unrelated_variable(a, b):
    x, z = T.dvector("x"), T.dvector("z")
    with pytest.raises(ValueError, match=r"^\[grad\]"):
        T.grad((x * x).sum(), z)
    a.requires_grad = True
    b.requires_grad = True
    with pytest.raises(ValueError, match=r"^\[grad\]"):
        sg.grad(a.sum(), [a, b])
    assert T.grad((x * x).sum(), x) is not None
    still_works(a, b)


def test_grad_of_non_scalar_cost(a, b):
    x = T.dvector("x")
    with pytest.raises(ValueError, match=r"^\[grad\].*\((None|\?),?\)"):
        T.grad(x * x, x)
    a.requires_grad = True
    with pytest.raises(ValueError, match=r"\[backward\].*\(2, ?3\)"):
        (a * 2).backward()
    assert a.grad is None
    still_works(a, b)


def test_ragged_lists(a, b):
    with pytest.raises(ValueError, match=r"^\[asarray\] ragged.*\[1\].*length 2, expected 3"):
        sg.asarray([[1, 2, 3], [4, 5]])
    with pytest.raises(ValueError, match=r"^\[asarray\] ragged.*\[1\].*expected a sequence"):
        sg.asarray([[1, 2], 3])
    with pytest.raises(ValueError, match=r"^\[asarray\] ragged.*\[1\].*expected a number"):
        sg.asarray([1, [2, 3]])
    with pytest.raises(ValueError, match=r"^\[add\] ragged"):
        a + [[1, 2, 3], [4, 5]]
    x = T.dmatrix("x")
    with pytest.raises(ValueError, match=r"^\[function\] ragged"):
        sg.function([x], x)([[1.0], [2.0, 3.0]])
    still_works(a, b)


def test_not_numbers(a, b):
    with pytest.raises(TypeError, match=r"^\[asarray\] cannot convert str"):
        sg.asarray([1.0, "two"])
    with pytest.raises(TypeError):
        a + "text"
    with pytest.raises(TypeError):
        a * None
    with pytest.raises(TypeError, match=r"^\[asarray\] cannot convert"):
        sg.asarray({"a": 1})
    still_works(a, b)


def test_axis_out_of_range(a, b):
    with pytest.raises(IndexError, match=r"^\[sum\].*axis.*2"):
        a.sum(axis=2)
    with pytest.raises(IndexError, match=r"^\[mean\].*axis.*-3"):
        sg.mean(a, axis=-3)
    with pytest.raises((ValueError, IndexError), match=r"^\[permute_dims\]"):
        sg.permute_dims(a, (0, 2))
    with pytest.raises(ValueError, match=r"^\[permute_dims\]"):
        sg.permute_dims(a, (0, 0))
    still_works(a, b)


def test_item_of_many_elements(a, b):
    with pytest.raises(ValueError, match=r"\[item\].*\(2, ?3\)"):
        a.item()
    with pytest.raises(ValueError):
        float(a)
    with pytest.raises(ValueError):
        bool(a)
    assert float(a.sum()) == 15.0
    still_works(a, b)


def test_symbolic_tensors_have_no_value(a, b):
    x = T.dmatrix("x")
    y = x + a
    with pytest.raises(TypeError, match=r"symbolic"):
        memoryview(y)
    with pytest.raises(TypeError, match=r"symbolic"):
        np.asarray(y)
    with pytest.raises(TypeError):
        y.item()
    with pytest.raises(TypeError):
        len(x)
    assert repr(y) == "Tensor(symbolic, shape=(2, 3), dtype=float64)"
    still_works(a, b)


def test_shared_set_value(a, b):
    W = sg.shared(a, "W")
    with pytest.raises(TypeError, match=r"^\[set_value\].*\(2,?\).*2 dimensions"):
        W.set_value([1.0, 2.0])  # wrong number of dimensions, as in Theano
    with pytest.raises(TypeError, match=r"^\[set_value\] shared variable 'W' is float32"):
        sg.shared(np.ones(2, np.float32), "W").set_value(np.ones(2))
    np.testing.assert_array_equal(np.asarray(W.get_value()), np.asarray(a))
    with pytest.raises(TypeError):
        a.set_value(b)  # not a shared variable
    still_works(a, b)


def test_bad_updates(a, b):
    x = T.dmatrix("x")
    with pytest.raises(TypeError, match=r"^\[function\] only shared variables"):
        sg.function([x], x, updates=[(a, a + 1)])
    with pytest.raises(TypeError, match=r"^\[function\] updates must be"):
        sg.function([x], x, updates=[a])
    with pytest.raises(TypeError, match=r"^\[function\]"):
        sg.function([a], a)  # an input that is not a placeholder
    still_works(a, b)


def test_domain_errors_give_nan_not_exceptions(a, b):
    """log of a negative number follows IEEE (NumPy warns, we return nan)."""
    assert math.isnan(sg.log(sg.asarray(-1.0)).item())
    still_works(a, b)


def _deep(levels):
    value = 1.0
    for _ in range(levels):
        value = [value]
    return value


GARBAGE = [None, "x", b"bytes", {}, set(), object(), 10 ** 400, 2 ** 70, -2 ** 70, 2 ** 64,
           1j, [[]], [[1], 2], [1, 2 ** 64], [-1, 2 ** 63], [10 ** 400],
           [1, [2]], [None], float("nan"), np.array(["a"]),
           np.array([1, 2], dtype=">f8"), np.zeros((2, 2), dtype=[("a", "f8")]),
           _deep(70),
           ]


def _calls(a):
    x = T.dmatrix("x")
    f = sg.function([x], x)
    yield lambda g: sg.asarray(g)
    yield lambda g: sg.asarray(g, dtype="float32")
    yield lambda g: a + g
    yield lambda g: g - a
    yield lambda g: a @ g
    yield lambda g: sg.dot(g, a)
    yield lambda g: sg.exp(g)
    yield lambda g: sg.sum(a, axis=g)
    yield lambda g: sg.permute_dims(a, g)
    yield lambda g: sg.astype(a, g)
    yield lambda g: sg.grad(a, g)
    yield lambda g: sg.shared(g)
    yield lambda g: sg.shared(a, name=g)
    yield lambda g: f(g)
    yield lambda g: sg.function(g, x)
    yield lambda g: sg.placeholder(g)
    yield lambda g: a.backward(g)
    yield lambda g: setattr(a, "grad", g)
    yield lambda g: sg.Tensor(g)


def test_garbage_never_crashes(a, b):
    """Every entry point meets every kind of bad value: a result or one of
    the documented exceptions (never OverflowError, never a crash), whose
    message names the operation; only Python's own "unsupported operand"
    (when an operator returns NotImplemented) does not."""
    a.requires_grad = True
    for call in _calls(a):
        for garbage in GARBAGE:
            try:
                call(garbage)
            except (TypeError, ValueError, IndexError) as e:
                assert str(e).startswith("[") or "unsupported operand" in str(e), \
                    (garbage, e)
        a.grad = None
    still_works(a, b)


@pytest.mark.parametrize("call", [
    lambda: sg.asarray(10 ** 400),
    lambda: sg.asarray([1.0, 2 ** 64]),
    lambda: sg.asarray(-2 ** 63 - 1),
    lambda: sg.sum(sg.asarray([1.0]), axis=2 ** 70),
    lambda: sg.mean(sg.asarray([1.0]), axis=(0, -2 ** 70)),
    lambda: sg.permute_dims(sg.asarray([1.0]), (2 ** 64,)),
    lambda: sg.placeholder((2 ** 63,)),
    lambda: sg.asarray([1, 2]) + 2 ** 64,
    lambda: sg.asarray(np.arange(3, dtype=np.int8)) * 300,
    lambda: sg.asarray([300], dtype="uint8"),
    lambda: sg.asarray([-1], dtype=sg.uint64),
    lambda: sg.asarray([-1, 2 ** 63]),
])
def test_integers_out_of_range_are_value_errors(call):
    """Python ints beyond what the dtype holds: ValueError naming the
    operation (NumPy raises OverflowError)."""
    with pytest.raises(ValueError, match=r"^\[(asarray|sum|mean|permute_dims|placeholder|add|multiply)\]"):
        call()
