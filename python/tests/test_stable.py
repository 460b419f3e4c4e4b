"""Numerically stable functions at extreme inputs (±1000): values and
gradients, eagerly, symbolically and compiled, against references computed
stably by hand in float64; the stability rewrites of softmax and
logsumexp; the derivatives of pow, sqrt, abs and maximum at 0 and at ties.
(Values and gradients at ordinary inputs, to second order, are rows of
test_ops.py.)"""

from __future__ import annotations

import numpy as np
import pytest

import swiftgrad as sg


def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def softplus(x):
    x = np.asarray(x, dtype=np.float64)
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    r = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return r if keepdims else np.squeeze(r, axis=axis)


def softmax(x, axis=-1):
    return np.exp(x - logsumexp(x, axis, keepdims=True))


EXTREME = np.array([1000.0, -1000.0, 0.0, 30.0, -30.0, 1e-20])
ROWS = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -999.0], [3.0, 1000.0, 1000.0]])


# op, function, reference value, reference gradient of sum(f(x) * w), and
# the gradient's absolute tolerance: sigmoid's and tanh's reuse the result
# (y (1 - y), 1 - y², y + 1 for expm1) as PyTorch's do, so near ±30 they
# are exact only to about one ulp of 1, not relatively.
UNARY = [
    ("softplus", sg.softplus, softplus, lambda x, w: w * sigmoid(x), 1e-300),
    ("sigmoid", sg.sigmoid, sigmoid, lambda x, w: w * sigmoid(x) * sigmoid(-x), 3e-16),
    ("log_sigmoid", sg.log_sigmoid, lambda x: -softplus(-x), lambda x, w: w * sigmoid(-x), 1e-300),
    ("tanh", sg.tanh, np.tanh, lambda x, w: w * 4 * np.exp(-2 * np.abs(x)) / (1 + np.exp(-2 * np.abs(x))) ** 2, 3e-16),
    ("log1p", sg.log1p, np.log1p, lambda x, w: w / (1 + x), 1e-300),
    ("expm1", sg.expm1, np.expm1, lambda x, w: w * np.exp(x), 3e-16),
]
DOMAINS = {
    "log1p": np.array([1000.0, -0.999, 0.0, 1e-20, 30.0]),
    "expm1": np.array([-1000.0, 700.0, 0.0, 1e-20, -30.0]),
}


def eager_grad(f, x, w):
    t = sg.asarray(x)
    t.requires_grad = True
    (f(t) * sg.asarray(w)).sum().backward()
    return np.asarray(t.grad)


def compiled(f, x, w):
    """Value and gradient of sum(f(x) * w) through placeholders, grad and function."""
    p = sg.placeholder((None,) * x.ndim, name="x")
    y = f(p)
    fn = sg.function([p], [y, sg.grad((y * sg.asarray(w)).sum(), p)])
    value, g = fn(x)
    return np.asarray(value), np.asarray(g)


@pytest.mark.parametrize("name, f, ref, dref, gatol", UNARY, ids=[u[0] for u in UNARY])
def test_unary_at_extremes(name, f, ref, dref, gatol):
    x = DOMAINS.get(name, EXTREME)
    w = np.linspace(0.5, 1.5, x.size)
    expected, gexpected = ref(x), dref(x, w)
    assert np.all(np.isfinite(expected)) and np.all(np.isfinite(gexpected))
    np.testing.assert_allclose(np.asarray(f(sg.asarray(x))), expected, rtol=1e-14, atol=0)
    np.testing.assert_allclose(eager_grad(f, x, w), gexpected, rtol=1e-14, atol=gatol)
    value, g = compiled(f, x, w)
    np.testing.assert_allclose(value, expected, rtol=1e-14, atol=0)
    np.testing.assert_allclose(g, gexpected, rtol=1e-14, atol=gatol)


def test_logaddexp_at_extremes():
    a = np.array([1000.0, 1000.0, -1000.0, 0.0, -1000.0])
    b = np.array([-1000.0, 1000.0, -1000.0, 1000.0, 999.0])
    y = np.maximum(a, b) + np.log1p(np.exp(-np.abs(a - b)))
    ta, tb = sg.asarray(a), sg.asarray(b)
    ta.requires_grad = tb.requires_grad = True
    out = sg.logaddexp(ta, tb)
    np.testing.assert_allclose(np.asarray(out), y, rtol=1e-15)
    out.sum().backward()
    # e^a / (e^a + e^b) = sigmoid(a - b), exact at ties (exp(a - y) is not:
    # y = 1000 + log 2 is rounded to an ulp of 1000)
    np.testing.assert_allclose(np.asarray(ta.grad), sigmoid(a - b), rtol=1e-15)
    np.testing.assert_allclose(np.asarray(tb.grad), sigmoid(b - a), rtol=1e-15)
    assert list(np.asarray(ta.grad)) == [1.0, 0.5, 0.5, 0.0, 0.0]


AXES = [(None, False), (1, False), (0, True), ((0, 1), True), (-1, True)]


@pytest.mark.parametrize("axis, keepdims", AXES)
def test_logsumexp_at_extremes(axis, keepdims):
    x = ROWS
    expected = logsumexp(x, axis, keepdims)
    r = sg.logsumexp(sg.asarray(x), axis=axis, keepdims=keepdims)
    assert r.shape == expected.shape
    np.testing.assert_allclose(np.asarray(r), expected, rtol=1e-15)
    w = np.linspace(-1, 2, expected.size).reshape(expected.shape)
    # d/dx sum(w * lse(x)) = w (broadcast back) * softmax over the axes
    ax = tuple(range(x.ndim)) if axis is None else axis
    full_w = w if keepdims else np.expand_dims(w, ax)
    gexpected = full_w * np.exp(x - logsumexp(x, ax, keepdims=True))
    f = lambda t: sg.logsumexp(t, axis=axis, keepdims=keepdims)  # noqa: E731
    np.testing.assert_allclose(eager_grad(f, x, w), gexpected, rtol=1e-14, atol=1e-300)
    value, g = compiled(f, x, w)
    np.testing.assert_allclose(value, expected, rtol=1e-15)
    np.testing.assert_allclose(g, gexpected, rtol=1e-14, atol=1e-300)


def test_methods():
    x = sg.asarray(ROWS)
    np.testing.assert_allclose(np.asarray(x.logsumexp(axis=1)), logsumexp(ROWS, 1), rtol=1e-15)
    np.testing.assert_allclose(np.asarray(x.softmax(0)), softmax(ROWS, 0), rtol=1e-15)
    np.testing.assert_allclose(np.asarray(x.log_softmax()), ROWS - logsumexp(ROWS, -1, keepdims=True), rtol=1e-15)
    np.testing.assert_allclose(np.asarray(x.log_sigmoid()), -softplus(-ROWS), rtol=1e-15)


def test_logsumexp_edges():
    inf = np.inf
    x = sg.asarray([[-inf, -inf], [inf, 1.0], [-inf, 2.0]])
    np.testing.assert_array_equal(np.asarray(sg.logsumexp(x, axis=1)), [-inf, inf, 2.0])
    assert float(sg.logsumexp(sg.zeros((0, 3)))) == -inf
    np.testing.assert_array_equal(np.asarray(sg.logsumexp(sg.zeros((2, 0)), axis=1)), [-inf, -inf])
    # integers become float64; a 0-d tensor is its own logsumexp
    r = sg.logsumexp(sg.asarray([1, 2]))
    assert r.dtype == sg.float64 and abs(float(r) - np.log(np.e + np.e ** 2)) < 1e-15
    assert float(sg.logsumexp(sg.asarray(3.5))) == 3.5
    # float32 keeps its dtype and its precision at ±1000
    r32 = sg.logsumexp(sg.asarray(np.float32([1000, 1000])))
    assert r32.dtype == sg.float32 and float(r32) == np.float32(1000 + np.log(2))
    with pytest.raises(TypeError, match=r"\[logsumexp\].*complex"):
        sg.logsumexp(sg.asarray([1j]))
    with pytest.raises(IndexError, match=r"\[logsumexp\] axis 2 is out of bounds"):
        sg.logsumexp(sg.zeros((2, 2)), axis=2)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_and_log_softmax_at_extremes(axis):
    x = ROWS
    s = softmax(x, axis)
    ls = x - logsumexp(x, axis, keepdims=True)
    assert np.all(np.isfinite(ls))
    np.testing.assert_allclose(np.asarray(sg.softmax(sg.asarray(x), axis=axis)), s, rtol=1e-15, atol=0)
    np.testing.assert_allclose(np.asarray(sg.log_softmax(sg.asarray(x), axis=axis)), ls, rtol=1e-15)
    w = np.arange(x.size, dtype=np.float64).reshape(x.shape) - 4
    gs = s * (w - np.sum(w * s, axis=axis, keepdims=True))
    gls = w - s * np.sum(w, axis=axis, keepdims=True)
    for f, expected, gexpected in [(lambda t: sg.softmax(t, axis=axis), s, gs),
                                   (lambda t: sg.log_softmax(t, axis=axis), ls, gls)]:
        np.testing.assert_allclose(eager_grad(f, x, w), gexpected, rtol=1e-13, atol=1e-12)
        value, g = compiled(f, x, w)
        np.testing.assert_allclose(value, expected, rtol=1e-15, atol=0)
        np.testing.assert_allclose(g, gexpected, rtol=1e-13, atol=1e-12)


def test_second_order_at_extremes():
    # The Hessian of logsumexp is diag(s) - s s^T, finite at ±1000.
    x = np.array([1000.0, -1000.0, 1000.0, 999.0])
    s = softmax(x)
    h = np.asarray(sg.func.hessian(sg.logsumexp)(sg.asarray(x)))
    np.testing.assert_allclose(h, np.diag(s) - np.outer(s, s), rtol=1e-13, atol=1e-15)
    # d²/dx² log_sigmoid(x) = -sigmoid(x) sigmoid(-x)
    d2 = sg.func.grad(sg.func.grad(lambda t: sg.log_sigmoid(t).sum()))
    for v in [1000.0, -1000.0, 3.0]:
        np.testing.assert_allclose(float(d2(sg.asarray(v))), -sigmoid(v) * sigmoid(-v), rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_with_logits(reduction):
    x = np.array([1000.0, -1000.0, 1000.0, -1000.0, 0.5, -2.0])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.3, 0.9])
    losses = (1 - y) * x + softplus(-x)
    reduce = {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction]
    scale = {"mean": 1 / x.size, "sum": 1.0, "none": 1.0}[reduction]
    np.testing.assert_allclose(losses[:4], [0.0, 0.0, 1000.0, 1000.0])
    t = sg.asarray(x)
    t.requires_grad = True
    loss = sg.binary_cross_entropy_with_logits(t, sg.asarray(y), reduction=reduction)
    np.testing.assert_allclose(np.asarray(loss), reduce(losses), rtol=1e-15)
    (loss if reduction != "none" else loss.sum()).backward()
    np.testing.assert_allclose(np.asarray(t.grad), scale * (sigmoid(x) - y), rtol=1e-14, atol=1e-300)


def test_binary_cross_entropy_with_logits_arguments():
    # targets broadcast; integer targets promote; bad reductions and shapes are named
    loss = sg.binary_cross_entropy_with_logits(sg.asarray([[0.0, 1000.0]]), sg.asarray([1, 0]), reduction="none")
    np.testing.assert_allclose(np.asarray(loss), [[np.log(2), 1000.0]])
    with pytest.raises(ValueError, match=r"reduction must be 'mean', 'sum' or 'none', not 'avg'"):
        sg.binary_cross_entropy_with_logits(sg.zeros(2), sg.zeros(2), reduction="avg")
    with pytest.raises(ValueError, match=r"\[binary_cross_entropy_with_logits\].*\(2,\).*\(3,\)"):
        sg.binary_cross_entropy_with_logits(sg.zeros(2), sg.zeros(3))


# ------------------------------------------------------- rewrites

def rewrites(f):
    return [line.strip() for line in sg.debugprint(f, file="str").splitlines() if line.strip().startswith("rewrite ")]


def test_log_of_softmax_compiles_to_log_softmax():
    x = sg.placeholder((None, None), name="x")
    for log_sm in [sg.log(sg.softmax(x, axis=1)),
                   sg.log(sg.exp(x) / sg.sum(sg.exp(x), axis=1, keepdims=True))]:
        f = sg.function([x], log_sm)
        assert "rewrite log(softmax(x)) = log_softmax(x): 1" in rewrites(f)
        out = np.asarray(f(ROWS))
        np.testing.assert_allclose(out, ROWS - logsumexp(ROWS, 1, keepdims=True), rtol=1e-15)
        assert np.all(np.isfinite(out))


def test_log_sum_exp_compiles_to_logsumexp():
    x = sg.placeholder((None, None), name="x")
    for axis, keepdims in [(1, False), (0, True), (None, False)]:
        f = sg.function([x], sg.log(sg.sum(sg.exp(x), axis=axis, keepdims=keepdims)))
        assert "rewrite log(sum(exp(x))) = logsumexp(x): 1" in rewrites(f)
        np.testing.assert_allclose(np.asarray(f(ROWS)), logsumexp(ROWS, axis, keepdims), rtol=1e-15)


def test_cross_entropy_over_softmax_and_its_gradient():
    # -sum(y * log(softmax(x))) and its symbolic gradient softmax(x) - y,
    # finite at ±1000, as written naively by a user
    x = sg.placeholder((None, None), name="x")
    y = sg.placeholder((None, None), name="y")
    e = sg.exp(x)
    cost = -sg.sum(y * sg.log(e / sg.sum(e, axis=1, keepdims=True)))
    f = sg.function([x, y], [cost, sg.grad(cost, x)])
    assert "rewrite log(softmax(x)) = log_softmax(x): 1" in rewrites(f)
    targets = np.eye(3)[[2, 0, 0]]
    value, g = f(ROWS, targets)
    ls = ROWS - logsumexp(ROWS, 1, keepdims=True)
    np.testing.assert_allclose(float(value), -np.sum(targets * ls), rtol=1e-15)
    np.testing.assert_allclose(np.asarray(g), softmax(ROWS, 1) * targets.sum(1, keepdims=True) - targets,
                               rtol=1e-13, atol=1e-15)


# ------------------------------------------- derivatives at 0 and ties

def grads(f, *values, seed=None):
    ts = [sg.asarray(np.float64(v)) for v in values]
    for t in ts:
        t.requires_grad = True
    out = f(*ts)
    out.backward(None if seed is None else sg.asarray(np.float64(seed)))
    return [float(t.grad) for t in ts]


def test_pow_gradients_at_zero_base():
    # PyTorch's rules: d/db is 0 where a = 0 and b >= 0, d/da is 0 where b = 0
    assert grads(sg.pow, 0.0, 2.0) == [0.0, 0.0]
    assert grads(sg.pow, 0.0, 0.0) == [0.0, 0.0]
    assert grads(sg.pow, 0.0, 3.5) == [0.0, 0.0]
    assert grads(sg.pow, 2.0, 0.0) == [0.0, np.log(2.0)]
    da, db = grads(sg.pow, 0.0, 0.5)
    assert da == np.inf and db == 0.0
    # 0^-1 is inf: its derivative in b is inf * log 0 = -inf (as PyTorch)
    assert grads(sg.pow, 0.0, -1.0)[1] == -np.inf
    # second order through the masked rule, away from 0: d²(a^b)/db² = a^b log² a
    d2 = sg.func.grad(sg.func.grad(lambda b: sg.pow(sg.asarray(3.0), b)))
    np.testing.assert_allclose(float(d2(sg.asarray(2.0))), 9 * np.log(3.0) ** 2, rtol=1e-14)


def test_pow_zero_base_in_compiled_gradient():
    e = sg.placeholder((None,), name="e")
    a = sg.placeholder((None,), name="a")
    f = sg.function([a, e], sg.grad(sg.sum(a ** e), [a, e]))
    ga, ge = f(np.array([0.0, 0.0, 2.0]), np.array([2.0, 0.0, 3.0]))
    np.testing.assert_array_equal(np.asarray(ga), [0.0, 0.0, 12.0])
    np.testing.assert_allclose(np.asarray(ge), [0.0, 0.0, 8 * np.log(2.0)], rtol=1e-15)


def test_sqrt_abs_maximum_at_zero_and_ties():
    # sqrt'(0) = inf; an upstream 0 gives 0, where PyTorch's grad / (2 * result)
    # gives 0 / 0 = NaN (pytorch#2421), so the unselected branch of a where
    # does not poison the gradient
    assert grads(sg.sqrt, 0.0) == [np.inf]
    assert grads(sg.sqrt, 0.0, seed=0.0) == [0.0]
    x = sg.asarray([0.0, 4.0, -1.0])
    x.requires_grad = True
    sg.sum(sg.where(x > 0, sg.sqrt(x), x)).backward()
    assert list(np.asarray(x.grad)) == [1.0, 0.25, 1.0]
    assert grads(sg.abs, 0.0) == [0.0]
    assert grads(sg.abs, -1000.0) == [-1.0]
    assert grads(sg.maximum, 1000.0, 1000.0) == [0.5, 0.5]
    assert grads(sg.minimum, -0.0, 0.0) == [0.5, 0.5]
    assert grads(sg.maximum, -1000.0, 1000.0) == [0.0, 1.0]
