"""The Array API's inspection namespace (`__array_namespace_info__()`)."""

from __future__ import annotations

from typing import Any

from . import _dtypes

# isdtype's kind names, for dtypes(kind=...).
_KINDS = ("bool", "signed integer", "unsigned integer", "integral",
          "real floating", "complex floating", "numeric")


class Info:
    """What swiftgrad supports: one device ("cpu"), every dtype of the
    standard, data-dependent output shapes and boolean indexing."""

    __slots__ = ()

    def capabilities(self) -> dict[str, Any]:
        return {"boolean indexing": True, "data-dependent shapes": True,
                "max dimensions": 64}

    def default_device(self) -> str:
        return "cpu"

    def devices(self) -> list[str]:
        return ["cpu"]

    def default_dtypes(self, *, device: Any = None) -> dict[str, Any]:
        _check_device(device)
        d = {x.name: x for x in _dtypes._ALL}
        return {"real floating": d["float64"], "complex floating": d["complex128"],
                "integral": d["int64"], "indexing": d["int64"]}

    def dtypes(self, *, device: Any = None,
               kind: str | tuple[str, ...] | None = None) -> dict[str, Any]:
        _check_device(device)
        if kind is None:
            return {x.name: x for x in _dtypes._ALL}
        kinds = (kind,) if isinstance(kind, str) else tuple(kind)
        for k in kinds:
            if k not in _KINDS:
                raise ValueError(f"dtypes: unknown kind {k!r}; expected one of {_KINDS}")
        return {x.name: x for x in _dtypes._ALL if _dtypes.isdtype(x, kinds)}


def _check_device(device: Any) -> None:
    if device not in (None, "cpu"):
        raise ValueError(f"unknown device {device!r}; swiftgrad has 'cpu'")


def __array_namespace_info__() -> Info:
    return Info()
