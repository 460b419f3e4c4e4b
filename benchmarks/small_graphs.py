"""Small graphs, side by side with the peers that are installed, in one run.

  1. the seed's training step and an MLP step (784-256-10, batch 256),
     compiled (swiftgrad function, jax.jit, pytensor) and eager (torch);
  2. eager per-op overhead: a chain of 1000 small ops with grad, then
     backward (swiftgrad eager, torch);
  3. a fused elementwise chain, sigmoid(a*x + b) * tanh(x) over 4M float32,
     forward and gradient (swiftgrad function, jax.jit, pytensor, torch);
  4. compile time of the seed's training step and of a 10 000-node graph
     (swiftgrad function, jax.jit's first call, pytensor.function).

Prints each time and its ratio to swiftgrad's. `make bench` runs it;
`python3 benchmarks/small_graphs.py --quick` takes a few seconds.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import swiftgrad as sg  # noqa: E402
import train_step  # noqa: E402

BUDGET = 0.5


def have(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def median_seconds(run, budget=None):
    budget = BUDGET if budget is None else budget
    for _ in range(2):
        run()
    times, deadline = [], time.perf_counter() + budget
    while time.perf_counter() < deadline or len(times) < 3:
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(title, rows):
    """rows: (name, seconds, None for not installed, or the exception a
    peer raised); the first is swiftgrad."""
    print(f"\n{title}")
    base = rows[0][1]
    for name, seconds in rows:
        if seconds is None:
            print(f"  {name:22s} skipped (not installed)")
        elif isinstance(seconds, BaseException):
            print(f"  {name:22s} failed ({type(seconds).__name__})")
        else:
            print(f"  {name:22s} {seconds * 1e6:12.1f} us  {seconds / base:7.2f}x swiftgrad")


def attempt(time_it):
    """A peer's timing, or the exception it raised (a peer that fails on a
    case is reported, not fatal)."""
    try:
        return time_it()
    except Exception as error:  # noqa: BLE001
        return error


# ------------------------------------------------------------- train steps

def train_steps():
    for title, (batch, sizes) in [("seed training step (batch 4, 2-2-1)", (4, (2, 2, 1))),
                                  ("MLP training step (batch 256, 784-256-10)", (256, (784, 256, 10)))]:
        x, y, params = train_step.problem(batch, sizes)
        rows = []
        for name, module, make in train_step.PEERS:
            if name == "numpy by hand":
                continue
            rows.append((name, median_seconds(make(x, y, params))
                         if module is None or have(module) else None))
        report(title, rows)


# ------------------------------------------------------- eager op overhead

CHAIN = 1000


def eager_swiftgrad():
    x = sg.asarray(np.linspace(0.1, 1.0, 8))

    def run():
        x.requires_grad = True
        x.grad = None
        h = x
        for _ in range(CHAIN // 2):
            h = h * 1.0001 + 0.001
        sg.sum(h).backward()
    return run


def eager_torch():
    import torch

    x = torch.linspace(0.1, 1.0, 8, dtype=torch.float64, requires_grad=True)

    def run():
        x.grad = None
        h = x
        for _ in range(CHAIN // 2):
            h = h * 1.0001 + 0.001
        h.sum().backward()
    return run


def eager_overhead():
    rows = [("swiftgrad eager", median_seconds(eager_swiftgrad())),
            ("torch eager", median_seconds(eager_torch()) if have("torch") else None)]
    report(f"eager chain of {CHAIN} ops on 8 elements with grad, then backward", rows)


# ------------------------------------------------------------ fused chain

N = 1 << 22


def chain_data():
    rng = np.random.default_rng(0)
    return [rng.standard_normal(N).astype(np.float32) for _ in range(3)]


def fused_swiftgrad(a, x, b):
    pa, px, pb = (sg.placeholder((None,), dtype="float32", name=n) for n in "axb")
    y = sg.sigmoid(pa * px + pb) * sg.tanh(px)
    f = sg.function([pa, px, pb], [y, *sg.grad(sg.sum(y), [pa, px, pb])])
    ta, tx, tb = (sg.asarray(v) for v in (a, x, b))
    return lambda: f(ta, tx, tb)


def fused_jax(a, x, b):
    import jax
    import jax.numpy as jnp

    def y(a, x, b):
        return jax.nn.sigmoid(a * x + b) * jnp.tanh(x)

    f = jax.jit(lambda a, x, b: (y(a, x, b), jax.grad(lambda *v: y(*v).sum(), (0, 1, 2))(a, x, b)))
    ja, jx, jb = (jnp.asarray(v) for v in (a, x, b))
    return lambda: jax.block_until_ready(f(ja, jx, jb))


def fused_pytensor(a, x, b):
    import pytensor
    import pytensor.tensor as pt

    pa, px, pb = (pt.fvector(n) for n in "axb")
    y = pt.sigmoid(pa * px + pb) * pt.tanh(px)
    f = pytensor.function([pa, px, pb], [y, *pytensor.grad(y.sum(), [pa, px, pb])])
    return lambda: f(a, x, b)


def fused_torch(a, x, b):
    import torch

    ta, tx, tb = (torch.tensor(v, requires_grad=True) for v in (a, x, b))

    def run():
        for t in (ta, tx, tb):
            t.grad = None
        y = torch.sigmoid(ta * tx + tb) * torch.tanh(tx)
        y.sum().backward()
    return run


def fused_chain():
    data = chain_data()
    rows = [("swiftgrad function", median_seconds(fused_swiftgrad(*data)))]
    for name, module, make in [("jax jit", "jax", fused_jax), ("pytensor function", "pytensor", fused_pytensor),
                               ("torch eager", "torch", fused_torch)]:
        rows.append((name, median_seconds(make(*data)) if have(module) else None))
    report(f"sigmoid(a*x + b) * tanh(x) and its gradient, {N} float32", rows)


# ----------------------------------------------------------- compile time

NODES = 10_000


def compile_seed_swiftgrad():
    x, y, params = train_step.problem(4, (2, 2, 1))
    return lambda: train_step.swiftgrad_function(x, y, params)


def compile_big_swiftgrad():
    p = sg.placeholder((None,), name="x")
    z = p
    for _ in range(NODES // 2):
        z = sg.exp(z) * 0.5 + p
    return lambda: sg.function([p], [z])


def compile_seed_pytensor():
    x, y, params = train_step.problem(4, (2, 2, 1))
    return lambda: train_step.pytensor_function(x, y, params)


def compile_big_pytensor():
    import pytensor
    import pytensor.tensor as pt

    p = pt.dvector("x")
    z = p
    for _ in range(NODES // 2):
        z = pt.exp(z) * 0.5 + p
    return lambda: pytensor.function([p], z)


def compile_big_jax():
    import jax
    import jax.numpy as jnp

    def make():
        def f(p):
            z = p
            for _ in range(NODES // 2):
                z = jnp.exp(z) * 0.5 + p
            return z
        return f

    x = jnp.zeros(4)
    # A new function each time (jit caches by function), so every call
    # traces and compiles.
    return lambda: jax.block_until_ready(jax.jit(make())(x))


def compile_times():
    once = 0 if BUDGET < 0.5 else None  # --quick: one timing each
    report("compiling the seed's training step",
           [("swiftgrad function", median_seconds(compile_seed_swiftgrad(), once)),
            ("pytensor function", median_seconds(compile_seed_pytensor(), once) if have("pytensor") else None)])
    report(f"compiling a {NODES}-node graph",
           [("swiftgrad function", median_seconds(compile_big_swiftgrad(), once)),
            ("jax jit (trace+compile)",
             attempt(lambda: median_seconds(compile_big_jax(), 0)) if have("jax") else None),
            ("pytensor function",
             attempt(lambda: median_seconds(compile_big_pytensor(), 0)) if have("pytensor") else None)])


def main():
    global BUDGET, N, NODES
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short budgets and sizes")
    if parser.parse_args().quick:
        BUDGET, N, NODES = 0.05, 1 << 16, 1000
    train_steps()
    eager_overhead()
    fused_chain()
    compile_times()


if __name__ == "__main__":
    main()
