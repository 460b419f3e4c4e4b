"""Compiled functions: the stability rewrites on Theano's logistic-regression
tutorial, Theano's update semantics, and the printed program (debugprint)
and expression (pp)."""

from __future__ import annotations

import io

import numpy as np
import pytest

import swiftgrad as sg


def logistic_regression(theano, T, steps: int, seed: int = 0):
    """The deeplearning.net tutorial as a Theano user writes it; only the
    imports (the two module arguments) change."""
    rng = np.random.RandomState(seed)
    N, feats = 400, 784
    D = (rng.randn(N, feats), rng.randint(size=N, low=0, high=2))
    x = T.dmatrix("x")
    y = T.dvector("y")
    w = theano.shared(rng.randn(feats), name="w")
    b = theano.shared(0., name="b")
    p_1 = 1 / (1 + T.exp(-T.dot(x, w) - b))   # probability that the target is 1
    prediction = p_1 > 0.5
    xent = -y * T.log(p_1) - (1 - y) * T.log(1 - p_1)  # cross-entropy
    cost = xent.mean() + 0.01 * (w ** 2).sum()
    gw, gb = T.grad(cost, [w, b])
    train = theano.function(inputs=[x, y], outputs=[prediction, xent],
                            updates=((w, w - 0.1 * gw), (b, b - 0.1 * gb)))
    predict = theano.function(inputs=[x], outputs=prediction)
    errors = []
    for _ in range(steps):
        _, err = train(D[0], D[1])
        errors.append(np.asarray(err).mean())
    accuracy = float(np.mean(np.asarray(predict(D[0])) == D[1]))
    return np.asarray(w.get_value()), float(np.asarray(b.get_value())), errors, accuracy, train


def test_logistic_regression_tutorial_stays_finite():
    import swiftgrad.tensor as T

    w, b, errors, accuracy, train = logistic_regression(sg, T, steps=2000)
    assert np.isfinite(w).all() and np.isfinite(b) and np.isfinite(errors).all()
    assert errors[-1] < errors[0] / 10
    assert accuracy == 1.0
    text = sg.debugprint(train, file="str")
    assert "rewrite log(sigmoid(x)) = -softplus(-x): 1" in text
    assert "rewrite log(1-sigmoid(x)) = -softplus(x): 1" in text


def test_logistic_regression_matches_pytensor():
    pytensor = pytest.importorskip("pytensor")
    import pytensor.tensor as PT

    import swiftgrad.tensor as T

    steps = 50
    w, b, errors, accuracy, _ = logistic_regression(sg, T, steps)
    w_ref, b_ref, errors_ref, accuracy_ref, _ = logistic_regression(pytensor, PT, steps)
    assert accuracy == accuracy_ref
    np.testing.assert_allclose(errors, errors_ref, rtol=1e-9)
    np.testing.assert_allclose(w, w_ref, rtol=1e-9, atol=1e-12)


def test_updates_read_the_values_before_the_call():
    a = sg.shared(np.float64(1.0), name="a")
    b = sg.shared(np.float64(2.0), name="b")
    swap = sg.function([], [a + b], updates=[(a, b), (b, a)])
    (total,) = swap()
    assert float(total) == 3.0
    assert (float(a.get_value()), float(b.get_value())) == (2.0, 1.0)
    swap()
    assert (float(a.get_value()), float(b.get_value())) == (1.0, 2.0)


def test_updates_reuse_memory_only_that_nothing_else_holds():
    """A function writes a variable's new value into the memory of a value
    it replaced in an earlier call, but never into memory a caller holds:
    a value read with get_value, an output, a value another function read,
    or an array given to set_value."""
    w = sg.shared(np.zeros(4), name="w")
    step = sg.function([], [w * 1.0], updates=[(w, w + 1.0)])
    for _ in range(3):
        step()  # from here on, new values land in recycled memory
    held = w.get_value(borrow=True)  # shares the memory, which updates must leave alone
    kept = np.asarray(held).copy()
    (out,) = step()
    out_values = np.asarray(out).copy()
    for _ in range(4):
        step()
    np.testing.assert_array_equal(np.asarray(held), kept)
    np.testing.assert_array_equal(np.asarray(out), out_values)
    np.testing.assert_array_equal(np.asarray(w.get_value()), np.full(4, 8.0))
    # A function that returns the variable itself.
    same = sg.function([], [w], updates=[(w, w * 2.0)])
    results = [same()[0] for _ in range(5)]
    np.testing.assert_array_equal([np.asarray(r)[0] for r in results], [8.0, 16.0, 32.0, 64.0, 128.0])
    # Another function's reads are protected too.
    read = sg.function([], [w + 0.0])
    (snapshot,) = read()
    before = np.asarray(snapshot).copy()
    for _ in range(3):
        step()
    np.testing.assert_array_equal(np.asarray(snapshot), before)
    # set_value's array is the caller's.
    given = np.arange(4.0)
    w.set_value(given)
    for _ in range(3):
        step()
    np.testing.assert_array_equal(given, np.arange(4.0))
    np.testing.assert_array_equal(np.asarray(w.get_value()), np.arange(4.0) + 3)


def test_shared_and_set_value_copy_their_value():
    """Theano's shared(value) and set_value(value) without borrow: later
    changes to the array or tensor given do not reach the variable."""
    a = np.zeros(3)
    w = sg.shared(a)
    a[0] = 5.0
    t = sg.asarray([1.0, 2.0, 3.0])
    v = sg.shared(t)
    t += 1.0
    np.testing.assert_array_equal(np.asarray(w.get_value()), np.zeros(3))
    np.testing.assert_array_equal(np.asarray(v.get_value()), [1.0, 2.0, 3.0])
    b = np.ones(3)
    w.set_value(b)
    b[1] = 7.0
    np.testing.assert_array_equal(np.asarray(w.get_value()), np.ones(3))


def test_debugprint_and_pp():
    x = sg.placeholder((None, None), name="x")
    W = sg.placeholder((None, None), name="W")
    y = sg.sigmoid(sg.matmul(W, x) + 1.0)
    assert sg.pp(y) == "sigmoid((W @ x) + 1.0)"
    f = sg.function([x, W], [sg.log(1 / (1 + sg.exp(-x))), y * 1.0])
    text = sg.debugprint(f, file="str")
    lines = text.splitlines()
    assert lines[0].startswith("Function: 2 inputs, 2 outputs, 0 updates;")
    assert "%0 = input 0: float64 placeholder 'x' of shape (?,?)" in lines
    assert "rewrite x*1: 1" in text and "outputs:" in lines[-1]
    out = io.StringIO()
    assert sg.debugprint(f, file=out) is None and out.getvalue() == text + "\n"
    # Long programs and expressions come back whole.
    z = x
    for _ in range(300):
        z = sg.exp(z) + x
    assert sg.pp(z).count("exp(") == 300
    g = sg.function([x], [z])
    assert len(sg.debugprint(g, file="str").splitlines()) > 600
    with pytest.raises(TypeError, match="Function or Tensor"):
        sg.pp(3)
