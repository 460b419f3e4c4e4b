"""Creation functions against NumPy: zeros/ones/empty/full and their
_like forms, arange, linspace, eye, meshgrid, tril/triu, asarray's copy
and requires_grad keywords, and the errors of bad arguments."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import swiftgrad as sg

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float32", "float64", "complex64", "complex128"]


def same(t, expected):
    expected = np.asarray(expected)
    assert isinstance(t, sg.Tensor)
    assert t.shape == expected.shape
    assert t.dtype == expected.dtype, (t.dtype, expected.dtype)
    np.testing.assert_array_equal(np.asarray(t), expected)


@pytest.mark.parametrize("dtype", DTYPES)
def test_constants_in_every_dtype(dtype):
    same(sg.zeros((2, 3), dtype=dtype), np.zeros((2, 3), dtype))
    same(sg.ones(4, dtype=dtype), np.ones(4, dtype))
    assert sg.empty((0, 3), dtype=dtype).shape == (0, 3)
    same(sg.full((3,), 1, dtype=dtype), np.full((3,), 1, dtype))


def test_default_dtypes():
    assert sg.zeros(2).dtype == sg.float64
    assert sg.ones(()).dtype == sg.float64 and sg.ones(()).shape == ()
    assert sg.empty(3).dtype == sg.float64
    same(sg.full((2,), 7), np.full((2,), 7))
    same(sg.full((2,), True), np.full((2,), True))
    same(sg.full((2, 1), 2.5), np.full((2, 1), 2.5))
    same(sg.full((2,), 1 + 2j), np.full((2,), 1 + 2j))
    same(sg.full((2,), 2**63 - 1), np.full((2,), 2**63 - 1))
    assert np.isnan(np.asarray(sg.full(3, float("nan")))).all()


def test_like_of_symbolic_tensors_and_parameters():
    x = sg.placeholder((None, 3))
    z, o = sg.zeros_like(x), sg.full_like(x, 2.5, dtype="float32")
    assert z.shape == (None, 3)
    f = sg.function([x], [z, o, sg.ones_like(x, dtype="int8")])
    a, b, c = f(np.arange(6.0).reshape(2, 3))
    same(a, np.zeros((2, 3)))
    same(b, np.full((2, 3), 2.5, np.float32))
    same(c, np.ones((2, 3), np.int8))
    w = sg.asarray([1.0, 2.0], requires_grad=True)
    zw = sg.zeros_like(w)
    assert not zw.requires_grad
    assert sg.zeros_like(w, requires_grad=True).requires_grad
    s = sg.shared(np.ones((2, 2)))
    same(sg.function([], sg.ones_like(s))(), np.ones((2, 2)))
    with pytest.raises(TypeError, match=r"\[full_like\].*scalar"):
        sg.full_like(w, [1, 2])


def test_like():
    x = sg.asarray(np.arange(6, dtype=np.int32).reshape(2, 3))
    same(sg.zeros_like(x), np.zeros((2, 3), np.int32))
    same(sg.ones_like(x, dtype="float32"), np.ones((2, 3), np.float32))
    same(sg.full_like(x, 4), np.full((2, 3), 4, np.int32))
    assert sg.empty_like(x).shape == (2, 3) and sg.empty_like(x).dtype == sg.int32


@pytest.mark.parametrize("args", [
    (5,), (0,), (-3,), (2, 9), (2, 9, 3), (9, 2, -3), (9, 2, 3), (-5, 5, 7),
    (0, 10, 1), (10, 0, -1)])
def test_arange_int(args):
    same(sg.arange(*args), np.arange(*args))


@pytest.mark.parametrize("args", [
    (0.5,), (0, 1, 0.1), (1, 0, -0.3), (-2.5, 2.5, 0.5), (0, 1e-3, 1e-4), (3.0, 1.0)])
def test_arange_float(args):
    t, expected = sg.arange(*args), np.arange(*args)
    assert t.shape == expected.shape
    np.testing.assert_allclose(np.asarray(t), expected, rtol=1e-15, atol=1e-15)


def test_arange_dtypes_and_large_ints():
    same(sg.arange(3, dtype="uint8"), np.arange(3, dtype=np.uint8))
    same(sg.arange(5, dtype="float32"), np.arange(5, dtype=np.float32))
    same(sg.arange(2**63 - 3, 2**63 - 1), np.arange(2**63 - 3, 2**63 - 1))
    same(sg.arange(-2**63, -2**63 + 2), np.arange(-2**63, -2**63 + 2))
    same(sg.arange(2**64 - 3, 2**64 - 1, dtype="uint64"), np.arange(2**64 - 3, 2**64 - 1, dtype=np.uint64))


def test_arange_errors():
    with pytest.raises(ValueError, match=r"\[arange\].*step"):
        sg.arange(0, 5, 0)
    with pytest.raises(ValueError, match=r"\[arange\]"):
        sg.arange(0, 300, dtype="uint8")
    with pytest.raises(ValueError, match=r"\[arange\]"):
        sg.arange(0.0, float("inf"))
    with pytest.raises(ValueError, match=r"\[arange\]"):
        sg.arange(-2**63, 2**63 - 1, 1)   # 2**64 - 1 elements
    with pytest.raises(TypeError, match=r"\[arange\]"):
        sg.arange(1j)
    with pytest.raises(TypeError):
        sg.arange(3, dtype="complex128")


@pytest.mark.parametrize("start, stop, num, endpoint", [
    (0, 1, 5, True), (0, 1, 5, False), (-3, 7, 1, True), (-3, 7, 1, False), (2, -2, 0, True),
    (0, 1, 2, True), (1e-3, 1e3, 101, True), (5, 5, 4, True)])
def test_linspace(start, stop, num, endpoint):
    t = sg.linspace(start, stop, num, endpoint=endpoint)
    expected = np.linspace(start, stop, num, endpoint=endpoint)
    assert t.dtype == sg.float64 and t.shape == expected.shape
    np.testing.assert_allclose(np.asarray(t), expected, rtol=1e-14, atol=1e-14)
    if endpoint and num > 1:
        assert np.asarray(t)[-1] == stop


def test_linspace_complex_and_float32():
    t = sg.linspace(0, 1 + 2j, 5)
    assert t.dtype == sg.complex128
    np.testing.assert_allclose(np.asarray(t), np.linspace(0, 1 + 2j, 5), rtol=1e-15)
    t = sg.linspace(0, 1, 7, dtype="float32")
    np.testing.assert_allclose(np.asarray(t), np.linspace(0, 1, 7, dtype=np.float32), rtol=1e-7)
    with pytest.raises(ValueError, match=r"\[linspace\].*negative"):
        sg.linspace(0, 1, -1)
    with pytest.raises(TypeError, match=r"\[linspace\]"):
        sg.linspace(0, 1, 3, dtype="int64")


@pytest.mark.parametrize("n, m, k", [
    (3, None, 0), (3, 4, 1), (4, 3, -1), (3, 3, 5), (3, 3, -5), (0, 2, 0), (2, 0, 0),
    (1, 1, 2**62), (2, 2, -2**62)])
def test_eye(n, m, k):
    same(sg.eye(n, m, k=k), np.eye(n, m, k=k))


def test_eye_dtype_and_errors():
    same(sg.eye(3, dtype="int8"), np.eye(3, dtype=np.int8))
    same(sg.eye(2, dtype="bool"), np.eye(2, dtype=bool))
    with pytest.raises(ValueError, match=r"\[eye\].*negative"):
        sg.eye(-1)


@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("lengths", [(3,), (3, 2), (2, 3, 4), (0, 2)])
def test_meshgrid(indexing, lengths):
    arrays = [np.arange(n, dtype=np.float64) + 10 * i for i, n in enumerate(lengths)]
    grids = sg.meshgrid(*[sg.asarray(a) for a in arrays], indexing=indexing)
    expected = np.meshgrid(*arrays, indexing=indexing)
    assert len(grids) == len(expected)
    for g, e in zip(grids, expected):
        same(g, e)


def test_meshgrid_gradient_and_errors():
    x = sg.asarray([1.0, 2.0, 3.0], requires_grad=True)
    y = sg.asarray([4.0, 5.0], requires_grad=True)
    gx, gy = sg.meshgrid(x, y)
    sg.sum(gx * gy).backward()
    # d/dx_j sum_ij x_j y_i = sum(y); d/dy_i = sum(x)
    np.testing.assert_allclose(np.asarray(x.grad), [9.0] * 3)
    np.testing.assert_allclose(np.asarray(y.grad), [6.0] * 2)
    assert sg.meshgrid() == []
    with pytest.raises(ValueError, match="indexing"):
        sg.meshgrid(x, indexing="yx")
    with pytest.raises(ValueError, match=r"\[meshgrid\].*1-D"):
        sg.meshgrid(sg.zeros((2, 2)))
    with pytest.raises(TypeError, match=r"\[meshgrid\].*dtype"):
        sg.meshgrid(x, sg.asarray([1, 2]))


@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (2, 3, 5), (1, 1), (0, 3)])
@pytest.mark.parametrize("k", [0, 1, -1, 3, -7, 100])
def test_tril_triu(shape, k):
    x = np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape) + 1
    same(sg.tril(sg.asarray(x), k=k), np.tril(x, k=k))
    same(sg.triu(sg.asarray(x), k=k), np.triu(x, k=k))


def test_tril_strided_and_errors():
    x = np.arange(24.0).reshape(4, 6)[::2, ::-2]   # a non-contiguous view
    same(sg.tril(sg.asarray(x)), np.tril(x))
    same(sg.triu(sg.asarray([[True, True], [True, True]])), np.triu(np.ones((2, 2), bool)))
    with pytest.raises(ValueError, match=r"\[tril\].*2 dimensions"):
        sg.tril(sg.zeros(3))


def test_asarray_copy_keyword():
    x = sg.asarray([1.0, 2.0])
    assert sg.asarray(x) is x
    assert sg.asarray(x, copy=False) is x
    y = sg.asarray(x, copy=True)
    assert y is not x
    same(y, [1.0, 2.0])
    assert sg.asarray(x, dtype="float32").dtype == sg.float32
    with pytest.raises(ValueError, match=r"\[asarray\].*copy"):
        sg.asarray(x, dtype="float32", copy=False)
    with pytest.raises(ValueError, match=r"\[asarray\].*copy"):
        sg.asarray([1, 2], copy=False)
    same(sg.asarray(np.arange(3), copy=True), np.arange(3))
    same(sg.asarray(3.5), np.asarray(3.5))
    same(sg.asarray([[True], [False]]), np.asarray([[True], [False]]))
    same(sg.asarray(np.arange(6.0).reshape(2, 3).T), np.arange(6.0).reshape(2, 3).T)


def test_asarray_of_sequences_of_arrays():
    a, b = np.arange(3, dtype=np.float32), np.ones(3, dtype=np.float32)
    same(sg.asarray([a, b]), np.asarray([a, b]))
    same(sg.asarray([sg.asarray([1, 2]), [3, 4]]), np.array([[1, 2], [3, 4]]))
    same(sg.asarray((a, b), dtype="float64"), np.asarray((a, b), dtype=np.float64))
    with pytest.raises(ValueError, match="ragged"):
        sg.asarray([a, np.ones(2)])


def test_requires_grad_keyword():
    for t in [sg.zeros(3, requires_grad=True), sg.ones((2,), requires_grad=True),
              sg.full((2,), 1.5, requires_grad=True), sg.arange(3.0, requires_grad=True),
              sg.linspace(0, 1, 3, requires_grad=True), sg.eye(2, requires_grad=True),
              sg.asarray([1.0, 2.0], requires_grad=True)]:
        assert t.requires_grad
    x = sg.arange(3.0, requires_grad=True)
    sg.sum(x * x).backward()
    same(x.grad, [0.0, 2.0, 4.0])
    with pytest.raises(TypeError, match="floating"):
        sg.zeros(3, dtype="int64", requires_grad=True)


def test_device_keyword():
    assert sg.zeros(2, device="cpu").device == "cpu"
    with pytest.raises(ValueError, match="device"):
        sg.ones(2, device="cuda")


def test_bad_shapes():
    with pytest.raises(ValueError, match=r"\[zeros\].*negative"):
        sg.zeros((2, -1))
    with pytest.raises(ValueError, match=r"\[ones\].*overflows"):
        sg.ones((2**40, 2**40))
    with pytest.raises(TypeError):
        sg.zeros("abc")
    with pytest.raises(TypeError):
        sg.zeros(None)
    same(sg.zeros(np.int64(2)), np.zeros(2))
    same(sg.ones([np.int32(1), 2]), np.ones((1, 2)))
    with pytest.raises(TypeError, match=r"\[full\].*scalar"):
        sg.full((2,), [1, 2])


@settings(max_examples=60, deadline=None)
@given(start=st.integers(-1000, 1000), stop=st.integers(-1000, 1000),
       step=st.integers(-50, 50).filter(lambda s: s != 0))
def test_arange_property(start, stop, step):
    same(sg.arange(start, stop, step), np.arange(start, stop, step))


@settings(max_examples=40, deadline=None)
@given(shape=st.lists(st.integers(1, 5), min_size=2, max_size=4), k=st.integers(-6, 6),
       data=st.data())
def test_triangles_on_views_property(shape, k, data):
    base = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    axes = data.draw(st.permutations(range(len(shape))))
    x = np.transpose(base, axes)
    view = sg.permute_dims(sg.asarray(base), axes)   # strided, no copy
    same(sg.tril(view, k=k), np.tril(x, k=k))
    same(sg.triu(view, k=k), np.triu(x, k=k))
