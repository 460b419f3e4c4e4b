"""swiftgrad.jit: traced once per signature, results equal to eager ones."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

import swiftgrad as sg

Pair = namedtuple("Pair", "value grad")


def mlp(x, w, b):
    h = sg.tanh(x @ w + b)
    loss = sg.mean(sg.log_softmax(h, axis=1))
    return loss, (h, [sg.sum(h, axis=0), 2.5])


def test_matches_eager_with_nested_outputs():
    rng = np.random.default_rng(3)
    args = [rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=5)]
    f = sg.jit(mlp)
    got = f(*args)
    want = mlp(*[sg.asarray(a) for a in args])
    assert isinstance(got, tuple) and isinstance(got[1], tuple) and isinstance(got[1][1], list)
    np.testing.assert_allclose(np.asarray(got[0]), np.asarray(want[0]), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(got[1][0]), np.asarray(want[1][0]), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(got[1][1][0]), np.asarray(want[1][1][0]), rtol=1e-14)
    assert float(got[1][1][1]) == 2.5
    assert f.__name__ == "mlp"


def test_cache_per_shape_and_dtype():
    calls = []

    @sg.jit
    def f(x, scale=1.0):
        calls.append(x.shape)
        return sg.exp(x) * scale

    x = np.arange(3.0)
    for _ in range(3):
        np.testing.assert_allclose(np.asarray(f(x)), np.exp(x), rtol=1e-15)
    assert calls == [(3,)]
    f(np.arange(4.0))
    f(np.arange(3.0, dtype=np.float32))
    np.testing.assert_allclose(np.asarray(f(x, scale=2.0)), 2 * np.exp(x), rtol=1e-15)
    assert len(f.cache) == len(calls) == 4
    assert f(np.arange(3.0, dtype=np.float32)).dtype == sg.float32


def test_gradients_inside_and_namedtuples():
    @sg.jit
    def value_and_grad(w):
        loss = sg.sum(sg.logsumexp(w, axis=1))
        return Pair(loss, sg.grad(loss, w))

    w = np.array([[1000.0, -1000.0], [0.0, 0.0]])
    out = value_and_grad(w)
    assert isinstance(out, Pair)
    np.testing.assert_allclose(float(out.value), 1000.0 + np.log(2.0), rtol=1e-15)
    np.testing.assert_allclose(np.asarray(out.grad), [[1.0, 0.0], [0.5, 0.5]], rtol=1e-15)


def test_errors_come_from_tracing():
    @sg.jit
    def branchy(x):
        return x if x > 0 else -x

    with pytest.raises((TypeError, ValueError)):
        branchy(np.ones(2))
