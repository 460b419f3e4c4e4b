"""Every dtype from end to end: the DType objects and the Array API's dtype
functions (against NumPy and the standard's table), conversions in (lists,
numbers, every buffer format) and out (item, float, int, bool, complex,
index, buffers, tolist, printing), Python numbers with tensors, compiled
functions and shared variables of any dtype, clip, comparisons and
hashing."""

from __future__ import annotations

import math
import operator
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import swiftgrad as sg
import swiftgrad.tensor as T

NAMES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
         "uint64", "float32", "float64", "complex64", "complex128"]
KINDS = ["bool", "signed integer", "unsigned integer", "integral", "real floating",
         "complex floating", "numeric"]


def address(a):
    return a.__array_interface__["data"][0]


def example(name, shape=(2, 3)):
    """Values of dtype `name` that exercise it: negatives for signed
    types, the extremes of integers, imaginary parts for complex."""
    d = np.dtype(name)
    n = math.prod(shape)
    if d.kind == "b":
        values = np.arange(n) % 3 == 0
    elif d.kind in "iu":
        info = np.iinfo(d)
        step = (int(info.max) - int(info.min)) // (n - 1)
        values = np.array([int(info.min) + k * step for k in range(n - 1)] + [int(info.max)], d)
    elif d.kind == "f":
        values = (np.arange(n) - 2.5).astype(d) / 3
    else:
        values = ((np.arange(n) - 2.5) / 3 + 1j * (np.arange(n) - 1)).astype(d)
    return values.reshape(shape)


# ------------------------------------------------------ the DType objects

def test_dtypes_come_from_the_library():
    assert [d.name for d in sg._dtypes._ALL] == sorted(NAMES, key=[
        "float32", "float64", "bool", "int8", "int16", "int32", "int64", "uint8",
        "uint16", "uint32", "uint64", "complex64", "complex128"].index)
    for name in NAMES:
        d = getattr(sg, name)
        assert isinstance(d, sg.DType) and d.name == name and str(d) == name
        assert repr(d) == f"swiftgrad.{name}" and name in sg.__all__
        assert d.itemsize == np.dtype(name).itemsize
        assert d == name and d == np.dtype(name) and np.dtype(name) == d
        assert d == getattr(np, name if name != "bool" else "bool_")
        assert np.dtype(d) == np.dtype(name)
        assert hash(d) == hash(name)
        assert pickle.loads(pickle.dumps(d)) is d
        assert sg.asarray(example(name)).dtype is d
    assert sg.int8 != sg.uint8 and sg.int8 != "uint8" and sg.float32 != np.float64


@pytest.mark.parametrize("spelling, name", [
    (sg.int32, "int32"), ("int32", "int32"), (np.int32, "int32"),
    (np.dtype("int32"), "int32"), (np.dtype(">i4"), "int32"), (np.intc, "int32"),
    (bool, "bool"), (int, "int64"), (float, "float64"), (complex, "complex128"),
    (np.bool_, "bool"), (np.uint64, "uint64"), (np.complex64, "complex64"),
    (np.dtype("c16"), "complex128"), (np.float32, "float32"),
])
def test_dtype_spellings(spelling, name):
    assert sg.asarray([1, 0], dtype=spelling).dtype == name
    assert sg.astype(sg.asarray([1, 0]), spelling).dtype == name
    assert sg.placeholder((None,), spelling).dtype == name


@pytest.mark.parametrize("spelling", ["float16", "f8", np.float16, object, "int128", 3, None.__class__])
def test_unsupported_dtypes(spelling):
    with pytest.raises(TypeError, match=r"^\[astype\] unsupported dtype"):
        sg.astype(sg.asarray([1.0]), spelling)


# ---------------------------------------------- Array API dtype functions

def numpy_promotes_like_the_standard(a, b):
    """Whether swiftgrad defines a ⊕ b: where the Array API does (same
    kind, signed with unsigned to an integer result, real with complex
    floating), and integers with floating types, which the standard leaves
    to the library and swiftgrad promotes as NumPy does."""
    ka, kb = np.dtype(a).kind, np.dtype(b).kind
    integers = set("iu")
    if ka in integers and kb in integers:
        return np.result_type(a, b).kind in integers
    return ka == kb or {ka, kb} <= {"f", "c"} or ({ka, kb} - integers) <= {"f", "c"} and "b" not in (ka, kb)


@pytest.mark.parametrize("a", NAMES)
@pytest.mark.parametrize("b", NAMES)
def test_result_type_follows_the_standard(a, b):
    """Where the standard's table has an entry, NumPy agrees with it, and
    integers with floats follow NumPy; where neither rule speaks (bool with
    numbers, int64 with uint64), swiftgrad refuses instead of guessing."""
    if numpy_promotes_like_the_standard(a, b):
        assert sg.result_type(a, b) == np.result_type(a, b)
        assert sg.result_type(getattr(sg, a), sg.asarray(example(b))) == np.result_type(a, b)
        assert sg.can_cast(a, b) == (np.result_type(a, b) == b)
        x, y = sg.asarray(example(a)), sg.asarray(example(b))
        assert (x + y).dtype == np.result_type(a, b) if "bool" not in (a, b) else True
    else:
        with pytest.raises(TypeError):
            sg.result_type(a, b)
        assert not sg.can_cast(a, b)


@pytest.mark.parametrize("dtype, number, expected", [
    ("int8", 1, "int8"), ("int8", 1.5, "float64"), ("int8", True, "int8"),
    ("bool", 1, "int64"), ("bool", True, "bool"), ("bool", 0.5, "float64"),
    ("uint16", 2j, "complex128"), ("float32", 1, "float32"), ("float32", 1.5, "float32"),
    ("float32", 1j, "complex64"), ("float64", 1j, "complex128"), ("complex64", 1.5, "complex64"),
])
def test_result_type_with_python_numbers(dtype, number, expected):
    assert sg.result_type(dtype, number) == expected
    assert sg.result_type(number, getattr(sg, dtype), number) == expected
    assert np.result_type(np.zeros(1, dtype), number) == expected  # NumPy 2 agrees


def test_result_type_needs_an_array_or_dtype():
    assert sg.result_type(sg.int8, sg.int16, sg.int32) == sg.int32
    assert sg.result_type(sg.asarray([1.0], dtype="float32"), np.zeros(1)) == sg.float64
    with pytest.raises(ValueError, match=r"^\[result_type\]"):
        sg.result_type(1, 2.0)
    assert sg.result_type(sg.int32, sg.float32) == sg.float64  # NumPy's rule
    with pytest.raises(TypeError, match=r"no promotion rule for int64 and uint64"):
        sg.result_type(sg.int64, sg.uint64)


@pytest.mark.parametrize("name", ["float32", "float64", "complex64", "complex128"])
def test_finfo(name):
    info, ref = sg.finfo(name), np.finfo(name)
    assert info.bits == ref.bits and info.eps == ref.eps
    assert info.max == ref.max and info.min == ref.min
    assert info.smallest_normal == ref.smallest_normal
    assert info.dtype == ref.dtype and isinstance(info.dtype, sg.DType)
    assert sg.finfo(sg.asarray([1], dtype=name)) == info
    assert all(isinstance(v, float) for v in info[1:5])


@pytest.mark.parametrize("name", [n for n in NAMES if n[0] in "iu"])
def test_iinfo(name):
    info, ref = sg.iinfo(name), np.iinfo(name)
    assert (info.bits, info.max, info.min) == (ref.bits, ref.max, ref.min)
    assert info.dtype is getattr(sg, name)
    assert type(info.max) is int and type(info.min) is int


def test_limits_of_the_wrong_kind():
    with pytest.raises(TypeError, match="not a floating-point dtype"):
        sg.finfo(sg.int32)
    with pytest.raises(TypeError, match="not an integer dtype"):
        sg.iinfo("float64")


@pytest.mark.parametrize("name", NAMES)
def test_isdtype(name):
    d = getattr(sg, name)
    for kind in KINDS:
        assert sg.isdtype(d, kind) == np.isdtype(np.dtype(name), kind), kind
    assert sg.isdtype(d, tuple(KINDS)) == np.isdtype(np.dtype(name), tuple(KINDS))
    assert sg.isdtype(d, ("bool", d))
    assert sg.isdtype(name, d) and not sg.isdtype(d, sg.int8 if name != "int8" else sg.int16)
    with pytest.raises(ValueError, match="unknown kind"):
        sg.isdtype(d, "floating")


def test_constants():
    assert sg.__array_api_version__ == "2023.12"
    assert sg.e == math.e and sg.pi == math.pi and sg.inf == math.inf
    assert math.isnan(sg.nan) and sg.newaxis is None
    assert sg.asarray([1.0]).__array_namespace__() is sg


# ------------------------------------------------------------ conversion in

@settings(max_examples=80, deadline=None)
@given(hnp.arrays(dtype=st.sampled_from(NAMES),
                  shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)))
def test_every_dtype_round_trips(values):
    t = sg.asarray(values)
    assert t.dtype == values.dtype and t.shape == values.shape
    back = np.asarray(t)
    assert back.dtype == values.dtype
    np.testing.assert_array_equal(back, values)
    assert repr(t.tolist()) == repr(values.tolist())  # the same Python numbers, nan too


def test_lists_of_every_kind():
    """Python data takes the dtype of the highest kind it holds, and the
    values exactly (int64 beyond 2**53 too)."""
    big = 2 ** 62 + 1
    cases = [
        ([True, False], "bool"), ([[1, -2], [3, 4]], "int64"), ([big, -big], "int64"),
        ([2 ** 64 - 1, 0], "uint64"), ([1, 2.5], "float64"), ([1, 2.5, 3j], "complex128"),
        ([True, 2], "int64"), ([True, 2.5], "float64"), ((1j,), "complex128"),
        (7, "int64"), (True, "bool"), (-0.5, "float64"), (1 - 2j, "complex128"),
        ([np.int8(3), 4], "int64"), ([np.float32(0.5), 1], "float64"),
        ([np.complex64(1j), 1], "complex128"), ([sg.asarray(2), 3], "int64"),
        ([np.bool_(True), False], "bool"),
    ]
    for data, name in cases:
        t = sg.asarray(data)
        expected = np.asarray(data, dtype=name) if not isinstance(data[0] if isinstance(data, (list, tuple)) else data, sg.Tensor) else np.asarray([2, 3])
        assert t.dtype == name, data
        assert t.tolist() == expected.tolist(), data
    assert sg.asarray([big]).item() == big
    assert sg.asarray([big], dtype="float64").item() == float(big)


@pytest.mark.parametrize("name", NAMES)
def test_lists_with_a_dtype(name):
    data = [[0, 1], [1, 0]]
    t = sg.asarray(data, dtype=name)
    assert t.dtype == name
    np.testing.assert_array_equal(np.asarray(t), np.asarray(data, dtype=name))


def test_lists_to_lower_kinds_convert_like_astype():
    assert sg.asarray([1.7, -1.7], dtype="int32").tolist() == [1, -1]
    assert sg.asarray([1 + 5j, 2], dtype="float64").tolist() == [1.0, 2.0]
    assert sg.asarray([0.0, 2.5], dtype="bool").tolist() == [False, True]


def test_integers_out_of_range():
    with pytest.raises(ValueError, match=r"^\[asarray\] integer 300 is out of range for uint8"):
        sg.asarray([1, 300], dtype="uint8")
    with pytest.raises(ValueError, match=r"^\[asarray\] integer -1 is out of range for uint16"):
        sg.asarray([-1], dtype=sg.uint16)
    with pytest.raises(ValueError, match=r"^\[asarray\] integer .*64 bits"):
        sg.asarray(10 ** 400)
    assert sg.asarray([-128, 127], dtype="int8").tolist() == [-128, 127]


# ----------------------------------------------------------- conversion out

FORMATS = {"bool": "?", "int8": "b", "int16": "h", "int32": "i", "int64": "q",
           "uint8": "B", "uint16": "H", "uint32": "I", "uint64": "Q",
           "float32": "f", "float64": "d", "complex64": "Zf", "complex128": "Zd"}


@pytest.mark.parametrize("name", NAMES)
def test_buffer_export(name):
    values = example(name)
    t = sg.asarray(values)
    view = memoryview(t)
    assert view.format == FORMATS[name] and view.itemsize == np.dtype(name).itemsize
    assert view.readonly and view.shape == (2, 3)
    a, b = np.asarray(t), t.__array__()
    assert a.dtype == name and address(a) == address(b)  # zero-copy
    assert not a.flags.writeable
    np.testing.assert_array_equal(a, values)
    tt = np.asarray(t.T)  # a strided view shares the memory too
    assert np.shares_memory(tt, a)
    np.testing.assert_array_equal(tt, values.T)
    assert t.tolist() == values.tolist() and t.T.tolist() == values.T.tolist()
    assert np.asarray(t, dtype=np.complex128).dtype == np.complex128


@pytest.mark.parametrize("name", NAMES)
def test_items_are_exact(name):
    """item(), float(), int(), bool(), complex() and operator.index() of
    one element, exactly (sg_tensor_item_as), as NumPy gives them."""
    for value in example(name).ravel():
        t = sg.asarray(value)
        item = t.item()
        assert type(item) is type(value.item()) and item == value.item()
        assert bool(t) == bool(value)
        assert complex(t) == complex(value)
        if value.dtype.kind == "c":
            with pytest.raises(TypeError, match=r"^\[float\]"):
                float(t)
            with pytest.raises(TypeError, match=r"^\[int\]"):
                int(t)
        else:
            assert float(t) == float(value)
            assert int(t) == int(value)
        if value.dtype.kind in "iu":
            assert operator.index(t) == int(value)
            assert [10, 20, 30][sg.asarray(value.dtype.type(1))] == 20
        else:
            with pytest.raises(TypeError, match=r"^\[index\]"):
                operator.index(t)


def test_int_of_non_finite_floats():
    for value in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match=r"^\[int\]"):
            int(sg.asarray(value))


# ------------------------------------------------------------ printing

@settings(max_examples=150, deadline=None)
@given(hnp.arrays(dtype=st.sampled_from([n for n in NAMES if not n.startswith("float")]),
                  shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6)))
def test_printing_matches_numpy_for_every_dtype(values):
    t = sg.asarray(values)
    assert repr(t) == repr(values)
    assert str(t) == str(values)


PRINTED = [
    np.array([True, False]), np.array(True), np.array([[True], [True]]),
    np.array([1, 2]), np.array([1, -20], np.int8), np.array(5, np.uint64),
    np.array([2 ** 64 - 1, 0], np.uint64), np.array([-2 ** 63], np.int64),
    np.array([1 + 2j, -1j]), np.array([1 + 2j, 0 - 1j]), np.array([1 + 2j, -1j], np.complex64),
    np.array([1e10 + 2j, -1j]), np.array([np.nan + 2j, -1j, complex(1, np.inf)]),
    np.array(1 + 2j), np.array(-1j), np.array(0j), np.array(1.5 - 0.5j, np.complex64),
    np.array([], np.int32), np.zeros((0, 2), bool), np.zeros((10 ** 6, 0)),
    np.zeros((2 ** 31, 2 ** 20, 0), np.complex64),
    np.arange(3000, dtype=np.int16), np.arange(3000).reshape(30, 100) * (1 + 1j),
    np.arange(2000) % 3 == 0,
    np.random.default_rng(0).standard_normal((3, 4)) * (1 + 1j) * 1e5,
]


@pytest.mark.parametrize("values", PRINTED, ids=range(len(PRINTED)))
def test_printing_matches_numpy(values):
    """Including summaries of long arrays (only their edges are read) and
    empty arrays with long axes (no element is read)."""
    t = sg.asarray(values)
    assert repr(t) == repr(values)
    assert str(t) == str(values)


def test_printing_symbolic_and_grad_tensors():
    assert repr(sg.placeholder((None, 3), "int8", "i")) == \
        "Tensor(symbolic, shape=(None, 3), dtype=int8, name='i')"
    t = sg.asarray([1, 2], dtype="float32")
    t.requires_grad = True
    assert repr(t) == "array([1., 2.], dtype=float32, requires_grad=True)"


# ------------------------------------------------- operators and numbers

def test_comparisons_give_bool_tensors():
    x = sg.asarray([1.0, 2.0, 3.0])
    for result, expected in [(x < 2, [True, False, False]), (x <= 2, [True, True, False]),
                             (x > 2, [False, False, True]), (x >= 2, [False, True, True]),
                             (x == 2, [False, True, False]), (x != 2, [True, False, True]),
                             (2 < x, [False, False, True]), (2 == x, [False, True, False]),
                             (x == [1.0, 0.0, 3.0], [True, False, True]),
                             (np.array([3.0, 2.0, 1.0]) > x, [True, False, False])]:
        assert isinstance(result, sg.Tensor) and result.dtype == sg.bool
        assert result.tolist() == expected
    assert (x == "text") is False and (x != None) is True  # noqa: E711


def test_tensors_hash_by_identity():
    """== builds tensors, but hashing stays by identity: tensors are dict
    keys (Theano's updates), and equal values are different keys."""
    a, b = sg.asarray([1.0]), sg.asarray([1.0])
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b" and len(d) == 2
    assert hash(a) == hash(a) and hash(a) != hash(b)
    W = sg.shared([1.0, 2.0], "W")
    x = T.dvector("x")
    step = sg.function([x], W.sum(), updates={W: W + x})
    step([1.0, 1.0])
    assert W.get_value().tolist() == [2.0, 3.0]
    assert a in {a} and b not in {a}


def test_bitwise_and_logical_operators():
    i, j = sg.asarray([12, -3]), sg.asarray([10, 5])
    ni, nj = np.array([12, -3]), np.array([10, 5])
    for op in (operator.and_, operator.or_, operator.xor):
        assert op(i, j).tolist() == op(ni, nj).tolist()
        assert op(i, 6).tolist() == op(ni, 6).tolist()
        assert op(6, i).tolist() == op(6, ni).tolist()
    assert (i << 2).tolist() == (ni << 2).tolist() and (1 << j).tolist() == (1 << nj).tolist()
    assert (i >> 1).tolist() == (ni >> 1).tolist() and (~i).tolist() == (~ni).tolist()
    p, q = sg.asarray([True, False]), sg.asarray([True, True])
    assert (p & q).tolist() == [True, False] and (~p).tolist() == [False, True]
    assert (p ^ True).dtype == sg.bool
    with pytest.raises(TypeError, match=r"^\[bitwise_and\] .*float"):
        sg.asarray([1.0]) & 1
    with pytest.raises(TypeError, match=r"^\[positive\] .*bool"):
        +p


def test_integers_with_floats_promote_as_numpy_does():
    """The standard leaves mixed kinds to the library: integers meet floats
    as in NumPy (and Theano), booleans meet numbers only by astype."""
    i, f = sg.asarray([1, 2], dtype="int32"), sg.asarray([0.5, 1.5], dtype="float32")
    assert (i + f).dtype == sg.float64 and (i + f).tolist() == [1.5, 3.5]
    small = sg.asarray([1, 2], dtype="int16")
    assert (small * f).dtype == sg.float32
    assert (f ** sg.arange(2)).tolist() == [1.0, 1.5]
    with pytest.raises(TypeError, match=r"^\[add\] no promotion rule for bool and float32"):
        sg.asarray([True, False]) + f
    assert (i * 0.5).dtype == sg.float64  # a Python float is fine: NumPy's rule


def test_integer_division_and_powers():
    i = sg.asarray([7, -7])
    assert (i / 2).dtype == sg.float64 and (i / 2).tolist() == [3.5, -3.5]
    assert (i // 2).tolist() == [3, -4] and (i % 3).tolist() == [1, 2]
    assert (i ** 2).dtype == sg.int64 and (i ** 2).tolist() == [49, 49]
    assert (2 ** sg.asarray([3, 4], dtype="uint8")).dtype == sg.uint8


def test_reductions_of_integers():
    assert sg.sum(sg.asarray(np.arange(5, dtype=np.int8))).dtype == sg.int64
    assert sg.sum(sg.asarray(np.arange(5, dtype=np.uint16))).dtype == sg.uint64
    assert sg.sum(sg.asarray([True, True, False])).item() == 2
    assert sg.asarray([[1, 2], [3, 4]]).sum(axis=0).tolist() == [4, 6]
    with pytest.raises(TypeError, match=r"^\[mean\] integer"):
        sg.mean(sg.asarray([1, 2]))


def test_only_floating_tensors_require_grad():
    with pytest.raises(TypeError, match=r"\[requires_grad\].*int64"):
        sg.asarray([1, 2]).requires_grad = True
    z = sg.asarray([1.0 + 1j])
    z.requires_grad = True  # complex is floating
    assert z.requires_grad


# ----------------------------------------------------------------- clip

@pytest.mark.parametrize("name", ["int8", "int64", "uint16", "float32", "float64"])
def test_clip(name):
    x = example(name, (3, 4))
    lo, hi = np.array(x.ravel()[2]), np.array(x.ravel()[9])
    t = sg.asarray(x)
    for a, b in [(lo, hi), (lo, None), (None, hi), (None, None)]:
        expected = np.clip(x, a, b) if (a is not None or b is not None) else x
        got = sg.clip(t, None if a is None else a.item(), None if b is None else b.item())
        assert got.dtype == name
        np.testing.assert_array_equal(np.asarray(got), expected)
    row = x[0][::-1].copy()  # tensor bounds broadcast against x
    got = sg.clip(t, sg.asarray(row), None)
    np.testing.assert_array_equal(np.asarray(got), np.maximum(x, row))


def test_clip_gradient():
    x = sg.asarray([-2.0, 0.5, 3.0])
    x.requires_grad = True
    sg.clip(x, min=-1.0, max=1.0).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]


# ------------------------------------------- functions and shared variables

@pytest.mark.parametrize("name", NAMES)
def test_functions_of_every_dtype(name):
    x = sg.placeholder((None, None), name, "x")
    f = sg.function([x], [x, x == x])
    values = example(name)
    out, same = f(values)
    assert out.dtype == name and same.dtype == sg.bool
    np.testing.assert_array_equal(np.asarray(out), values)
    assert same.tolist() == [[True] * 3] * 2
    W = sg.shared(values, "W")
    assert W.dtype == name
    W.set_value(values[::-1].copy())
    np.testing.assert_array_equal(np.asarray(W.get_value()), values[::-1])


@pytest.mark.parametrize("want, data, ok", [
    ("int32", [[1, 2]], True), ("int32", np.ones((1, 2), np.int16), True),
    ("int32", np.ones((1, 2), np.uint16), True), ("int32", np.ones((1, 2), np.int64), False),
    ("int32", [[1.5]], False), ("int32", np.ones((1, 2), np.float32), False),
    ("uint8", [[255]], True), ("uint8", np.ones((1, 1), np.int8), False),
    ("float32", [[1, 2]], True), ("float32", np.ones((1, 2), np.int16), True),
    ("float32", np.ones((1, 2), np.int32), False), ("float64", np.ones((1, 2), np.uint64), True),
    ("complex64", [[1, 2.5]], True), ("complex64", np.ones((1, 2), np.float32), True),
    ("complex64", np.ones((1, 2)), False), ("complex128", [[1j]], True),
    ("float64", [[1j]], False), ("bool", [[True]], True), ("bool", [[1]], False),
    ("bool", np.ones((1, 1), bool), True), ("int64", np.ones((1, 1), bool), True),
])
def test_function_arguments_convert_safely(want, data, ok):
    """Arguments convert to the placeholder's dtype by NumPy's safe casting
    (Python numbers by kind); anything else is a TypeError naming the
    input."""
    x = sg.placeholder((None, None), want, "x")
    f = sg.function([x], x)
    if ok:
        out = f(data)
        assert out.dtype == want
        np.testing.assert_array_equal(np.asarray(out), np.asarray(data, dtype=want))
    else:
        with pytest.raises(TypeError, match=rf"^\[function\] input 0 \('x'\) is {want} and cannot take"):
            f(data)


def test_function_argument_out_of_range():
    f = sg.function([x := sg.placeholder((None,), "int8")], x)
    with pytest.raises(ValueError, match=r"^\[function\] integer 200 is out of range for int8"):
        f([1, 200])


def test_import_is_light():
    """`import swiftgrad` loads neither NumPy nor the printing code, and
    makes the elementwise functions only when one is first used."""
    code = ("import sys, swiftgrad; "
            "print('numpy' in sys.modules, 'swiftgrad._printing' in sys.modules, "
            "'sin' in vars(swiftgrad)); swiftgrad.sin; print('sin' in vars(swiftgrad))")
    where = Path(sg.__file__).parent.parent  # the swiftgrad these tests import
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=where).stdout.split()
    assert out == ["False", "False", "False", "True"]
