"""Graphs go with their last tensor: 100 000 eager training steps of the
seed's network, PyTorch style (backward, in-place updates under no_grad,
zeroed gradients), keep a flat resident memory. Measured, not timed."""

import gc
import os

import numpy as np

import swiftgrad as sg

STEPS = 100_000


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_eager_training_keeps_a_flat_resident_memory():
    x = sg.asarray([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = sg.asarray([0.0, 1.0, 1.0, 0.0])
    params = [sg.asarray(v, requires_grad=True)
              for v in ([[3.0, 2.0], [4.0, 3.0]], [-2.0, -4.0], [5.0, -5.0], -2.0)]
    W, b, W2, b2 = params

    def step():
        h = sg.sigmoid(x @ W + b)
        cost = sg.mean((y - sg.sigmoid(h @ W2 + b2)) ** 2)
        cost.backward()
        with sg.no_grad():
            for p in params:
                p -= 0.5 * p.grad
                p.grad.zero_()
        return cost.item()

    first = step()
    for _ in range(STEPS // 10):
        step()
    gc.collect()
    warm = resident_bytes()
    for _ in range(STEPS - STEPS // 10):
        last = step()
    gc.collect()
    grown = resident_bytes() - warm
    assert last < 0.01 < first  # it trained
    # A leak of one 8-element array per step would be 9 MiB here; one
    # tensor object per step, more.
    assert grown < 2 * 2 ** 20, f"resident memory grew by {grown / 2 ** 20:.1f} MiB"
    assert np.isfinite([p.item() if p.size == 1 else np.asarray(p).sum() for p in params]).all()
