"""The Array API's sorting, searching and set functions: sort, argsort,
searchsorted and the four unique_* functions."""

from __future__ import annotations

import builtins
from typing import Any, NamedTuple

from . import _swiftgrad as _C
from ._tensor import Tensor


def sort(x: Any, /, *, axis: int = -1, descending: builtins.bool = False,
         stable: builtins.bool = True) -> Tensor:
    """x sorted along `axis`. The sort is always stable; NaNs go last
    (first when descending). Differentiable: the gradient goes back through
    the permutation.

        >>> swiftgrad.sort(swiftgrad.asarray([3.0, 1.0, 2.0]))
        array([1., 2., 3.])
    """
    return _C._sort(x, axis, descending, False)


def argsort(x: Any, /, *, axis: int = -1, descending: builtins.bool = False,
            stable: builtins.bool = True) -> Tensor:
    """The int64 indices that sort x along `axis` (stably)."""
    return _C._sort(x, axis, descending, True)


def searchsorted(x1: Any, x2: Any, /, *, side: str = "left", sorter: Any = None) -> Tensor:
    """For each element of x2, the index (int64) at which inserting it into
    the sorted 1-D x1 keeps the order: before equal elements for
    side="left", after them for "right". With `sorter` (indices that sort
    x1), x1 need not be sorted."""
    if side not in ("left", "right"):
        raise ValueError(f"[searchsorted] side must be 'left' or 'right', not {side!r}")
    if sorter is not None:
        # Any sorting permutation gives the same sorted values.
        x1 = sort(x1)
    return _C._searchsorted(x1, x2, side == "right")


class UniqueAllResult(NamedTuple):
    values: Tensor
    indices: Tensor
    inverse_indices: Tensor
    counts: Tensor


class UniqueCountsResult(NamedTuple):
    values: Tensor
    counts: Tensor


class UniqueInverseResult(NamedTuple):
    values: Tensor
    inverse_indices: Tensor


def unique_all(x: Any, /) -> UniqueAllResult:
    """The distinct values of x (sorted; each NaN is distinct), the flat
    index of each one's first occurrence, each element's index into values
    (x's shape) and the counts. The values are differentiable: each one's
    gradient goes to its first occurrence."""
    return UniqueAllResult(*_C._unique_all(x))


def unique_counts(x: Any, /) -> UniqueCountsResult:
    values, _, _, counts = _C._unique_all(x)
    return UniqueCountsResult(values, counts)


def unique_inverse(x: Any, /) -> UniqueInverseResult:
    values, _, inverse, _ = _C._unique_all(x)
    return UniqueInverseResult(values, inverse)


def unique_values(x: Any, /) -> Tensor:
    return _C._unique_all(x)[0]


__all__ = ["sort", "argsort", "searchsorted", "unique_all", "unique_counts",
           "unique_inverse", "unique_values"]
