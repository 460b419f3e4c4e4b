"""The seed chapter's worked example (shared/seed/EXAMPLE.md), number by
number: forward values, eager and symbolic gradients, and the Theano
listing itself run as an interactive session."""

import code
import contextlib
import io
from pathlib import Path

import numpy as np
import pytest

import swiftgrad as sg
import swiftgrad.tensor as T

TOL = 1e-7
LISTING = Path(__file__).resolve().parents[2] / "examples" / "seed_theano.py"

W0 = [[3.0, 2.0], [4.0, 3.0]]
B0 = [-2.0, -4.0]
W20 = [5.0, -5.0]
B20 = -2.0

H = [0.73105858, 0.11920292]
Z = 1.05927828
Y = 0.74255260
GRADS = {  # dE/d· for E = (t - y)^2 / 2, t = 1
    "W": [[-0.04838203, 0.02583670], [0.0, 0.0]],
    "b": [-0.04838203, 0.02583670],
    "W2": [-0.03597961, -0.00586666],
    "b2": -0.04921577,
}
DATA_X = [[0, 0], [0, 1], [1, 0], [1, 1]]
DATA_Y = [0, 1, 1, 0]
PREDICT = [0.18333462, 0.7425526, 0.7425526, 0.33430961]
COST = 0.06948321
PREDICT_2 = [0.18353091, 0.74260499, 0.74321824, 0.33324929]
COST_2 = 0.06923194


def close(actual, expected):
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=0, atol=TOL)


def network(x, W, b, W2, b2):
    h = sg.sigmoid(sg.dot(x, W) + b)
    z = sg.dot(h, W2) + b2
    return h, z, sg.sigmoid(z)


def test_forward_values():
    x = sg.asarray([1.0, 0.0])
    h, z, y = network(x, sg.asarray(W0), sg.asarray(B0), sg.asarray(W20),
                      sg.asarray(B20))
    close(h, H)
    close(z, Z)
    close(y, Y)
    assert y.shape == ()


def test_eager_gradients():
    params = {"W": sg.asarray(W0), "b": sg.asarray(B0),
              "W2": sg.asarray(W20), "b2": sg.asarray(B20)}
    for p in params.values():
        p.requires_grad = True
    _, _, y = network(sg.asarray([1.0, 0.0]), *params.values())
    error = 0.5 * (1.0 - y) ** 2
    assert error.requires_grad
    error.backward()
    for name, expected in GRADS.items():
        close(params[name].grad, expected)


def test_symbolic_gradients():
    x, t = T.dvector("x"), T.dscalar("t")
    params = {"W": sg.shared(W0, "W"), "b": sg.shared(B0, "b"),
              "W2": sg.shared(W20, "W2"), "b2": sg.shared(B20, "b2")}
    h, z, y = network(x, *params.values())
    error = 0.5 * (t - y) ** 2
    grads = T.grad(error, list(params.values()))
    f = sg.function([x, t], [h, z, y] + grads)
    h_val, z_val, y_val, *grad_vals = f([1.0, 0.0], 1.0)
    close(h_val, H)
    close(z_val, Z)
    close(y_val, Y)
    for expected, actual in zip(GRADS.values(), grad_vals):
        close(actual, expected)


def build_listing():
    """The chapter's listing, written out as a program."""
    x = T.dmatrix()
    W = sg.shared(value=np.array([[3.0, 2.0], [4.0, 3.0]]))
    b = sg.shared(value=np.array([-2.0, -4.0]))
    h = T.nnet.sigmoid(T.dot(x, W) + b)
    h_function = sg.function([x], h)
    W2 = sg.shared(value=np.array([5.0, -5.0]))
    b2 = sg.shared(-2.0)
    y_pred = T.nnet.sigmoid(T.dot(h, W2) + b2)
    predict = sg.function([x], y_pred)
    y = T.dvector()
    cost = ((y - y_pred) ** 2).mean()
    gW, gb, gW2, gb2 = T.grad(cost, [W, b, W2, b2])
    train = sg.function(
        inputs=[x, y], outputs=[y_pred, cost],
        updates=((W, W - 0.1 * gW), (b, b - 0.1 * gb),
                 (W2, W2 - 0.1 * gW2), (b2, b2 - 0.1 * gb2)))
    return h_function, predict, train


def test_predict_and_train():
    h_function, predict, train = build_listing()
    close(h_function([[1, 0]]), [H])
    close(predict([[1, 0]]), [Y])
    close(predict(np.array(DATA_X)), PREDICT)

    pred, cost = train(np.array(DATA_X), np.array(DATA_Y))
    close(pred, PREDICT)
    close(cost, COST)
    assert cost.shape == ()
    # train returns the values before its updates; predict sees the new ones
    close(predict(DATA_X), PREDICT_2)
    pred, cost = train(DATA_X, DATA_Y)
    close(pred, PREDICT_2)
    close(cost, COST_2)


def test_training_learns_xor():
    _, predict, train = build_listing()
    first = train(DATA_X, DATA_Y)[1].item()
    for _ in range(2000):
        last = train(DATA_X, DATA_Y)[1].item()
    assert last < first / 4
    np.testing.assert_array_equal(np.asarray(predict(DATA_X)) > 0.5,
                                  [False, True, True, False])


def test_listing_runs_as_a_session():
    source = LISTING.read_text().split("# The listing.\n", 1)[1]
    console = code.InteractiveConsole()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        for line in source.splitlines():
            assert not console.push(line), f"unfinished statement: {line}"
    assert err.getvalue() == ""
    echoed = out.getvalue().splitlines()
    assert echoed == [
        "array([[0.73105858, 0.11920292]])",
        "array([0.7425526])",
        "array([0.18333462, 0.7425526 , 0.7425526 , 0.33430961])",
        "[array([0.18333462, 0.7425526 , 0.7425526 , 0.33430961]), "
        "array(0.06948321)]",
        "[array([0.18353091, 0.74260499, 0.74321824, 0.33324929]), "
        "array(0.06923194)]",
    ]


@pytest.mark.parametrize("name", ["dmatrix", "matrix"])
def test_theano_names(name):
    x = getattr(T, name)("x")
    assert x.shape == (None, None)
    assert x.dtype == sg.float64
    assert x.name == "x"
    assert repr(x) == "Tensor(symbolic, shape=(None, None), dtype=float64, name='x')"
