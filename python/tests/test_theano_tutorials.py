"""Theano's tutorials, run as a Theano user writes them with only the imports
changed (`import swiftgrad as theano`, `import swiftgrad.tensor as T`, ...):
baby steps, more examples, derivatives, conditions, the logistic-regression
example, and deeplearning.net's logistic regression and multilayer
perceptron on scikit-learn's digits. Numbers are checked against NumPy
computed by hand and, where PyTensor (Theano's successor) is installed,
against it running the same code.

Each tutorial is a function of `m`, the modules a script would import, so
the one body runs on swiftgrad and on PyTensor."""

from __future__ import annotations

import types

import numpy as np
import pytest


def swiftgrad_modules():
    import swiftgrad as theano
    import swiftgrad.tensor as T
    from swiftgrad import In, function, pp, shared
    from swiftgrad.ifelse import ifelse

    return types.SimpleNamespace(theano=theano, T=T, function=function, shared=shared, In=In,
                                 pp=pp, ifelse=ifelse, gradient=theano.gradient, defaults=True)


def pytensor_modules():
    pytensor = pytest.importorskip("pytensor")
    import pytensor.tensor as PT
    import pytensor.tensor.special as special
    from pytensor import In, function, gradient, shared
    from pytensor.ifelse import ifelse
    from pytensor.printing import pp

    # PyTensor moved theano.tensor.nnet's functions and T.Rop/Lop; the rest
    # of T is as it was. Theano's softmax is over each row.
    T = types.ModuleType("T")
    T.__dict__.update(vars(PT))
    T.nnet = types.SimpleNamespace(sigmoid=PT.sigmoid,
                                   softmax=lambda x: special.softmax(x, axis=-1))
    T.Rop, T.Lop = gradient.Rop, gradient.Lop
    theano = types.ModuleType("theano")
    theano.__dict__.update(vars(pytensor))
    theano.tensor = T
    return types.SimpleNamespace(theano=theano, T=T, function=function, shared=shared, In=In,
                                 pp=pp, ifelse=ifelse, gradient=gradient, defaults=False)


def close(a, b, rtol=1e-12, atol=1e-12):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                               rtol=rtol, atol=atol)


# ------------------------------------------------------------ baby steps

def baby_steps(m):
    T, function = m.T, m.function
    out = {}
    # two scalars
    x = T.dscalar("x")
    y = T.dscalar("y")
    z = x + y
    f = function([x, y], z)
    out["types"] = (x.type is T.dscalar, repr(x.type))
    out["2+3"] = f(2, 3)
    out["16.3+12.1"] = f(16.3, 12.1)
    out["pp"] = m.pp(z)
    out["eval"] = z.eval({x: 16.3, y: 12.1})
    # two matrices, as lists and as NumPy int arrays
    x = T.dmatrix("x")
    y = T.dmatrix("y")
    f = function([x, y], x + y)
    out["lists"] = f([[1, 2], [3, 4]], [[10, 20], [30, 40]])
    out["arrays"] = f(np.array([[1, 2], [3, 4]]), np.array([[10, 20], [30, 40]]))
    # the exercise: a ** 2 + b ** 2 + 2 * a * b on vectors
    a = T.vector()
    b = T.vector()
    f = function([a, b], a ** 2 + b ** 2 + 2 * a * b)
    out["exercise"] = f([1, 2], [4, 5])
    return out


def test_baby_steps():
    out = baby_steps(swiftgrad_modules())
    assert out["types"] == (True, "TensorType(float64, scalar)")
    assert float(out["2+3"]) == 5.0
    close(out["16.3+12.1"], 16.3 + 12.1)
    close(out["eval"], 16.3 + 12.1)
    assert out["pp"].replace("(", "").replace(")", "") == "x + y"
    close(out["lists"], [[11, 22], [33, 44]])
    close(out["arrays"], [[11, 22], [33, 44]])
    close(out["exercise"], (np.array([1, 2]) + np.array([4, 5])) ** 2)


def test_baby_steps_match_pytensor():
    ours, theirs = baby_steps(swiftgrad_modules()), baby_steps(pytensor_modules())
    for key in ours:
        if key not in ("pp", "types"):
            close(ours[key], theirs[key])


# --------------------------------------------------------- more examples

def more_examples(m):
    T, function, shared, In = m.T, m.function, m.shared, m.In
    out = {}
    # the logistic function, two ways
    x = T.dmatrix("x")
    s = 1 / (1 + T.exp(-x))
    logistic = function([x], s)
    s2 = (1 + T.tanh(x / 2)) / 2
    logistic2 = function([x], s2)
    out["logistic"] = logistic([[0, 1], [-1, -2]])
    out["logistic2"] = logistic2([[0, 1], [-1, -2]])
    # more than one output
    a, b = T.dmatrices("a", "b")
    diff = a - b
    abs_diff = abs(diff)
    diff_squared = diff ** 2
    f = function([a, b], [diff, abs_diff, diff_squared])
    out["three"] = f([[1, 1], [1, 1]], [[0, 1], [2, 3]])
    # default values (which PyTensor no longer has)
    if m.defaults:
        x, y, w = T.dscalars("x", "y", "w")
        z = (x + y) * w
        f = function([x, In(y, value=1), In(w, value=2, name="w_by_name")], z)
        out["defaults"] = [f(33), f(33, 2), f(33, 0, 1), f(33, w_by_name=1),
                           f(33, w_by_name=1, y=0)]
    # a shared accumulator
    state = shared(0)
    inc = T.iscalar("inc")
    accumulator = function([inc], state, updates=[(state, state + inc)])
    seen = [state.get_value()]
    seen.append(accumulator(1))
    seen.append(state.get_value())
    seen.append(accumulator(300))
    seen.append(state.get_value())
    state.set_value(-1)
    seen.append(accumulator(3))
    seen.append(state.get_value())
    decrementor = function([inc], state, updates=[(state, state - inc)])
    seen.append(decrementor(2))
    seen.append(state.get_value())
    out["accumulator"] = seen
    # givens: the function reads foo in place of state, which is left alone
    fn_of_state = state * 2 + inc
    foo = T.scalar(dtype=state.dtype)
    skip_shared = function([inc, foo], fn_of_state, givens=[(state, foo)])
    out["givens"] = [skip_shared(1, 3), state.get_value()]
    out["state_dtype"] = str(state.dtype)
    return out


def test_more_examples():
    out = more_examples(swiftgrad_modules())
    x = np.array([[0, 1], [-1, -2]], dtype=float)
    close(out["logistic"], 1 / (1 + np.exp(-x)), rtol=1e-15)
    close(out["logistic2"], 1 / (1 + np.exp(-x)), rtol=1e-15)
    a, b = np.ones((2, 2)), np.array([[0.0, 1.0], [2.0, 3.0]])
    for got, want in zip(out["three"], [a - b, abs(a - b), (a - b) ** 2]):
        close(got, want)
    assert [float(v) for v in out["defaults"]] == [68.0, 70.0, 33.0, 34.0, 33.0]
    assert [int(v) for v in out["accumulator"]] == [0, 0, 1, 1, 301, -1, 2, 2, 0]
    assert all(isinstance(v, np.ndarray) for v in out["accumulator"][::2])  # get_value
    assert out["state_dtype"] == "int64"
    assert int(out["givens"][0]) == 7 and int(out["givens"][1]) == 0


def test_more_examples_match_pytensor():
    ours, theirs = more_examples(swiftgrad_modules()), more_examples(pytensor_modules())
    close(ours["logistic"], theirs["logistic"], rtol=1e-15)
    close(ours["logistic2"], theirs["logistic2"], rtol=1e-15)
    for key in ("three", "accumulator", "givens"):
        for a, b in zip(ours[key], theirs[key]):
            close(a, b)


# ----------------------------------------------------------- derivatives

def derivatives(m):
    theano, T, function = m.theano, m.T, m.function
    out = {}
    x = T.dscalar("x")
    y = x ** 2
    gy = T.grad(y, x)
    out["pp"] = m.pp(gy)
    f = function([x], gy)
    out["x**2"] = [f(4), f(94.2)]
    # the logistic function's gradient
    x = T.dmatrix("x")
    s = T.sum(1 / (1 + T.exp(-x)))
    gs = T.grad(s, x)
    dlogistic = function([x], gs)
    out["dlogistic"] = dlogistic([[0, 1], [-1, -2]])
    # R-operator: J v
    W = T.dmatrix("W")
    V = T.dmatrix("V")
    x = T.dvector("x")
    y = T.dot(x, W)
    JV = T.Rop(y, W, V)
    # J V = x V does not read W: PyTensor, like swiftgrad, then wants this
    f = function([W, V, x], JV, on_unused_input="ignore")
    out["Rop"] = f([[1, 1], [1, 1]], [[2, 2], [2, 2]], [0, 1])
    # L-operator: v J
    W = T.dmatrix("W")
    v = T.dvector("v")
    x = T.dvector("x")
    y = T.dot(x, W)
    VJ = T.Lop(y, W, v)
    f = function([v, x], VJ)
    out["Lop"] = f([2, 2], [0, 1])
    # Hessian times a vector, by reverse mode twice and by Rop
    x = T.dvector("x")
    v = T.dvector("v")
    y = T.sum(x ** 2)
    gy = T.grad(y, x)
    vH = T.grad(T.sum(gy * v), x)
    f = function([x, v], vH)
    out["vH"] = f([4, 4], [2, 2])
    Hv = T.Rop(gy, x, v)
    f = function([x, v], Hv)
    out["Hv"] = f([4, 4], [2, 2])
    # the Jacobian and the Hessian
    x = T.dvector("x")
    J = m.gradient.jacobian(x ** 2, x)
    out["jacobian"] = function([x], J)([4, 4])
    H = m.gradient.hessian(T.sum(x ** 3), x)
    out["hessian"] = function([x], H)([1, 2])
    w = m.shared(np.array([0.5, -1.0, 2.0]), name="w")
    cost = T.sum(T.exp(w) * w[::-1])
    out["hessian_shared"] = function([], m.gradient.hessian(cost, w))()
    return out


def test_derivatives():
    out = derivatives(swiftgrad_modules())
    assert "x" in out["pp"]
    close(out["x**2"], [8.0, 188.4])
    x = np.array([[0, 1], [-1, -2]], dtype=float)
    s = 1 / (1 + np.exp(-x))
    close(out["dlogistic"], s * (1 - s), rtol=1e-14)
    close(out["Rop"], [2.0, 2.0])
    close(out["Lop"], [[0.0, 0.0], [2.0, 2.0]])
    close(out["vH"], [4.0, 4.0])
    close(out["Hv"], [4.0, 4.0])
    close(out["jacobian"], [[8.0, 0.0], [0.0, 8.0]])
    close(out["hessian"], np.diag([6.0, 12.0]))
    # d2/dw2 of sum(exp(w_i) w_{n-1-i}) by hand
    w = np.array([0.5, -1.0, 2.0])
    r = w[::-1]
    H = np.diag(np.exp(w) * r)
    for i in range(3):
        j = 2 - i
        H[i, j] += np.exp(w[i])
        H[j, i] += np.exp(w[i])
    close(out["hessian_shared"], H, rtol=1e-14)


def test_jacobian_and_hessian_of_a_run_time_length():
    """Theano's gradient.jacobian and hessian of a T.dvector, whose length
    is known only when the function runs: a scan over the elements."""
    import swiftgrad as theano
    import swiftgrad.tensor as T

    x = T.dvector("x")
    f = theano.function([x], theano.gradient.jacobian(x ** 2, x))
    close(f([4.0, 4.0]), [[8.0, 0.0], [0.0, 8.0]])
    close(f([1.0, 2.0, 3.0]), np.diag([2.0, 4.0, 6.0]))
    h = theano.function([x], theano.gradient.hessian(T.sum(x ** 3) + T.prod(x), x))
    v = np.array([1.0, 2.0, 3.0])
    want = np.diag(6 * v) + np.array([[0, v[2], v[1]], [v[2], 0, v[0]], [v[1], v[0], 0]])
    close(h(v), want)


def test_derivatives_match_pytensor():
    ours, theirs = derivatives(swiftgrad_modules()), derivatives(pytensor_modules())
    for key in ours:
        if key != "pp":
            close(ours[key], theirs[key], rtol=1e-14)


# ------------------------------------------------------------ conditions

def conditions(m, shape=(300, 200)):
    theano, T = m.theano, m.T
    a, b = T.scalars("a", "b")
    x, y = T.matrices("x", "y")
    z_switch = T.switch(T.lt(a, b), T.mean(x), T.mean(y))
    z_lazy = m.ifelse(T.lt(a, b), T.mean(x), T.mean(y))
    f_switch = theano.function([a, b, x, y], z_switch, mode=theano.Mode(linker="vm"))
    f_lazyifelse = theano.function([a, b, x, y], z_lazy, mode=theano.Mode(linker="vm"))
    rng = np.random.RandomState(3)
    big_mat1, big_mat2 = rng.rand(*shape), rng.rand(*shape) + 1
    return {(v1, v2): (f_switch(v1, v2, big_mat1, big_mat2), f_lazyifelse(v1, v2, big_mat1, big_mat2))
            for v1, v2 in [(0.0, 1.0), (1.0, 0.0), (2.0, 2.0)]}, (big_mat1, big_mat2)


def test_conditions():
    out, (m1, m2) = conditions(swiftgrad_modules())
    for (v1, v2), (switched, lazy) in out.items():
        want = m1.mean() if v1 < v2 else m2.mean()
        close(switched, want, rtol=1e-13)
        close(lazy, want, rtol=1e-13)


def test_conditions_match_pytensor():
    ours, _ = conditions(swiftgrad_modules())
    theirs, _ = conditions(pytensor_modules())
    for key in ours:
        close(ours[key], theirs[key], rtol=1e-13)


def test_ifelse_gradient_follows_the_branch_taken():
    import swiftgrad as theano
    import swiftgrad.tensor as T
    from swiftgrad.ifelse import ifelse

    a, x = T.dscalar("a"), T.dvector("x")
    out = ifelse(T.gt(a, 0), T.sum(x ** 2), T.sum(3 * x))
    g = theano.function([a, x], T.grad(out, x))
    close(g(1.0, [1.0, 2.0]), [2.0, 4.0])
    close(g(-1.0, [1.0, 2.0]), [3.0, 3.0])
    first, second = ifelse(T.gt(a, 0), [x, 2 * x], [-x, x])
    f = theano.function([a, x], [first, second])
    close(f(-1.0, [1.0, 2.0]), [[-1.0, -2.0], [1.0, 2.0]])


# ----------------------------------------------------------------- loops

def loops(m):
    theano, T, function = m.theano, m.T, m.function
    out = {}
    # A**k by scan: the loop's result at every step, the last one kept.
    k = T.iscalar("k")
    A = T.vector("A")
    result, updates = theano.scan(fn=lambda prior_result, A: prior_result * A,
                                  outputs_info=T.ones_like(A), non_sequences=A, n_steps=k)
    final_result = result[-1]
    power = function(inputs=[A, k], outputs=final_result, updates=updates)
    out["power"] = power(np.arange(10, dtype=theano.config.floatX), 2)
    # A polynomial from its coefficients: the shorter sequence sets the length.
    coefficients = T.vector("coefficients")
    x = T.scalar("x")
    max_coefficients_supported = 10000
    components, updates = theano.scan(fn=lambda coefficient, power, free_variable:
                                      coefficient * (free_variable ** power),
                                      outputs_info=None,
                                      sequences=[coefficients, T.arange(max_coefficients_supported)],
                                      non_sequences=x)
    polynomial = components.sum()
    calculate_polynomial = function(inputs=[coefficients, x], outputs=polynomial)
    out["polynomial"] = calculate_polynomial(np.asarray([1, 0, 2], dtype=theano.config.floatX), 3)
    # tanh(x(t) W + b) for each row of X
    X = T.matrix("X")
    W = T.matrix("W")
    b_sym = T.vector("b_sym")
    results, updates = theano.scan(lambda v: T.tanh(T.dot(v, W) + b_sym), sequences=X)
    compute_elementwise = function(inputs=[X, W, b_sym], outputs=results)
    x = np.eye(2, dtype=theano.config.floatX)
    w = np.ones((2, 2), dtype=theano.config.floatX)
    b = np.ones((2,), dtype=theano.config.floatX)
    b[1] = 2
    out["elementwise"] = compute_elementwise(x, w, b)
    # x(t) = tanh(x(t-1) W + y(t) U + p(T-t) V): a state and two sequences
    X = T.vector("X")
    W, U, V = T.matrix("W"), T.matrix("U"), T.matrix("V")
    Y, P = T.matrix("Y"), T.matrix("P")
    results, updates = theano.scan(lambda y, p, x_tm1: T.tanh(T.dot(x_tm1, W) + T.dot(y, U) + T.dot(p, V)),
                                   sequences=[Y, P[::-1]], outputs_info=[X])
    compute_seq = function(inputs=[X, W, Y, U, P, V], outputs=results)
    rng = np.random.RandomState(7)
    seq_args = [rng.rand(2), rng.rand(2, 2), rng.rand(5, 2), rng.rand(2, 2), rng.rand(5, 2), rng.rand(2, 2)]
    out["sequence"] = compute_seq(*seq_args)
    # the norms of the rows, the trace
    X = T.matrix("X")
    results, updates = theano.scan(lambda x_i: T.sqrt((x_i ** 2).sum()), sequences=[X])
    out["row_norms"] = function(inputs=[X], outputs=results)(np.diag(np.arange(1, 6, dtype=float)))
    floatX = "float64"
    results, updates = theano.scan(lambda i, j, t_f: T.cast(X[i, j] + t_f, floatX),
                                   sequences=[T.arange(X.shape[0]), T.arange(X.shape[1])],
                                   outputs_info=np.asarray(0.0, dtype=floatX))
    out["trace"] = function(inputs=[X], outputs=results[-1])(np.arange(1.0, 26.0).reshape(5, 5))
    # x(t) = x(t-2) U + x(t-1) V + tanh(x(t-1) W + b): two taps of one output
    X = T.matrix("X")
    W, V, U = T.matrix("W"), T.matrix("V"), T.matrix("U")
    b_sym = T.vector("b_sym")
    n_sym = T.iscalar("n_sym")
    results, updates = theano.scan(lambda x_tm2, x_tm1: T.dot(x_tm2, U) + T.dot(x_tm1, V)
                                   + T.tanh(T.dot(x_tm1, W) + b_sym),
                                   n_steps=n_sym, outputs_info=[dict(initial=X, taps=[-2, -1])])
    compute_taps = function(inputs=[X, U, V, W, b_sym, n_sym], outputs=results)
    rng = np.random.RandomState(11)
    taps_args = [np.zeros((2, 2)), rng.rand(2, 2) * 0.5, rng.rand(2, 2) * 0.5, rng.rand(2, 2), rng.rand(2)]
    taps_args[0][1, 1] = 1
    out["taps"] = compute_taps(*taps_args, 10)
    # counting the steps in a shared variable the step function updates
    k = m.shared(0)
    n_sym = T.iscalar("n_sym")
    results, updates = theano.scan(lambda: {k: (k + 1)}, n_steps=n_sym)
    accumulator = function([n_sym], [], updates=updates, allow_input_downcast=True)
    accumulator(5)
    out["accumulator"] = k.get_value()
    # the Jacobian by scan, one gradient per element
    v = T.dvector("v")
    y = v ** 2
    J, updates = theano.scan(lambda i, y, v: T.grad(y[i], v), sequences=T.arange(y.shape[0]),
                             non_sequences=[y, v])
    out["jacobian"] = function([v], J, updates=updates)([4, 4])
    return out, seq_args, taps_args


def test_loops():
    out, seq_args, taps_args = loops(swiftgrad_modules())
    close(out["power"], np.arange(10) ** 2)
    close(out["polynomial"], 1 + 2 * 3 ** 2)
    close(out["elementwise"], np.tanh(np.eye(2) @ np.ones((2, 2)) + [1, 2]), rtol=1e-14)
    x, W, Y, U, P, V = seq_args
    want = []
    for t in range(5):
        x = np.tanh(x @ W + Y[t] @ U + P[4 - t] @ V)
        want.append(x)
    close(out["sequence"], want, rtol=1e-14)
    close(out["row_norms"], np.arange(1, 6))
    close(out["trace"], np.trace(np.arange(1.0, 26.0).reshape(5, 5)))
    X, U, V, W, b = taps_args
    history, want = [X[0], X[1]], []
    for _ in range(10):
        history.append(history[-2] @ U + history[-1] @ V + np.tanh(history[-1] @ W + b))
        want.append(history[-1])
    close(out["taps"], want, rtol=1e-13)
    close(out["jacobian"], [[8.0, 0.0], [0.0, 8.0]])
    assert out["accumulator"] == 5


def test_loops_match_pytensor():
    ours, _, _ = loops(swiftgrad_modules())
    theirs, _, _ = loops(pytensor_modules())
    for key in ours:
        close(ours[key], theirs[key], rtol=1e-12)


# ------------------------------------------------ more examples: random numbers

def test_random_numbers():
    """Draws change from call to call, repeat without default updates, and
    a variable used twice in one call is one draw. (The numbers are
    swiftgrad's generator's, not Theano's.)"""
    from swiftgrad import function
    from swiftgrad.tensor.shared_randomstreams import RandomStreams

    srng = RandomStreams(seed=234)
    rv_u = srng.uniform((2, 2))
    rv_n = srng.normal((2, 2))
    f = function([], rv_u)
    g = function([], rv_n, no_default_updates=True)
    nearly_zeros = function([], rv_u + rv_u - 2 * rv_u)
    f_val0, f_val1 = np.asarray(f()), np.asarray(f())
    assert not np.array_equal(f_val0, f_val1)
    g_val0, g_val1 = np.asarray(g()), np.asarray(g())
    np.testing.assert_array_equal(g_val0, g_val1)
    close(nearly_zeros(), np.zeros((2, 2)))
    # Seeding restarts every stream made from srng.
    srng.seed(234)
    np.testing.assert_array_equal(np.asarray(f()), f_val0)
    np.testing.assert_array_equal(np.asarray(g()), g_val0)


# ----------------------------- a real example: logistic regression (400 x 784)

def real_example(m, steps, seed=0):
    theano, T = m.theano, m.T
    rng = np.random.RandomState(seed)
    N, feats = 400, 784
    D = (rng.randn(N, feats), rng.randint(size=N, low=0, high=2))
    x = T.dmatrix("x")
    y = T.dvector("y")
    w = theano.shared(rng.randn(feats), name="w")
    b = theano.shared(0., name="b")
    p_1 = 1 / (1 + T.exp(-T.dot(x, w) - b))
    prediction = p_1 > 0.5
    xent = -y * T.log(p_1) - (1 - y) * T.log(1 - p_1)
    cost = xent.mean() + 0.01 * (w ** 2).sum()
    gw, gb = T.grad(cost, [w, b])
    train = theano.function(inputs=[x, y], outputs=[prediction, xent],
                            updates=((w, w - 0.1 * gw), (b, b - 0.1 * gb)), name="train")
    predict = theano.function(inputs=[x], outputs=prediction, name="predict")
    costs = []
    for _ in range(steps):
        _, err = train(D[0], D[1])
        costs.append(float(np.mean(err)))
    return costs, w.get_value(), float(b.get_value()), np.asarray(predict(D[0])), D


def test_real_example_matches_numpy_step_by_step():
    steps = 12
    costs, w, b, _, (X, Y) = real_example(swiftgrad_modules(), steps)
    rng = np.random.RandomState(0)
    rng.randn(400, 784), rng.randint(size=400, low=0, high=2)
    wr, br = rng.randn(784), 0.0
    for step in range(steps):
        z = X @ wr + br
        p = 1 / (1 + np.exp(-z))
        # the cross-entropy in a stable form: softplus(-z) and softplus(z)
        xent = Y * np.logaddexp(0, -z) + (1 - Y) * np.logaddexp(0, z)
        np.testing.assert_allclose(costs[step], xent.mean(), rtol=1e-10)
        r = (p - Y) / len(Y)
        wr, br = wr - 0.1 * (X.T @ r + 0.02 * wr), br - 0.1 * r.sum()
    np.testing.assert_allclose(w, wr, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b, br, rtol=1e-10, atol=1e-12)
    assert all(np.isfinite(costs)) and costs[-1] < costs[0]


def test_real_example_matches_pytensor():
    ours = real_example(swiftgrad_modules(), 20)
    theirs = real_example(pytensor_modules(), 20)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-9)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(ours[3], theirs[3])


# ------------------------- deeplearning.net: logistic regression and MLP

def digits():
    sklearn = pytest.importorskip("sklearn.datasets")
    data = sklearn.load_digits()
    X, y = data.data / 16.0, data.target
    rng = np.random.RandomState(1234)
    order = rng.permutation(len(y))
    X, y = X[order], y[order]
    return (X[:1000], y[:1000]), (X[1000:1400], y[1000:1400]), (X[1400:], y[1400:])


def deeplearning_classes(m):
    """The tutorial's classes, as its scripts define them after
    `import theano` and `import theano.tensor as T`."""
    theano, T = m.theano, m.T

    class LogisticRegression:
        """Multi-class logistic regression: softmax(x W + b)."""

        def __init__(self, input, n_in, n_out):
            self.W = theano.shared(value=np.zeros((n_in, n_out), dtype=theano.config.floatX),
                                   name="W", borrow=True)
            self.b = theano.shared(value=np.zeros((n_out,), dtype=theano.config.floatX),
                                   name="b", borrow=True)
            self.p_y_given_x = T.nnet.softmax(T.dot(input, self.W) + self.b)
            self.y_pred = T.argmax(self.p_y_given_x, axis=1)
            self.params = [self.W, self.b]
            self.input = input

        def negative_log_likelihood(self, y):
            return -T.mean(T.log(self.p_y_given_x)[T.arange(y.shape[0]), y])

        def errors(self, y):
            if y.ndim != self.y_pred.ndim:
                raise TypeError("y should have the same shape as self.y_pred",
                                ("y", y.type, "y_pred", self.y_pred.type))
            if y.dtype.startswith("int"):
                return T.mean(T.neq(self.y_pred, y))
            raise NotImplementedError()

    class HiddenLayer:
        def __init__(self, rng, input, n_in, n_out, W=None, b=None, activation=T.tanh):
            self.input = input
            if W is None:
                W_values = np.asarray(rng.uniform(low=-np.sqrt(6. / (n_in + n_out)),
                                                  high=np.sqrt(6. / (n_in + n_out)),
                                                  size=(n_in, n_out)), dtype=theano.config.floatX)
                if activation == theano.tensor.nnet.sigmoid:
                    W_values *= 4
                W = theano.shared(value=W_values, name="W", borrow=True)
            if b is None:
                b_values = np.zeros((n_out,), dtype=theano.config.floatX)
                b = theano.shared(value=b_values, name="b", borrow=True)
            self.W = W
            self.b = b
            lin_output = T.dot(input, self.W) + self.b
            self.output = lin_output if activation is None else activation(lin_output)
            self.params = [self.W, self.b]

    class MLP:
        def __init__(self, rng, input, n_in, n_hidden, n_out):
            self.hiddenLayer = HiddenLayer(rng=rng, input=input, n_in=n_in, n_out=n_hidden,
                                           activation=T.tanh)
            self.logRegressionLayer = LogisticRegression(input=self.hiddenLayer.output,
                                                         n_in=n_hidden, n_out=n_out)
            self.L1 = abs(self.hiddenLayer.W).sum() + abs(self.logRegressionLayer.W).sum()
            self.L2_sqr = (self.hiddenLayer.W ** 2).sum() + (self.logRegressionLayer.W ** 2).sum()
            self.negative_log_likelihood = self.logRegressionLayer.negative_log_likelihood
            self.errors = self.logRegressionLayer.errors
            self.params = self.hiddenLayer.params + self.logRegressionLayer.params
            self.input = input

    def shared_dataset(data_xy, borrow=True):
        data_x, data_y = data_xy
        shared_x = theano.shared(np.asarray(data_x, dtype=theano.config.floatX), borrow=borrow)
        shared_y = theano.shared(np.asarray(data_y, dtype=theano.config.floatX), borrow=borrow)
        return shared_x, T.cast(shared_y, "int32")

    return LogisticRegression, MLP, shared_dataset


def train_tutorial(m, model, n_epochs, batch_size=20, learning_rate=0.13, L1_reg=0.0,
                   L2_reg=0.0001, n_hidden=100):
    """The tutorial's sgd_optimization (and test_mlp): minibatches chosen
    by an index through givens, validation after each epoch, the test
    error at the best validation."""
    theano, T = m.theano, m.T
    LogisticRegression, MLP, shared_dataset = deeplearning_classes(m)
    train, valid, test = digits()
    train_set_x, train_set_y = shared_dataset(train)
    valid_set_x, valid_set_y = shared_dataset(valid)
    test_set_x, test_set_y = shared_dataset(test)
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size
    n_valid_batches = valid_set_x.get_value(borrow=True).shape[0] // batch_size
    n_test_batches = test_set_x.get_value(borrow=True).shape[0] // batch_size

    index = T.lscalar()
    x = T.matrix("x")
    y = T.ivector("y")
    if model == "logreg":
        classifier = LogisticRegression(input=x, n_in=64, n_out=10)
        cost = classifier.negative_log_likelihood(y)
    else:
        rng = np.random.RandomState(1234)
        classifier = MLP(rng=rng, input=x, n_in=64, n_hidden=n_hidden, n_out=10)
        cost = (classifier.negative_log_likelihood(y) + L1_reg * classifier.L1
                + L2_reg * classifier.L2_sqr)
    initial = [p.get_value() for p in classifier.params]

    def batch(data, i):
        return data[i * batch_size: (i + 1) * batch_size]

    test_model = theano.function(inputs=[index], outputs=classifier.errors(y),
                                 givens={x: batch(test_set_x, index), y: batch(test_set_y, index)})
    validate_model = theano.function(inputs=[index], outputs=classifier.errors(y),
                                     givens={x: batch(valid_set_x, index),
                                             y: batch(valid_set_y, index)})
    gparams = [T.grad(cost=cost, wrt=param) for param in classifier.params]
    updates = [(param, param - learning_rate * gparam)
               for param, gparam in zip(classifier.params, gparams)]
    train_model = theano.function(inputs=[index], outputs=cost, updates=updates,
                                  givens={x: batch(train_set_x, index),
                                          y: batch(train_set_y, index)})

    # early stopping as the tutorial does it: validate every
    # validation_frequency minibatches, extend the patience on a clear gain
    patience, patience_increase, improvement_threshold = 5000, 2, 0.995
    validation_frequency = min(n_train_batches, patience // 2)
    costs, validation, best_validation_loss, test_score = [], [], np.inf, None
    epoch, done_looping = 0, False
    while epoch < n_epochs and not done_looping:
        epoch = epoch + 1
        for minibatch_index in range(n_train_batches):
            costs.append(float(train_model(minibatch_index)))
            iteration = (epoch - 1) * n_train_batches + minibatch_index
            if (iteration + 1) % validation_frequency == 0:
                this_validation_loss = np.mean([validate_model(i) for i in range(n_valid_batches)])
                validation.append(this_validation_loss)
                if this_validation_loss < best_validation_loss:
                    if this_validation_loss < best_validation_loss * improvement_threshold:
                        patience = max(patience, iteration * patience_increase)
                    best_validation_loss = this_validation_loss
                    test_score = np.mean([test_model(i) for i in range(n_test_batches)])
            if patience <= iteration:
                done_looping = True
                break
    return costs, validation, test_score, initial, [p.get_value() for p in classifier.params]


def numpy_steps(params, steps, batch_size, learning_rate, L1_reg=0.0, L2_reg=0.0):
    """The same SGD by hand: softmax regression (two parameters) or the
    tanh MLP (four), mean negative log-likelihood plus the penalties."""
    (X, Y), _, _ = digits()
    params = [p.copy() for p in params]
    costs = []
    n_batches = len(Y) // batch_size
    for step in range(steps):
        i = step % n_batches
        xb, yb = X[i * batch_size:(i + 1) * batch_size], Y[i * batch_size:(i + 1) * batch_size]
        if len(params) == 4:
            W1, b1, W2, b2 = params
            h = np.tanh(xb @ W1 + b1)
        else:
            W2, b2 = params
            h = xb
        z = h @ W2 + b2
        logp = z - z.max(axis=1, keepdims=True)
        logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
        cost = -logp[np.arange(len(yb)), yb].mean()
        d = np.exp(logp)
        d[np.arange(len(yb)), yb] -= 1
        d /= len(yb)
        grads_out = [h.T @ d, d.sum(axis=0)]
        if len(params) == 4:
            cost += L1_reg * (abs(W1).sum() + abs(W2).sum()) + L2_reg * ((W1 ** 2).sum() + (W2 ** 2).sum())
            dh = (d @ W2.T) * (1 - h ** 2)
            grads = [xb.T @ dh + L1_reg * np.sign(W1) + 2 * L2_reg * W1, dh.sum(axis=0),
                     grads_out[0] + L1_reg * np.sign(W2) + 2 * L2_reg * W2, grads_out[1]]
        else:
            grads = grads_out
        costs.append(cost)
        params = [p - learning_rate * g for p, g in zip(params, grads)]
    return costs, params


def test_logistic_regression_tutorial_on_digits():
    costs, validation, test_score, initial, final = train_tutorial(swiftgrad_modules(), "logreg",
                                                                   n_epochs=8)
    assert np.isfinite(costs).all()
    assert np.mean(costs[-50:]) < np.mean(costs[:50]) / 3  # the loss falls
    assert validation[-1] < validation[0]
    assert validation[-1] < 0.09 and test_score < 0.07  # measured: 0.0725 and 0.05
    # every step, as NumPy computes it from the same zeros (measured: 6e-16)
    ref_costs, ref_params = numpy_steps(initial, 8 * 50, 20, 0.13)
    np.testing.assert_allclose(costs, ref_costs, rtol=1e-10)
    for got, want in zip(final, ref_params):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_mlp_tutorial_on_digits():
    costs, validation, test_score, initial, final = train_tutorial(
        swiftgrad_modules(), "mlp", n_epochs=10, learning_rate=0.1, L1_reg=0.0001, L2_reg=0.0001)
    assert np.isfinite(costs).all()
    assert np.mean(costs[-50:]) < np.mean(costs[:50]) / 4
    assert validation[-1] < validation[0]
    assert validation[-1] < 0.08 and test_score < 0.07  # measured: 0.06 and 0.045
    # every step, from the same rng-drawn weights (measured: 9e-16)
    ref_costs, ref_params = numpy_steps(initial, 10 * 50, 20, 0.1, L1_reg=0.0001, L2_reg=0.0001)
    np.testing.assert_allclose(costs, ref_costs, rtol=1e-10)
    for got, want in zip(final, ref_params):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_logistic_regression_tutorial_matches_pytensor():
    theirs = train_tutorial(pytensor_modules(), "logreg", n_epochs=2)
    ours = train_tutorial(swiftgrad_modules(), "logreg", n_epochs=2)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10)
    np.testing.assert_allclose(ours[1], theirs[1])


def test_mlp_tutorial_matches_pytensor():
    theirs = train_tutorial(pytensor_modules(), "mlp", n_epochs=1, learning_rate=0.05)
    ours = train_tutorial(swiftgrad_modules(), "mlp", n_epochs=1, learning_rate=0.05)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10)
    for a, b in zip(ours[4], theirs[4]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_tutorials_under_floatx_float32():
    """The same scripts with theano.config.floatX = 'float32', as GPU users
    of Theano set it: every parameter, input and update stays float32, and
    the losses follow the float64 run to float32's precision."""
    m = swiftgrad_modules()
    reference = train_tutorial(m, "mlp", n_epochs=2, learning_rate=0.1)
    with m.theano.config.change_flags(floatX="float32"):
        costs, validation, _, _, final = train_tutorial(m, "mlp", n_epochs=2, learning_rate=0.1)
        assert [p.dtype for p in final] == [np.float32] * 4
        out = baby_steps(m)
        assert out["exercise"].dtype == "float32"
    np.testing.assert_allclose(costs, reference[0], rtol=1e-4)
    for got, want in zip(final, reference[4]):
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-5)
