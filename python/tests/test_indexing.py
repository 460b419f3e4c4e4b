"""Views, indexing and joining against NumPy: values, shapes, which results
share memory, errors, in-place writes and gradients (the op table in
test_ops.py checks the differentiable ones to second order)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import swiftgrad as sg


def arange(*shape, dtype="float64"):
    return np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)


def same_memory(a, b):
    """Whether two tensors' values start at the same address."""
    return np.asarray(a).__array_interface__["data"][0] == np.asarray(b).__array_interface__["data"][0]


def check(actual, expected):
    assert isinstance(actual, sg.Tensor)
    assert actual.shape == np.shape(expected)
    assert actual.dtype == sg.asarray(np.asarray(expected)).dtype
    np.testing.assert_array_equal(np.asarray(actual), expected)


# ------------------------------------------------------------ basic indexing

KEYS = [
    0, -1, (1,), (slice(None), 1), (Ellipsis, 2), (None, 1, None),
    slice(None, None, -1), (slice(1, None), slice(None, None, -2)),
    (1, slice(3, 0, -1), Ellipsis), (Ellipsis, None), (slice(-100, 100),),
    (slice(5, 1),), (0, 1, 2), (Ellipsis, slice(None, None, 3), None, 0),
    (slice(-10 ** 30, 10 ** 30), slice(10 ** 30, None, -10 ** 30)),
]


@pytest.mark.parametrize("key", KEYS, ids=map(repr, KEYS))
def test_basic_index_matches_numpy_and_is_a_view(key):
    a = arange(2, 3, 4)
    x = sg.asarray(a)
    y = x[key]
    check(y, a[key])
    if y.size and isinstance(a[key], np.ndarray):
        # The view's first element lives where NumPy's does.
        base = np.asarray(x).__array_interface__["data"][0]
        offset = a[key].__array_interface__["data"][0] - a.__array_interface__["data"][0]
        assert np.asarray(y).__array_interface__["data"][0] == base + offset


@st.composite
def sliced(draw):
    shape = draw(st.lists(st.integers(0, 5), min_size=1, max_size=4))
    bound = st.one_of(st.none(), st.integers(-7, 7))
    step = st.one_of(st.none(), st.integers(-3, 3).filter(lambda s: s != 0))
    key = tuple(slice(draw(bound), draw(bound), draw(step)) for _ in shape)
    return shape, key


@given(sliced())
@settings(max_examples=150, deadline=None)
def test_slices_follow_numpy_clamping(case):
    shape, key = case
    a = arange(*shape)
    x = sg.asarray(a)
    check(x[key], a[key])
    # Kernels read the strided view right: sum, exp and a copy.
    np.testing.assert_allclose(np.asarray(sg.sum(x[key])), a[key].sum())
    np.testing.assert_allclose(np.asarray(sg.exp(x[key] / 10)), np.exp(a[key] / 10))
    check(sg.reshape(x[key], (-1,)), a[key].reshape(-1))


def test_int_index_errors_name_the_axis():
    x = sg.asarray(arange(3, 2))
    with pytest.raises(IndexError, match=r"\[index\] index 3 is out of bounds for axis 0 with size 3"):
        x[3]
    with pytest.raises(IndexError, match="index -3 is out of bounds for axis 1 with size 2"):
        x[:, -3]
    with pytest.raises(IndexError, match="too many indices"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match="single ellipsis"):
        x[..., ...]
    with pytest.raises(ValueError, match="step cannot be zero"):
        x[::0]
    with pytest.raises(IndexError, match="only integers, slices"):
        x["a"]
    with pytest.raises(IndexError, match="integer or boolean dtype"):
        x[sg.asarray([0.5])]
    with pytest.raises(TypeError):
        del x[0]


def test_iteration_and_len():
    a = arange(3, 2)
    rows = list(sg.asarray(a))
    assert len(rows) == 3
    for row, expected in zip(rows, a):
        check(row, expected)


# ------------------------------------------------------------ advanced

ADVANCED = [
    [1, 0, 1], (slice(None), [1, 0]), ([0, 1], slice(None), [1, 2]),
    (1, slice(None), [3, 0]), ([[0], [1]], [0, 2, 1]), (Ellipsis, [-1, 0]),
    (slice(None), [2, 2, 0], slice(1, 3)), (None, [1], 0), ([0, 1], [1, 2], [3, 0]),
    ([], slice(None)), (slice(None), []),
    # Separated in the key (by an ellipsis for no axes, by None): first.
    (slice(None, 0), 0, Ellipsis, [0]), ([1], None, [2]), (0, slice(None), 1),
]


@pytest.mark.parametrize("key", ADVANCED, ids=map(repr, ADVANCED))
def test_integer_arrays_follow_numpy(key):
    a = arange(2, 3, 4)
    np_key = tuple(np.asarray(k, dtype=np.intp) if isinstance(k, list) else k for k in key) \
        if isinstance(key, tuple) else np.asarray(key)
    check(sg.asarray(a)[key], a[np_key])


def test_masks_and_nonzero():
    a = arange(2, 3, 4)
    x = sg.asarray(a)
    check(x[x > 10], a[a > 10])
    check(x[sg.asarray([True, False])], a[np.array([True, False])])
    check(x[:, sg.asarray([True, False, True]), ::-1], a[:, [True, False, True], ::-1])
    m = a % 3 == 0
    for got, expected in zip(sg.nonzero(sg.asarray(m)), np.nonzero(m)):
        check(got, expected)
    with pytest.raises(IndexError, match="boolean index did not match"):
        x[sg.asarray([True, False, True])]


def test_take_and_its_gradient_accumulates():
    a = arange(3, 4)
    x = sg.asarray(a)
    idx = np.array([2, 0, 2, -1])
    check(sg.take(x, sg.asarray(idx), axis=0), np.take(a, idx, axis=0))
    check(sg.take(x, sg.asarray(idx[:2]), axis=1), np.take(a, idx[:2], axis=1))
    check(sg.take(x, sg.asarray(idx)), np.take(a, idx))
    with pytest.raises(IndexError, match=r"\[take\] index 4 is out of bounds for axis 1 with size 4"):
        sg.take(x, sg.asarray([4]), axis=1)
    x.requires_grad = True
    sg.take(x, sg.asarray(idx), axis=0).sum().backward()
    expected = np.zeros_like(a)
    np.add.at(expected, idx, 1)
    np.testing.assert_array_equal(np.asarray(x.grad), expected)


# ------------------------------------------------------------ setitem

def test_setitem_writes_like_numpy():
    a = arange(3, 4)
    x = sg.asarray(a)
    row = x[1]
    for key, value in [
        ((1, slice(None, None, 2)), -1.0),
        ((slice(None, None, -1), 0), [10, 20, 30]),
        ((0, slice(1, None)), None),          # overlapping: x[0, 1:] = x[0, :-1]
        (([2, 0, 2], 3), [7.0, 8.0, 9.0]),     # repeats: the last write wins
        ((slice(None), [1, 2]), [[1, 2]]),     # broadcast into (3, 2)
    ]:
        if value is None:
            x[key] = x[0, :-1]
            a[key] = a[0, :-1].copy()
        else:
            x[key] = value
            a[key] = value
        np.testing.assert_array_equal(np.asarray(x), a)
    np.testing.assert_array_equal(np.asarray(row), a[1])  # the view saw the writes
    x[x > 20] = 0
    a[a > 20] = 0
    np.testing.assert_array_equal(np.asarray(x), a)
    n = sg.asarray([1, 2, 3], dtype="int32")
    n[0] = 7.9   # cast to int32, like NumPy
    assert n.tolist() == [7, 2, 3] and n.dtype == sg.int32
    with pytest.raises(ValueError, match=r"could not broadcast a value of shape \(3,\) into shape \(2,\)"):
        x[0, :2] = [1, 2, 3]


def test_setitem_refuses_grad_and_symbolic():
    w = sg.asarray([1.0, 2.0])
    w.requires_grad = True
    with pytest.raises(TypeError, match="requires grad"):
        w[0] = 5
    with sg.no_grad():
        w[0] = 5
    assert w.tolist() == [5.0, 2.0]
    with pytest.raises(TypeError, match="symbolic"):
        sg.placeholder((None,))[0] = 1


# ------------------------------------------------------------ shapes

def test_reshape_views_copies_and_errors():
    a = arange(2, 3, 4)
    x = sg.asarray(a)
    y = sg.reshape(x, (6, -1))
    check(y, a.reshape(6, -1))
    assert same_memory(x, y)
    t = sg.reshape(x.mT, (-1,))
    check(t, a.swapaxes(-1, -2).reshape(-1))
    assert not same_memory(x, sg.reshape(x, (24,), copy=True))
    check(x.reshape(4, 6), a.reshape(4, 6))
    with pytest.raises(ValueError, match=r"\[reshape\] cannot reshape \(2,3,4\) into \(5,-1\)"):
        sg.reshape(x, (5, -1))
    with pytest.raises(ValueError, match="without a copy"):
        sg.reshape(x.mT, (-1,), copy=False)


def test_manipulation_functions_match_numpy():
    a = arange(2, 3, 4)
    x = sg.asarray(a)
    check(sg.expand_dims(x, axis=-1), np.expand_dims(a, -1))
    check(sg.squeeze(sg.expand_dims(x, axis=1), axis=1), a)
    check(sg.broadcast_to(sg.asarray([1, 2, 3, 4]), (2, 4)), np.broadcast_to([1, 2, 3, 4], (2, 4)))
    for got, expected in zip(sg.broadcast_arrays(x, sg.asarray([1.0]), sg.asarray(arange(3, 1))),
                             np.broadcast_arrays(a, [1.0], arange(3, 1))):
        check(got, expected)
    check(sg.matrix_transpose(x), np.swapaxes(a, -1, -2))
    check(x.mT, np.swapaxes(a, -1, -2))
    check(sg.moveaxis(x, (0, 1), (2, 0)), np.moveaxis(a, (0, 1), (2, 0)))
    check(sg.flip(x), np.flip(a))
    check(sg.flip(x, axis=(0, 2)), np.flip(a, (0, 2)))
    check(sg.concat([x, x[:1]], axis=0), np.concatenate([a, a[:1]]))
    check(sg.concat([x, sg.asarray(arange(2, 3, 1, dtype="float32"))], axis=-1),
          np.concatenate([a, arange(2, 3, 1, dtype="float32")], axis=-1))
    check(sg.concat([x, x], axis=None), np.concatenate([a, a], axis=None))
    check(sg.stack([x, x], axis=-1), np.stack([a, a], axis=-1))
    for got, expected in zip(sg.unstack(x, axis=1), np.moveaxis(a, 1, 0)):
        check(got, expected)
    check(sg.roll(x, 5), np.roll(a, 5))
    check(sg.roll(x, (1, -2), axis=(0, 2)), np.roll(a, (1, -2), axis=(0, 2)))
    check(sg.repeat(x, 2, axis=1), np.repeat(a, 2, axis=1))
    check(sg.repeat(x, sg.asarray([1, 0, 2]), axis=1), np.repeat(a, [1, 0, 2], axis=1))
    check(sg.repeat(x, 3), np.repeat(a, 3))
    check(sg.tile(x, (2, 1, 1, 2)), np.tile(a, (2, 1, 1, 2)))
    check(sg.tile(sg.asarray([1, 2]), (3,)), np.tile([1, 2], 3))
    check(sg.where(x > 5, x, -1.0), np.where(a > 5, a, -1.0))
    check(sg.where(sg.asarray([True, False]), 1, sg.asarray([2.5, 3.5])),
          np.where([True, False], 1, [2.5, 3.5]))
    with pytest.raises(ValueError, match="0-dimensional"):
        sg.concat([sg.asarray(1.0)])
    with pytest.raises(IndexError, match="axis 3 is out of bounds"):
        sg.squeeze(x, axis=3)
    with pytest.raises(ValueError, match="cannot remove axis 0"):
        sg.squeeze(x, axis=0)
    with pytest.raises(TypeError, match="condition must be bool"):
        sg.where(x, x, x)


def test_negative_strides_reach_every_kernel():
    a = arange(3, 4)
    x = sg.asarray(a)
    f, fa = x[::-1, 1::2], a[::-1, 1::2]
    np.testing.assert_allclose(np.asarray(f @ x[:2, :2]), fa @ a[:2, :2])
    np.testing.assert_allclose(np.asarray(sg.sum(f, axis=0)), fa.sum(axis=0))
    np.testing.assert_allclose(np.asarray(f * x[:, :2]), fa * a[:, :2])
    np.testing.assert_allclose(np.asarray(sg.astype(f, sg.float32)), fa.astype(np.float32))
    np.testing.assert_array_equal(np.asarray(f), fa)  # the buffer export keeps strides


# ------------------------------------------------------------ gradients

def numerical(f, a, eps=1e-6):
    g = np.zeros_like(a)
    for j in np.ndindex(a.shape):
        p, m = a.copy(), a.copy()
        p[j] += eps
        m[j] -= eps
        g[j] = (f(p) - f(m)) / (2 * eps)
    return g


GRAD_CASES = [
    ("getitem", lambda x: x[1:, ::-2] * x[0, :2], lambda a: a[1:, ::-2] * a[0, :2]),
    ("fancy", lambda x: x[[2, 0, 2], 1:] ** 2, lambda a: a[[2, 0, 2], 1:] ** 2),
    ("mask", lambda x: x[x > 0] * 3, lambda a: a[a > 0] * 3),
    ("where", lambda x: sg.where(x > 0, x * x, -x), lambda a: np.where(a > 0, a * a, -a)),
    ("roll", lambda x: sg.roll(x, 2, axis=1) * x, lambda a: np.roll(a, 2, axis=1) * a),
    ("unstack", lambda x: sg.unstack(x)[1] * sg.unstack(x, axis=1)[2][0],
     lambda a: a[1] * a[:, 2][0]),
]


@pytest.mark.parametrize("name, fn, ref", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_eager_gradients(name, fn, ref):
    a = np.random.default_rng(3).uniform(-2, 2, (3, 4))
    w = np.random.default_rng(4).uniform(-1, 1, np.shape(ref(a)))
    x = sg.asarray(a)
    x.requires_grad = True
    sg.sum(fn(x) * sg.asarray(w)).backward()
    np.testing.assert_allclose(np.asarray(x.grad), numerical(lambda v: np.sum(ref(v) * w), a),
                               rtol=1e-6, atol=1e-7)


def test_symbolic_gradients_with_unknown_lengths():
    p = sg.placeholder((None, None))
    y = p[1:, ::-1]
    z = sg.concat([sg.reshape(y, (-1,)), sg.take(p, sg.asarray([0, 0]), axis=1)[0]], axis=0)
    f = sg.function([p], [z, sg.grad(sg.sum(z * z), p)])
    a = arange(3, 4)
    out, g = f(a)
    expected = np.concatenate([a[1:, ::-1].reshape(-1), a[0, [0, 0]]])
    np.testing.assert_array_equal(np.asarray(out), expected)
    np.testing.assert_allclose(np.asarray(g), numerical(
        lambda v: np.sum(np.concatenate([v[1:, ::-1].reshape(-1), v[0, [0, 0]]]) ** 2), a))
    with pytest.raises(ValueError, match="needs a known length"):
        sg.unstack(p)


# ------------------------------------------------------------ random keys

@st.composite
def keys(draw):
    """A shape and a key mixing ints (some out of range), slices, None,
    an ellipsis and integer arrays, as NumPy takes them."""
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    entries = []
    for _ in range(draw(st.integers(0, len(shape) + 1))):
        kind = draw(st.sampled_from(["int", "slice", "none", "ellipsis", "array"]))
        if kind == "int":
            entries.append(draw(st.integers(-5, 4)))
        elif kind == "slice":
            b = st.one_of(st.none(), st.integers(-5, 5))
            entries.append(slice(draw(b), draw(b), draw(st.sampled_from([None, 1, 2, -1, -2]))))
        elif kind == "none":
            entries.append(None)
        elif kind == "ellipsis":
            entries.append(Ellipsis)
        else:
            entries.append(draw(st.lists(st.integers(-4, 3), min_size=1, max_size=3)))
    return shape, tuple(entries)


def numpy_key(key):
    return tuple(np.asarray(k) if isinstance(k, list) else k for k in key)


@given(keys())
@settings(max_examples=300, deadline=None)
def test_random_keys_match_numpy(case):
    shape, key = case
    a = arange(*shape)
    x = sg.asarray(a)
    try:
        expected = a[numpy_key(key)]
    except IndexError:
        with pytest.raises(IndexError):
            x[key]
        return
    check(x[key], expected)


@given(keys(), st.floats(-10, 10))
@settings(max_examples=150, deadline=None)
def test_random_setitem_matches_numpy(case, value):
    shape, key = case
    a = arange(*shape)
    x = sg.asarray(a)
    try:
        a[numpy_key(key)] = value
    except IndexError:
        with pytest.raises(IndexError):
            x[key] = value
        return
    x[key] = value
    np.testing.assert_array_equal(np.asarray(x), a)


@st.composite
def reshapes(draw):
    """A strided view (a slice of a transpose) and a shape of its size."""
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    perm = draw(st.permutations(range(len(shape))))
    key = tuple(slice(None, None, draw(st.sampled_from([1, 1, 2, -1]))) for _ in shape)
    view = np.transpose(arange(*shape), perm)[key]
    factors, n = [], view.size
    while n > 1 and len(factors) < 4:
        d = draw(st.sampled_from([k for k in range(1, n + 1) if n % k == 0]))
        factors.append(d)
        n //= d
    return perm, key, shape, tuple(factors + ([n] if n > 1 else []))


@given(reshapes())
@settings(max_examples=300, deadline=None)
def test_reshape_views_exactly_where_numpy_does(case):
    perm, key, shape, new = case
    a = np.transpose(arange(*shape), perm)[key]
    x = sg.permute_dims(sg.asarray(arange(*shape)), perm)[key]
    check(sg.reshape(x, new), a.reshape(new))
    try:
        np.reshape(a, new, copy=False)
    except ValueError:
        with pytest.raises(ValueError, match="without a copy"):
            sg.reshape(x, new, copy=False)
    else:
        check(sg.reshape(x, new, copy=False), a.reshape(new))
