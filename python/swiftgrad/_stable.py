"""Numerically stable functions: logsumexp, softmax, log_softmax,
log_sigmoid and binary_cross_entropy_with_logits.

Each is finite, with a finite gradient, wherever the mathematics is
(logits of ±1000 included), and works on values, on symbolic graphs and
inside compiled functions.

    >>> swiftgrad.logsumexp(swiftgrad.asarray([1000.0, 1000.0]))
    array(1000.69314718)
"""

from __future__ import annotations

import builtins as _builtins
from typing import Any

from . import _swiftgrad as _C

Axis = int | tuple[int, ...] | None

# The numbers of sg_loss_reduction.
_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


def logsumexp(x: Any, /, axis: Axis = None, *, keepdims: _builtins.bool = False) -> Any:
    """log(sum(exp(x))) over `axis` (all axes by default), computed with the
    maximum subtracted first. Its gradient is the softmax."""
    return _C.logsumexp(x, axis, keepdims)


def softmax(x: Any, /, axis: int = -1) -> Any:
    """exp(x) / sum(exp(x)) along `axis`, as exp(x - logsumexp(x))."""
    return _C.softmax(x, axis, False)


def log_softmax(x: Any, /, axis: int = -1) -> Any:
    """log(softmax(x)) along `axis`, as x - logsumexp(x)."""
    return _C.softmax(x, axis, True)


def log_sigmoid(x: Any, /) -> Any:
    """log(sigmoid(x)), as -softplus(-x)."""
    return _C.log_sigmoid(x)


def binary_cross_entropy_with_logits(logits: Any, targets: Any, /, *,
                                     reduction: str = "mean") -> Any:
    """PyTorch's binary cross-entropy of `targets` under sigmoid(`logits`),
    (1 - y) * x + softplus(-x), which never takes log(0). `reduction` is
    'mean' (the default), 'sum' or 'none'."""
    code = _REDUCTIONS.get(reduction) if isinstance(reduction, str) else None
    if code is None:
        raise ValueError(
            f"[binary_cross_entropy_with_logits] reduction must be 'mean', 'sum' or 'none', not {reduction!r}")
    return _C.bce_with_logits(logits, targets, code)


__all__ = ["logsumexp", "softmax", "log_softmax", "log_sigmoid", "binary_cross_entropy_with_logits"]
