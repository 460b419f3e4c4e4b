"""One training step of a sigmoid MLP with squared error, side by side.

Times a full step (forward, backward, parameter update) in swiftgrad's two
styles and in each peer that is installed (numpy by hand, torch eager, jax
jit, pytensor function), on the seed network (a batch of 4, 2-2-1) and on a
larger one (a batch of 256, 784-256-10). Prints the median time per step and
each time as a ratio to swiftgrad's compiled function.

    python3 benchmarks/train_step.py            # peers from a virtualenv:
    .venv/bin/python benchmarks/train_step.py   # pip install torch jax pytensor
"""

from __future__ import annotations

import importlib.util
import statistics
import time

import numpy as np

import swiftgrad as sg
import swiftgrad.tensor as T

LEARNING_RATE = 0.1


def problem(batch, sizes, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((batch, sizes[0]))
    y = rng.random((batch, sizes[-1]))
    params = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        params += [rng.normal(0, n_in ** -0.5, (n_in, n_out)), np.zeros(n_out)]
    return x, y, params


def swiftgrad_function(x, y, params):
    shared = [sg.shared(p) for p in params]
    tx, ty = T.dmatrix("x"), T.dmatrix("y")
    h = tx
    for w, b in zip(shared[::2], shared[1::2]):
        h = T.nnet.sigmoid(T.dot(h, w) + b)
    cost = ((ty - h) ** 2).mean()
    grads = T.grad(cost, shared)
    step = sg.function([tx, ty], cost,
                       updates=[(p, p - LEARNING_RATE * g) for p, g in zip(shared, grads)])
    xs, ys = sg.asarray(x), sg.asarray(y)
    return lambda: step(xs, ys)


def swiftgrad_eager(x, y, params):
    state = [sg.asarray(p) for p in params]
    xs, ys = sg.asarray(x), sg.asarray(y)

    def step():
        for p in state:
            p.requires_grad = True
        h = xs
        for w, b in zip(state[::2], state[1::2]):
            h = sg.sigmoid(h @ w + b)
        ((ys - h) ** 2).mean().backward()
        with sg.no_grad():
            state[:] = [(p - LEARNING_RATE * p.grad).detach() for p in state]

    return step


def numpy_by_hand(x, y, params):
    state = [p.copy() for p in params]

    def step():
        activations = [x]
        for w, b in zip(state[::2], state[1::2]):
            activations.append(1 / (1 + np.exp(-(activations[-1] @ w + b))))
        out = activations[-1]
        delta = 2 * (out - y) / out.size * out * (1 - out)
        for i in range(len(state) // 2 - 1, -1, -1):
            w = state[2 * i]
            a = activations[i]
            grad_w, grad_b = a.T @ delta, delta.sum(0)
            if i:
                delta = (delta @ w.T) * a * (1 - a)
            state[2 * i] = w - LEARNING_RATE * grad_w
            state[2 * i + 1] = state[2 * i + 1] - LEARNING_RATE * grad_b

    return step


def torch_eager(x, y, params):
    import torch

    state = [torch.tensor(p, requires_grad=True) for p in params]
    xs, ys = torch.tensor(x), torch.tensor(y)

    def step():
        h = xs
        for w, b in zip(state[::2], state[1::2]):
            h = torch.sigmoid(h @ w + b)
        ((ys - h) ** 2).mean().backward()
        with torch.no_grad():
            for p in state:
                p -= LEARNING_RATE * p.grad
                p.grad = None

    return step


def jax_jit(x, y, params):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    def cost(state, xs, ys):
        h = xs
        for w, b in zip(state[::2], state[1::2]):
            h = jax.nn.sigmoid(h @ w + b)
        return ((ys - h) ** 2).mean()

    @jax.jit
    def update(state, xs, ys):
        grads = jax.grad(cost)(state, xs, ys)
        return [p - LEARNING_RATE * g for p, g in zip(state, grads)]

    box = [[jnp.asarray(p) for p in params]]
    xs, ys = jnp.asarray(x), jnp.asarray(y)

    def step():
        box[0] = update(box[0], xs, ys)
        box[0][0].block_until_ready()

    return step


def pytensor_function(x, y, params):
    import pytensor
    import pytensor.tensor as pt

    shared = [pytensor.shared(p) for p in params]
    tx, ty = pt.dmatrix("x"), pt.dmatrix("y")
    h = tx
    for w, b in zip(shared[::2], shared[1::2]):
        h = pt.sigmoid(pt.dot(h, w) + b)
    cost = ((ty - h) ** 2).mean()
    grads = pytensor.grad(cost, shared)
    step = pytensor.function([tx, ty], cost,
                             updates=[(p, p - LEARNING_RATE * g) for p, g in zip(shared, grads)])
    return lambda: step(x, y)


PEERS = [
    ("swiftgrad function", None, swiftgrad_function),
    ("swiftgrad eager", None, swiftgrad_eager),
    ("numpy by hand", None, numpy_by_hand),
    ("torch eager", "torch", torch_eager),
    ("jax jit", "jax", jax_jit),
    ("pytensor function", "pytensor", pytensor_function),
]


def median_seconds(step, budget=0.5):
    for _ in range(3):
        step()  # warm up (and compile, for jax)
    times = []
    deadline = time.perf_counter() + budget
    while time.perf_counter() < deadline or len(times) < 5:
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    for title, (batch, sizes) in [("seed network, batch 4, 2-2-1", (4, (2, 2, 1))),
                                  ("MLP, batch 256, 784-256-10", (256, (784, 256, 10)))]:
        print(f"\n{title}: median time per training step")
        x, y, params = problem(batch, sizes)
        baseline = None
        for name, module, make in PEERS:
            if module and importlib.util.find_spec(module) is None:
                print(f"  {name:20s} skipped ({module} is not installed)")
                continue
            seconds = median_seconds(make(x, y, params))
            baseline = baseline or seconds
            print(f"  {name:20s} {seconds * 1e6:10.1f} us   {seconds / baseline:6.2f}x swiftgrad function")


if __name__ == "__main__":
    main()
