"""Function transforms over Python functions of tensors (torch.func, JAX):
`grad`, `value_and_grad`, `vjp`, `jvp`, `jacobian`, `hessian`, `hvp`.

They run the function eagerly with its differentiated arguments tracked
(fresh tensors sharing the arguments' memory, so the caller's tensors are
left alone) and differentiate the recorded graph. Transforms nest: an
argument that already requires grad is tracked by an enclosing
transform, so gradients are then computed with graphs of their own and
the enclosing transform differentiates through them (`hessian` is
`jacobian(grad(f))`). Forward mode (`jvp`) is the transpose of reverse
mode: with u a tracked cotangent, J^T u is linear in u, and the gradient
of (J^T u) · t with respect to u is J t.

    >>> f = lambda x: swiftgrad.sum(swiftgrad.sin(x) * x)
    >>> swiftgrad.func.grad(f)(swiftgrad.asarray([0.0, 1.0]))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from . import _swiftgrad as _C
from ._tensor import Tensor

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "jacobian", "hessian", "hvp"]


def _sg() -> Any:
    import swiftgrad

    return swiftgrad


def _argnums(argnums: int | Sequence[int], count: int, op: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for i in nums:
        if not -count <= i < count:
            raise IndexError(f"[{op}] argnums {i} is out of range for {count} arguments")
    return tuple(i % count for i in nums)


def _track(args: Sequence[Any], nums: Sequence[int]) -> tuple[list[Any], bool]:
    """The arguments with those at `nums` tracked, and whether one of them
    was tracked already (by an enclosing transform)."""
    sg = _sg()
    args, nested = list(args), False
    for i in nums:
        x = args[i]
        if isinstance(x, Tensor) and x.requires_grad:
            nested = True
            continue
        t = sg.asarray(x).detach()
        t.requires_grad = True
        args[i] = t
    return args, nested


def _scalar(value: Any, op: str) -> Tensor:
    if not isinstance(value, Tensor) or value.size != 1:
        shape = getattr(value, "shape", type(value).__name__)
        raise ValueError(f"[{op}] the function must return a one-element tensor, got {shape}")
    return value


def _plain(x: Any, nested: bool) -> Any:
    """Results of an outermost transform carry no graph."""
    if nested or not isinstance(x, Tensor):
        return x
    return x.detach()


def value_and_grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """f and its gradient with respect to the arguments at `argnums` (one
    gradient for an int, a tuple for a sequence). f returns a one-element
    tensor, or (value, aux) with has_aux."""

    def wrapper(*args: Any) -> Any:
        nums = _argnums(argnums, len(args), "value_and_grad")
        with _sg().enable_grad():
            tracked, nested = _track(args, nums)
            out = f(*tracked)
            value, aux = out if has_aux else (out, None)
            value = _scalar(value, "value_and_grad")
            grads = _sg().grad(value, [tracked[i] for i in nums], create_graph=nested,
                               disconnected_inputs="ignore")
        grads = [_plain(g, nested) for g in grads]
        g = grads[0] if isinstance(argnums, int) else tuple(grads)
        value = _plain(value, nested)
        return ((value, aux) if has_aux else value), g

    return wrapper


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0,
         has_aux: bool = False) -> Callable[..., Any]:
    """The gradient of f (a one-element tensor) with respect to the
    arguments at `argnums`; with has_aux, (gradient, aux)."""
    both = value_and_grad(f, argnums, has_aux)

    def wrapper(*args: Any) -> Any:
        value, g = both(*args)
        return (g, value[1]) if has_aux else g

    return wrapper


def vjp(f: Callable[..., Any], *primals: Any, has_aux: bool = False) -> Any:
    """(f(*primals), vjp_fn): vjp_fn(cotangent) gives the cotangent times
    the Jacobian for each primal, as a tuple; with has_aux, also aux."""
    nums = tuple(range(len(primals)))
    with _sg().enable_grad():
        tracked, nested = _track(primals, nums)
        out = f(*tracked)
        out, aux = out if has_aux else (out, None)
    sg = _sg()

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        with _sg().enable_grad():
            cost = sg.sum(out * sg.asarray(cotangent, dtype=out.dtype))
            grads = sg.grad(cost, tracked, create_graph=nested, disconnected_inputs="ignore")
        return tuple(_plain(g, nested) for g in grads)

    result = _plain(out, nested)
    return (result, vjp_fn, aux) if has_aux else (result, vjp_fn)


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """(f(*primals), J t): the Jacobian of f at primals times tangents, in
    forward mode: each primitive's jvp rule pushes the tangents from the
    primals to the output in one walk of the graph f recorded."""
    if len(primals) != len(tangents):
        raise ValueError(f"[jvp] {len(primals)} primals but {len(tangents)} tangents")
    if not primals:
        raise ValueError("[jvp] no primals")
    sg = _sg()
    with sg.enable_grad():
        tracked, nested = _track(primals, range(len(primals)))
        out = f(*tracked)
        if not isinstance(out, Tensor):
            raise ValueError(f"[jvp] the function must return a tensor, got {type(out).__name__}")
        ts = [sg.asarray(t, dtype=x.dtype) for x, t in zip(tracked, tangents)]
        for i, (x, t) in enumerate(zip(tracked, ts)):
            if t.shape != x.shape:
                raise ValueError(f"[jvp] tangent {i} has shape {t.shape}, primal {i} has {x.shape}")
        nested = nested or any(t.requires_grad for t in ts)
        (pushed,) = _C.jvp([out], tracked, ts)
    return _plain(out, nested), _plain(pushed, nested)


def jacobian(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The Jacobian of f with respect to the arguments at `argnums`: for
    each, an array of shape f's shape + the argument's shape, one
    reverse-mode pass per element of f's value."""

    def wrapper(*args: Any) -> Any:
        sg = _sg()
        nums = _argnums(argnums, len(args), "jacobian")
        with _sg().enable_grad():
            tracked, nested = _track(args, nums)
            out = f(*tracked)
            if not isinstance(out, Tensor):
                raise ValueError(f"[jacobian] the function must return a tensor, got {type(out).__name__}")
            n = math.prod(out.shape)
            flat = sg.reshape(out, (n,))
            rows: list[list[Tensor]] = [[] for _ in nums]
            for k in range(n):
                grads = sg.grad(flat[k], [tracked[i] for i in nums], create_graph=nested,
                                disconnected_inputs="ignore")
                for row, g in zip(rows, grads):
                    row.append(g)
        result = []
        for row, i in zip(rows, nums):
            x = tracked[i]
            stacked = sg.stack(row) if row else sg.zeros((0, *x.shape), dtype=x.dtype)
            result.append(_plain(sg.reshape(stacked, (*out.shape, *x.shape)), nested))
        return result[0] if isinstance(argnums, int) else tuple(result)

    return wrapper


def hessian(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The Hessian of f (a one-element tensor): the Jacobian of its gradient."""
    return jacobian(grad(f, argnums), argnums)


def hvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """(f(*primals), H v): the Hessian of f (a one-element tensor) at
    primals times tangents, without forming H (the gradient of grad · v)."""
    nums = tuple(range(len(primals)))
    sg = _sg()
    with _sg().enable_grad():
        tracked, nested = _track(primals, nums)
        value = _scalar(f(*tracked), "hvp")
        grads = sg.grad(value, tracked, create_graph=True, disconnected_inputs="ignore")
        dot = None
        for g, v in zip(grads, tangents):
            term = sg.sum(g * sg.asarray(v, dtype=g.dtype))
            dot = term if dot is None else dot + term
        # A linear f has a gradient that does not depend on the primals.
        for x in tracked:
            dot = dot + sg.sum(x * 0)
        products = sg.grad(dot, tracked, create_graph=nested)
    return _plain(value, nested), tuple(_plain(p, nested) for p in products)
