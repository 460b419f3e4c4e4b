"""Reductions and statistics of the Array API: sum, prod, mean, var, std,
max, min, argmax, argmin, all, any, cumulative_sum.

Each calls one function of the C ABI (sg_sum, sg_reduce, sg_argmax, ...).
A `dtype=` argument (sum, prod, mean, cumulative_sum) converts the input
first and gives the result that dtype, as NumPy does.

    >>> x = swiftgrad.asarray([[1.0, 5.0], [3.0, 2.0]])
    >>> swiftgrad.max(x, axis=1)
    array([5., 3.])
"""

from __future__ import annotations

import builtins as _builtins
from typing import Any

from . import _dtypes
from . import _swiftgrad as _C

Axis = int | tuple[int, ...] | None

# The numbers of sg_reduce_op.
_SUM, _PROD, _MEAN, _MAX, _MIN, _ALL, _ANY = range(7)


def _code(dtype: Any, op: str) -> int:
    return -1 if dtype is None else _dtypes.as_dtype(dtype, op)._code


def sum(x: Any, /, axis: Axis = None, *, dtype: Any = None,  # noqa: A001
        keepdims: _builtins.bool = False) -> Any:
    """The sum over `axis` (all axes by default). Without `dtype`, signed
    integers and bools sum in int64 and unsigned ones in uint64."""
    return _C.reduce(_SUM, x, axis, keepdims, _code(dtype, "sum"))


def prod(x: Any, /, axis: Axis = None, *, dtype: Any = None,
         keepdims: _builtins.bool = False) -> Any:
    """The product over `axis`; dtypes as for `sum`; 1 over no elements.
    Its gradient is the product of the other elements (exact at zeros)."""
    return _C.reduce(_PROD, x, axis, keepdims, _code(dtype, "prod"))


def mean(x: Any, /, axis: Axis = None, *, dtype: Any = None,
         keepdims: _builtins.bool = False) -> Any:
    """The mean over `axis` of a floating tensor."""
    return _C.reduce(_MEAN, x, axis, keepdims, _code(dtype, "mean"))


def var(x: Any, /, axis: Axis = None, *, correction: float = 0.0,
        keepdims: _builtins.bool = False) -> Any:
    """The variance over `axis`, dividing by N - correction."""
    return _C.var(x, axis, correction, keepdims, False)


def std(x: Any, /, axis: Axis = None, *, correction: float = 0.0,
        keepdims: _builtins.bool = False) -> Any:
    """The standard deviation over `axis`, dividing by N - correction."""
    return _C.var(x, axis, correction, keepdims, True)


def max(x: Any, /, axis: Axis = None, *,  # noqa: A001
        keepdims: _builtins.bool = False) -> Any:
    """The largest element over `axis`; NaN propagates; an empty axis
    raises ValueError. The gradient is split evenly among tied maxima."""
    return _C.reduce(_MAX, x, axis, keepdims, -1)


def min(x: Any, /, axis: Axis = None, *,  # noqa: A001
        keepdims: _builtins.bool = False) -> Any:
    """The smallest element over `axis`; NaN propagates; an empty axis
    raises ValueError. The gradient is split evenly among tied minima."""
    return _C.reduce(_MIN, x, axis, keepdims, -1)


def argmax(x: Any, /, axis: int | None = None, *,
           keepdims: _builtins.bool = False) -> Any:
    """The int64 index of the first largest element along `axis` (of the
    flattened tensor when None); the first NaN counts as largest."""
    return _C.argreduce(True, x, axis, keepdims)


def argmin(x: Any, /, axis: int | None = None, *,
           keepdims: _builtins.bool = False) -> Any:
    """The int64 index of the first smallest element along `axis` (of the
    flattened tensor when None); the first NaN counts as smallest."""
    return _C.argreduce(False, x, axis, keepdims)


def all(x: Any, /, axis: Axis = None, *,  # noqa: A001
        keepdims: _builtins.bool = False) -> Any:
    """Whether every element over `axis` is nonzero (a bool tensor)."""
    return _C.reduce(_ALL, x, axis, keepdims, -1)


def any(x: Any, /, axis: Axis = None, *,  # noqa: A001
        keepdims: _builtins.bool = False) -> Any:
    """Whether some element over `axis` is nonzero (a bool tensor)."""
    return _C.reduce(_ANY, x, axis, keepdims, -1)


def cumulative_sum(x: Any, /, axis: int | None = None, *, dtype: Any = None,
                   include_initial: _builtins.bool = False) -> Any:
    """The running sums along `axis` (optional for 1-D x); with
    `include_initial` a zero comes first. Dtypes as for `sum`."""
    return _C.cumulative_sum(x, axis, include_initial, _code(dtype, "cumulative_sum"))


__all__ = ["sum", "prod", "mean", "var", "std", "max", "min", "argmax", "argmin",
           "all", "any", "cumulative_sum"]
