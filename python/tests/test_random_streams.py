"""Theano's RandomStreams over swiftgrad's counter-based generator: draws
change from call to call through default updates, repeat without them,
and are the generator's numbers for the variable's seed and counter."""

from __future__ import annotations

import numpy as np
import pytest

import swiftgrad as sg
from swiftgrad.tensor.shared_randomstreams import RandomStreams


def test_each_call_draws_anew_and_one_variable_is_one_draw():
    srng = RandomStreams(seed=234)
    rv_u = srng.uniform((2, 2))
    f = sg.function([], rv_u)
    first, second = np.asarray(f()), np.asarray(f())
    assert first.shape == (2, 2) and not np.array_equal(first, second)
    assert ((0 <= first) & (first < 1)).all()
    # The stream is the generator's, with the variable's own seed.
    state = srng._states[0].get_value()
    seed = int(np.asarray(state)[0])
    gen = sg.random.Generator(seed)
    np.testing.assert_array_equal(first, np.asarray(gen.uniform(size=(2, 2))))
    np.testing.assert_array_equal(second, np.asarray(gen.uniform(size=(2, 2))))
    nearly_zeros = sg.function([], rv_u + rv_u - 2 * rv_u)
    np.testing.assert_array_equal(np.asarray(nearly_zeros()), np.zeros((2, 2)))


def test_no_default_updates_repeats_and_seed_restarts():
    srng = RandomStreams(seed=7)
    rv_n = srng.normal((3,), avg=1.0, std=2.0)
    g = sg.function([], rv_n, no_default_updates=True)
    np.testing.assert_array_equal(np.asarray(g()), np.asarray(g()))
    f = sg.function([], rv_n)
    a = np.asarray(f())
    srng.seed(7)
    np.testing.assert_array_equal(np.asarray(f()), a)
    # An explicit update wins over the default one.
    state = srng._states[0]
    h = sg.function([], rv_n, updates=[(state, state)])
    np.testing.assert_array_equal(np.asarray(h()), np.asarray(h()))


def test_distributions_have_their_moments():
    srng = RandomStreams(seed=1)
    u = srng.uniform((20000,), low=-1.0, high=3.0)
    n = srng.normal((20000,), avg=2.0, std=0.5, dtype="float32")
    b = srng.binomial((20000,), p=0.25)
    i = srng.random_integers((20000,), low=2, high=4)
    f = sg.function([], [u, n, b, i])
    uv, nv, bv, iv = (np.asarray(x) for x in f())
    assert uv.min() >= -1 and uv.max() < 3 and abs(uv.mean() - 1.0) < 0.05
    assert nv.dtype == np.float32 and abs(nv.mean() - 2.0) < 0.02 and abs(nv.std() - 0.5) < 0.02
    assert bv.dtype == np.int64 and set(np.unique(bv)) == {0, 1} and abs(bv.mean() - 0.25) < 0.02
    assert set(np.unique(iv)) == {2, 3, 4}


def test_dropout_mask_from_a_symbolic_probability():
    srng = RandomStreams(seed=3)
    p = sg.tensor.dscalar("p")
    mask = srng.binomial((1000,), p=p, dtype="float64")
    f = sg.function([p], mask.mean())
    assert float(f(0.0)) == 0.0 and float(f(1.0)) == 1.0
    assert abs(float(f(0.5)) - 0.5) < 0.08


def test_unsupported_parts_say_so():
    srng = RandomStreams(seed=0)
    with pytest.raises(NotImplementedError, match="n=3"):
        srng.binomial((2,), n=3)
    with pytest.raises(NotImplementedError, match="permutation"):
        srng.permutation((2,))
    with pytest.raises(NotImplementedError, match="symbolic size"):
        srng.uniform(sg.asarray([2]))
    with pytest.raises(TypeError, match=r"^\[default_update\]"):
        sg._C._set_default_update(sg.asarray([1.0]), sg.asarray([2.0]))
