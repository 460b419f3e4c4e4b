"""Theano's theano.ifelse: `ifelse(condition, then, else)`.

Both branches are computed and the result selected with `where`, so the
values (and gradients) are those of Theano's lazy ifelse; only the work
of the branch not taken is not saved."""

from __future__ import annotations

from typing import Any

from ._tensor import Tensor

__all__ = ["ifelse"]


def ifelse(condition: Any, then_branch: Any, else_branch: Any, name: str | None = None) -> Any:
    """`then_branch` if the scalar `condition` is nonzero, else
    `else_branch`; each may be one tensor or a list of them (pairwise)."""
    import swiftgrad as sg

    cond = condition if isinstance(condition, Tensor) else sg.asarray(condition)
    if cond.ndim != 0:
        raise TypeError(f"[ifelse] the condition must be a scalar, not of shape {cond.shape}")
    if cond.dtype != "bool":
        cond = cond != 0
    single = not isinstance(then_branch, (list, tuple))
    thens = [then_branch] if single else list(then_branch)
    elses = [else_branch] if not isinstance(else_branch, (list, tuple)) else list(else_branch)
    if len(thens) != len(elses):
        raise ValueError(f"[ifelse] {len(thens)} outputs in the then branch but {len(elses)} "
                         f"in the else branch")
    outs = []
    for a, b in zip(thens, elses):
        a = a if isinstance(a, Tensor) else sg.asarray(a)
        b = b if isinstance(b, Tensor) else sg.asarray(b, dtype=a.dtype)
        if a.dtype != b.dtype or a.ndim != b.ndim:
            raise TypeError(f"[ifelse] the branches differ: {a.dtype} with {a.ndim} axes and "
                            f"{b.dtype} with {b.ndim} axes")
        outs.append(sg.where(cond, a, b))
    return outs[0] if single else outs
