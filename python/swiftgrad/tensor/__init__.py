"""Theano's theano.tensor for swiftgrad: typed symbolic inputs and Theano's
names over swiftgrad's operations.

    >>> import swiftgrad as theano
    >>> import swiftgrad.tensor as T
    >>> x = T.dmatrix("x")
    >>> h = T.nnet.sigmoid(T.dot(x, W) + b)

Constructors are `scalar`, `vector`, `matrix`, `row`, `col`, `tensor3`
... `tensor7`, untyped (config.floatX) or with a dtype prefix: b int8,
w int16, i int32, l int64, f float32, d float64, c complex64,
z complex128; plurals (`dmatrices("a", "b")`) make several.
"""

from __future__ import annotations

import builtins as _builtins
from collections.abc import Sequence
from typing import Any

import swiftgrad as _sg

from .. import _theano
from .._tensor import Tensor
from .._theano import TensorType, missing as _missing
from .. import (abs, acos, acosh, asin, asinh, atan, atan2, atanh, ceil, conj, cos,  # noqa: F401,A004
                cosh, exp, expm1, floor, imag, isinf, isnan, log, log1p, log2, log10,
                logaddexp, maximum, minimum, real, sign, sin, sinh, sqrt, tan, tanh,
                tensordot, trunc, argmin, argmax, argsort, sort, tile, triu, tril, eye,
                einsum, square, matmul, where, hypot, copysign)
from .. import shared  # noqa: F401
from .._linalg import outer  # noqa: F401
from ..gradient import Lop, Rop, grad, hessian, jacobian  # noqa: F401
from . import nnet  # noqa: F401 (T.nnet.sigmoid)
from . import shared_randomstreams  # noqa: F401 (Theano's RandomStreams)

_PREFIXES = {"b": "int8", "w": "int16", "i": "int32", "l": "int64", "f": "float32",
             "d": "float64", "c": "complex64", "z": "complex128"}
# kind: its static shape (None: any length, 1: broadcastable)
_KINDS = {"scalar": (), "vector": (None,), "matrix": (None, None), "row": (1, None),
          "col": (None, 1), "tensor3": (None,) * 3, "tensor4": (None,) * 4,
          "tensor5": (None,) * 5, "tensor6": (None,) * 6, "tensor7": (None,) * 7}
_PLURALS = {"scalar": "scalars", "vector": "vectors", "matrix": "matrices", "row": "rows",
            "col": "cols", "tensor3": "tensor3s", "tensor4": "tensor4s", "tensor5": "tensor5s",
            "tensor6": "tensor6s", "tensor7": "tensor7s"}


def _constructor(kind: str, fixed: str | None) -> Any:
    default = _KINDS[kind]

    def make(name: str | None = None, dtype: Any = None, shape: Sequence[int | None] | None = None) -> Tensor:
        if fixed is not None and dtype is not None:
            raise TypeError(f"{make.__name__} has dtype {fixed}; use {kind}(dtype=...) for another")
        dt = fixed or (_theano.config.floatX if dtype is None else str(_sg._dtypes.as_dtype(dtype, kind)))
        static = default if shape is None else tuple(shape)
        if len(static) != len(default) or _builtins.any(
                d == 1 and s != 1 for d, s in zip(default, static)):
            raise ValueError(f"[{kind}] shape {tuple(static)} does not fit a {kind} "
                             f"(static shape {default})")
        return _sg.placeholder(static, dt, name)

    prefix = next((p for p, d in _PREFIXES.items() if d == fixed), "")
    make.__name__ = make.__qualname__ = prefix + kind
    make.__doc__ = (f"A symbolic {kind} input ({fixed or 'config.floatX unless dtype says'}; "
                    f"static shape {default}, None where any length goes).")
    return make if fixed is None else _TypedConstructor(fixed, default, make)


class _TypedConstructor(TensorType):
    """A typed constructor is, as in Theano, the type of what it makes
    (x.type == T.dmatrix), called to make a symbolic input of that type."""

    def __init__(self, dtype: str, shape: tuple[Any, ...], make: Any) -> None:
        super().__init__(dtype, shape=shape)
        self._make = make
        self.__name__ = self.__qualname__ = make.__name__
        self.__doc__ = make.__doc__

    def __call__(self, name: str | None = None, dtype: Any = None,  # type: ignore[override]
                 shape: Sequence[int | None] | None = None) -> Tensor:
        return self._make(name, dtype, shape)


def _plural(single: Any) -> Any:
    """Theano's plural constructors: an int n makes n unnamed inputs;
    names make one input each (one string makes one per character, as
    Theano does: dscalars('xy') is [x, y])."""

    def make(*names: Any, dtype: Any = None) -> Any:
        kw = {} if dtype is None else {"dtype": dtype}
        if names and isinstance(names[0], int):
            return [single(**kw) for _ in range(names[0])]
        if len(names) == 1:
            names = names[0]
        if len(names) == 1:
            return single(names, **kw)
        return [single(n, **kw) for n in names]

    make.__name__ = make.__qualname__ = _PLURALS.get(single.__name__.lstrip("bwilfdcz"),
                                                     single.__name__ + "s")
    return make


# Theano's groups of dtype names (`x.dtype in T.int_dtypes`).
int_dtypes = ("int8", "int16", "int32", "int64")
uint_dtypes = ("uint8", "uint16", "uint32", "uint64")
float_dtypes = ("float32", "float64")
complex_dtypes = ("complex64", "complex128")
discrete_dtypes = ("bool",) + int_dtypes + uint_dtypes
continuous_dtypes = float_dtypes + complex_dtypes
all_dtypes = discrete_dtypes + continuous_dtypes

__all__: list[str] = ["int_dtypes", "uint_dtypes", "float_dtypes", "complex_dtypes",
                      "discrete_dtypes", "continuous_dtypes", "all_dtypes"]
for _kind in _KINDS:
    for _prefix, _dtype in [("", None)] + list(_PREFIXES.items()):
        _f = _constructor(_kind, _dtype)
        globals()[_f.__name__] = _f
        _p = _plural(_f)
        _p.__name__ = _prefix + _PLURALS[_kind]
        globals()[_p.__name__] = _p
        __all__ += [_f.__name__, _p.__name__]


def typed(dtype: str, broadcastable: tuple[bool, ...]) -> TensorType | None:
    """The typed constructor of that dtype and broadcast pattern, if any."""
    prefix = next((p for p, d in _PREFIXES.items() if d == dtype), None)
    shape = tuple(1 if b else None for b in broadcastable)
    kind = next((k for k, v in _KINDS.items() if v == shape), None)
    return None if prefix is None or kind is None else globals()[prefix + kind]


def tensor(dtype: Any = None, broadcastable: Sequence[bool] | None = None, name: str | None = None,
           shape: Sequence[int | None] | None = None) -> Tensor:
    """A symbolic input of any rank: `broadcastable` (Theano) or `shape`
    gives the axes."""
    if broadcastable is None and shape is None:
        raise TypeError("tensor() needs broadcastable= or shape= to know the number of axes")
    return TensorType(dtype or _theano.config.floatX, broadcastable, shape)(name)


# --------------------------------------------------------- elementwise

def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else _sg.asarray(x)


def abs_(x: Any) -> Tensor:
    return _sg.abs(x)


def sqr(x: Any) -> Tensor:
    return _sg.square(x)


def neg(x: Any) -> Tensor:
    return _sg.negative(x)


def inv(x: Any) -> Tensor:
    return 1.0 / _t(x)


def sgn(x: Any) -> Tensor:
    return _sg.sign(x)


def pow(x: Any, y: Any) -> Tensor:  # noqa: A001
    return _sg.pow(x, y)


def exp2(x: Any) -> Tensor:
    return _sg.pow(2.0, _t(x))


def mod(x: Any, y: Any) -> Tensor:
    return _sg.remainder(x, y)


def true_div(x: Any, y: Any) -> Tensor:
    return _sg.divide(x, y)


def int_div(x: Any, y: Any) -> Tensor:
    return _sg.floor_divide(x, y)


floor_div = int_div


def add(*xs: Any) -> Tensor:
    out = _t(xs[0])
    for x in xs[1:]:
        out = out + x
    return out


def mul(*xs: Any) -> Tensor:
    out = _t(xs[0])
    for x in xs[1:]:
        out = out * x
    return out


def sub(x: Any, y: Any) -> Tensor:
    return _sg.subtract(x, y)


def round(x: Any, mode: str | None = None) -> Tensor:  # noqa: A001
    """Theano's round: halves away from zero unless mode='half_to_even'."""
    if mode in (None, "half_away_from_zero"):
        x = _t(x)
        return _sg.sign(x) * _sg.floor(_sg.abs(x) + 0.5)
    if mode == "half_to_even":
        return _sg.round(x)
    raise ValueError(f"[round] mode must be 'half_away_from_zero' or 'half_to_even', not {mode!r}")


def iround(x: Any, mode: str | None = None) -> Tensor:
    return cast(round(x, mode), "int64")


def clip(x: Any, min: Any, max: Any) -> Tensor:  # noqa: A002
    return _sg.clip(x, min, max)


def switch(condition: Any, then_value: Any, else_value: Any) -> Tensor:
    """Elementwise choice: then_value where condition is nonzero."""
    c = _t(condition)
    if c.dtype != "bool":
        c = c != 0
    return _sg.where(c, then_value, else_value)


def lt(a: Any, b: Any) -> Tensor:
    return _sg.less(a, b)


def gt(a: Any, b: Any) -> Tensor:
    return _sg.greater(a, b)


def le(a: Any, b: Any) -> Tensor:
    return _sg.less_equal(a, b)


def ge(a: Any, b: Any) -> Tensor:
    return _sg.greater_equal(a, b)


def eq(a: Any, b: Any) -> Tensor:
    return _sg.equal(a, b)


def neq(a: Any, b: Any) -> Tensor:
    return _sg.not_equal(a, b)


def and_(a: Any, b: Any) -> Tensor:
    return _sg.bitwise_and(a, b)


def or_(a: Any, b: Any) -> Tensor:
    return _sg.bitwise_or(a, b)


def xor(a: Any, b: Any) -> Tensor:
    return _sg.bitwise_xor(a, b)


def invert(a: Any) -> Tensor:
    return _sg.bitwise_invert(a)


bitwise_and, bitwise_or, bitwise_xor, bitwise_not = and_, or_, xor, invert


def cast(x: Any, dtype: Any) -> Tensor:
    """x converted to dtype (differentiable between floating dtypes)."""
    if dtype == "floatX":
        dtype = _theano.config.floatX
    return _sg.astype(_t(x), dtype, copy=False)


def sigmoid(x: Any) -> Tensor:
    return _sg.sigmoid(x)


def softplus(x: Any) -> Tensor:
    return _sg.softplus(x)


# --------------------------------------------------------- reductions

def _axis(axis: Any) -> Any:
    return tuple(axis) if isinstance(axis, list) else axis


def sum(x: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False,  # noqa: A001
        acc_dtype: Any = None) -> Tensor:
    return _sg.sum(x, axis=_axis(axis), dtype=dtype, keepdims=keepdims)


def prod(x: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False,
         acc_dtype: Any = None, no_zeros_in_input: bool = False) -> Tensor:
    return _sg.prod(x, axis=_axis(axis), dtype=dtype, keepdims=keepdims)


def _floating(x: Any) -> Tensor:
    """Theano's means and variances of integers are float64."""
    x = _t(x)
    return x if x.dtype.kind in ("real floating", "complex floating") else cast(x, "float64")


def mean(x: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False,
         acc_dtype: Any = None) -> Tensor:
    return _sg.mean(_floating(x), axis=_axis(axis), dtype=dtype, keepdims=keepdims)


def var(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False,
        corrected: bool = False) -> Tensor:
    if corrected:
        raise _missing("var(corrected=True)")
    return _sg.var(_floating(x), axis=_axis(axis), correction=ddof, keepdims=keepdims)


def std(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False,
        corrected: bool = False) -> Tensor:
    if corrected:
        raise _missing("std(corrected=True)")
    return _sg.std(_floating(x), axis=_axis(axis), correction=ddof, keepdims=keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _sg.max(x, axis=_axis(axis), keepdims=keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _sg.min(x, axis=_axis(axis), keepdims=keepdims)


def max_and_argmax(x: Any, axis: Any = None, keepdims: bool = False) -> list[Tensor]:
    return [max(x, axis, keepdims), _sg.argmax(x, axis=axis, keepdims=keepdims)]


def all(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _sg.all(x, axis=_axis(axis), keepdims=keepdims)


def any(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _sg.any(x, axis=_axis(axis), keepdims=keepdims)


def cumsum(x: Any, axis: int | None = None) -> Tensor:
    """Running sums along axis (of the flattened x when None)."""
    x = _t(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return _sg.cumulative_sum(x, axis=axis)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _sg.logsumexp(x, axis=_axis(axis), keepdims=keepdims)


def norm(x: Any, L: int = 2, axis: Any = None) -> Tensor:
    x = _t(x)
    if L == 1:
        return sum(abs_(x), axis=axis)
    if L == 2:
        return _sg.sqrt(sum(sqr(x), axis=axis))
    return sum(abs_(x) ** L, axis=axis) ** (1.0 / L)


# --------------------------------------------------------- shapes, joining

def shape(x: Any) -> Any:
    """x's shape; lengths known only at run time are symbolic (x.shape)."""
    return _t(x).shape


def reshape(x: Any, newshape: Any, ndim: int | None = None) -> Tensor:
    """x seen as newshape: ints (one may be -1) and at most one length
    known only at run time (x.shape[0])."""
    return _t(x).reshape(tuple(newshape) if isinstance(newshape, list) else newshape)


def flatten(x: Any, ndim: int = 1, outdim: int | None = None) -> Tensor:
    return _t(x).flatten(outdim or ndim)


def transpose(x: Any, axes: Any = None) -> Tensor:
    x = _t(x)
    return x.transpose(*axes) if axes is not None else x.transpose()


def dimshuffle(x: Any, *pattern: Any) -> Tensor:
    return _t(x).dimshuffle(*pattern)


def concatenate(tensor_list: Sequence[Any], axis: int = 0) -> Tensor:
    return _sg.concat(list(tensor_list), axis=axis)


def join(axis: int, *tensors: Any) -> Tensor:
    return _sg.concat(list(tensors), axis=axis)


def stack(*tensors: Any, axis: int = 0) -> Tensor:
    """The tensors joined along a new axis: stack([a, b], axis) or, in
    Theano's older form, stack(a, b)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    elif len(tensors) == 2 and isinstance(tensors[0], (list, tuple)) and isinstance(tensors[1], int):
        tensors, axis = tuple(tensors[0]), tensors[1]
    return _sg.stack([_t(t) for t in tensors], axis=axis)


def nonzero(a: Any, return_matrix: bool = False) -> Any:
    coords = _sg.nonzero(a)
    return _sg.stack(list(coords)) if return_matrix else tuple(coords)


def flatnonzero(a: Any) -> Tensor:
    return _sg.nonzero(_t(a).reshape(-1))[0]


def squeeze(x: Any) -> Tensor:
    """x without its axes of static length 1."""
    x = _t(x)
    axes = tuple(i for i, b in enumerate(x.broadcastable) if b)
    return _sg.squeeze(x, axis=axes) if axes else x


def repeat(x: Any, repeats: Any, axis: int | None = None) -> Tensor:
    return _sg.repeat(x, repeats, axis=axis)


def diag(x: Any) -> Tensor:
    """The diagonal matrix of a vector, or the diagonal of a matrix."""
    x = _t(x)
    if x.ndim == 1:
        i = arange(x.shape[0])
        return _sg.where(i[:, None] == i[None, :], x[None, :], _sg.zeros((), dtype=x.dtype))
    return _sg.linalg.diagonal(x)


def shape_padleft(t: Any, n_ones: int = 1) -> Tensor:
    """t with n_ones axes of length 1 in front."""
    return _pad(_t(t), 0, n_ones)


def shape_padright(t: Any, n_ones: int = 1) -> Tensor:
    """t with n_ones axes of length 1 at the end."""
    t = _t(t)
    return _pad(t, t.ndim, n_ones)


def shape_padaxis(t: Any, axis: int) -> Tensor:
    """t with an axis of length 1 inserted at `axis`."""
    return _sg.expand_dims(_t(t), axis=axis)


def _pad(t: Tensor, at: int, n: int) -> Tensor:
    for _ in range(n):
        t = _sg.expand_dims(t, axis=at)
    return t


def unbroadcast(x: Any, *axes: int) -> Tensor:
    """x: swiftgrad keeps no broadcast flags apart from the shape, so
    removing them changes nothing."""
    return _t(x)


def addbroadcast(x: Any, *axes: int) -> Tensor:
    """x, whose given axes must be known to have length 1."""
    x = _t(x)
    for a in axes:
        if x.type.shape[a] != 1:
            raise _missing(f"addbroadcast on axis {a} of length {x.type.shape[a]}",
                           "only axes known to have length 1 broadcast")
    return x


def patternbroadcast(x: Any, broadcastable: Sequence[bool]) -> Tensor:
    x = _t(x)
    return addbroadcast(x, *[a for a, b in enumerate(broadcastable) if b])


def horizontal_stack(*xs: Any) -> Tensor:
    return _sg.concat([_t(x) for x in xs], axis=1)


def vertical_stack(*xs: Any) -> Tensor:
    return _sg.concat([_t(x) for x in xs], axis=0)


def roll(x: Any, shift: int, axis: int | None = None) -> Tensor:
    return _sg.roll(x, shift, axis=axis)


def largest(*xs: Any) -> Tensor:
    out = _t(xs[0])
    for x in xs[1:]:
        out = _sg.maximum(out, x)
    return out


def smallest(*xs: Any) -> Tensor:
    out = _t(xs[0])
    for x in xs[1:]:
        out = _sg.minimum(out, x)
    return out


def isclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    a, b = _t(a), _t(b)
    close = _sg.abs(a - b) <= atol + rtol * _sg.abs(b)
    if equal_nan:
        close = close | (_sg.isnan(a) & _sg.isnan(b))
    return close


def allclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> Tensor:
    return _sg.all(isclose(a, b, rtol, atol, equal_nan))


def dot(a: Any, b: Any) -> Tensor:
    """numpy.dot: the last axis of a with the second-to-last of b (the
    only one of a vector)."""
    a, b = _t(a), _t(b)
    if a.ndim <= 2 and b.ndim <= 2:
        return _sg.dot(a, b)
    return _sg.tensordot(a, b, axes=([a.ndim - 1], [_builtins.max(b.ndim - 2, 0)]))


def batched_dot(a: Any, b: Any) -> Tensor:
    return _sg.matmul(a, b)


# --------------------------------------------------------- creation

def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None) -> Tensor:
    """start, start + step, ... below stop; bounds may be symbolic 0-d
    tensors (T.arange(y.shape[0])), read when the function runs."""
    return _sg.arange(start, stop, step, dtype=dtype)


def zeros(shape: Any, dtype: Any = None) -> Tensor:
    return _theano.filled(shape, 0, dtype or _theano.config.floatX, "zeros")


def ones(shape: Any, dtype: Any = None) -> Tensor:
    return _theano.filled(shape, 1, dtype or _theano.config.floatX, "ones")


def alloc(value: Any, *shape: Any) -> Tensor:
    """A tensor of `shape` filled with value (which broadcasts)."""
    v = _t(value)
    return _theano.filled(shape, 0, v.dtype, "alloc") + v


def fill(model: Any, value: Any) -> Tensor:
    return _sg.full_like(_t(model), value)


def zeros_like(x: Any, dtype: Any = None) -> Tensor:
    return _sg.zeros_like(x, dtype=dtype)


def ones_like(x: Any, dtype: Any = None) -> Tensor:
    return _sg.ones_like(x, dtype=dtype)


def second(a: Any, b: Any) -> Tensor:
    """b broadcast to a's shape (Theano's fill order)."""
    return _sg.zeros_like(a, dtype=_t(b).dtype) + b


def as_tensor_variable(x: Any, name: str | None = None, ndim: int | None = None) -> Tensor:
    t = _t(x)
    if ndim is not None and t.ndim != ndim:
        raise ValueError(f"[as_tensor_variable] {t.ndim} axes, not {ndim}")
    return t


as_tensor = as_tensor_variable


def constant(x: Any, name: str | None = None, ndim: int | None = None, dtype: Any = None) -> Tensor:
    return _sg.asarray(x, dtype=dtype)


# --------------------------------------------------------- what is missing

_NOT_HERE = {
    "set_subtensor": "indexed assignment of symbolic tensors needs the core",
    "inc_subtensor": "indexed assignment of symbolic tensors needs the core",
    "erf": "", "erfc": "", "erfinv": "", "gamma": "", "gammaln": "", "psi": "",
    "cumprod": "", "conv": "", "signal": "", "slinalg": "use swiftgrad.linalg",
    "nlinalg": "use swiftgrad.linalg", "fft": "", "sort_unique": "", "extra_ops": "",
    "opt": "", "raw_random": "", "specify_shape": "",
    "tensor_copy": "",
}


def __getattr__(name: str) -> Any:
    if name in _NOT_HERE:
        raise _missing(f"theano.tensor.{name}", _NOT_HERE[name])
    raise AttributeError(f"module 'swiftgrad.tensor' has no attribute {name!r}")


__all__ += [
    "TensorType", "tensor", "shared", "grad", "jacobian", "hessian", "Rop", "Lop", "nnet",
    "abs_", "sqr", "neg", "inv", "sgn", "pow", "exp2", "mod", "true_div", "int_div", "floor_div",
    "add", "mul", "sub", "round", "iround", "clip", "switch", "lt", "gt", "le", "ge", "eq", "neq",
    "and_", "or_", "xor", "invert", "cast", "sigmoid", "softplus", "sum", "prod", "mean", "var",
    "std", "max", "min", "max_and_argmax", "all", "any", "cumsum", "logsumexp", "norm", "shape",
    "reshape", "flatten", "transpose", "dimshuffle", "concatenate", "join", "stack", "nonzero",
    "flatnonzero", "squeeze", "repeat", "diag", "batched_dot", "arange", "zeros", "ones", "alloc",
    "fill", "zeros_like", "ones_like", "second", "as_tensor_variable", "as_tensor", "constant",
    "abs", "dot", "exp", "log", "tanh", "sqrt", "outer", "maximum", "minimum", "argmax", "argmin",
    "shape_padleft", "shape_padright", "shape_padaxis", "unbroadcast", "addbroadcast",
    "patternbroadcast", "horizontal_stack", "vertical_stack", "roll", "largest", "smallest",
    "isclose", "allclose",
]
