"""Elementwise operations, reductions and import cost, swiftgrad against NumPy.

Times, in the same run and on the same data, each elementwise family --
arithmetic (add, multiply, divide), comparison (less, equal, as the operators
< and == and as functions) and transcendental (exp, log, tanh, sigmoid; NumPy's
sigmoid is 1 / (1 + exp(-x)) by hand) -- at 8, 1e3 and 1e6 elements, in
float32 and float64, in these layouts:

    contiguous  1-D arrays of n elements
    strided-T   the transpose (permute_dims) of a C-ordered (r, c) array with
                r * c = n, for both libraries: the strided case while
                swiftgrad has no slicing (asarray of a strided NumPy view
                copies it into a contiguous tensor)
    step-2      x[::2] of a 2n-element array, only where swiftgrad's slicing
                gives a strided view (probed at start)
    broadcast   an (r, c) array with a (c,) row (binary operations only)

then sum and mean over all axes and over each axis of a 1000 x 1000 array,
then indexing at 1e3 and 1e6 elements (basic: x[i], x[:, 1], x[::2] and a
sum of x[1::2]; fancy: x[idx] with n/2 random positions; mask: x[x > 1.25];
reshape and permute_dims each followed by a sum over axis 0; concat of two
arrays), then argmax (flattened and along each axis) and batched matmul,
at 1e3 and 1e6 elements, then `import swiftgrad` in a fresh interpreter (best of several: wall time
and VmRSS) against the targets of 20 ms and 20 MB.

Each time is the best of --repeat batches of a loop count chosen so that a
batch takes about --target seconds (timeit style, garbage collector off).
Each case is checked once before it is timed (numpy.allclose of the
results, exact for bool results, plus shape and dtype): a wrong result is
flagged in the table, not timed. Operations the installed swiftgrad lacks
are skipped with a note, so the script covers more as the library grows.

    python3 benchmarks/arrays.py             # full run, about 2-3 minutes
    python3 benchmarks/arrays.py --quick     # float64 only, short batches
    python3 benchmarks/arrays.py --json results.json

The ratio is swiftgrad time / NumPy time (below 1 means swiftgrad is faster).
With threadpoolctl installed the OpenBLAS builds that were loaded and the
core each runs are printed. OPENBLAS_CORETYPE (with OPENBLAS_L2_SIZE) slows
a current NumPy: to benchmark against it, unset them for that command alone.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import itertools
import json
import math
import operator
import os
import platform
import subprocess
import sys
import time

import numpy as np

import swiftgrad as sg

SIZES = [8, 1_000, 1_000_000]
SIZE_LABELS = {8: "8", 1_000: "1e3", 1_000_000: "1e6"}
DTYPES = ["float32", "float64"]
REDUCTION_SHAPE = (1000, 1000)
IMPORT_TARGETS = (0.020, 20 * 2 ** 20)  # seconds, bytes of resident memory

# Relative and absolute tolerances of the correctness check.
TOLERANCE = {
    ("float32", "elementwise"): (1e-5, 1e-6),
    ("float64", "elementwise"): (1e-10, 1e-12),
    # Summing 1e6 float32 values: NumPy's is pairwise, so leave room for a
    # different (blocked) order, but not for a naive running sum.
    ("float32", "reduction"): (1e-4, 1e-6),
    ("float64", "reduction"): (1e-10, 1e-12),
}


def numpy_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sg_function(name):
    return lambda: getattr(sg, name, None)


def sg_operator(op):
    return lambda: op


# name, family, how swiftgrad spells it ("function" or "operator"),
# a getter of swiftgrad's callable (None when missing), NumPy's callable
BINARY = [
    ("add", "arithmetic", "function", sg_function("add"), np.add),
    ("multiply", "arithmetic", "function", sg_function("multiply"), np.multiply),
    ("divide", "arithmetic", "function", sg_function("divide"), np.divide),
    ("x < y", "comparison", "operator", sg_operator(operator.lt), operator.lt),
    ("less", "comparison", "function", sg_function("less"), np.less),
    ("x == y", "comparison", "operator", sg_operator(operator.eq), operator.eq),
    ("equal", "comparison", "function", sg_function("equal"), np.equal),
]
UNARY = [
    ("exp", "transcendental", "function", sg_function("exp"), np.exp),
    ("log", "transcendental", "function", sg_function("log"), np.log),
    ("tanh", "transcendental", "function", sg_function("tanh"), np.tanh),
    ("sigmoid", "transcendental", "function", sg_function("sigmoid"), numpy_sigmoid),
]


# ----------------------------------------------------------------- timing

def _batch(fn, args, number):
    loop = itertools.repeat(None, number)
    start = time.perf_counter()
    for _ in loop:
        fn(*args)
    return time.perf_counter() - start


def best_seconds(fn, args, target, repeat):
    """Seconds per call: the best of `repeat` batches of about `target` s."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        fn(*args)  # warm up
        number = 1
        while True:  # calibrate on a batch of about target / 20
            elapsed = _batch(fn, args, number)
            if elapsed >= target / 20 or number >= 10 ** 8:
                break
            number *= 10 if elapsed < target / 200 else 2
        number = max(1, round(number * target / max(elapsed, 1e-9)))
        return min(_batch(fn, args, number) for _ in range(repeat)) / number
    finally:
        if enabled:
            gc.enable()


# ------------------------------------------------------------ correctness

def check(result, expected, dtype, kind):
    """None if swiftgrad's `result` matches NumPy's `expected`, else why not."""
    try:
        got = np.asarray(result)
    except Exception as exc:  # noqa: BLE001 - report whatever went wrong
        return f"result not convertible by numpy.asarray: {type(exc).__name__}: {exc}"
    expected = np.asarray(expected)
    if got.shape != expected.shape:
        return f"shape {got.shape}, numpy {expected.shape}"
    if got.dtype != expected.dtype:
        return f"dtype {got.dtype}, numpy {expected.dtype}"
    if expected.dtype == bool:
        wrong = int(np.count_nonzero(got != expected))
        return f"{wrong} of {expected.size} elements differ" if wrong else None
    rtol, atol = TOLERANCE[(dtype, kind)]
    if np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True):
        return None
    with np.errstate(all="ignore"):
        err = np.abs(got.astype(np.float64) - expected) / np.maximum(np.abs(expected), atol)
    return f"max relative error {np.nanmax(err):.2g} (rtol {rtol:g})"


# ----------------------------------------------------------------- inputs

def shape2d(n):
    """(r, c) with r * c = n and r the largest divisor of n up to sqrt(n)."""
    r = max(d for d in range(1, math.isqrt(n) + 1) if n % d == 0)
    return r, n // r


def to_sg(array, dtype):
    return sg.asarray(np.ascontiguousarray(array), dtype=dtype)


def sg_transpose(t):
    permute = getattr(sg, "permute_dims", None)
    return permute(t, (1, 0)) if permute else t.T


def element_strides(t):
    """The strides of a swiftgrad tensor in elements, or None if unknown."""
    try:
        view = memoryview(t)
    except TypeError:
        try:
            a = np.asarray(t)
        except Exception:  # noqa: BLE001
            return None
        return tuple(s // a.itemsize for s in a.strides)
    return tuple(s // view.itemsize for s in view.strides)


def probe_step2():
    """None if swiftgrad slices 1-D tensors into strided views, else why not."""
    base = sg.asarray(np.arange(8.0))
    try:
        view = base[::2]
    except Exception as exc:  # noqa: BLE001
        return f"tensor[::2] raises {type(exc).__name__}"
    if check(view, np.arange(8.0)[::2], "float64", "elementwise"):
        return "tensor[::2] gives wrong values"
    if element_strides(view) != (2,):
        return "tensor[::2] copies (not a strided view)"
    return None


def make_inputs(n, dtype, layout, rng):
    """(swiftgrad x, y), (numpy x, y), and a note; y is None where unused.

    Values lie in [0.5, 2) (log and divide are safe); every third element of
    y equals x's, so that equal has both outcomes."""
    r, c = shape2d(n)
    if layout == "broadcast":
        x = rng.uniform(0.5, 2.0, (r, c)).astype(dtype)
        y = rng.uniform(0.5, 2.0, c).astype(dtype)
        y[::3] = x[0, ::3]
        return (to_sg(x, dtype), to_sg(y, dtype)), (x, y)
    if layout == "strided-T":
        x = rng.uniform(0.5, 2.0, (r, c)).astype(dtype)
        y = rng.uniform(0.5, 2.0, (r, c)).astype(dtype)
        y.flat[::3] = x.flat[::3]
        return ((sg_transpose(to_sg(x, dtype)), sg_transpose(to_sg(y, dtype))),
                (x.T, y.T))
    if layout == "step-2":
        x = rng.uniform(0.5, 2.0, 2 * n).astype(dtype)
        y = rng.uniform(0.5, 2.0, 2 * n).astype(dtype)
        y[::3] = x[::3]
        return (to_sg(x, dtype)[::2], to_sg(y, dtype)[::2]), (x[::2], y[::2])
    x = rng.uniform(0.5, 2.0, n).astype(dtype)
    y = rng.uniform(0.5, 2.0, n).astype(dtype)
    y[::3] = x[::3]
    return (to_sg(x, dtype), to_sg(y, dtype)), (x, y)


def probe_op(fn, arity):
    """None if swiftgrad's `fn` works elementwise on small tensors, else why not."""
    x = sg.asarray([[0.5, 1.0, 2.0], [1.0, 1.5, 0.75]])
    try:
        out = fn(*([x, x][:arity]))
    except Exception as exc:  # noqa: BLE001
        return f"raises {type(exc).__name__}: {exc}"
    if not hasattr(out, "shape") or tuple(out.shape) != (2, 3):
        return f"returns {type(out).__name__} {out!r}, not an elementwise array"
    return None


# ------------------------------------------------------------------ cases

class Runner:
    def __init__(self, target, repeat):
        self.target, self.repeat = target, repeat
        self.results = []
        self.skipped = {}  # reason -> names

    def skip(self, name, reason):
        self.skipped.setdefault(reason, [])
        if name not in self.skipped[reason]:
            self.skipped[reason].append(name)

    def case(self, row, sg_fn, sg_args, np_fn, np_args, kind):
        """Checks and times one case; adds and returns its row."""
        row.update(swiftgrad_s=None, numpy_s=None, ratio=None, status="ok", note="")
        expected = np_fn(*np_args)
        try:
            error = check(sg_fn(*sg_args), expected, row["dtype"], kind)
        except Exception as exc:  # noqa: BLE001
            row.update(status="error", note=f"{type(exc).__name__}: {exc}")
        else:
            if error:
                row.update(status="WRONG", note=error)
        row["numpy_s"] = best_seconds(np_fn, np_args, self.target, self.repeat)
        if row["status"] == "ok":
            row["swiftgrad_s"] = best_seconds(sg_fn, sg_args, self.target, self.repeat)
            row["ratio"] = row["swiftgrad_s"] / row["numpy_s"]
        self.results.append(row)
        print_row(row)
        return row


def elementwise(runner, sizes, dtypes, step2_note):
    rng = np.random.default_rng(0)
    ops = []
    for arity, table in ((2, BINARY), (1, UNARY)):
        for name, family, spelling, get, np_fn in table:
            fn = get()
            if fn is None:
                runner.skip(name, "not in this swiftgrad")
                continue
            why = probe_op(fn, arity)
            if why:
                runner.skip(name, f"{'operator' if spelling == 'operator' else 'swiftgrad.' + name} {why}")
                continue
            ops.append((name, family, arity, fn, np_fn))
    layouts = ["contiguous", "strided-T"] + ([] if step2_note else ["step-2"]) + ["broadcast"]
    for n in sizes:
        for dtype in dtypes:
            for layout in layouts:
                (sx, sy), (nx, ny) = make_inputs(n, dtype, layout, rng)
                if layout == "strided-T" and element_strides(sx) == (shape2d(n)[0], 1):
                    runner.skip("strided-T", "swiftgrad permute_dims copied: timed as contiguous")
                for name, family, arity, fn, np_fn in ops:
                    if arity == 1 and layout == "broadcast":
                        continue
                    row = dict(case=name, family=family, size=n, dtype=dtype, layout=layout)
                    runner.case(row, fn, (sx, sy)[:arity], np_fn, (nx, ny)[:arity], "elementwise")


def reductions(runner, dtypes):
    rng = np.random.default_rng(1)
    n = math.prod(REDUCTION_SHAPE)
    for dtype in dtypes:
        x = rng.uniform(0.5, 2.0, REDUCTION_SHAPE).astype(dtype)
        sx = to_sg(x, dtype)
        for name in ("sum", "mean"):
            fn = getattr(sg, name, None)
            if fn is None:
                runner.skip(name, "not in this swiftgrad")
                continue
            np_fn = getattr(np, name)
            for axis in (None, 0, 1):
                row = dict(case=f"{name}(axis={axis})", family="reduction", size=n,
                           dtype=dtype, layout="contiguous")
                runner.case(row, lambda t, fn=fn, axis=axis: fn(t, axis=axis), (sx,),
                            lambda a, f=np_fn, axis=axis: f(a, axis=axis), (x,), "reduction")


# Sorting: sort and argsort of 1-D random arrays at 1e3 and 1e6 elements.
SORT_SIZES = [1_000, 1_000_000]


def sorting(runner, dtypes):
    rng = np.random.default_rng(2)
    for name, np_fn in (("sort", np.sort), ("argsort", lambda a: np.argsort(a, kind="stable"))):
        fn = getattr(sg, name, None)
        if fn is None:
            runner.skip(name, "not in this swiftgrad")
            continue
        for n in SORT_SIZES:
            for dtype in dtypes:
                x = rng.normal(size=n).astype(dtype)
                row = dict(case=name, family="sort", size=n, dtype=dtype, layout="contiguous")
                runner.case(row, fn, (to_sg(x, dtype),), np_fn, (x,), "elementwise")
# BEGIN views and indexing
INDEXING_FAMILIES = ("basic", "fancy", "mask", "view+reduce", "concat")


def indexing(runner, dtypes):
    """Basic, fancy and mask indexing, views followed by a reduction, and
    concat, at 1e3 and 1e6 elements."""
    rng = np.random.default_rng(2)
    if getattr(sg, "take", None) is None or getattr(sg, "concat", None) is None:
        runner.skip("indexing", "not in this swiftgrad")
        return
    for n in (1_000, 1_000_000):
        r, c = shape2d(n)
        for dtype in dtypes:
            flat = rng.uniform(0.5, 2.0, n).astype(dtype)
            other = rng.uniform(0.5, 2.0, n).astype(dtype)
            grid = flat.reshape(r, c)
            idx = rng.integers(0, n, n // 2)
            sf, so, sgd, sidx = to_sg(flat, dtype), to_sg(other, dtype), to_sg(grid, dtype), sg.asarray(idx)
            cases = [
                ("x[i]", "basic", lambda x: x[1], (sgd,), lambda x: x[1], (grid,), "elementwise"),
                ("x[:, 1]", "basic", lambda x: x[:, 1], (sgd,), lambda x: x[:, 1], (grid,), "elementwise"),
                ("x[::2]", "basic", lambda x: x[::2], (sf,), lambda x: x[::2], (flat,), "elementwise"),
                ("sum(x[1::2])", "basic", lambda x: sg.sum(x[1::2]), (sf,),
                 lambda x: np.sum(x[1::2]), (flat,), "reduction"),
                ("x[idx]", "fancy", lambda x, i: x[i], (sf, sidx), lambda x, i: x[i], (flat, idx),
                 "elementwise"),
                ("take(x, idx)", "fancy", lambda x, i: sg.take(x, i), (sf, sidx),
                 lambda x, i: np.take(x, i), (flat, idx), "elementwise"),
                ("x[x > 1.25]", "mask", lambda x: x[x > 1.25], (sf,), lambda x: x[x > 1.25], (flat,),
                 "elementwise"),
                ("sum(reshape, axis=0)", "view+reduce",
                 lambda x: sg.sum(sg.reshape(x, (c, r)), axis=0), (sf,),
                 lambda x: np.sum(np.reshape(x, (c, r)), axis=0), (flat,), "reduction"),
                ("sum(permute_dims, axis=0)", "view+reduce",
                 lambda x: sg.sum(sg.permute_dims(x, (1, 0)), axis=0), (sgd,),
                 lambda x: np.sum(np.transpose(x, (1, 0)), axis=0), (grid,), "reduction"),
                ("concat([x, y])", "concat", lambda x, y: sg.concat([x, y]), (sf, so),
                 lambda x, y: np.concatenate([x, y]), (flat, other), "elementwise"),
            ]
            for name, family, fn, args, np_fn, np_args, kind in cases:
                row = dict(case=name, family=family, size=n, dtype=dtype, layout="contiguous")
                runner.case(row, fn, args, np_fn, np_args, kind)
# END views and indexing
# Batched matmul operand shapes, (batch, n, n) @ (batch, n, n), by size.
MATMUL_SHAPES = {1_000: (10, 10, 10), 1_000_000: (100, 100, 100)}
ARGMAX_SHAPES = {1_000: (1_000,), 1_000_000: REDUCTION_SHAPE}


def search_and_products(runner, dtypes):
    """argmax (flattened and per axis) and batched matmul at 1e3 and 1e6
    elements per operand."""
    rng = np.random.default_rng(2)
    argmax, matmul = getattr(sg, "argmax", None), getattr(sg, "matmul", None)
    for dtype in dtypes:
        for n, shape in ARGMAX_SHAPES.items():
            if argmax is None:
                runner.skip("argmax", "not in this swiftgrad")
                break
            x = rng.uniform(-1, 1, shape).astype(dtype)
            sx = to_sg(x, dtype)
            for axis in [None] + list(range(len(shape)) if len(shape) > 1 else []):
                row = dict(case=f"argmax(axis={axis})", family="reduction", size=n,
                           dtype=dtype, layout="contiguous")
                runner.case(row, lambda t, axis=axis: argmax(t, axis=axis), (sx,),
                            lambda a, axis=axis: np.argmax(a, axis=axis), (x,), "reduction")
        for n, shape in MATMUL_SHAPES.items():
            a = rng.uniform(-1, 1, shape).astype(dtype)
            b = rng.uniform(-1, 1, shape).astype(dtype)
            row = dict(case="matmul(batched)", family="product", size=n, dtype=dtype,
                       layout="contiguous")
            runner.case(row, matmul, (to_sg(a, dtype), to_sg(b, dtype)), np.matmul, (a, b),
                        "reduction")


# ----------------------------------------------------------------- import

IMPORT_PROBE = r"""
import json, sys, time
def rss():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
before = rss()
start = time.perf_counter()
import {module}
seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "rss": rss(), "rss_before": before,
                   "numpy_loaded": "numpy" in sys.modules}}))
"""


def measure_import(module, runs):
    """Best of `runs` fresh interpreters: import time, VmRSS after, and before."""
    samples = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", IMPORT_PROBE.format(module=module)],
                             capture_output=True, text=True, check=False,
                             cwd=os.path.dirname(os.path.abspath(__file__)))
        if out.returncode:
            return {"error": out.stderr.strip().splitlines()[-1:] or ["failed"]}
        samples.append(json.loads(out.stdout))
    best = {"seconds": min(s["seconds"] for s in samples), "runs": runs,
            "numpy_loaded": any(s["numpy_loaded"] for s in samples)}
    if all(s["rss"] for s in samples):
        best["rss"] = min(s["rss"] for s in samples)
        best["rss_before"] = min(s["rss_before"] for s in samples)
    return best


def report_import(runs):
    print(f"\nimport in a fresh interpreter (best of {runs}):")
    results = {}
    for module in ("swiftgrad", "numpy"):
        r = results[module] = measure_import(module, runs)
        if "error" in r:
            print(f"  import {module:10s} failed: {r['error'][0]}")
            continue
        line = f"  import {module:10s} {r['seconds'] * 1e3:7.1f} ms"
        if "rss" in r:
            line += (f"   VmRSS {r['rss'] / 2 ** 20:6.1f} MiB"
                     f" (+{(r['rss'] - r['rss_before']) / 2 ** 20:.1f} over the bare interpreter)")
        else:
            line += "   VmRSS unknown (no /proc/self/status)"
        if module == "swiftgrad":
            seconds_ok = r["seconds"] <= IMPORT_TARGETS[0]
            line += f"\n  {'':17s} target {IMPORT_TARGETS[0] * 1e3:.0f} ms: {'met' if seconds_ok else 'MISSED'}"
            if "rss" in r:
                rss_ok = r["rss"] <= IMPORT_TARGETS[1]
                line += f"; target {IMPORT_TARGETS[1] / 2 ** 20:.0f} MiB: {'met' if rss_ok else 'MISSED'}"
            line += f"; imports numpy: {'yes' if r['numpy_loaded'] else 'no'}"
        print(line)
    return results


# ------------------------------------------------------------------ output

HEADER = (f"{'case':16s} {'size':>4s} {'dtype':7s} {'layout':10s} "
          f"{'swiftgrad':>10s} {'numpy':>10s} {'ratio':>7s}")


def fmt_time(seconds):
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def print_row(row):
    label = SIZE_LABELS.get(row["size"], str(row["size"]))
    sg_col = fmt_time(row["swiftgrad_s"]) if row["status"] == "ok" else row["status"]
    ratio = f"{row['ratio']:6.2f}x" if row["ratio"] is not None else "-"
    line = (f"{row['case']:16s} {label:>4s} {row['dtype']:7s} {row['layout']:10s} "
            f"{sg_col:>10s} {fmt_time(row['numpy_s']):>10s} {ratio:>7s}")
    if row["note"]:
        line += f"  ! {row['note']}"
    print(line, flush=True)


def geomean(values):
    values = list(values)
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def summary(results):
    """Prints the geometric-mean ratios; returns them as numbers."""
    ok = [r for r in results if r["ratio"] is not None]
    bad = [r for r in results if r["status"] != "ok"]
    indexing_ok = [r for r in ok if r["family"] in INDEXING_FAMILIES]  # views and indexing
    elementwise_ok = [r for r in ok if r["family"] not in ("reduction", "product") and r not in indexing_ok]
    by_size = {SIZE_LABELS.get(n, str(n)): [r for r in elementwise_ok if r["size"] == n]
               for n in sorted({r["size"] for r in elementwise_ok})}
    by_size["reductions"] = [r for r in ok if r["family"] == "reduction"]
    by_size["products"] = [r for r in ok if r["family"] == "product"]
    by_family = {f: [r for r in ok if r["family"] == f]
                 for f in ("arithmetic", "comparison", "transcendental", "reduction", "sort", "product")}
    by_family["indexing"] = indexing_ok  # views and indexing

    def line(groups):
        return " | ".join(f"{label} {g:.2f}x ({len(rows)})" if (g := geomean(r["ratio"] for r in rows))
                          else f"{label} - (0)" for label, rows in groups.items())

    print("\ngeometric-mean ratio (swiftgrad / numpy; cases) by size: " + line(by_size))
    print(" " * 46 + "by family: " + line(by_family))
    print(" " * 46 + "overall:   " + line({"all": ok}))
    if bad:
        print(f"{len(bad)} case(s) WRONG or failing, not timed: "
              + ", ".join(sorted({r['case'] for r in bad})))

    def numbers(groups):
        return {label: {"geomean_ratio": geomean(r["ratio"] for r in rows), "cases": len(rows)}
                for label, rows in groups.items()}

    return {"by_size": numbers(by_size), "by_family": numbers(by_family),
            "overall": numbers({"all": ok})["all"], "not_timed": len(bad)}


def environment():
    env = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "swiftgrad": getattr(sg, "__version__", "?"),
        "swiftgrad_path": os.path.dirname(sg.__file__),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "variables": {k: os.environ.get(k) for k in (
            "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")},
        "blas": None,
    }
    if importlib.util.find_spec("threadpoolctl") is not None:
        import threadpoolctl

        env["blas"] = [
            {k: info.get(k) for k in ("internal_api", "version", "architecture",
                                      "num_threads", "filepath")}
            for info in threadpoolctl.threadpool_info() if info.get("user_api") == "blas"]
    return env


def print_environment(env):
    print(f"python {env['python']}, numpy {env['numpy']}, swiftgrad {env['swiftgrad']} "
          f"({env['swiftgrad_path']}), {env['machine']}")
    print("  " + ", ".join(f"{k}={v if v is not None else '(unset)'}"
                           for k, v in env["variables"].items()))
    if env["blas"] is None:
        print("  BLAS libraries and cores: skipped (pip install threadpoolctl to see them)")
    else:
        for b in env["blas"] or [{"internal_api": "none loaded"}]:
            print(f"  {b.get('internal_api')} {b.get('version')} core {b.get('architecture')}, "
                  f"{b.get('num_threads')} threads: {b.get('filepath')}")


# -------------------------------------------------------------------- main

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="float64 only, batches of 0.02 s, 3 import runs")
    parser.add_argument("--json", metavar="PATH", help="write the results to PATH")
    parser.add_argument("--target", type=float, metavar="SECONDS",
                        help="length of one timed batch (default 0.1, quick 0.02)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="batches per measurement, the best one kept (default 3)")
    parser.add_argument("--import-runs", type=int, metavar="N",
                        help="fresh interpreters for the import time (default 7, quick 3)")
    args = parser.parse_args(argv)
    target = args.target or (0.02 if args.quick else 0.1)
    import_runs = args.import_runs or (3 if args.quick else 7)
    dtypes = ["float64"] if args.quick else DTYPES
    started = time.perf_counter()

    env = environment()
    print_environment(env)
    step2_note = probe_step2()
    print(f"\nlayouts: contiguous; strided-T = permute_dims (transpose) of a C-ordered "
          f"(r, c) array, both libraries;\n  step-2 = x[::2] "
          + ("timed" if step2_note is None else f"skipped ({step2_note})")
          + "; broadcast = (r, c) op (c,) row, binary operations only.")
    print(f"times: best of {args.repeat} batches of ~{target:g} s; ratio = swiftgrad / numpy "
          "(below 1: swiftgrad faster)\n")

    runner = Runner(target, args.repeat)
    print(HEADER)
    print("-" * len(HEADER))
    elementwise(runner, SIZES, dtypes, step2_note)
    reductions(runner, dtypes)
    sorting(runner, dtypes)
    indexing(runner, dtypes)  # views and indexing
    search_and_products(runner, dtypes)
    sums = summary(runner.results)

    if runner.skipped:
        print("\nskipped:")
        for reason, names in runner.skipped.items():
            print(f"  {', '.join(names)}: {reason}")
    imports = report_import(import_runs)
    elapsed = time.perf_counter() - started
    print(f"\n{len(runner.results)} cases in {elapsed:.0f} s")

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"environment": env, "target_s": target, "repeat": args.repeat,
                       "quick": args.quick, "step2": step2_note or "timed",
                       "results": runner.results, "summary": sums,
                       "skipped": runner.skipped, "import": imports,
                       "import_targets": {"seconds": IMPORT_TARGETS[0],
                                          "rss_bytes": IMPORT_TARGETS[1]},
                       "elapsed_s": elapsed}, f, indent=1)
        print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
