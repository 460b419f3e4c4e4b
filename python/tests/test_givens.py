"""Theano's givens in compiled functions, and slices whose bounds are
tensors (the minibatch idiom data[i * n:(i + 1) * n] with i an input)."""

from __future__ import annotations

import numpy as np
import pytest

import swiftgrad as sg
import swiftgrad.tensor as T


def test_minibatch_sgd_with_givens_matches_numpy():
    rng = np.random.default_rng(7)
    data_x, data_y = rng.normal(size=(50, 4)), rng.normal(size=50)
    bs, lr = 8, 0.1
    train_x, train_y = sg.shared(data_x, name="train_x"), sg.shared(data_y, name="train_y")
    index = T.lscalar("index")
    x, y = T.dmatrix("x"), T.dvector("y")
    W = sg.shared(np.zeros(4), name="W")
    b = sg.shared(np.float64(0.0), name="b")
    cost = sg.mean((T.dot(x, W) + b - y) ** 2)
    gW, gb = T.grad(cost, [W, b])
    batch = slice(index * bs, (index + 1) * bs)
    train = sg.function([index], cost, updates=[(W, W - lr * gW), (b, b - lr * gb)],
                        givens={x: train_x[batch], y: train_y[batch]})
    w, c = np.zeros(4), 0.0
    for epoch in range(2):
        for i in range(7):  # the last batch is short: rows 48 and 49
            xb, yb = data_x[i * bs:(i + 1) * bs], data_y[i * bs:(i + 1) * bs]
            r = xb @ w + c - yb
            expected = np.mean(r ** 2)
            w, c = w - lr * 2 * xb.T @ r / len(yb), c - lr * 2 * np.mean(r)
            np.testing.assert_allclose(float(train(i)), expected, rtol=1e-13)
    np.testing.assert_allclose(np.asarray(W.get_value()), w, rtol=1e-12)


def test_givens_replace_shared_and_expressions():
    x = T.dvector("x")
    s = sg.shared(np.array([1.0, 2.0]), name="s")
    h = x * 2
    out = h + s
    # a shared variable replaced by an expression over the input
    f = sg.function([x], out, givens=[(s, x * x)])
    np.testing.assert_allclose(np.asarray(f([3.0, 4.0])), [15.0, 24.0])
    # an intermediate expression replaced; the replacement may use what it replaces
    g = sg.function([x], out, givens={h: h + 100})
    np.testing.assert_allclose(np.asarray(g([3.0, 4.0])), [107.0, 110.0])
    # a NumPy value as the replacement of a placeholder that is not an input
    z = T.dvector("z")
    k = sg.function([x], x + z, givens={z: np.array([10.0, 20.0])})
    np.testing.assert_allclose(np.asarray(k([1.0, 2.0])), [11.0, 22.0])
    # the gradient of a graph built with givens
    cost = sg.sum(z * z * x)
    gf = sg.function([x], sg.grad(cost, x), givens={z: x + 1})
    np.testing.assert_allclose(np.asarray(gf([1.0, 2.0])), [4.0, 9.0])


def test_givens_errors_name_types():
    x, y = T.dmatrix("x"), T.dvector("y")
    i = T.lscalar("i")
    with pytest.raises(TypeError, match=r"given 0 replaces a float64 placeholder 'x' of shape \(\?,\?\) by a "
                                        r"float32 tensor of shape \(2,\); the dtype and shape must match"):
        sg.function([y], sg.sum(x) + y, givens={x: sg.zeros(2, dtype=sg.float32)})
    with pytest.raises(TypeError, match=r"given 0 replaces .*'x' .* by a float64 tensor of shape \(2,3,1\)"):
        sg.function([y], sg.sum(x) + y, givens={x: sg.zeros((2, 3, 1))})
    fixed = sg.placeholder((2, 3), name="fixed")
    with pytest.raises(TypeError, match=r"shape \(2,3\) by a float64 tensor of shape \(2,4\)"):
        sg.function([y], sg.sum(fixed) + y, givens={fixed: sg.zeros((2, 4))})
    with pytest.raises(ValueError, match=r"given 0 replaces float64 placeholder 'y' .* which is an input"):
        sg.function([y], y * 2, givens={y: sg.zeros(3)})
    with pytest.raises(TypeError, match=r"given 0 replaces a float64 tensor"):
        sg.function([y], y * 2, givens={sg.zeros(3): y})
    with pytest.raises(TypeError, match=r"givens must be \(tensor, replacement\) pairs"):
        sg.function([y], y * 2, givens=[y])
    with pytest.raises(TypeError, match=r"a slice bound given as a tensor must be a 0-d integer tensor, not float64"):
        y[sg.asarray(1.5):]
    with pytest.raises(TypeError, match=r"0-d integer tensor, not int64 of shape \(\?,\)"):
        y[T.lvector("v"):]
    # the function compiles; a bad index then fails at the call, not before
    f = sg.function([i], sg.sum(x), givens={x: sg.shared(np.ones((4, 2)))[i:i + 2]})
    assert float(f(1)) == 4.0 and float(f(3)) == 2.0 and float(f(9)) == 0.0


def test_slices_with_tensor_bounds():
    data = np.arange(24.0).reshape(4, 6)
    a = sg.asarray(data)
    i, j = T.lscalar("i"), T.lscalar("j")
    cases = [
        (lambda t, i, j: t[i:j], lambda d, i, j: d[i:j]),
        (lambda t, i, j: t[:, i:j:2], lambda d, i, j: d[:, i:j:2]),
        (lambda t, i, j: t[..., i:], lambda d, i, j: d[..., i:]),
        (lambda t, i, j: t[None, 1, :j], lambda d, i, j: d[None, 1, :j]),
        (lambda t, i, j: t[j:i:-1], lambda d, i, j: d[j:i:-1]),
    ]
    for f, ref in cases:
        fn = sg.function([i, j], f(a, i, j), on_unused_input="ignore")  # some cases leave j out
        for iv, jv in [(1, 3), (0, 6), (-3, -1), (2, 100), (5, 1)]:
            np.testing.assert_array_equal(np.asarray(fn(iv, jv)), ref(data, iv, jv))
        # concrete bounds compute at once
        np.testing.assert_array_equal(np.asarray(f(a, sg.asarray(1), sg.asarray(3))), ref(data, 1, 3))


def test_gradient_through_tensor_slices():
    data = np.arange(12.0).reshape(6, 2)
    W = sg.shared(data, name="W")
    i = T.lscalar("i")
    cost = sg.sum(W[i:i + 2] ** 2)
    g = sg.function([i], sg.grad(cost, W))
    expected = np.zeros_like(data)
    expected[3:5] = 2 * data[3:5]
    np.testing.assert_allclose(np.asarray(g(3)), expected)
    # second order: the scatter's vjp is the slice again
    x = sg.asarray(data)
    x.requires_grad = True
    hv = sg.func.grad(lambda t: sg.sum(sg.func.grad(lambda u: sg.sum(u[sg.asarray(1):sg.asarray(3)] ** 3))(t) * t))(x)
    expected = np.zeros_like(data)
    expected[1:3] = 6 * data[1:3] ** 2 + 3 * data[1:3] ** 2  # d/dt sum(3 t^2 * t) over the slice
    np.testing.assert_allclose(np.asarray(hv), expected)
