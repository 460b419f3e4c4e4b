"""sort, argsort, searchsorted and the unique_* functions against NumPy,
with NaNs, ties, every real dtype, strided inputs and gradients."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import swiftgrad as sg

REAL = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
        "float32", "float64"]


def same(t, expected):
    expected = np.asarray(expected)
    assert t.shape == expected.shape
    assert t.dtype == expected.dtype, (t.dtype, expected.dtype)
    np.testing.assert_array_equal(np.asarray(t), expected)


@pytest.mark.parametrize("dtype", REAL)
def test_sort_every_dtype(dtype):
    x = np.random.default_rng(0).integers(0, 100, (4, 7)).astype(dtype)
    for axis in (-1, 0, 1):
        same(sg.sort(sg.asarray(x), axis=axis), np.sort(x, axis=axis, kind="stable"))
        same(sg.argsort(sg.asarray(x), axis=axis), np.argsort(x, axis=axis, kind="stable"))


def test_nans_sort_last_and_ties_are_stable():
    x = np.array([3.0, np.nan, 1.0, 3.0, -np.inf, np.nan, 1.0, np.inf, -0.0])
    same(sg.sort(sg.asarray(x)), np.sort(x))
    same(sg.argsort(sg.asarray(x)), np.argsort(x, kind="stable"))
    # Descending: stable among ties, NaNs first (they are the largest).
    same(sg.argsort(sg.asarray(x), descending=True),
         np.array([1, 5, 7, 0, 3, 2, 6, 8, 4]))
    same(sg.sort(sg.asarray(np.float32([2, 1, np.nan])), descending=True),
         np.float32([np.nan, 2, 1]))


def test_descending_matches_reversed_stable_order():
    x = np.random.default_rng(1).integers(0, 5, (3, 20))
    order = np.asarray(sg.argsort(sg.asarray(x), descending=True))
    expected = np.argsort(-x, axis=-1, kind="stable")
    np.testing.assert_array_equal(order, expected)
    same(sg.sort(sg.asarray(x), descending=True), -np.sort(-x, axis=-1))


def test_sort_edges_and_errors():
    same(sg.sort(sg.zeros((0, 3))), np.zeros((0, 3)))
    same(sg.sort(sg.zeros((3, 0))), np.zeros((3, 0)))
    same(sg.argsort(sg.asarray([5.0])), [0])
    with pytest.raises(ValueError, match=r"\[sort\].*dimension"):
        sg.sort(sg.asarray(1.0))
    with pytest.raises(IndexError, match=r"\[sort\].*axis 2"):
        sg.sort(sg.zeros((2, 2)), axis=2)
    with pytest.raises(TypeError, match=r"\[argsort\].*complex"):
        sg.argsort(sg.asarray([1j, 2]))


def test_sort_of_a_view():
    base = np.random.default_rng(2).normal(size=(5, 6))
    view = sg.permute_dims(sg.asarray(base), (1, 0))
    same(sg.sort(view, axis=0), np.sort(base.T, axis=0))
    same(sg.argsort(view), np.argsort(base.T, kind="stable"))


def test_sort_gradient_first_and_second_order():
    x = sg.asarray([3.0, 1.0, 2.0], requires_grad=True)
    w = sg.asarray([1.0, 10.0, 100.0])
    sg.sum(sg.sort(x) * w).backward()
    same(x.grad, [100.0, 1.0, 10.0])
    # sum(sort(x)^3): gradient 3 x^2, second derivative 6 x, through the
    # gather and its scatter-add.
    p = sg.placeholder((None,))
    g = sg.grad(sg.sum(sg.sort(p, descending=True) ** 3), p)
    h = sg.grad(sg.sum(g), p)
    f = sg.function([p], [g, h])
    gv, hv = f([3.0, -1.0, 2.0])
    np.testing.assert_allclose(np.asarray(gv), [27.0, 3.0, 12.0])
    np.testing.assert_allclose(np.asarray(hv), [18.0, -6.0, 12.0])


def test_large_sort_uses_every_lane():
    x = np.random.default_rng(3).normal(size=(300, 400))
    same(sg.sort(sg.asarray(x)), np.sort(x))
    same(sg.argsort(sg.asarray(x), axis=0), np.argsort(x, axis=0, kind="stable"))
    y = np.random.default_rng(4).normal(size=200_000)
    same(sg.argsort(sg.asarray(y)), np.argsort(y, kind="stable"))


@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted(side):
    x1 = np.array([1.0, 2.0, 2.0, 3.0, np.nan])
    x2 = np.array([[0.0, 1.0, 2.0], [2.5, 3.0, np.nan]])
    same(sg.searchsorted(sg.asarray(x1), sg.asarray(x2), side=side),
         np.searchsorted(x1, x2, side=side))
    same(sg.searchsorted(sg.asarray([1, 3, 5]), 4, side=side), np.searchsorted([1, 3, 5], 4, side=side))
    ints = np.array([1, 3, 3, 7], dtype=np.int32)
    same(sg.searchsorted(sg.asarray(ints), sg.asarray(np.int64([3, 8, 0])), side=side),
         np.searchsorted(ints, [3, 8, 0], side=side))


def test_searchsorted_sorter_and_errors():
    x1 = np.array([3.0, 1.0, 2.0])
    sorter = np.argsort(x1)
    same(sg.searchsorted(sg.asarray(x1), sg.asarray([2.5]), sorter=sg.asarray(sorter)),
         np.searchsorted(x1, [2.5], sorter=sorter))
    with pytest.raises(ValueError, match="side"):
        sg.searchsorted(sg.asarray(x1), 1.0, side="middle")
    with pytest.raises(ValueError, match=r"\[searchsorted\].*1-D"):
        sg.searchsorted(sg.zeros((2, 2)), 1.0)


def test_unique_all():
    x = np.array([[3.0, 1.0, np.nan], [3.0, np.nan, 1.0], [2.0, 2.0, -0.0]])
    r = sg.unique_all(sg.asarray(x))
    assert type(r).__name__ == "UniqueAllResult"
    e = np.unique(x, return_index=True, return_inverse=True, return_counts=True, equal_nan=False)
    same(r.values, e[0])
    same(r.indices, e[1])
    same(r.inverse_indices, e[2].reshape(x.shape))
    same(r.counts, e[3])
    # Each NaN is its own value.
    assert np.isnan(np.asarray(r.values)).sum() == 2


def test_unique_values_are_differentiable():
    base = sg.asarray([[3.0, 1.0], [3.0, 2.0]], requires_grad=True)
    x = sg.permute_dims(base, (1, 0))   # [[3, 3], [1, 2]], strided
    values = sg.unique_values(x)
    same(values, [1.0, 2.0, 3.0])
    sg.sum(values * sg.asarray([1.0, 10.0, 100.0])).backward()
    # Each value's gradient goes to its first occurrence (row-major in x).
    same(base.grad, np.array([[100.0, 0.0], [1.0, 10.0]]).T)


def test_unique_values_gradient_reaches_the_leaf():
    x = sg.asarray([3.0, 1.0, 3.0, 2.0], requires_grad=True)
    r = sg.unique_all(x)
    sg.sum(r.values ** 2).backward()
    same(x.grad, [6.0, 2.0, 0.0, 4.0])
    assert not r.counts.requires_grad


def test_unique_variants_and_dtypes():
    x = np.array([5, 1, 5, 2, 1, 5], dtype=np.int16)
    v, c = sg.unique_counts(sg.asarray(x))
    same(v, np.array([1, 2, 5], np.int16))
    same(c, [2, 1, 3])
    v, inv = sg.unique_inverse(sg.asarray(x))
    same(inv, [2, 0, 2, 1, 0, 2])
    same(sg.unique_values(sg.asarray([True, False, True])), [False, True])
    same(sg.unique_values(sg.asarray([2 + 1j, 1 + 5j, 2 + 1j, 2 + 0j])),
         np.unique([2 + 1j, 1 + 5j, 2 + 1j, 2 + 0j]))
    same(sg.unique_values(sg.zeros(0)), np.zeros(0))
    same(sg.unique_values(sg.asarray(7)), [7])
    with pytest.raises(TypeError, match=r"\[unique\].*symbolic"):
        sg.unique_values(sg.placeholder((3,)))


@settings(max_examples=60, deadline=None)
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6),
                    elements=st.sampled_from([0.0, 1.0, -1.0, 2.5, np.nan, np.inf])),
       data=st.data())
def test_sort_property(x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    same(sg.sort(sg.asarray(x), axis=axis), np.sort(x, axis=axis))
    same(sg.argsort(sg.asarray(x), axis=axis), np.argsort(x, axis=axis, kind="stable"))
    values, counts = sg.unique_counts(sg.asarray(x))
    ev, ec = np.unique(x, return_counts=True, equal_nan=False)
    same(values, ev)
    same(counts, ec)


@pytest.mark.parametrize("dtype", REAL)
def test_long_lanes_radix_path(dtype):
    """Lanes of 512 elements or more sort by radix keys: ties, negative
    numbers, both zeros and NaNs must order as the comparison sort does."""
    rng = np.random.default_rng(5)
    if dtype == "bool":
        x = rng.integers(0, 2, 3000).astype(bool)
    elif dtype.startswith("float"):
        x = rng.choice([-np.inf, -2.5, -1.0, -0.0, 0.0, 1e-300, 3.0, np.inf, np.nan], 3000)
        x = x.astype(dtype)
    else:
        info = np.iinfo(dtype)
        x = rng.choice(np.array([info.min, info.min + 1, 0, 1, 7, info.max - 1, info.max], dtype=dtype), 3000)
    same(sg.argsort(sg.asarray(x)), np.argsort(x, kind="stable"))
    same(sg.sort(sg.asarray(x)), np.sort(x))
    values = x.tolist()

    def descending_key(i):
        v = values[i]
        return (0, 0) if v != v else (1, -float(v) if isinstance(v, float) else -int(v))

    expected = sorted(range(len(values)), key=descending_key)
    same(sg.argsort(sg.asarray(x), descending=True), np.array(expected))
    two_d = x.reshape(3, 1000)
    same(sg.argsort(sg.asarray(two_d), axis=1), np.argsort(two_d, axis=1, kind="stable"))


@pytest.mark.parametrize("dtype", ["int8", "uint64", "float32", "float64"])
def test_unique_of_long_inputs(dtype):
    """Inputs of 512 elements or more group by radix keys."""
    rng = np.random.default_rng(6)
    if dtype.startswith("float"):
        x = rng.choice(np.array([-1.5, 0.0, 2.0, np.inf, np.nan, 7.0], dtype=dtype), (40, 50))
    else:
        info = np.iinfo(dtype)
        x = rng.choice(np.array([info.min, 0, 3, info.max], dtype=dtype), (40, 50))
    r = sg.unique_all(sg.asarray(x))
    e = np.unique(x, return_index=True, return_inverse=True, return_counts=True, equal_nan=False)
    same(r.values, e[0])
    same(r.indices, e[1])
    same(r.inverse_indices, e[2].reshape(x.shape))
    same(r.counts, e[3])
