"""Theano's scan: loops compiled into one node, their values against NumPy
loops, and their gradients (backpropagation through time) against central
finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import swiftgrad as sg
import swiftgrad.tensor as T


def finite_difference(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        g[i] = (f(up) - f(down)) / (2 * eps)
    return g


def test_cumulative_sum():
    x = T.dvector("x")
    total, updates = sg.scan(lambda v, acc: acc + v, sequences=x, outputs_info=sg.asarray(0.0))
    assert updates == {}
    f = sg.function([x], total)
    data = np.array([1.5, -2.0, 3.25, 4.0])
    np.testing.assert_array_equal(np.asarray(f(data)), np.cumsum(data))


def test_power_by_n_steps_and_its_gradient():
    # The loops tutorial's A**k, with k a symbolic int.
    A, k = T.dvector("A"), T.iscalar("k")
    result, updates = sg.scan(lambda prior, A: prior * A, outputs_info=sg.ones_like(A),
                              non_sequences=A, n_steps=k)
    final = result[-1]
    f = sg.function([A, k], [final, sg.grad(final.sum(), A)], updates=updates)
    a = np.array([1.0, 2.0, 3.0, 0.5])
    value, gradient = f(a, np.int32(5))
    np.testing.assert_allclose(np.asarray(value), a ** 5, rtol=1e-14)
    np.testing.assert_allclose(np.asarray(gradient), 5 * a ** 4, rtol=1e-13)


def test_polynomial_from_coefficients():
    coefficients, x = T.dvector("coefficients"), T.dscalar("x")
    components, _ = sg.scan(lambda c, power, free: c * (free ** power), outputs_info=None,
                            sequences=[coefficients, sg.arange(10)], non_sequences=x)
    f = sg.function([coefficients, x], components.sum())
    c = np.array([1.0, 0.0, 2.0])  # the shorter sequence sets the length
    assert float(f(c, 3.0)) == pytest.approx(np.polyval(c[::-1], 3.0), rel=1e-15)


def test_hessian_by_scan():
    # The derivatives tutorial: one gradient per row.
    x = T.dvector("x")
    cost = (x ** 3).sum() + (x[0] * x[1]) ** 2
    gy = sg.grad(cost, x)
    H, updates = sg.scan(lambda i, gy, x: sg.grad(gy[i], x),
                         sequences=sg.arange(sg._C._length(gy, 0)), non_sequences=[gy, x])
    f = sg.function([x], H, updates=updates)
    v = np.array([1.5, -2.0, 0.5])
    expected = np.diag(6 * v)
    expected[0, 0] += 2 * v[1] ** 2
    expected[1, 1] += 2 * v[0] ** 2
    expected[0, 1] = expected[1, 0] = 4 * v[0] * v[1]
    np.testing.assert_allclose(np.asarray(f(v)), expected, rtol=1e-13)


def rnn_numpy(x, h0, W, U, b):
    h, hs = h0, []
    for t in range(x.shape[0]):
        h = np.tanh(x[t] @ W + h @ U + b)
        hs.append(h)
    return np.stack(hs)


def make_rnn():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 3))
    h0 = rng.normal(size=4)
    W = rng.normal(size=(3, 4)) * 0.5
    U = rng.normal(size=(4, 4)) * 0.5
    b = rng.normal(size=4) * 0.1
    return x, h0, W, U, b


def test_rnn_values_and_gradients_match_finite_differences():
    xv, h0v, Wv, Uv, bv = make_rnn()
    x, h0 = T.dmatrix("x"), T.dvector("h0")
    W, U = sg.shared(Wv, name="W"), sg.shared(Uv, name="U")
    b = sg.shared(bv, name="b")
    hs, _ = sg.scan(lambda xt, h: sg.tanh(sg.dot(xt, W) + sg.dot(h, U) + b),
                    sequences=x, outputs_info=h0)
    cost = (hs ** 2).sum() + hs[-1].sum()
    grads = sg.grad(cost, [x, h0, W, U, b])
    f = sg.function([x, h0], [hs] + grads)
    out = [np.asarray(o) for o in f(xv, h0v)]
    np.testing.assert_allclose(out[0], rnn_numpy(xv, h0v, Wv, Uv, bv), rtol=1e-13)

    def numpy_cost(x=xv, h0=h0v, W=Wv, U=Uv, b=bv):
        hs = rnn_numpy(x, h0, W, U, b)
        return (hs ** 2).sum() + hs[-1].sum()

    references = [
        finite_difference(lambda v: numpy_cost(x=v), xv),
        finite_difference(lambda v: numpy_cost(h0=v), h0v),
        finite_difference(lambda v: numpy_cost(W=v), Wv),
        finite_difference(lambda v: numpy_cost(U=v), Uv),
        finite_difference(lambda v: numpy_cost(b=v), bv),
    ]
    for got, want in zip(out[1:], references):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_eager_scan_records_its_gradient():
    xv, h0v, Wv, Uv, bv = make_rnn()
    W = sg.asarray(Wv, requires_grad=True)
    U = sg.asarray(Uv, requires_grad=True)
    hs, _ = sg.scan(lambda xt, h: sg.tanh(sg.dot(xt, W) + sg.dot(h, U) + bv),
                    sequences=sg.asarray(xv), outputs_info=sg.asarray(h0v))
    np.testing.assert_allclose(np.asarray(hs), rnn_numpy(xv, h0v, Wv, Uv, bv), rtol=1e-13)
    hs.sum().backward()
    want = finite_difference(lambda v: rnn_numpy(xv, h0v, v, Uv, bv).sum(), Wv)
    np.testing.assert_allclose(np.asarray(W.grad), want, rtol=1e-6, atol=1e-8)
    want = finite_difference(lambda v: rnn_numpy(xv, h0v, Wv, v, bv).sum(), Uv)
    np.testing.assert_allclose(np.asarray(U.grad), want, rtol=1e-6, atol=1e-8)


def test_second_order_through_the_loop():
    # d²/da² of sum(a**n) by scan is n(n-1) a**(n-2).
    a = T.dvector("a")
    powers, _ = sg.scan(lambda prior, a: prior * a, outputs_info=sg.ones_like(a),
                        non_sequences=a, n_steps=4)
    g = sg.grad(powers[-1].sum(), a)
    gg = sg.grad(g.sum(), a)
    f = sg.function([a], gg)
    v = np.array([0.5, 2.0, -1.5])
    np.testing.assert_allclose(np.asarray(f(v)), 12 * v ** 2, rtol=1e-13)


def test_gradient_with_respect_to_a_sequence_longer_than_the_loop():
    x = T.dvector("x")
    out, _ = sg.scan(lambda v: v * v, sequences=x, n_steps=2)
    f = sg.function([x], sg.grad(out.sum(), x))
    np.testing.assert_array_equal(np.asarray(f(np.array([1.0, 2.0, 3.0]))), [2.0, 4.0, 0.0])


def test_truncate_gradient_stops_after_k_steps():
    x = T.dvector("x")
    h, _ = sg.scan(lambda v, h: 2 * h + v, sequences=x, outputs_info=sg.asarray(0.0),
                   truncate_gradient=2)
    f = sg.function([x], sg.grad(h[-1], x))
    # Without truncation the gradient would be 2**(n-1-t); only the last
    # two steps carry it.
    np.testing.assert_array_equal(np.asarray(f(np.ones(5))), [0.0, 0.0, 0.0, 2.0, 1.0])


def test_taps_of_sequences_and_outputs():
    # Fibonacci with taps [-2, -1], over a sequence read at t-1 and t+1.
    fib, _ = sg.scan(lambda a, b: a + b, outputs_info=[{"initial": sg.asarray([0.0, 1.0]), "taps": [-2, -1]}],
                     n_steps=6)
    np.testing.assert_array_equal(np.asarray(fib), [1.0, 2.0, 3.0, 5.0, 8.0, 13.0])
    x = sg.asarray([1.0, 2.0, 4.0, 8.0, 16.0])
    diffs, _ = sg.scan(lambda before, after: after - before, sequences=[{"input": x, "taps": [-1, 1]}])
    np.testing.assert_array_equal(np.asarray(diffs), [3.0, 6.0, 12.0])


def test_go_backwards_and_map_reduce_fold():
    x = sg.asarray([1.0, 2.0, 3.0])
    seen, _ = sg.scan(lambda v, acc: acc * 10 + v, sequences=x, outputs_info=sg.asarray(0.0),
                      go_backwards=True)
    np.testing.assert_array_equal(np.asarray(seen), [3.0, 32.0, 321.0])
    squares, _ = sg.map(lambda v: v * v, sequences=x)
    np.testing.assert_array_equal(np.asarray(squares), [1.0, 4.0, 9.0])
    total, _ = sg.reduce(lambda v, acc: acc + v, sequences=x, outputs_info=sg.asarray(0.0))
    assert float(total) == 6.0
    left, _ = sg.foldl(lambda v, acc: acc * 10 + v, sequences=x, outputs_info=sg.asarray(0.0))
    right, _ = sg.foldr(lambda v, acc: acc * 10 + v, sequences=x, outputs_info=sg.asarray(0.0))
    assert (float(left), float(right)) == (123.0, 321.0)


def test_several_outputs_run_one_loop():
    x = T.dvector("x")
    (running, doubled), _ = sg.scan(lambda v, acc: (acc + v, 2 * v), sequences=x,
                                    outputs_info=[sg.asarray(0.0), None])
    f = sg.function([x], [running, doubled, sg.grad(running.sum() + doubled.sum(), x)])
    r, d, g = (np.asarray(o) for o in f(np.array([1.0, 2.0, 3.0])))
    np.testing.assert_array_equal(r, [1.0, 3.0, 6.0])
    np.testing.assert_array_equal(d, [2.0, 4.0, 6.0])
    np.testing.assert_array_equal(g, [3.0 + 2, 2.0 + 2, 1.0 + 2])


def test_bad_loops_raise_clear_errors():
    x = T.dvector("x")
    with pytest.raises(TypeError, match=r"^\[scan\] output 0 of the step function is float32.*float64"):
        sg.scan(lambda v, acc: (acc + v).astype("float32"), sequences=x, outputs_info=sg.asarray(0.0))
    with pytest.raises(ValueError, match="sequences or n_steps"):
        sg.scan(lambda: sg.asarray(1.0))
    with pytest.raises(ValueError, match=r"returned 2 outputs, but outputs_info describes 1"):
        sg.scan(lambda v, acc: (acc, acc), sequences=x, outputs_info=[sg.asarray(0.0)])
    f = sg.function([x], sg.scan(lambda v, acc: sg.concat([acc, v[None]]), sequences=x,
                                 outputs_info=sg.zeros(1))[0])
    with pytest.raises(ValueError, match=r"^\[scan\] at step 0, output 0 .* has shape \(2,\), but its state started with shape \(1,\)"):
        f(np.array([1.0, 2.0]))
    with pytest.raises(NotImplementedError, match="mode"):
        sg.scan(lambda v: v, sequences=x, mode="DebugMode")
    with pytest.raises(ValueError, match=r"n_steps is 5, but the shortest sequence has 2"):
        sg.function([x], sg.scan(lambda v: v, sequences=x, n_steps=5)[0])(np.array([1.0, 2.0]))


def test_step_updates_of_shared_variables():
    # The loops tutorial's accumulator: the step returns only updates.
    k = sg.shared(0)
    n_sym = T.iscalar("n_sym")
    results, updates = sg.scan(lambda: {k: (k + 1)}, n_steps=n_sym)
    accumulator = sg.function([n_sym], [], updates=updates)
    accumulator(np.int32(5))
    assert int(k.get_value()) == 5
    accumulator(np.int32(3))
    assert int(k.get_value()) == 8
    # Outputs and updates together: each step reads the updated value.
    total = sg.shared(np.zeros(2))
    x = T.dmatrix("x")
    seen, updates = sg.scan(lambda row: (total + row, {total: total + row}), sequences=x)
    f = sg.function([x], seen, updates=updates)
    data = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(np.asarray(f(data)), np.cumsum(data, axis=0))
    np.testing.assert_array_equal(np.asarray(total.get_value()), data.sum(axis=0))


def test_random_draws_inside_a_loop_are_refused():
    from swiftgrad.tensor.shared_randomstreams import RandomStreams

    d = RandomStreams(1).uniform((2,))
    with pytest.raises(ValueError, match=r"^\[scan\] the step reads .*random_state_0.* default update"):
        sg.scan(lambda v: v * d, sequences=T.dvector("v"))
