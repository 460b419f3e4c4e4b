"""The element types: swiftgrad.float32 and swiftgrad.float64."""

from __future__ import annotations

from typing import Any

from . import _swiftgrad as _C


class DType:
    """A tensor element type.

    There is one object per type, so ``is`` works; it also compares equal to
    its name and to NumPy's dtype and scalar type of the same name:

        >>> swiftgrad.float64 == "float64", swiftgrad.float64 == numpy.float64
        (True, True)
    """

    __slots__ = ("name", "itemsize", "_code")

    def __init__(self, name: str, itemsize: int, code: int) -> None:
        self.name = name
        self.itemsize = itemsize
        self._code = code

    def __repr__(self) -> str:
        return f"swiftgrad.{self.name}"

    def __str__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DType):
            return self is other
        if isinstance(other, str):
            return other == self.name
        name = _numpy_name(other)
        return NotImplemented if name is None else name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    def __reduce__(self) -> str:
        return self.name  # pickles as the module-level singleton

    @property
    def dtype(self) -> Any:
        """The NumPy dtype, so that ``numpy.dtype(swiftgrad.float32)`` works."""
        try:
            import numpy
        except ImportError:
            raise AttributeError("dtype needs NumPy") from None
        return numpy.dtype(self.name)


def _numpy_name(obj: object) -> str | None:
    """The name of a NumPy dtype or scalar type, without importing NumPy."""
    if isinstance(obj, type):
        return obj.__name__ if obj.__module__ == "numpy" else None
    if type(obj).__module__.split(".")[0] == "numpy":
        name = getattr(obj, "name", None)
        return name if isinstance(name, str) else None
    return None


float32 = DType("float32", 4, _C.DTYPE_FLOAT32)
float64 = DType("float64", 8, _C.DTYPE_FLOAT64)

_BY_CODE = {float32._code: float32, float64._code: float64}


def from_code(code: int) -> DType:
    return _BY_CODE[code]


def code(dtype: object) -> int:
    """The C code of a dtype given in any accepted spelling; -1 for None."""
    if dtype is None:
        return -1
    if dtype is float:
        return float64._code
    for candidate in (float64, float32):
        if candidate == dtype:
            return candidate._code
    raise TypeError(
        f"unsupported dtype {dtype!r}; swiftgrad has float32 and float64")
