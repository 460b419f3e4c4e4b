"""PyTorch-style eager autograd as a PyTorch user writes it: in-place
parameter updates under no_grad, grad.zero_(), .data, requires_grad_(),
grad_fn and is_leaf, methods for every op, and version counters that
refuse a backward through values overwritten in place."""

from __future__ import annotations

import numpy as np
import pytest

import swiftgrad as sg


def xor_data():
    x = sg.asarray([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = sg.asarray([[0.0], [1.0], [1.0], [0.0]])
    return x, y


def test_the_pytorch_training_loop_trains():
    """The standard loop: backward, then p -= lr * p.grad under no_grad,
    then p.grad.zero_(). The parameters change in place and the loss falls
    to the one NumPy computes for the same steps."""
    x, y = xor_data()
    rng = np.random.default_rng(0)
    init = [rng.normal(0, 1, (2, 4)), np.zeros(4), rng.normal(0, 1, (4, 1)), np.zeros(1)]
    params = [sg.asarray(p, copy=True, requires_grad=True) for p in init]
    W1, b1, W2, b2 = params
    ids = [id(p) for p in params]
    losses = []
    for _ in range(300):
        h = (x @ W1 + b1).tanh()
        loss = ((h @ W2 + b2).sigmoid() - y).square().mean()
        loss.backward()
        with sg.no_grad():
            for p in params:
                p -= 0.5 * p.grad
                p.grad.zero_()
        losses.append(loss.item())
    assert [id(p) for p in params] == ids and all(p.requires_grad for p in params)
    assert losses[-1] < 0.6 * losses[0]

    # The same steps in NumPy.
    W1, b1, W2, b2 = (p.copy() for p in init)
    X, Y = np.asarray(x), np.asarray(y)
    for step in range(300):
        h = np.tanh(X @ W1 + b1)
        out = 1 / (1 + np.exp(-(h @ W2 + b2)))
        loss = np.mean((out - Y) ** 2)
        np.testing.assert_allclose(losses[step], loss, rtol=1e-12)
        d_out = 2 * (out - Y) / out.size * out * (1 - out)
        d_h = d_out @ W2.T * (1 - h ** 2)
        W2, b2 = W2 - 0.5 * h.T @ d_out, b2 - 0.5 * d_out.sum(0)
        W1, b1 = W1 - 0.5 * X.T @ d_h, b1 - 0.5 * d_h.sum(0)


def test_in_place_on_a_leaf_that_requires_grad_needs_no_grad():
    w = sg.asarray([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError):
        w -= 1.0
    with sg.no_grad():
        w -= 1.0
    assert w.tolist() == [0.0, 1.0] and w.requires_grad


def test_backward_refuses_values_overwritten_in_place():
    x = sg.asarray([0.5, 1.0], requires_grad=True)
    y = sg.exp(x)
    z = (y * y).sum()
    with sg.no_grad():
        y.data[0] = 3.0  # .data shares the memory and is not recorded
    with pytest.raises(ValueError, match=r"multiply was modified in place"):
        z.backward()
    # A graph recorded after the write differentiates fine.
    w = (sg.exp(x) * 2).sum()
    w.backward()
    np.testing.assert_allclose(np.asarray(x.grad), 2 * np.exp([0.5, 1.0]))


def test_methods_for_every_op():
    x = sg.asarray([[0.5, -1.0], [2.0, 0.25]])
    a = np.asarray(x)
    np.testing.assert_allclose(np.asarray(x.exp()), np.exp(a))
    np.testing.assert_allclose(np.asarray(x.tanh()), np.tanh(a))
    np.testing.assert_allclose(np.asarray(x.maximum(0.3)), np.maximum(a, 0.3))
    np.testing.assert_allclose(np.asarray(x.flip(axis=0)), np.flip(a, axis=0))
    with pytest.raises(AttributeError, match="no_such_method"):
        x.no_such_method()


def test_leaves_data_grad_fn():
    x = sg.asarray([1.0, 2.0])
    assert x.is_leaf and x.grad_fn is None
    assert x.requires_grad_() is x and x.requires_grad and x.is_leaf
    y = x * 2
    assert not y.is_leaf and y.grad_fn.name() == "multiply"
    d = y.data
    assert not d.requires_grad and d.grad_fn is None and d.tolist() == [2.0, 4.0]
    with sg.no_grad():
        z = x * 2
    assert z.is_leaf and z.grad_fn is None


def test_in_place_methods():
    t = sg.asarray([1.0, 2.0, 3.0])
    same = t.add_(1.0).mul_(2.0).sub_(sg.asarray([1.0, 1.0, 1.0]), alpha=2).div_(2.0)
    assert same is t and t.tolist() == [1.0, 2.0, 3.0]
    t.fill_(7)
    assert t.tolist() == [7.0, 7.0, 7.0]
    t.copy_(sg.asarray([1.0, 2.0, 3.0]))
    t.zero_()
    assert t.tolist() == [0.0, 0.0, 0.0]


def test_symbolic_in_place_makes_a_new_node():
    """Theano graphs are values: x += 1 on a placeholder is x = x + 1."""
    x = sg.placeholder((None,), name="x")
    y = x
    y += 1.0
    assert y is not x
    f = sg.function([x], y)
    assert f([1.0, 2.0]).tolist() == [2.0, 3.0]


def test_hooks_retain_grad_and_versions_through_stand_ins():
    """A consumer whose vjp does not read its input (add) records a
    stand-in of it; hooks, retain_grad and version checks still see the
    tensor itself."""
    x = sg.asarray([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))
    (y + 1).sum().backward()
    assert y.grad.tolist() == [1.0, 1.0] and seen == [[1.0, 1.0]]
    assert x.grad.tolist() == [2.0, 2.0]
    # Writing into a value a vjp does not read is allowed (PyTorch's rule);
    # into one it reads (exp's result) is refused.
    y = x * 2
    z = (y + 1).sum()
    with sg.no_grad():
        y += 1
    z.backward()
    e = sg.exp(x)
    w = (e + 1).sum()
    with sg.no_grad():
        e += 1
    with pytest.raises(ValueError, match=r"the result of exp was modified in place"):
        w.backward()
