"""Products (matmul, tensordot, vecdot, einsum) and the Array API's linalg
extension (`swiftgrad.linalg`).

Each calls the C ABI (sg_matmul, sg_tensordot, sg_einsum, sg_linalg,
sg_linalg_factors, sg_linalg_solve, ...). Factorizations run through OpenBLAS's LAPACK in
float32, float64, complex64 and complex128, batched over leading axes;
all of them are differentiable (eigh and svd for losses that do not
depend on the eigen/singular vectors' signs or phases, svd with
full_matrices=True and qr with mode='complete' for losses that do not
depend on the choice of the extra columns).

    >>> swiftgrad.einsum("ij,jk->ik", a, b)    # a @ b
    >>> swiftgrad.linalg.solve(A, b)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TypeVar

from . import _dtypes
from . import _swiftgrad as _C


class LinAlgError(ValueError):
    """A linear-algebra failure, such as a singular matrix (NumPy's
    numpy.linalg.LinAlgError, also a ValueError)."""


# Messages of the core that mean the matrix, not the call, is at fault.
_FAILURES = ("singular matrix", "not positive definite", "did not converge")

F = TypeVar("F", bound=Callable[..., Any])


def _raises_linalg_error(function: F) -> F:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except ValueError as error:
            if not isinstance(error, LinAlgError) and any(f in str(error) for f in _FAILURES):
                raise LinAlgError(str(error)) from None
            raise
    return wrapper  # type: ignore[return-value]


# The numbers of sg_linalg_op.
(_INV, _DET, _SLOGDET_SIGN, _SLOGDET_LOG, _CHOLESKY, _CHOLESKY_UPPER, _EIGVALSH,
 _EIGH_VECTORS, _SVDVALS, _SVD_U, _SVD_VH, _SVD_U_FULL, _SVD_VH_FULL, _QR_Q, _QR_R,
 _QR_Q_COMPLETE, _QR_R_COMPLETE) = range(17)


class SlogdetResult(NamedTuple):
    sign: Any
    logabsdet: Any


class EighResult(NamedTuple):
    eigenvalues: Any
    eigenvectors: Any


class SVDResult(NamedTuple):
    U: Any
    S: Any
    Vh: Any


class QRResult(NamedTuple):
    Q: Any
    R: Any


@_raises_linalg_error
def inv(x: Any, /) -> Any:
    """The inverse of each square matrix; LinAlgError when singular."""
    return _C.linalg(_INV, x)


@_raises_linalg_error
def det(x: Any, /) -> Any:
    """The determinant of each square matrix."""
    return _C.linalg(_DET, x)


@_raises_linalg_error
def slogdet(x: Any, /) -> SlogdetResult:
    """(sign, log|det|) of each square matrix; (0, -inf) when singular."""
    return SlogdetResult(*_C.linalg_factors((_SLOGDET_SIGN, _SLOGDET_LOG), x))


@_raises_linalg_error
def cholesky(x: Any, /, *, upper: bool = False) -> Any:
    """The Cholesky factor of each symmetric positive-definite matrix (lower
    L with x = L L^T, or L^T when `upper`); LinAlgError otherwise."""
    return _C.linalg(_CHOLESKY_UPPER if upper else _CHOLESKY, x)


@_raises_linalg_error
def eigh(x: Any, /) -> EighResult:
    """Eigenvalues (ascending, real) and eigenvectors (columns) of each
    symmetric or Hermitian matrix, read from its lower triangle; NaN
    throughout when that holds NaN or infinity."""
    return EighResult(*_C.linalg_factors((_EIGVALSH, _EIGH_VECTORS), x))


@_raises_linalg_error
def eigvalsh(x: Any, /) -> Any:
    """The eigenvalues (ascending, real) of each symmetric or Hermitian matrix."""
    return _C.linalg(_EIGVALSH, x)


@_raises_linalg_error
def svd(x: Any, /, *, full_matrices: bool = True) -> SVDResult:
    """U, S (descending, real) and Vh with x = U diag(S) Vh for each matrix.
    LinAlgError when a matrix holds NaN; NaNs when it holds infinities (as
    NumPy)."""
    u, vh = (_SVD_U_FULL, _SVD_VH_FULL) if full_matrices else (_SVD_U, _SVD_VH)
    return SVDResult(*_C.linalg_factors((u, _SVDVALS, vh), x))


@_raises_linalg_error
def svdvals(x: Any, /) -> Any:
    """The singular values (descending) of each matrix."""
    return _C.linalg(_SVDVALS, x)


@_raises_linalg_error
def qr(x: Any, /, *, mode: str = "reduced") -> QRResult:
    """Q (orthonormal columns) and R (upper triangular) of each matrix;
    mode 'complete' makes Q square."""
    if mode not in ("reduced", "complete"):
        raise ValueError(f"[qr] mode must be 'reduced' or 'complete', not {mode!r}")
    if mode == "complete":
        return QRResult(*_C.linalg_factors((_QR_Q_COMPLETE, _QR_R_COMPLETE), x))
    return QRResult(*_C.linalg_factors((_QR_Q, _QR_R), x))


@_raises_linalg_error
def solve(x1: Any, x2: Any, /) -> Any:
    """X with x1 @ X = x2: x1 (..., n, n), x2 (..., n, k) or (n,); batch
    axes broadcast. LinAlgError when x1 is singular."""
    return _C.linalg_solve(x1, x2)


def vector_norm(x: Any, /, *, axis: int | tuple[int, ...] | None = None,
                keepdims: bool = False, ord: float = 2) -> Any:
    """The ord-norm of vectors along `axis` (all axes by default)."""
    return _C.vector_norm(x, axis, keepdims, float(ord))


@_raises_linalg_error
def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Any:
    """The norm of each matrix: 'fro', 'nuc', 1, -1, 2, -2, inf or -inf."""
    if isinstance(ord, str):
        name = ord
    elif ord in (math.inf, -math.inf):
        name = "inf" if ord > 0 else "-inf"
    elif ord in (1, -1, 2, -2):
        name = str(int(ord))
    else:
        raise ValueError(f"[matrix_norm] unknown order {ord!r}")
    return _C.matrix_norm(x, name, keepdims)


def diagonal(x: Any, /, *, offset: int = 0) -> Any:
    """The diagonal at `offset` of each matrix (a view)."""
    return _C.diagonal(x, offset)


def trace(x: Any, /, *, offset: int = 0, dtype: Any = None) -> Any:
    """The sum of the diagonal at `offset` of each matrix."""
    return _C.trace(x, offset, -1 if dtype is None else _dtypes.as_dtype(dtype, "trace")._code)


@_raises_linalg_error
def matrix_power(x: Any, n: int, /) -> Any:
    """Each square matrix to the integer power n (negative: its inverse's)."""
    return _C.matrix_power(x, n)


@_raises_linalg_error
def pinv(x: Any, /, *, rtol: float | None = None) -> Any:
    """The Moore-Penrose pseudo-inverse of each matrix."""
    return _C.pinv(x, rtol, False)


@_raises_linalg_error
def matrix_rank(x: Any, /, *, rtol: float | None = None) -> Any:
    """The number of singular values above rtol times the largest."""
    return _C.pinv(x, rtol, True)


def cross(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """The cross product of 3-vectors along `axis` (negative)."""
    return _C.cross(x1, x2, axis)


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
    ('ij,jk') output, repeated labels for diagonals and traces ('ii'), and
    '...' for leading axes of equal lengths; lowered to permutations,
    diagonals, sums and matrix products, so it is differentiable."""
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


__all__ = ["LinAlgError", "matmul", "tensordot", "vecdot", "einsum", "outer",
           "matrix_transpose", "inv", "det", "slogdet", "cholesky", "eigh", "eigvalsh",
           "svd", "svdvals", "qr", "solve", "vector_norm", "matrix_norm", "diagonal",
           "trace", "matrix_power", "pinv", "matrix_rank", "cross"]
