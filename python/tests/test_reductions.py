"""Reductions and statistics against NumPy: every dtype the Array API
allows, axis tuples, keepdims, strided inputs, dtype rules, empty inputs,
NaN, ties and errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import swiftgrad as sg

INTS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
FLOATS = ["float32", "float64"]
COMPLEX = ["complex64", "complex128"]


def data(dtype, shape=(3, 4), seed=0):
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    if dtype in INTS:
        return rng.integers(0, 5, shape).astype(dtype)
    x = rng.uniform(-2, 2, shape)
    if dtype in COMPLEX:
        x = x + 1j * rng.uniform(-2, 2, shape)
    return x.astype(dtype)


def check(actual, expected, rtol=1e-6):
    assert actual.shape == np.shape(expected)
    assert actual.dtype.name == np.asarray(expected).dtype.name, (actual.dtype, expected.dtype)
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=rtol, atol=1e-6)


@pytest.mark.parametrize("dtype", ["bool"] + INTS + FLOATS + COMPLEX)
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1), -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_sum_prod_dtypes(dtype, axis, keepdims):
    x = data(dtype)
    for name in ["sum", "prod"]:
        expected = getattr(np, name)(x, axis=axis, keepdims=keepdims)
        check(getattr(sg, name)(sg.asarray(x), axis=axis, keepdims=keepdims), expected, 1e-5)


@pytest.mark.parametrize("dtype", INTS + FLOATS)
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_max_min_argmax(dtype, axis, keepdims):
    x = data(dtype, (4, 5), seed=1)
    for name in ["max", "min"]:
        check(getattr(sg, name)(sg.asarray(x), axis=axis, keepdims=keepdims),
              getattr(np, name)(x, axis=axis, keepdims=keepdims))
    if not isinstance(axis, tuple):
        for name in ["argmax", "argmin"]:
            check(getattr(sg, name)(sg.asarray(x), axis=axis, keepdims=keepdims),
                  getattr(np, name)(x, axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("dtype", ["bool"] + INTS + FLOATS + COMPLEX)
@pytest.mark.parametrize("axis", [None, 0, (0, 1)])
def test_all_any(dtype, axis):
    x = data(dtype)
    x.flat[3] = 0
    for name in ["all", "any"]:
        check(getattr(sg, name)(sg.asarray(x), axis=axis),
              getattr(np, name)(x, axis=axis))
    z = np.zeros((2, 3), dtype)
    check(sg.any(sg.asarray(z), axis=1, keepdims=True), np.any(z, axis=1, keepdims=True))
    check(sg.all(sg.asarray(z)), np.all(z))


def test_small_integer_sums_widen_and_dtype_keyword():
    x = np.array([100, 100, 100], np.int8)
    check(sg.sum(sg.asarray(x)), np.sum(x))                       # int64, 300
    check(sg.prod(sg.asarray(x)), np.prod(x))
    check(sg.sum(sg.asarray(np.array([200, 200], np.uint8))), np.uint64(400))
    check(sg.sum(sg.asarray(x), dtype="int8"), np.sum(x, dtype=np.int8))  # wraps
    check(sg.sum(sg.asarray(x), dtype=sg.float32), np.sum(x, dtype=np.float32))
    check(sg.prod(sg.asarray(x), dtype="float64"), np.prod(x, dtype=np.float64))
    f = np.arange(6.0).reshape(2, 3)
    check(sg.mean(sg.asarray(f), dtype="float32", axis=0), np.mean(f, dtype=np.float32, axis=0))
    check(sg.asarray(f).sum(axis=1, dtype="float32"), f.sum(axis=1, dtype=np.float32))
    check(sg.cumulative_sum(sg.asarray(x)), np.cumsum(x))
    check(sg.cumulative_sum(sg.asarray(x), dtype="int16"), np.cumsum(x, dtype=np.int16))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("axis", [None, 0, (0, 2)])
@pytest.mark.parametrize("correction", [0, 1, 0.5])
def test_var_std(dtype, axis, correction):
    x = data(dtype, (3, 4, 2))
    for name in ["var", "std"]:
        for keepdims in [False, True]:
            check(getattr(sg, name)(sg.asarray(x), axis=axis, correction=correction,
                                    keepdims=keepdims),
                  getattr(np, name)(x, axis=axis, ddof=correction, keepdims=keepdims), 1e-5)


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint16", "int64", "float32", "float64",
                                   "complex128"])
@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("initial", [False, True])
def test_cumulative_sum(dtype, axis, initial):
    x = data(dtype, (3, 4))
    expected = np.cumsum(x, axis=axis)
    if initial:
        shape = list(x.shape)
        shape[axis] = 1
        expected = np.concatenate([np.zeros(shape, expected.dtype), expected], axis=axis)
    check(sg.cumulative_sum(sg.asarray(x), axis=axis, include_initial=initial), expected, 1e-5)


def test_strided_inputs():
    base = np.arange(60.0).reshape(3, 4, 5)
    x = sg.permute_dims(sg.asarray(base), (2, 0, 1))
    view = np.transpose(base, (2, 0, 1))
    for name in ["sum", "prod", "max", "min"]:
        check(getattr(sg, name)(x, axis=(0, 2)), getattr(np, name)(view, axis=(0, 2)), 1e-6)
    check(sg.argmax(x, axis=1), np.argmax(view, axis=1))
    check(sg.argmin(x), np.argmin(view))
    check(sg.cumulative_sum(x, axis=2), np.cumsum(view, axis=2))


def test_large_parallel_reductions():
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (300, 400))
    for axis in [None, 0, 1]:
        check(sg.max(sg.asarray(x), axis=axis), np.max(x, axis=axis))
        check(sg.prod(sg.asarray(1 + x / 1000), axis=axis), np.prod(1 + x / 1000, axis=axis), 1e-9)
        check(sg.argmax(sg.asarray(x), axis=axis), np.argmax(x, axis=axis))
    y = rng.uniform(-1, 1, 200_000)
    check(sg.min(sg.asarray(y)), np.min(y))
    # One long line scanned in parallel chunks: ties and NaN keep the first.
    y[[70_000, 190_000]] = 5.0
    check(sg.argmax(sg.asarray(y)), np.argmax(y))
    y[[150_000, 160_000]] = np.nan
    check(sg.argmax(sg.asarray(y)), np.argmax(y))
    check(sg.argmin(sg.asarray(y)), np.argmin(y))
    z = rng.uniform(-1, 1, (200, 300))
    z[[5, 100], 7] = np.nan
    for axis in [0, 1]:
        check(sg.argmax(sg.asarray(z), axis=axis), np.argmax(z, axis=axis))
        check(sg.argmin(sg.asarray(z), axis=axis), np.argmin(z, axis=axis))
    check(sg.any(sg.asarray(y > 0.99999)), np.any(y > 0.99999))


def test_nan_propagates_first_nan_wins():
    x = np.array([[1.0, np.nan, 3.0, np.nan], [4.0, 2.0, 9.0, 1.0]])
    for axis in [None, 0, 1]:
        check(sg.max(sg.asarray(x), axis=axis), np.max(x, axis=axis))
        check(sg.min(sg.asarray(x), axis=axis), np.min(x, axis=axis))
        check(sg.argmax(sg.asarray(x), axis=axis), np.argmax(x, axis=axis))
        check(sg.argmin(sg.asarray(x), axis=axis), np.argmin(x, axis=axis))


def test_ties_first_occurrence_and_even_split():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    check(sg.argmax(sg.asarray(x), axis=1), np.array([1, 0]))
    check(sg.argmin(sg.asarray(x), axis=1), np.array([0, 0]))
    t = sg.asarray(x)
    t.requires_grad = True
    sg.max(t, axis=1).sum().backward()
    np.testing.assert_allclose(np.asarray(t.grad), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    t.grad = None
    sg.min(t).backward()
    np.testing.assert_allclose(np.asarray(t.grad), [[1, 0, 0], [0, 0, 0]])


def test_prod_gradient_by_hand():
    for x, expected in [([2.0, 3.0, 4.0], [12.0, 8.0, 6.0]), ([2.0, 0.0, 4.0], [0.0, 8.0, 0.0]),
                        ([0.0, 3.0, 0.0], [0.0, 0.0, 0.0])]:
        t = sg.asarray(x)
        t.requires_grad = True
        sg.prod(t).backward()
        np.testing.assert_allclose(np.asarray(t.grad), expected)
    t = sg.asarray([[1.0, 0.0], [3.0, 5.0]])
    t.requires_grad = True
    sg.sum(sg.prod(t, axis=1)).backward()
    np.testing.assert_allclose(np.asarray(t.grad), [[0.0, 1.0], [5.0, 3.0]])


def test_prod_second_order_at_a_zero():
    """The Hessian of x0 x1 x2: entry (i, j) is the third coordinate, at
    points with no, one, two and three zeros."""
    p = sg.placeholder((None,))
    g = sg.grad(sg.prod(p), p)
    v = sg.placeholder((None,))
    hv = sg.function([p, v], sg.grad(sg.sum(g * v), p))
    for point, hessian in [([0.0, 3.0, 4.0], [[0, 4, 3], [4, 0, 0], [3, 0, 0]]),
                           ([0.0, 0.0, 4.0], [[0, 4, 0], [4, 0, 0], [0, 0, 0]]),
                           ([0.0, 0.0, 0.0], np.zeros((3, 3))),
                           ([2.0, 3.0, 4.0], [[0, 4, 3], [4, 0, 2], [3, 2, 0]])]:
        for e in np.eye(3):
            np.testing.assert_allclose(np.asarray(hv(np.array(point), e)),
                                       np.array(hessian, dtype=float) @ e)


def test_cumulative_sum_gradient_is_reversed_cumulative_sum():
    t = sg.asarray([1.0, 2.0, 3.0, 4.0])
    t.requires_grad = True
    w = sg.asarray([1.0, 10.0, 100.0, 1000.0])
    (sg.cumulative_sum(t) * w).sum().backward()
    np.testing.assert_allclose(np.asarray(t.grad), [1111.0, 1110.0, 1100.0, 1000.0])
    t.grad = None
    w5 = sg.asarray([1.0, 10.0, 100.0, 1000.0, 10000.0])
    (sg.cumulative_sum(t, include_initial=True) * w5).sum().backward()
    np.testing.assert_allclose(np.asarray(t.grad), [11110.0, 11100.0, 11000.0, 10000.0])


def test_empty_reductions():
    e = np.zeros((0, 3))
    check(sg.sum(sg.asarray(e)), np.sum(e))
    check(sg.prod(sg.asarray(e), axis=0), np.prod(e, axis=0))
    check(sg.prod(sg.asarray(np.zeros(0, np.int8))), np.prod(np.zeros(0, np.int8)))
    check(sg.all(sg.asarray(e)), np.all(e))
    check(sg.any(sg.asarray(e), axis=0), np.any(e, axis=0))
    check(sg.max(sg.asarray(e), axis=1), np.max(e, axis=1))
    check(sg.cumulative_sum(sg.asarray(np.zeros(0)), include_initial=True), np.zeros(1))
    check(sg.cumulative_sum(sg.asarray(np.zeros(0))), np.zeros(0))
    with pytest.raises(ValueError, match=r"^\[max\] zero-size"):
        sg.max(sg.asarray(e))
    with pytest.raises(ValueError, match=r"^\[min\] zero-size"):
        sg.min(sg.asarray(e), axis=0)
    with pytest.raises(ValueError, match=r"^\[argmax\] attempt to get argmax of an empty"):
        sg.argmax(sg.asarray(e), axis=0)


def test_bad_input():
    x = sg.asarray(np.ones((2, 3)))
    with pytest.raises(IndexError, match=r"^\[max\] axis 2 is out of bounds"):
        sg.max(x, axis=2)
    with pytest.raises(ValueError, match=r"^\[prod\] repeated axis"):
        sg.prod(x, axis=(0, 0))
    with pytest.raises(IndexError, match=r"^\[argmin\] axis -3"):
        sg.argmin(x, axis=-3)
    with pytest.raises(TypeError, match=r"argmax"):
        sg.argmax(x, axis=(0, 1))
    with pytest.raises(TypeError, match=r"^\[max\].*complex128"):
        sg.max(sg.asarray([1j]))
    with pytest.raises(TypeError, match=r"^\[var\].*int64"):
        sg.var(sg.asarray([1, 2]))
    with pytest.raises(ValueError, match=r"^\[cumulative_sum\] axis must be given"):
        sg.cumulative_sum(x)
    with pytest.raises(TypeError, match=r"^\[max\].*bool"):
        sg.max(sg.asarray([True]))


def test_symbolic_reductions_with_unknown_lengths():
    p = sg.placeholder((None, None))
    f = sg.function([p], [sg.max(p, axis=0), sg.var(p, correction=1), sg.argmax(p, axis=1),
                          sg.cumulative_sum(p, axis=1, include_initial=True)])
    x = np.random.default_rng(5).uniform(size=(3, 4))
    outs = f(x)
    check(outs[0], np.max(x, axis=0))
    check(outs[1], np.var(x, ddof=1))
    check(outs[2], np.argmax(x, axis=1))
    np.testing.assert_allclose(np.asarray(outs[3])[:, 1:], np.cumsum(x, axis=1))


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5),
                  elements=st.floats(-100, 100)),
       st.data())
def test_hypothesis_shapes(x, draw):
    axes = draw.draw(st.lists(st.integers(0, x.ndim - 1), unique=True, max_size=x.ndim))
    axis = tuple(axes)
    keepdims = draw.draw(st.booleans())
    t = sg.asarray(x)
    for name in ["sum", "max", "min", "any", "all"]:
        check(getattr(sg, name)(t, axis=axis, keepdims=keepdims),
              getattr(np, name)(x, axis=axis, keepdims=keepdims), 1e-9)
    check(sg.var(t, axis=axis, keepdims=keepdims), np.var(x, axis=axis, keepdims=keepdims), 1e-6)
    one = draw.draw(st.integers(-x.ndim, x.ndim - 1))
    check(sg.argmax(t, axis=one, keepdims=keepdims), np.argmax(x, axis=one, keepdims=keepdims))
    check(sg.cumulative_sum(t, axis=one), np.cumsum(x, axis=one), 1e-9)


def test_methods():
    x = np.array([[3.0, -1.0, 2.0], [0.5, 4.0, 4.0]])
    t = sg.asarray(x)
    for name in ["prod", "max", "min", "all", "any", "var", "std"]:
        check(getattr(t, name)(axis=1, keepdims=True), getattr(x, name)(axis=1, keepdims=True))
        check(getattr(t, name)(), getattr(x, name)())
    check(t.argmax(axis=1), x.argmax(axis=1))
    check(t.argmin(), x.argmin())
    check(t.var(axis=0, correction=1), x.var(axis=0, ddof=1))
