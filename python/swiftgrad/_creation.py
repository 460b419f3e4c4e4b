"""The Array API's creation functions (2023.12): asarray, zeros, ones,
empty, full and their _like forms, arange, linspace, eye, meshgrid, tril
and triu. Defaults follow the standard: float64 for real numbers, int64
for integers, complex128 for complex numbers; `device` may be None or
"cpu"; `requires_grad=True` marks a floating result as a parameter.
"""

from __future__ import annotations

import builtins
import operator
from collections.abc import Sequence
from typing import Any

from . import _dtypes
from . import _swiftgrad as _C
from ._tensor import Tensor

Shape = int | Sequence[int]

_INT64_MAX = 2**63 - 1


def _check_device(device: Any, op: str) -> None:
    if device is not None and device != "cpu":
        raise ValueError(f"[{op}] unknown device {device!r}; swiftgrad has 'cpu'")


def _finish(t: Tensor, requires_grad: builtins.bool) -> Tensor:
    if requires_grad:
        t.requires_grad = True
    return t


def _shape(shape: Any) -> Any:
    # The extension reads an int or a sequence of ints (NumPy integers too).
    return shape


def _is_float(x: Any) -> builtins.bool:
    return isinstance(x, float) or (not isinstance(x, (int, complex)) and hasattr(x, "__float__")
                                    and not hasattr(x, "__index__"))


# ---------------------------------------------------------------- asarray

def asarray(obj: Any, /, *, dtype: Any = None, device: Any = None,
            copy: builtins.bool | None = None,
            requires_grad: builtins.bool = False) -> Tensor:
    """A tensor holding `obj`: a Tensor, a nested list of numbers, a number,
    or any buffer-protocol object such as a NumPy array (keeping its
    dtype). Python data becomes bool, int64, float64 or complex128 by what
    it holds, unless `dtype` says otherwise.

    `copy`: True always copies; None copies only when needed; False never
    copies and raises ValueError when a copy would be needed. Buffers in
    native byte order share their memory with the tensor, as np.asarray
    does (read-only buffers give read-only tensors); Python data is always
    copied into swiftgrad's memory.

        >>> swiftgrad.asarray([[1, 2], [3, 4]], dtype="float32")
        array([[1., 2.],
               [3., 4.]], dtype=float32)
    """
    _check_device(device, "asarray")
    want = None if dtype is None else _dtypes.as_dtype(dtype, "asarray")
    if isinstance(obj, Tensor):
        if want is None or want == obj.dtype:
            result = _copy(obj) if copy else obj
        elif copy is False:
            raise ValueError(f"[asarray] converting {obj.dtype} to {want} needs a copy, "
                             "and copy=False")
        else:
            result = _C.astype(obj, want._code)
    else:
        mode = -1 if copy is None else int(copy)
        try:
            result = _C.asarray(obj, -1 if want is None else want._code, mode)
        except ValueError:
            if copy is False:
                raise
            # Sequences of arrays (NumPy's np.asarray([a, b])): as nested
            # lists, in the arrays' common dtype.
            found: list[Any] = []
            lists = _arrays_as_lists(obj, found)
            if not found:
                raise
            if want is None:
                want = _dtypes.result_type(*found)
            result = _C.asarray(lists, want._code)
    return _finish(result, requires_grad)


def _arrays_as_lists(obj: Any, found: list[Any]) -> Any:
    """obj with every array in it (tensors, buffers of 1 or more
    dimensions) replaced by nested lists; the arrays' dtypes go to found."""
    if isinstance(obj, (list, tuple)):
        return [_arrays_as_lists(item, found) for item in obj]
    if isinstance(obj, (str, bytes, bytearray)):
        return obj
    if not isinstance(obj, Tensor):
        try:
            memoryview(obj)
        except TypeError:
            return obj
        obj = _C.asarray(obj, -1)
    found.append(obj.dtype)
    return obj.tolist()


def _copy(t: Tensor) -> Tensor:
    """A tensor with its own copy of t's value (symbolic tensors have none)."""
    if t._kind != _C.KIND_VALUE:
        return t
    return _C.asarray(memoryview(t), t._dtype, 1)


# ------------------------------------------------------------- constants

def _fill(kind: int, op: str, shape: Shape, dtype: Any, device: Any,
          requires_grad: builtins.bool) -> Tensor:
    _check_device(device, op)
    code = _dtypes.code("float64" if dtype is None else dtype, op)
    return _finish(_C._fill(kind, _shape(shape), code), requires_grad)


def zeros(shape: Shape, *, dtype: Any = None, device: Any = None,
          requires_grad: builtins.bool = False) -> Tensor:
    """A tensor of zeros (float64 unless `dtype` says otherwise)."""
    return _fill(0, "zeros", shape, dtype, device, requires_grad)


def ones(shape: Shape, *, dtype: Any = None, device: Any = None,
         requires_grad: builtins.bool = False) -> Tensor:
    """A tensor of ones (float64 unless `dtype` says otherwise)."""
    return _fill(1, "ones", shape, dtype, device, requires_grad)


def empty(shape: Shape, *, dtype: Any = None, device: Any = None,
          requires_grad: builtins.bool = False) -> Tensor:
    """A tensor whose values are not specified (float64 by default)."""
    return _fill(2, "empty", shape, dtype, device, requires_grad)


def full(shape: Shape, fill_value: Any, *, dtype: Any = None, device: Any = None,
         requires_grad: builtins.bool = False) -> Tensor:
    """A tensor of `fill_value`; its dtype defaults to bool, int64, float64
    or complex128 by the value's kind.

        >>> swiftgrad.full((2,), 7)
        array([7, 7])
    """
    _check_device(device, "full")
    value = asarray(fill_value, dtype=dtype)
    if value.ndim != 0:
        raise TypeError(f"[full] fill_value must be a scalar, got shape {value.shape}")
    return _finish(_C._full(_shape(shape), value), requires_grad)


def _like(op: str, x: Any, fill_value: Any, dtype: Any, device: Any,
          requires_grad: builtins.bool) -> Tensor:
    """A tensor of x's shape; for a symbolic x, a symbolic one whose shape
    is read when a compiled function runs."""
    _check_device(device, op)
    if not isinstance(x, Tensor):
        x = asarray(x)
    value = asarray(fill_value, dtype=x.dtype if dtype is None else dtype)
    if value.ndim != 0:
        raise TypeError(f"[{op}] fill_value must be a scalar, got shape {value.shape}")
    if x._kind == _C.KIND_VALUE:
        # A new leaf, outside any graph x belongs to.
        return _finish(_C._full(x.shape, value), requires_grad)
    return _finish(_C._full_like(x, value), requires_grad)


def zeros_like(x: Any, /, *, dtype: Any = None, device: Any = None,
               requires_grad: builtins.bool = False) -> Tensor:
    return _like("zeros_like", x, 0, dtype, device, requires_grad)


def ones_like(x: Any, /, *, dtype: Any = None, device: Any = None,
              requires_grad: builtins.bool = False) -> Tensor:
    return _like("ones_like", x, 1, dtype, device, requires_grad)


def empty_like(x: Any, /, *, dtype: Any = None, device: Any = None,
               requires_grad: builtins.bool = False) -> Tensor:
    return _like("empty_like", x, 0, dtype, device, requires_grad)


def full_like(x: Any, /, fill_value: Any, *, dtype: Any = None, device: Any = None,
              requires_grad: builtins.bool = False) -> Tensor:
    """A tensor of x's shape filled with fill_value, in x's dtype unless
    `dtype` says otherwise."""
    return _like("full_like", x, fill_value, dtype, device, requires_grad)


# ----------------------------------------------------------------- ranges

def arange(start: Any, /, stop: Any = None, step: Any = 1, *, dtype: Any = None,
           device: Any = None, requires_grad: builtins.bool = False) -> Tensor:
    """start, start + step, ... below stop: ceil((stop - start) / step)
    values, int64 for int arguments and float64 otherwise.

        >>> swiftgrad.arange(5)
        array([0, 1, 2, 3, 4])
    """
    _check_device(device, "arange")
    if stop is None:
        start, stop = 0, start
    args = (start, stop, step)
    if builtins.any(isinstance(a, Tensor) for a in args):
        # Bounds read when the graph runs (Theano's T.arange(x.shape[0])).
        floats = builtins.any(_is_float(a) or isinstance(a, Tensor) and a.dtype.kind == "real floating"
                              for a in args)
        want = _dtypes.as_dtype(dtype if dtype is not None else ("float64" if floats else "int64"), "arange")
        return _finish(_C._arange_dynamic(*args, want._code), requires_grad)
    for a in args:
        if isinstance(a, complex) or not isinstance(a, (int, float)) and not hasattr(a, "__float__"):
            raise TypeError(f"[arange] arguments must be real numbers, not {type(a).__name__}")
    floats = builtins.any(_is_float(a) for a in args)
    want = _dtypes.as_dtype(dtype if dtype is not None else ("float64" if floats else "int64"),
                            "arange")
    if floats or want.kind not in ("signed integer", "unsigned integer"):
        return _finish(_C._arange(*map(float, args), _dtypes.float64._code, want._code),
                       requires_grad)
    ints = [operator.index(a) for a in args]
    wide = builtins.any(a > _INT64_MAX for a in ints)
    if wide and builtins.any(a < 0 for a in ints):
        raise ValueError("[arange] arguments span more than 64 bits")
    argtype = _dtypes.uint64 if wide else _dtypes.int64
    return _finish(_C._arange(*ints, argtype._code, want._code), requires_grad)


def linspace(start: Any, stop: Any, /, num: int, *, dtype: Any = None, device: Any = None,
             endpoint: builtins.bool = True, requires_grad: builtins.bool = False) -> Tensor:
    """`num` evenly spaced values from start to stop (included unless
    endpoint=False); float64, or complex128 for complex endpoints."""
    _check_device(device, "linspace")
    is_complex = isinstance(start, complex) or isinstance(stop, complex)
    want = _dtypes.as_dtype(dtype if dtype is not None else ("complex128" if is_complex else "float64"),
                            "linspace")
    argtype = _dtypes.complex128 if is_complex else _dtypes.float64
    convert = complex if is_complex else float
    return _finish(_C._linspace(convert(start), convert(stop), argtype._code, num, endpoint,
                                want._code), requires_grad)


def eye(n_rows: int, n_cols: int | None = None, /, *, k: int = 0, dtype: Any = None,
        device: Any = None, requires_grad: builtins.bool = False) -> Tensor:
    """Ones on diagonal k of an n_rows x n_cols matrix, zeros elsewhere."""
    _check_device(device, "eye")
    code = _dtypes.code("float64" if dtype is None else dtype, "eye")
    return _finish(_C._eye(n_rows, n_rows if n_cols is None else n_cols, k, code), requires_grad)


# ------------------------------------------------------- grids, triangles

def meshgrid(*arrays: Any, indexing: str = "xy") -> list[Tensor]:
    """Coordinate grids of 1-D arrays (one dtype): with indexing="ij" array
    i runs along axis i; "xy" (Cartesian) swaps the first two axes.
    Differentiable."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"[meshgrid] indexing must be 'xy' or 'ij', not {indexing!r}")
    return _C._meshgrid(list(arrays), indexing == "ij")


def tril(x: Any, /, *, k: int = 0) -> Tensor:
    """The lower triangle of the last two axes (diagonal k and below);
    zeros above. Differentiable."""
    return _C._tri(x, k, False)


def triu(x: Any, /, *, k: int = 0) -> Tensor:
    """The upper triangle of the last two axes (diagonal k and above)."""
    return _C._tri(x, k, True)


__all__ = ["asarray", "zeros", "ones", "empty", "full", "zeros_like", "ones_like",
           "empty_like", "full_like", "arange", "linspace", "eye", "meshgrid", "tril", "triu"]
