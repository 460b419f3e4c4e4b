"""Second order on the seed's network: its cost's Hessian with respect to
all nine parameters against finite differences of a NumPy cost, and every
way of forming a Hessian-vector product agreeing with H @ v (reverse over
reverse, forward over reverse, eager and compiled)."""

import numpy as np
import pytest

import swiftgrad as sg

DATA_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
DATA_Y = np.array([0, 1, 1, 0], dtype=float)
# W (2x2), b (2), W2 (2), b2 (), flattened in that order.
THETA = np.array([3.0, 2.0, 4.0, 3.0, -2.0, -4.0, 5.0, -5.0, -2.0])


def cost(theta):
    """The listing's cost, mean((y - y_pred)^2), of the flattened parameters."""
    W = sg.reshape(theta[0:4], (2, 2))
    b, W2, b2 = theta[4:6], theta[6:8], theta[8]
    h = sg.sigmoid(sg.asarray(DATA_X) @ W + b)
    y_pred = sg.sigmoid(h @ W2 + b2)
    return sg.mean((sg.asarray(DATA_Y) - y_pred) ** 2)


def numpy_cost(theta):
    W, b, W2, b2 = theta[0:4].reshape(2, 2), theta[4:6], theta[6:8], theta[8]
    h = 1 / (1 + np.exp(-(DATA_X @ W + b)))
    y_pred = 1 / (1 + np.exp(-(h @ W2 + b2)))
    return np.mean((DATA_Y - y_pred) ** 2)


def numerical_hessian(f, x, h=1e-4):
    n = x.size
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            def at(di, dj):
                y = x.copy()
                y[i] += di
                y[j] += dj
                return f(y)
            H[i, j] = (at(h, h) - at(h, -h) - at(-h, h) + at(-h, -h)) / (4 * h * h)
    return H


@pytest.fixture(scope="module")
def expected_hessian():
    return numerical_hessian(numpy_cost, THETA)


def test_the_value_is_the_listing_cost():
    assert cost(sg.asarray(THETA)).item() == pytest.approx(0.06948321, abs=1e-8)


def test_hessian_of_the_seed_cost(expected_hessian):
    H = np.asarray(sg.func.hessian(cost)(sg.asarray(THETA)))
    assert H.shape == (9, 9)
    np.testing.assert_allclose(H, expected_hessian, atol=2e-7)
    np.testing.assert_allclose(H, H.T, atol=1e-12)


def test_hessian_vector_products_agree(expected_hessian):
    v = np.random.default_rng(3).uniform(-1, 1, 9)
    expected = expected_hessian @ v
    _, (reverse,) = sg.func.hvp(cost, [sg.asarray(THETA)], [sg.asarray(v)])
    np.testing.assert_allclose(np.asarray(reverse), expected, atol=2e-7)
    # forward over reverse: the jvp of the gradient
    _, forward = sg.func.jvp(sg.func.grad(cost), [sg.asarray(THETA)], [sg.asarray(v)])
    np.testing.assert_allclose(np.asarray(forward), expected, atol=2e-7)
    np.testing.assert_allclose(np.asarray(forward), np.asarray(reverse), atol=1e-12)


def test_compiled_hessian_vector_product(expected_hessian):
    """Theano's way: grad, then Rop of the gradient, compiled."""
    theta, v = sg.placeholder((9,), name="theta"), sg.placeholder((9,), name="v")
    g = sg.grad(cost(theta), theta)
    hv = sg.function([theta, v], sg.jvp(g, theta, v))
    for seed in range(3):
        vec = np.random.default_rng(seed).uniform(-1, 1, 9)
        np.testing.assert_allclose(np.asarray(hv(THETA, vec)), expected_hessian @ vec, atol=2e-7)


def test_forward_over_forward_gives_second_directional_derivatives():
    """d²/dt² cost(theta + t v) at t = 0 is vᵀ H v."""
    v = np.random.default_rng(5).uniform(-1, 1, 9)

    def directional(theta):
        return sg.func.jvp(cost, [theta], [sg.asarray(v)])[1]

    _, second = sg.func.jvp(directional, [sg.asarray(THETA)], [sg.asarray(v)])
    h = 1e-4
    expected = (numpy_cost(THETA + h * v) - 2 * numpy_cost(THETA) + numpy_cost(THETA - h * v)) / h ** 2
    assert second.item() == pytest.approx(expected, abs=1e-6)
