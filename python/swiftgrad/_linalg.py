"""Products: matmul, tensordot, vecdot, einsum, and the linalg extension
(`swiftgrad.linalg`: matmul, tensordot, vecdot, outer, matrix_transpose).

Each calls the C ABI (sg_matmul, sg_tensordot, sg_vecdot, sg_einsum,
sg_outer); all are differentiable.

    >>> swiftgrad.einsum("ij,jk->ik", a, b)    # a @ b
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import _swiftgrad as _C


class LinAlgError(ValueError):
    """A linear-algebra failure, such as a singular matrix (NumPy's
    numpy.linalg.LinAlgError, also a ValueError)."""


def matmul(x1: Any, x2: Any, /) -> Any:
    """numpy.matmul: stacks of matrices whose leading axes broadcast; a 1-D
    operand is a vector whose axis leaves the result."""
    return _C.matmul(x1, x2)


def tensordot(x1: Any, x2: Any, /, *,
              axes: int | tuple[Sequence[int], Sequence[int]] = 2) -> Any:
    """numpy.tensordot: an int contracts the last `axes` axes of x1 with the
    first of x2; a pair of sequences names the axes to contract."""
    if isinstance(axes, int):
        n1 = _C.asarray(x1, -1).ndim
        if axes < 0:
            raise ValueError(f"[tensordot] axes must be non-negative, got {axes}")
        return _C.tensordot(x1, x2, tuple(range(n1 - axes, n1)), tuple(range(axes)))
    try:
        a1, a2 = axes
    except (TypeError, ValueError):
        raise TypeError("[tensordot] axes must be an int or a pair of sequences") from None
    a1 = (a1,) if isinstance(a1, int) else tuple(a1)
    a2 = (a2,) if isinstance(a2, int) else tuple(a2)
    return _C.tensordot(x1, x2, a1, a2)


def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """The dot product of conj(x1) and x2 along `axis`, broadcasting the
    other axes (the Array API's vecdot)."""
    return _C.vecdot(x1, x2, axis)


def einsum(subscripts: str, /, *operands: Any) -> Any:
    """numpy.einsum with letter labels, explicit ('ij,jk->ik') or implicit
    ('ij,jk') output; lowered to permutations, sums and matrix products,
    so it is differentiable."""
    return _C.einsum(subscripts, operands)


def outer(x1: Any, x2: Any, /) -> Any:
    """The outer product of two 1-D tensors."""
    return _C.outer(x1, x2)


def matrix_transpose(x: Any, /) -> Any:
    """The last two axes swapped (a view)."""
    x = _C.asarray(x, -1)
    if x.ndim < 2:
        raise ValueError(f"[matrix_transpose] needs at least 2 dimensions, got shape {x.shape}")
    axes = list(range(x.ndim))
    axes[-2], axes[-1] = axes[-1], axes[-2]
    return _C.permute_dims(x, tuple(axes))


__all__ = ["matmul", "tensordot", "vecdot", "einsum", "matrix_transpose"]
