"""The shared op table (Tests/OpTable/ops.tsv), checked from Python.

For every row and every dtype in its `dtypes` column:
  - values against NumPy (the `numpy` column; "-" rows are computed here)
    on random inputs from the row's domain, cast to the dtype, with the
    row's rtol (at least 1e-5 for float32 and complex64); the result's
    shape and dtype are NumPy's;
  - dtypes outside the column raise TypeError naming the op;
  - the Python operator of the op (+, <, ~, ...) gives the function's
    result, with tensors, NumPy arrays and Python numbers as operands;
  - rows with grad >= 1: float64 gradients against central differences of
    the NumPy reference, eager (backward) and symbolic (grad + function);
    grad 2: the symbolic Hessian-vector product (grad of a gradient)
    against central differences of the compiled gradient.
Then: broadcasting and strided inputs (hypothesis), and the table lists
exactly the operations the core's registry exposes.

Where swiftgrad deliberately differs from the table or from NumPy, the
exception is written out below (EXCEPTIONS) with its reason.
"""

from __future__ import annotations

import math
import operator
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import swiftgrad as sg
from swiftgrad import _swiftgrad as _C

TABLE = Path(__file__).resolve().parents[2] / "Tests" / "OpTable" / "ops.tsv"

# The table's dtype kinds, as the Array API's isdtype kinds.
KINDS = {"bool": "bool", "int": "integral", "float": "real floating",
         "complex": "complex floating"}
DTYPES = [d.name for d in sg._dtypes._ALL]


@dataclass(frozen=True)
class Row:
    op: str
    arity: int
    dtypes: tuple[str, ...]
    domains: tuple[tuple[float, float], ...]  # one per operand
    grad: int
    rtol: float
    numpy: str

    def __str__(self) -> str:
        return self.op


def read_table() -> list[Row]:
    rows = []
    for line in TABLE.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        op, arity, dtypes, domain, grad, rtol, ref = line.split("\t")
        n = int(arity)
        kinds = DTYPES if dtypes == "all" else dtypes.split(",")
        names = tuple(d for d in DTYPES if dtypes == "all"
                      or any(sg.isdtype(d, KINDS[k]) for k in kinds))
        domains = tuple(tuple(map(float, d.split(":"))) for d in domain.split(","))
        rows.append(Row(op, n, names, domains * n if len(domains) == 1 else domains,
                        int(grad), float(rtol), ref))
    return rows


ROWS = read_table()
UNARY = [r for r in ROWS if r.arity == 1]
BINARY = [r for r in ROWS if r.arity == 2]

# The references of the "-" rows (not NumPy functions).
SUITE_REFERENCES: dict[str, Callable[..., Any]] = {
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "relu": lambda x: np.maximum(x, np.zeros((), x.dtype)),
    "softplus": lambda x: np.logaddexp(np.zeros((), x.dtype), x),
}

# ---------------------------------------------------------- exceptions
#
# Every place where this suite expects something other than "the table's
# dtypes, NumPy's values, shapes and dtypes", and why.

# Dtypes an op accepts beyond its table column, checked against NumPy like
# the others instead of expecting a TypeError.
ACCEPTED_BEYOND_TABLE = {
    # swiftgrad.h: "divide computes integers in float64", as NumPy's true
    # division does; the table lists the floating kernels.
    "divide": tuple(d for d in DTYPES if sg.isdtype(d, "integral")),
}

# Core bugs still open, as (op, dtype): pytest.mark.xfail(strict=True,
# reason=...), so that a fix shows up as a failure and the mark goes.
KNOWN_BUGS: dict[tuple[str, str], Any] = {}


def tolerance(row: Row, dtype: str) -> tuple[float, float]:
    """(rtol, atol) of a value check."""
    rtol = row.rtol
    if dtype in ("float32", "complex64"):
        rtol = max(rtol, 1e-5)
    elif dtype == "complex128" and rtol == 0:
        # A complex product (multiply, square) may differ from NumPy's by
        # an ulp, NumPy's being the one off (it rounds a*c and b*d before
        # subtracting): multiply(-2.752769571834512+0.9079225309349166j,
        # -0.8721160015676022+0.2353125870775239j).imag is exactly
        # -1.4395750969887637, NumPy gives -1.439575096988764.
        rtol = 4 * np.finfo(np.float64).eps
    return rtol, 0.0


# --------------------------------------------------------------- inputs

def seed(*parts: object) -> int:
    return zlib.crc32("-".join(map(str, parts)).encode())


def sample(rng: np.random.Generator, dtype: str, lo: float, hi: float,
           shape: tuple[int, ...]) -> np.ndarray:
    """Random values of `dtype` from [lo, hi]: booleans at random, integers
    in the range (unsigned: their absolute values), complex numbers with
    both parts in the range."""
    d = np.dtype(dtype)
    if d.kind == "b":
        return rng.random(shape) < 0.5
    if d.kind in "iu":
        values = rng.integers(math.ceil(lo), math.floor(hi) + 1, shape)
        return (np.abs(values) if d.kind == "u" else values).astype(d)
    if d.kind == "f":
        return rng.uniform(lo, hi, shape).astype(d)
    return (rng.uniform(lo, hi, shape) + 1j * rng.uniform(lo, hi, shape)).astype(d)


def inputs(row: Row, dtype: str, shapes: list[tuple[int, ...]] | None = None,
           rng: np.random.Generator | None = None) -> list[np.ndarray]:
    rng = rng or np.random.default_rng(seed(row.op, dtype))
    shapes = shapes or [(3, 4)] * row.arity
    xs = [sample(rng, dtype, lo, hi, shape) for (lo, hi), shape in zip(row.domains, shapes)]
    if row.op == "pow" and np.dtype(dtype).kind in "iu":
        # NumPy refuses integers to negative integer powers (ValueError);
        # swiftgrad gives the integer part of the true power.
        xs[1] = np.abs(xs[1])
    return xs


def reference(row: Row) -> Callable[..., Any]:
    return SUITE_REFERENCES[row.op] if row.numpy == "-" else getattr(np, row.numpy)


def function(row: Row) -> Callable[..., Any]:
    return getattr(sg, row.op)


def check_values(row: Row, dtype: str, actual: Any, expected: Any) -> None:
    expected = np.asarray(expected)
    assert isinstance(actual, sg.Tensor)
    assert actual.shape == expected.shape
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    rtol, atol = tolerance(row, dtype)
    got = np.asarray(actual)
    if rtol == 0 and atol == 0:
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


def cases(rows: list[Row], accepted: bool) -> list[Any]:
    """(row, dtype) params: those the row accepts, or those it refuses."""
    params = []
    for row in rows:
        for dtype in DTYPES:
            takes = dtype in row.dtypes or dtype in ACCEPTED_BEYOND_TABLE.get(row.op, ())
            if takes == accepted:
                marks = KNOWN_BUGS.get((row.op, dtype), ())
                params.append(pytest.param(row, dtype, id=f"{row.op}-{dtype}", marks=marks))
    return params


# ----------------------------------------------------------------- values

@pytest.mark.parametrize("row, dtype", cases(ROWS, accepted=True))
def test_values(row, dtype):
    xs = inputs(row, dtype)
    with np.errstate(all="ignore"):
        expected = reference(row)(*xs)
    check_values(row, dtype, function(row)(*[sg.asarray(x) for x in xs]), expected)


@pytest.mark.parametrize("row, dtype", cases(ROWS, accepted=False))
def test_refused_dtypes(row, dtype):
    xs = inputs(row, dtype)
    with pytest.raises(TypeError, match=rf"\[{row.op}\].*{dtype}"):
        function(row)(*[sg.asarray(x) for x in xs])


# -------------------------------------------------------------- operators

OPERATORS: dict[str, Callable[..., Any]] = {
    "add": operator.add, "subtract": operator.sub, "multiply": operator.mul,
    "divide": operator.truediv, "floor_divide": operator.floordiv,
    "remainder": operator.mod, "pow": operator.pow,
    "bitwise_and": operator.and_, "bitwise_or": operator.or_,
    "bitwise_xor": operator.xor, "bitwise_left_shift": operator.lshift,
    "bitwise_right_shift": operator.rshift,
    "equal": operator.eq, "not_equal": operator.ne, "less": operator.lt,
    "less_equal": operator.le, "greater": operator.gt,
    "greater_equal": operator.ge,
    "negative": operator.neg, "positive": operator.pos, "abs": operator.abs,
    "bitwise_invert": operator.invert,
}


@pytest.mark.parametrize("row, dtype", cases([r for r in ROWS if r.op in OPERATORS],
                                             accepted=True))
def test_operators(row, dtype):
    """The operator is the function: with tensors, and with NumPy arrays on
    either side (NumPy defers to tensors)."""
    xs = inputs(row, dtype)
    ts = [sg.asarray(x) for x in xs]
    op = OPERATORS[row.op]
    with np.errstate(all="ignore"):
        expected = reference(row)(*xs)
    check_values(row, dtype, op(*ts), expected)
    if row.arity == 2:
        check_values(row, dtype, op(xs[0], ts[1]), expected)
        check_values(row, dtype, op(ts[0], xs[1]), expected)


def python_number(x: np.generic) -> Any:
    """The Python number of a NumPy scalar's own kind."""
    return x.item()


@pytest.mark.parametrize("row, dtype", cases([r for r in BINARY if r.op in OPERATORS],
                                             accepted=True))
def test_python_number_operands(row, dtype):
    """A Python number takes the tensor's dtype where its kind fits: what
    NumPy 2 does with the same number (NEP 50), on either side."""
    xs = inputs(row, dtype)
    op = OPERATORS[row.op]
    left, right = python_number(xs[0][0, 0]), python_number(xs[1][0, 0])
    with np.errstate(all="ignore"):
        check_values(row, dtype, op(sg.asarray(xs[0]), right), op(xs[0], right))
        check_values(row, dtype, op(left, sg.asarray(xs[1])), op(left, xs[1]))


SCALAR_PROMOTIONS = [
    # (tensor dtype, Python number): NumPy 2's result dtype, which the
    # Array API leaves to the library for mixed kinds.
    ("bool", 2), ("int8", 2), ("uint16", 1.5), ("int32", 0.5), ("int64", 2j),
    ("float32", 2), ("float32", 0.5), ("float32", 1j), ("float64", 1j),
    ("complex64", 2.5), ("bool", 1.5), ("uint8", True),
]


@pytest.mark.parametrize("dtype, number", SCALAR_PROMOTIONS)
@pytest.mark.parametrize("op", [operator.add, operator.mul, operator.truediv,
                                operator.lt, operator.eq])
def test_python_number_kinds(dtype, number, op):
    """Where a number's kind does not fit the tensor (int * 0.5, float32 +
    1j), the result takes the number's default dtype, as in NumPy."""
    x = sample(np.random.default_rng(0), dtype, 1, 3, (4,))
    if op is operator.lt and (isinstance(number, complex) or dtype.startswith("complex")):
        # Complex numbers have no order in the Array API (NumPy orders
        # them lexicographically).
        with pytest.raises(TypeError, match=r"^\[less\] complex"):
            op(sg.asarray(x), number)
        return
    with np.errstate(all="ignore"):
        expected = op(x, number)
    got = op(sg.asarray(x), number)
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-6)


def test_in_place_operators_write_into_the_tensor():
    """x op= y writes into x's memory (NumPy's and PyTorch's semantics):
    other names for x see the change; the result must keep x's dtype."""
    x = sg.asarray([1, 2, 3])
    original = x
    x += 1
    x <<= 1
    x |= 1
    assert x is original and x.tolist() == [5, 7, 9]
    y = sg.asarray([1.0, 2.0])
    view = y[::-1]
    y /= 2
    y **= 2
    y //= 0.125
    assert y.tolist() == [2.0, 8.0] and view.tolist() == [8.0, 2.0]
    with pytest.raises(TypeError, match=r"\[/=\].*int64"):
        x /= 2
    with pytest.raises(ValueError, match=r"\[\+=\].*shape"):
        x += sg.asarray([[1], [2]])
    assert x.tolist() == [5, 7, 9]


# -------------------------------------------------------------- gradients

EPS = 1e-6
GRAD_RTOL, GRAD_ATOL = 1e-6, 1e-7
HESS_RTOL, HESS_ATOL = 1e-5, 1e-6
GRAD_SHAPE = (2, 3)


def numerical_gradients(f: Callable[..., float], xs: list[np.ndarray]) -> list[np.ndarray]:
    """Central differences of the scalar function f at xs."""
    grads = []
    for i, x in enumerate(xs):
        g = np.zeros_like(x)
        for j in np.ndindex(x.shape):
            plus, minus = [a.copy() for a in xs], [a.copy() for a in xs]
            plus[i][j] += EPS
            minus[i][j] -= EPS
            g[j] = (f(*plus) - f(*minus)) / (2 * EPS)
        grads.append(g)
    return grads


def grad_case(row: Row) -> tuple[list[np.ndarray], np.ndarray, list[np.ndarray]]:
    """float64 inputs, weights w, and the expected gradients of
    sum(f(x) * w) by central differences of the reference."""
    rng = np.random.default_rng(seed(row.op, "grad"))
    xs = inputs(row, "float64", [GRAD_SHAPE] * row.arity, rng)
    w = rng.uniform(-1, 1, GRAD_SHAPE)
    ref = reference(row)
    expected = numerical_gradients(lambda *a: float(np.sum(ref(*a) * w)), xs)
    return xs, w, expected


DIFFERENTIABLE = [pytest.param(r, id=r.op) for r in ROWS if r.grad >= 1]
TWICE = [pytest.param(r, id=r.op) for r in ROWS if r.grad >= 2]


@pytest.mark.parametrize("row", DIFFERENTIABLE)
def test_eager_gradient(row):
    xs, w, expected = grad_case(row)
    ts = [sg.asarray(x) for x in xs]
    for t in ts:
        t.requires_grad = True
    sg.sum(function(row)(*ts) * sg.asarray(w)).backward()
    for t, e in zip(ts, expected):
        assert t.grad is not None and t.grad.shape == e.shape
        np.testing.assert_allclose(np.asarray(t.grad), e, rtol=GRAD_RTOL, atol=GRAD_ATOL)


@pytest.mark.parametrize("row", DIFFERENTIABLE)
def test_eager_gradient_keeps_only_what_it_reads(row):
    """Inputs and result are intermediates nobody holds, so the graph keeps
    stand-ins (NaN values) for whatever the op says its vjp does not read:
    a wrong declaration gives NaN here."""
    xs, w, expected = grad_case(row)
    ts = [sg.asarray(x) for x in xs]
    for t in ts:
        t.requires_grad = True
    sg.sum((function(row)(*[t + 0.0 for t in ts]) + 0.0) * sg.asarray(w)).backward()
    for t, e in zip(ts, expected):
        np.testing.assert_allclose(np.asarray(t.grad), e, rtol=GRAD_RTOL, atol=GRAD_ATOL)


def placeholders(row: Row) -> list[sg.Tensor]:
    return [sg.placeholder((None, None), name=f"x{i}") for i in range(row.arity)]


@pytest.mark.parametrize("row", DIFFERENTIABLE)
def test_symbolic_gradient(row):
    xs, w, expected = grad_case(row)
    ps = placeholders(row)
    cost = sg.sum(function(row)(*ps) * sg.asarray(w))
    f = sg.function(ps, sg.grad(cost, ps))
    for actual, e in zip(f(*xs), expected):
        assert actual.shape == e.shape
        np.testing.assert_allclose(np.asarray(actual), e, rtol=GRAD_RTOL, atol=GRAD_ATOL)


@pytest.mark.parametrize("row", DIFFERENTIABLE)
def test_jvp(row):
    """Forward mode: the op's jvp rule, eager and symbolic, against central
    differences of the reference along random tangents."""
    rng = np.random.default_rng(seed(row.op, "jvp"))
    xs = inputs(row, "float64", [GRAD_SHAPE] * row.arity, rng)
    ts = [rng.uniform(-1, 1, GRAD_SHAPE) for _ in xs]
    ref = reference(row)
    expected = (ref(*[x + EPS * t for x, t in zip(xs, ts)])
                - ref(*[x - EPS * t for x, t in zip(xs, ts)])) / (2 * EPS)
    _, pushed = sg.func.jvp(function(row), [sg.asarray(x) for x in xs], [sg.asarray(t) for t in ts])
    np.testing.assert_allclose(np.asarray(pushed), expected, rtol=GRAD_RTOL, atol=GRAD_ATOL)
    ps = placeholders(row)
    tps = [sg.placeholder((None, None), name=f"t{i}") for i in range(row.arity)]
    # a linear op's jvp does not read the primal inputs
    f = sg.function(ps + tps, sg.jvp([function(row)(*ps)], ps, tps)[0], on_unused_input="ignore")
    np.testing.assert_allclose(np.asarray(f(*xs, *ts)), expected, rtol=GRAD_RTOL, atol=GRAD_ATOL)


@pytest.mark.parametrize("row", TWICE)
def test_second_order(row):
    """grad of (grad · v), a Hessian-vector product, against central
    differences of the compiled first gradient. The gradient of a linear
    op does not depend on its inputs, which grad refuses ("the cost does
    not depend on wrt"): a zero term (sum(x * 0)) makes the dependence
    explicit, so the Hessian comes out as zeros."""
    xs, w, _ = grad_case(row)
    rng = np.random.default_rng(seed(row.op, "hvp"))
    vs = [rng.uniform(-1, 1, x.shape) for x in xs]
    ps = placeholders(row)
    grads = sg.grad(sg.sum(function(row)(*ps) * sg.asarray(w)), ps)
    gv = sg.sum(grads[0] * sg.asarray(vs[0]))
    for g, v in zip(grads[1:], vs[1:]):
        gv = gv + sg.sum(g * sg.asarray(v))
    for p in ps:
        gv = gv + sg.sum(p * 0.0)
    hvp = sg.function(ps, sg.grad(gv, ps))
    first = sg.function(ps, gv)
    expected = numerical_gradients(lambda *a: first(*a).item(), xs)
    for actual, e in zip(hvp(*xs), expected):
        np.testing.assert_allclose(np.asarray(actual), e, rtol=HESS_RTOL, atol=HESS_ATOL)


# ---------------------------------------------- broadcasting and strides

def tensor_of(x: np.ndarray, strided: bool) -> sg.Tensor:
    """A tensor of x's values: contiguous, or a strided view (the
    transpose of a tensor holding x's transpose)."""
    return sg.asarray(x.T.copy(order="C")).T if strided else sg.asarray(x)


@st.composite
def binary_cases(draw):
    row = draw(st.sampled_from(BINARY))
    dtype = draw(st.sampled_from(row.dtypes))
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0,
                                                    max_dims=3, max_side=3))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    return row, dtype, inputs(row, dtype, list(shapes.input_shapes), rng), \
        draw(st.tuples(st.booleans(), st.booleans()))


@settings(max_examples=150, deadline=None)
@given(binary_cases())
def test_broadcasting_and_strides(case):
    row, dtype, xs, strided = case
    ts = [tensor_of(x, s) for x, s in zip(xs, strided)]
    with np.errstate(all="ignore"):
        expected = reference(row)(*xs)
    check_values(row, dtype, function(row)(*ts), expected)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(UNARY).flatmap(lambda r: st.tuples(
    st.just(r), st.sampled_from(r.dtypes),
    hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=3),
    st.integers(0, 2 ** 32 - 1))))
def test_unary_shapes_and_strides(case):
    row, dtype, shape, rng_seed = case
    (x,) = inputs(row, dtype, [shape], np.random.default_rng(rng_seed))
    with np.errstate(all="ignore"):
        expected = reference(row)(x)
    check_values(row, dtype, function(row)(tensor_of(x, True)), expected)


# ------------------------------------------------------------- coverage

def test_table_covers_the_registry():
    """The table has one row per operation of the core, and no other: the
    names the extension reads from the ABI, with their arity."""
    registry = {(name, 1) for name in _C.unary_op_names()}
    registry |= {(name, 2) for name in _C.binary_op_names()}
    table = [(r.op, r.arity) for r in ROWS]
    assert len(table) == len(set(table)), "a row appears twice"
    assert set(table) == registry


def test_every_operation_is_a_function():
    """Each operation of the registry is a swiftgrad function of its name,
    exported and documented, with the Array API's signature."""
    for arity, names in ((1, _C.unary_op_names()), (2, _C.binary_op_names())):
        for name in names:
            fn = getattr(sg, name)
            assert fn.__name__ == name and name in sg.__all__ and name in dir(sg)
            assert name in fn.__doc__
            assert fn.__code__.co_posonlyargcount == arity
            assert not hasattr(sg, name + "_no_such_op")
            assert getattr(sg, name) is fn  # made once
