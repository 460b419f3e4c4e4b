"""swiftgrad.Tensor: the Python face of the C type _swiftgrad._Tensor."""

from __future__ import annotations

import math
from typing import Any

from . import _dtypes, _reductions
from . import _swiftgrad as _C
from ._dtypes import DType

_KIND_NAMES = {
    _C.KIND_PLACEHOLDER: "symbolic",
    _C.KIND_SYMBOLIC: "symbolic",
    _C.KIND_SHARED: "shared",
}


class Tensor(_C._Tensor):
    """An n-dimensional array of one of swiftgrad's dtypes (bool, signed and
    unsigned integers, float32, float64, complex64, complex128).

    A tensor either holds a value (a NumPy-like array) or is symbolic: an
    expression over placeholders and shared variables that a compiled
    function evaluates. Operators, broadcasting and dtype promotion follow
    the Array API; Python numbers take the dtype of the tensor they meet
    where their kind fits (x * 2 keeps float32, int32 * 0.5 is float64).

        >>> x = swiftgrad.asarray([[1.0, 2.0], [3.0, 4.0]])
        >>> x.requires_grad = True
        >>> (x * x).sum().backward()
        >>> x.grad
        array([[2., 4.],
               [6., 8.]])

    Tensors are immutable (shared variables change only through set_value
    and function updates), so numpy.asarray(t) shares their memory
    read-only. Comparisons give bool tensors; hashing is by identity, so
    tensors can be dict keys.
    """

    __slots__ = ()

    # ndarray + tensor and numpy ufuncs defer to the tensor's operators.
    __array_ufunc__ = None

    def __new__(cls, data: Any, dtype: Any = None) -> Tensor:
        return super().__new__(cls, data, _dtypes.code(dtype, "Tensor"))

    # ---- attributes

    @property
    def dtype(self) -> DType:
        """The element type, such as swiftgrad.float64."""
        return _dtypes.from_code(self._dtype)

    @property
    def size(self) -> int | None:
        """The number of elements; None if a length is not known yet."""
        shape = self.shape
        return None if None in shape else math.prod(shape)  # type: ignore[arg-type]

    @property
    def T(self) -> Tensor:
        """The tensor with its axes reversed (the transpose of a matrix)."""
        return _C.permute_dims(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def device(self) -> str:
        return "cpu"

    # ---- methods

    def sum(self, axis: int | tuple[int, ...] | None = None,
            keepdims: bool = False, dtype: Any = None) -> Tensor:
        """The sum over `axis` (all axes by default); integers and bools sum
        to int64 (uint64 for unsigned) unless `dtype` says otherwise."""
        return _reductions.sum(self, axis=axis, keepdims=keepdims, dtype=dtype)

    def mean(self, axis: int | tuple[int, ...] | None = None,
             keepdims: bool = False, dtype: Any = None) -> Tensor:
        """The mean over `axis` (all axes by default) of a floating tensor."""
        return _reductions.mean(self, axis=axis, keepdims=keepdims, dtype=dtype)

    # ---- reductions as methods (NumPy's spellings; see _reductions.py)

    def prod(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False,
             dtype: Any = None) -> Tensor:
        """The product over `axis` (all axes by default)."""
        return _reductions.prod(self, axis=axis, keepdims=keepdims, dtype=dtype)

    def max(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """The largest element over `axis`; NaN propagates."""
        return _reductions.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """The smallest element over `axis`; NaN propagates."""
        return _reductions.min(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """The index of the first largest element along `axis`."""
        return _reductions.argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """The index of the first smallest element along `axis`."""
        return _reductions.argmin(self, axis=axis, keepdims=keepdims)

    def all(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Whether every element over `axis` is nonzero."""
        return _reductions.all(self, axis=axis, keepdims=keepdims)

    def any(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Whether some element over `axis` is nonzero."""
        return _reductions.any(self, axis=axis, keepdims=keepdims)

    def var(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False,
            correction: float = 0.0) -> Tensor:
        """The variance over `axis`, dividing by N - correction."""
        return _reductions.var(self, axis=axis, keepdims=keepdims, correction=correction)

    def std(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False,
            correction: float = 0.0) -> Tensor:
        """The standard deviation over `axis`, dividing by N - correction."""
        return _reductions.std(self, axis=axis, keepdims=keepdims, correction=correction)

    # ---- end reductions as methods

    def astype(self, dtype: Any, /, *, copy: bool = True) -> Tensor:
        """The tensor converted to `dtype`."""
        return _C.astype(self, _dtypes.as_dtype(dtype, "astype")._code)

    def numpy(self) -> Any:
        """A read-only NumPy array sharing the tensor's memory."""
        return self.__array__()

    # ---- interoperability

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Any:
        import numpy

        array = numpy.asarray(memoryview(self))
        if dtype is not None and array.dtype != dtype:
            if copy is False:
                raise ValueError(
                    f"converting {self.dtype} to {dtype} needs a copy")
            return array.astype(dtype)
        return array.copy() if copy else array

    def __array_namespace__(self, *, api_version: str | None = None) -> Any:
        import swiftgrad

        return swiftgrad

    # ---- printing (numpy's rules; _printing loads on first use)

    def __repr__(self) -> str:
        if self._kind != _C.KIND_VALUE:
            return self._describe()
        from . import _printing

        return _printing.array_repr(self, self.requires_grad)

    def __str__(self) -> str:
        if self._kind != _C.KIND_VALUE:
            return self._describe()
        from . import _printing

        return _printing.array_str(self)

    def _describe(self) -> str:
        shape = "(" + ", ".join(map(str, self.shape)) + ("," if self.ndim == 1 else "") + ")"
        text = (f"Tensor({_KIND_NAMES[self._kind]}, shape={shape}, "
                f"dtype={self.dtype}")
        if self.name is not None:
            text += f", name={self.name!r}"
        return text + ")"


_C._set_tensor_class(Tensor)
