"""swiftgrad.func: grad, value_and_grad, vjp, jvp, jacobian, hessian and
hvp against central differences of NumPy functions, nested, with aux
outputs, and inside no_grad; grad's create_graph and disconnected_inputs."""

from __future__ import annotations

import numpy as np
import pytest

import swiftgrad as sg
from swiftgrad import func as F

EPS = 1e-6


def numeric_jacobian(f, x):
    """d f(x) / d x by central differences: shape f(x).shape + x.shape."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(f(x))
    J = np.zeros(y.shape + x.shape)
    for i in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[i] += EPS
        minus[i] -= EPS
        J[(...,) + i] = (np.asarray(f(plus)) - np.asarray(f(minus))) / (2 * EPS)
    return J


def f_np(x):
    return np.sum(np.sin(x) * x ** 2)


def f_sg(x):
    return sg.sum(sg.sin(x) * x ** 2)


def g_np(x):  # vector valued
    return np.stack([np.exp(x[0]) * x[1], x[0] * x[1] ** 2, np.tanh(x[2])])


def g_sg(x):
    return sg.stack([sg.exp(x[0]) * x[1], x[0] * x[1] ** 2, sg.tanh(x[2])])


X = np.array([0.3, -1.2, 0.8])


def f_prime(x):  # d/dx of x^2 sin x, elementwise
    return 2 * x * np.sin(x) + x ** 2 * np.cos(x)


def f_second(x):  # the Hessian of f is diagonal
    return np.diag(2 * np.sin(x) + 4 * x * np.cos(x) - x ** 2 * np.sin(x))


def close(actual, expected, rtol=1e-6, atol=1e-8):
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=rtol, atol=atol)


def test_grad_and_value_and_grad():
    close(F.grad(f_sg)(sg.asarray(X)), f_prime(X), rtol=1e-14)
    close(f_prime(X), numeric_jacobian(f_np, X))  # the reference itself
    value, g = F.value_and_grad(f_sg)(X)  # plain NumPy arguments work too
    close(value, f_np(X), rtol=1e-14)
    close(g, numeric_jacobian(f_np, X))
    assert not g.requires_grad and not value.requires_grad


def test_argnums_and_aux():
    def f(a, b):
        return sg.sum(a * sg.exp(b)), "aux"

    a, b = np.array([1.0, 2.0]), np.array([0.5, -0.5])
    (value, aux), (ga, gb) = F.value_and_grad(f, argnums=(0, 1), has_aux=True)(a, b)
    assert aux == "aux"
    close(ga, np.exp(b), rtol=1e-14)
    close(gb, a * np.exp(b), rtol=1e-14)
    gb_only, aux = F.grad(f, argnums=-1, has_aux=True)(a, b)
    close(gb_only, a * np.exp(b), rtol=1e-14)
    with pytest.raises(IndexError, match="argnums"):
        F.grad(f, argnums=2)(a, b)
    with pytest.raises(ValueError, match="one-element"):
        F.grad(lambda x: x * 2)(a)


def test_arguments_are_left_alone():
    x = sg.asarray(X)
    F.grad(f_sg)(x)
    assert not x.requires_grad and x.grad is None


def test_vjp():
    out, pullback = F.vjp(g_sg, sg.asarray(X))
    close(out, g_np(X), rtol=1e-14)
    v = np.array([1.0, -2.0, 0.5])
    (g,) = pullback(v)
    close(g, v @ numeric_jacobian(g_np, X))
    (g2,) = pullback(np.array([0.0, 1.0, 0.0]))  # the pullback is reusable
    close(g2, numeric_jacobian(g_np, X)[1])


def test_jvp():
    t = np.array([0.5, 1.0, -1.0])
    out, pushed = F.jvp(g_sg, (X,), (t,))
    close(out, g_np(X), rtol=1e-14)
    close(pushed, numeric_jacobian(g_np, X) @ t)
    # An output that does not depend on the input pushes zeros forward.
    _, zero = F.jvp(lambda x: sg.asarray([1.0, 2.0]) + x[0] * 0, (X,), (t,))
    close(zero, [0.0, 0.0])


def test_jacobian_and_hessian():
    close(F.jacobian(g_sg)(X), numeric_jacobian(g_np, X))
    close(F.hessian(f_sg)(X), f_second(X), rtol=1e-13, atol=1e-14)
    M = np.arange(6.0).reshape(2, 3)
    J = F.jacobian(lambda m: sg.sum(m * m, axis=1))(M)
    assert J.shape == (2, 2, 3)
    close(J, numeric_jacobian(lambda m: np.sum(m * m, axis=1), M))


def test_hvp():
    v = np.array([1.0, 0.5, -2.0])
    value, (product,) = F.hvp(f_sg, (X,), (v,))
    close(value, f_np(X), rtol=1e-14)
    close(product, f_second(X) @ v, rtol=1e-13, atol=1e-14)
    # A linear function has a zero Hessian.
    _, (zero,) = F.hvp(lambda x: sg.sum(x * 3.0), (X,), (v,))
    close(zero, np.zeros(3))


def test_transforms_nest():
    third = F.grad(F.grad(F.grad(lambda x: sg.sum(x ** 4))))
    close(third(sg.asarray(1.5)), 24 * 1.5)
    # The gradient of a function of another gradient.
    g = F.grad(lambda x: sg.sum(F.grad(f_sg)(x) ** 2))
    close(g(X), 2 * f_prime(X) * np.diag(f_second(X)), rtol=1e-13, atol=1e-14)


def test_transforms_work_inside_no_grad():
    with sg.no_grad():
        close(F.grad(f_sg)(X), numeric_jacobian(f_np, X))
        y = sg.asarray(X) * 2
    assert not y.requires_grad


def test_grad_create_graph_and_disconnected_inputs():
    x = sg.asarray(X)
    x.requires_grad = True
    y = sg.asarray([1.0, 2.0])
    y.requires_grad = True
    cost = sg.sum(x ** 3)
    (gx,) = sg.grad(cost, [x], create_graph=True)
    assert gx.requires_grad
    (hx,) = sg.grad(sg.sum(gx), [x])
    close(hx, 6 * X, rtol=1e-14)
    with pytest.raises(ValueError, match="does not depend on"):
        sg.grad(cost, [x, y])
    gx, gy = sg.grad(cost, [x, y], disconnected_inputs="ignore")
    close(gy, [0.0, 0.0])
    with pytest.warns(UserWarning, match="does not depend on"):
        _, gy = sg.grad(cost, [x, y], disconnected_inputs="warn")
    close(gy, [0.0, 0.0])
    with pytest.raises(ValueError, match="disconnected_inputs"):
        sg.grad(cost, x, disconnected_inputs="maybe")
    # Symbolic: zeros of the placeholder's run-time shape.
    p, q = sg.placeholder((None,), name="p"), sg.placeholder((None,), name="q")
    gp, gq = sg.grad(sg.sum(p * p), [p, q], disconnected_inputs="ignore")
    f = sg.function([p, q], [gp, gq])
    a, b = f([1.0, 2.0], [3.0, 4.0, 5.0])
    close(a, [2.0, 4.0])
    close(b, [0.0, 0.0, 0.0])


def test_enable_grad():
    x = sg.asarray(X)
    x.requires_grad = True
    with sg.no_grad():
        assert not (x * 2).requires_grad
        with sg.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
