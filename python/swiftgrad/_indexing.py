"""Views, indexing and joining: the Array API's manipulation functions,
`take`, `where` and `nonzero`, over the C ABI's sg_reshape, sg_index_get,
sg_concat and their neighbours. `x[key]` and `x[key] = v` are parsed in
the C extension (_swiftgrad.c), which keeps `x[i]` and `x[:, 1]` fast."""

from __future__ import annotations

import builtins as _builtins
from collections.abc import Sequence
from typing import Any

from . import _swiftgrad as _C
from ._tensor import Tensor

__all__ = [
    "reshape", "expand_dims", "squeeze", "broadcast_to", "broadcast_arrays",
    "matrix_transpose", "moveaxis", "flip", "take", "where", "nonzero",
    "concat", "stack", "unstack", "roll", "repeat", "tile",
]

Shape = Sequence[int]


def reshape(x: Any, /, shape: int | Shape, *, copy: _builtins.bool | None = None) -> Tensor:
    """`x`'s elements in row-major order seen as `shape` (one length may be
    -1). A view where strides allow; copy=True always copies, copy=False
    raises ValueError instead of copying.

        >>> swiftgrad.reshape(swiftgrad.asarray([1, 2, 3, 4]), (2, -1))
        array([[1, 2],
               [3, 4]])
    """
    return _C.reshape(x, shape, copy)


def expand_dims(x: Any, /, *, axis: int = 0) -> Tensor:
    """`x` with a length-1 axis inserted at `axis` (a view)."""
    return _C.expand_dims(x, axis)


def squeeze(x: Any, /, axis: int | tuple[int, ...]) -> Tensor:
    """`x` without the length-1 axes `axis` (a view)."""
    return _C.squeeze(x, axis)


def broadcast_to(x: Any, /, shape: Shape) -> Tensor:
    """`x` broadcast to `shape` by NumPy's rules (a view)."""
    return _C.broadcast_to(x, shape)


def broadcast_arrays(*arrays: Any) -> list[Tensor]:
    """The arrays broadcast against each other (views)."""
    return list(_C.broadcast_arrays(arrays))


def matrix_transpose(x: Any, /) -> Tensor:
    """`x` with its last two axes swapped (a view)."""
    return _C.matrix_transpose(x)


def moveaxis(x: Any, source: int | tuple[int, ...],
             destination: int | tuple[int, ...], /) -> Tensor:
    """`x` with axes `source` moved to `destination` (a view)."""
    return _C.moveaxis(x, source, destination)


def flip(x: Any, /, *, axis: int | tuple[int, ...] | None = None) -> Tensor:
    """`x` reversed along `axis` (all axes by default): a view with
    negative strides."""
    return _C.flip(x, axis)


def take(x: Any, indices: Any, /, *, axis: int | None = None) -> Tensor:
    """The elements of `x` at integer `indices` along `axis` (of the
    flattened `x` when None). Its gradient adds into repeated indices."""
    return _C.take(x, indices, axis)


def where(condition: Any, x1: Any, x2: Any, /) -> Tensor:
    """`x1` where `condition` is true, else `x2`; all three broadcast, and
    `x1`, `x2` promote to a common dtype. Differentiable in x1 and x2."""
    return _C.where(condition, x1, x2)


def nonzero(x: Any, /) -> tuple[Tensor, ...]:
    """The coordinates of the nonzero elements, one int64 tensor per axis."""
    return _C.nonzero(x)


def concat(arrays: Sequence[Any], /, *, axis: int | None = 0) -> Tensor:
    """The arrays joined along `axis` (flattened first when None), promoted
    to a common dtype."""
    return _C.concat(arrays, axis)


def stack(arrays: Sequence[Any], /, *, axis: int = 0) -> Tensor:
    """The arrays, of one shape, joined along a new axis."""
    return _C.stack(arrays, axis)


def unstack(x: Any, /, *, axis: int = 0) -> tuple[Tensor, ...]:
    """The slices of `x` along `axis` (views)."""
    return _C.unstack(x, axis)


def roll(x: Any, /, shift: int | tuple[int, ...], *,
         axis: int | tuple[int, ...] | None = None) -> Tensor:
    """`x` shifted by `shift` along `axis`, wrapping around (the flattened
    `x` when axis is None)."""
    return _C.roll(x, shift, axis)


def repeat(x: Any, repeats: int | Any, /, *, axis: int | None = None) -> Tensor:
    """Each element repeated `repeats` times (an int, or one count per
    element) along `axis` (of the flattened `x` when None)."""
    return _C.repeat(x, repeats, axis)


def tile(x: Any, repetitions: Shape, /) -> Tensor:
    """`x` repeated `repetitions[i]` times along each axis."""
    return _C.tile(x, repetitions)


def _dynamic_getitem(x: Tensor, key: Any) -> Tensor:
    """`x[key]` where some slice has a tensor bound (a 0-d integer tensor,
    often symbolic: Theano's minibatch idiom `data[i * n:(i + 1) * n]`).
    Those slices are taken first with sg_slice_dynamic, which keeps the
    rank, then the rest of the key as usual."""
    items = list(key) if type(key) is tuple else [key]

    def width(item: Any) -> int:  # the axes of x an entry uses
        if item is None or item is Ellipsis:
            return 0
        if isinstance(item, Tensor) and item.dtype.name == "bool":
            return item.ndim
        return 1

    used = _builtins.sum(width(item) for item in items)
    axis = 0
    for i, item in enumerate(items):
        if item is Ellipsis:
            axis += x.ndim - used
            continue
        if isinstance(item, slice) and (isinstance(item.start, Tensor) or isinstance(item.stop, Tensor)):
            if item.step is not None and not isinstance(item.step, int):
                raise TypeError(f"[index] slice step must be an int or None, not {type(item.step).__name__}")
            x = _C.slice_dynamic(x, axis, item.start, item.stop, 1 if item.step is None else item.step)
            items[i] = slice(None)
        axis += width(item)
    return x[tuple(items)]
