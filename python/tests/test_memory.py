"""Graphs go with their last tensor: 100 000 eager training steps of the
seed's network, PyTorch style (backward, in-place updates under no_grad,
zeroed gradients), keep a flat resident memory. Measured, not timed."""

import gc
import os

import numpy as np
import pytest

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



def allocated_bytes():
    """Bytes malloc has handed out and not got back (glibc's mallinfo2):
    unlike the resident size, it drops when large blocks are freed."""
    import ctypes

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in
                    "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]

    try:
        mallinfo2 = ctypes.CDLL("libc.so.6").mallinfo2
    except (OSError, AttributeError):
        pytest.skip("needs glibc's mallinfo2")
    mallinfo2.restype = MallInfo2
    info = mallinfo2()
    return info.uordblks + info.hblkhd


def test_a_graph_keeps_only_the_values_its_vjps_read():
    """A chain of 20 intermediates of 8 MB each, none of whose values a
    vjp reads (adds and a sum): once the caller drops them, the graph holds
    stand-ins, where keeping whole inputs held 160 MB. exp's result is read
    by its vjp, so that one value (8 MB) stays."""
    n = 1_000_000
    x = sg.asarray(np.linspace(-1.0, 1.0, n), requires_grad=True)
    gc.collect()
    before = allocated_bytes()
    y = sg.exp(x)
    for _ in range(20):
        y = y + 1.0
    cost = y.sum()
    del y
    gc.collect()
    held = allocated_bytes() - before
    assert 7 * 2**20 < held < 12 * 2**20, f"the graph holds {held / 2**20:.1f} MiB"
    cost.backward()
    np.testing.assert_allclose(np.asarray(x.grad), np.exp(np.linspace(-1.0, 1.0, n)), rtol=1e-15)
