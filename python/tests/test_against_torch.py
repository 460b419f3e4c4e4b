"""Gradients of random compositions of operations, against PyTorch's in
float64 (skipped where torch is not installed): the same program, built
from the same seeded choices, in both libraries; first order, second order
(a Hessian-vector product) and forward mode."""

import numpy as np
import pytest

import swiftgrad as sg

torch = pytest.importorskip("torch")

# name: (swiftgrad, torch), each over two same-shaped operands or one
UNARY = {
    "exp": (lambda x: sg.exp(x * 0.5), lambda x: torch.exp(x * 0.5)),
    "tanh": (sg.tanh, torch.tanh),
    "sin": (sg.sin, torch.sin),
    "sigmoid": (sg.sigmoid, torch.sigmoid),
    "softplus": (lambda x: sg.softplus(x), torch.nn.functional.softplus),
    "log1p_abs": (lambda x: sg.log1p(sg.abs(x)), lambda x: torch.log1p(torch.abs(x))),
    "square": (sg.square, torch.square),
    "sqrt_1p": (lambda x: sg.sqrt(1 + x * x), lambda x: torch.sqrt(1 + x * x)),
    "cumsum": (lambda x: sg.cumulative_sum(x, axis=1), lambda x: torch.cumsum(x, 1)),
    "flip_t": (lambda x: sg.flip(x, axis=0) * 0.7, lambda x: torch.flip(x, (0,)) * 0.7),
    "softmax": (lambda x: sg.softmax(x, axis=1), lambda x: torch.softmax(x, 1)),
    "logsumexp_b": (lambda x: x - sg.logsumexp(x, axis=1, keepdims=True),
                    lambda x: x - torch.logsumexp(x, 1, keepdim=True)),
}
BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "div": (lambda a, b: a / (1.5 + b * b), lambda a, b: a / (1.5 + b * b)),
    "matmul": (lambda a, b: (a @ b.mT) @ a * 0.3, lambda a, b: (a @ b.mT) @ a * 0.3),
    "maximum": (sg.maximum, torch.maximum),
    "hypot": (sg.hypot, torch.hypot),
    "where": (lambda a, b: sg.where(a > b, a * b, a - b),
              lambda a, b: torch.where(a > b, a * b, a - b)),
    "atan2": (sg.atan2, torch.atan2),
}
SHAPE = (3, 4)


def program(seed):
    """A random composition: each step applies an op to earlier values."""
    rng = np.random.default_rng(seed)
    steps = []
    for _ in range(8):
        if rng.random() < 0.5:
            steps.append(("u", str(rng.choice(list(UNARY))), int(rng.integers(0, len(steps) + 2))))
        else:
            steps.append(("b", str(rng.choice(list(BINARY))), int(rng.integers(0, len(steps) + 2)),
                          int(rng.integers(0, len(steps) + 2))))
    return steps


def run(steps, x, y, lib):
    values = [x, y]
    for step in steps:
        if step[0] == "u":
            values.append(UNARY[step[1]][lib](values[step[2]]))
        else:
            values.append(BINARY[step[1]][lib](values[step[2]], values[step[3]]))
    return values[-1]


def loss(steps, x, y, w, lib):
    out = run(steps, x, y, lib)
    return (out * w).sum() if lib == 1 else sg.sum(out * w)


@pytest.mark.parametrize("seed", range(40))
def test_random_compositions_match_torch(seed):
    steps = program(seed)
    rng = np.random.default_rng(1000 + seed)
    xv, yv, wv, vx, vy = (rng.uniform(-1.5, 1.5, SHAPE) for _ in range(5))

    tx, ty = (torch.tensor(a, requires_grad=True) for a in (xv, yv))
    tl = loss(steps, tx, ty, torch.tensor(wv), 1)
    gx, gy = torch.autograd.grad(tl, (tx, ty), create_graph=True, allow_unused=True)
    gx = torch.zeros_like(tx) if gx is None else gx
    gy = torch.zeros_like(ty) if gy is None else gy
    dot = (gx * torch.tensor(vx)).sum() + (gy * torch.tensor(vy)).sum()
    hx, hy = (torch.zeros_like(t) if h is None else h
              for t, h in zip((tx, ty), torch.autograd.grad(dot, (tx, ty), allow_unused=True)
                              if dot.requires_grad else (None, None)))
    tangent = torch.func.jvp(lambda a, b: run(steps, a, b, 1),
                             (torch.tensor(xv), torch.tensor(yv)), (torch.tensor(vx), torch.tensor(vy)))[1]

    sx, sy = sg.asarray(xv), sg.asarray(yv)
    value, (dx, dy) = sg.func.value_and_grad(lambda a, b: loss(steps, a, b, sg.asarray(wv), 0),
                                             argnums=(0, 1))(sx, sy)
    assert value.item() == pytest.approx(tl.item(), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(np.asarray(dx), gx.detach().numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(np.asarray(dy), gy.detach().numpy(), rtol=1e-9, atol=1e-11)

    _, (px, py) = sg.func.hvp(lambda a, b: loss(steps, a, b, sg.asarray(wv), 0),
                              [sx, sy], [sg.asarray(vx), sg.asarray(vy)])
    np.testing.assert_allclose(np.asarray(px), hx.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(np.asarray(py), hy.numpy(), rtol=1e-8, atol=1e-10)

    _, pushed = sg.func.jvp(lambda a, b: run(steps, a, b, 0), [sx, sy], [sg.asarray(vx), sg.asarray(vy)])
    np.testing.assert_allclose(np.asarray(pushed), tangent.numpy(), rtol=1e-9, atol=1e-11)
