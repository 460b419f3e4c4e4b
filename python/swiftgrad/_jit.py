"""`swiftgrad.jit`: a Python function of tensors, traced once per argument
signature into a compiled `function` (like `jax.jit`).

    >>> @swiftgrad.jit
    ... def step(x, w):
    ...     y = swiftgrad.tanh(x @ w)
    ...     return y, swiftgrad.grad(swiftgrad.sum(y * y), w)
    >>> y, g = step(swiftgrad.ones((2, 3)), swiftgrad.ones((3, 4)))
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from ._tensor import Tensor


def _flatten(tree: Any, leaves: list[Any]) -> Any:
    """The structure of nested tuples and lists, with their leaves appended
    to `leaves` and replaced by None."""
    if isinstance(tree, (tuple, list)):
        return (type(tree), [_flatten(item, leaves) for item in tree])
    leaves.append(tree)
    return None


def _unflatten(structure: Any, leaves: Any) -> Any:
    if structure is None:
        return next(leaves)
    kind, items = structure
    values = [_unflatten(item, leaves) for item in items]
    return kind(*values) if hasattr(kind, "_fields") else kind(values)  # namedtuples take fields


def jit(f: Callable[..., Any]) -> Callable[..., Any]:
    """`f` compiled: on the first call with given argument shapes and dtypes
    (and keyword arguments, which are passed through as they are and must
    be hashable), `f` runs once on placeholders of those shapes and dtypes,
    and its outputs (a tensor, or nested tuples and lists of them) become a
    compiled `function`; later calls with the same signature run that
    function. Positional arguments are tensors or anything `asarray`
    takes. Inside `f`, tensors are symbolic: Python control flow on their
    values is not possible (use `where`), and `grad` gives symbolic
    gradients. Results are new tensors that record no eager graph."""
    from . import asarray, function, placeholder

    cache: dict[Any, tuple[Any, Any]] = {}

    @functools.wraps(f)
    def compiled(*args: Any, **kwargs: Any) -> Any:
        tensors = [a if isinstance(a, Tensor) else asarray(a) for a in args]
        key = (tuple((t.shape, t.dtype) for t in tensors), tuple(sorted(kwargs.items())))
        entry = cache.get(key)
        if entry is None:
            inputs = [placeholder(t.shape, t.dtype, f"arg{i}") for i, t in enumerate(tensors)]
            leaves: list[Any] = []
            structure = _flatten(f(*inputs, **kwargs), leaves)
            entry = (function(inputs, list(leaves), on_unused_input="ignore"), structure)
            cache[key] = entry
        fn, structure = entry
        return _unflatten(structure, iter(fn(*tensors)))

    compiled.cache = cache  # type: ignore[attr-defined]
    return compiled


__all__ = ["jit"]
