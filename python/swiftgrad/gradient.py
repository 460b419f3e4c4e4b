"""Theano's theano.gradient over swiftgrad's reverse and forward modes:
`grad`, `jacobian`, `hessian`, `Rop`, `Lop`, `disconnected_grad`,
`zero_grad`, `grad_clip`.

`jacobian` and `hessian` take one gradient per element of the
expression: unrolled where its length is known when the graph is built
(a shared variable's, or a placeholder's static shape), else in a `scan`
over the elements, as Theano's do."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._tensor import Tensor

__all__ = ["grad", "jacobian", "hessian", "Rop", "Lop", "disconnected_grad", "zero_grad",
           "grad_clip", "DisconnectedInputError"]


def _sg() -> Any:
    import swiftgrad

    return swiftgrad


class DisconnectedInputError(ValueError):
    """Theano's name for a wrt the cost does not depend on (swiftgrad
    raises ValueError, of which this is a subclass, for it)."""


def _missing(feature: str, hint: str = "") -> NotImplementedError:
    from ._theano import missing

    return missing(feature, hint)


def grad(cost: Tensor, wrt: Any, consider_constant: Sequence[Tensor] | None = None,
         disconnected_inputs: str = "raise", add_names: bool = True, known_grads: Any = None,
         return_disconnected: str = "zero", null_gradients: str = "raise") -> Any:
    """The gradient of the scalar `cost` with respect to `wrt` (one
    tensor, or a list: then a list), as Theano's T.grad.
    `disconnected_inputs` is 'raise', 'warn' or 'ignore' (zeros)."""
    if consider_constant:
        raise _missing("grad(consider_constant=...)", "wrap those tensors in "
                       "theano.gradient.disconnected_grad where the cost is built")
    if known_grads is not None:
        raise _missing("grad(known_grads=...)")
    if return_disconnected != "zero":
        raise _missing(f"grad(return_disconnected={return_disconnected!r})",
                       "disconnected gradients are zeros")
    single = isinstance(wrt, Tensor)
    targets = [wrt] if single else list(wrt)
    try:
        grads = _sg().grad(cost, targets, disconnected_inputs=disconnected_inputs)
    except ValueError as error:
        if "does not depend on" in str(error):
            raise DisconnectedInputError(str(error)) from None
        raise
    return grads[0] if single else grads


def _by_scan(expression: Tensor, wrt: list[Tensor], disconnected: str) -> list[Tensor]:
    """One Jacobian per wrt through a loop over the expression's elements."""
    sg = _sg()
    jacobians = []
    for w in wrt:
        rows, _ = sg.scan(lambda i, y, x: grad(y[i], x, disconnected_inputs=disconnected),
                          sequences=sg.arange(expression.shape[0]),
                          non_sequences=[expression, w])
        jacobians.append(rows)
    return jacobians


def jacobian(expression: Tensor, wrt: Any, consider_constant: Sequence[Tensor] | None = None,
             disconnected_inputs: str = "raise", *, _length_known: int | None = None) -> Any:
    """The Jacobian of the vector `expression` with respect to `wrt` (one
    tensor, or a list: then a list): row i is the gradient of element i,
    so the result's shape is expression's length followed by wrt's shape.
    A 0-d expression gives its gradient."""
    if consider_constant:
        raise _missing("jacobian(consider_constant=...)")
    sg = _sg()
    single = isinstance(wrt, Tensor)
    targets = [wrt] if single else list(wrt)
    if expression.ndim == 0:
        result = grad(expression, targets, disconnected_inputs=disconnected_inputs)
        return result[0] if single else result
    if expression.ndim != 1:
        raise TypeError(f"[jacobian] the expression must be a vector, not of {expression.ndim} axes")
    n = expression.type.shape[0] if _length_known is None else _length_known
    if n is None:
        looped = _by_scan(expression, targets, disconnected_inputs)
        return looped[0] if single else looped
    rows = [grad(expression[i], targets, disconnected_inputs=disconnected_inputs) for i in range(n)]
    if n == 0:
        result = [sg.zeros((0,) + tuple(w.shape), dtype=w.dtype) for w in targets]
    else:
        result = [sg.stack([row[k] for row in rows]) for k in range(len(targets))]
    return result[0] if single else result


def hessian(cost: Tensor, wrt: Any, consider_constant: Sequence[Tensor] | None = None,
            disconnected_inputs: str = "raise") -> Any:
    """The Hessian of the scalar `cost` with respect to each vector of
    `wrt` (one tensor, or a list: then a list of Hessians)."""
    if consider_constant:
        raise _missing("hessian(consider_constant=...)")
    single = isinstance(wrt, Tensor)
    targets = [wrt] if single else list(wrt)
    result = []
    for w in targets:
        if w.ndim != 1:
            raise TypeError(f"[hessian] wrt must be vectors, not of {w.ndim} axes")
        g = grad(cost, w, disconnected_inputs=disconnected_inputs)
        # the gradient has w's length, which w's type may know when g's does not
        result.append(jacobian(g, w, disconnected_inputs=disconnected_inputs,
                               _length_known=w.type.shape[0]))
    return result[0] if single else result


def Rop(f: Any, wrt: Any, eval_points: Any) -> Any:
    """Forward mode (Theano's R-operator): J v, how much `f` moves when
    `wrt` moves by `eval_points` (matching wrt)."""
    return _sg().jvp(f, wrt, eval_points)


def Lop(f: Any, wrt: Any, eval_points: Any, consider_constant: Any = None,
        disconnected_inputs: str = "raise") -> Any:
    """Reverse mode (Theano's L-operator): v J, the gradient with respect
    to `wrt` of the sum of `f` times `eval_points` (matching f)."""
    if consider_constant:
        raise _missing("Lop(consider_constant=...)")
    if disconnected_inputs not in ("raise", "warn", "ignore"):
        raise ValueError(f"[Lop] disconnected_inputs must be 'raise', 'warn' or 'ignore', "
                         f"not {disconnected_inputs!r}")
    sg = _sg()
    fs = [f] if isinstance(f, Tensor) else list(f)
    vs = [eval_points] if isinstance(f, Tensor) else list(eval_points)
    if len(fs) != len(vs):
        raise ValueError(f"[Lop] {len(fs)} outputs but {len(vs)} eval points")
    vs = [v if isinstance(v, Tensor) else sg.asarray(v, dtype=y.dtype) for y, v in zip(fs, vs)]
    single = isinstance(wrt, Tensor)
    targets = [wrt] if single else list(wrt)
    flags = 0 if disconnected_inputs == "raise" else sg._C.GRAD_ALLOW_UNUSED
    try:
        grads = sg._C.vjp(fs, vs, targets, 0)
    except ValueError as error:
        if not flags or "do not depend on" not in str(error):
            raise
        if disconnected_inputs == "warn":
            import warnings

            warnings.warn(str(error), stacklevel=2)
        grads = sg._C.vjp(fs, vs, targets, flags)
    return grads[0] if single else grads


def _identity_with(name: str, backward: Any) -> Any:
    sg = _sg()

    def fun(x: Any) -> Any:
        return sg.positive(x)

    fun.__name__ = name
    op = sg.custom_vjp(fun)
    op.defvjp(lambda x: (sg.positive(x), ()), lambda residuals, g: (backward(g),))
    return op


_DISCONNECTED = None
_ZERO = None


def disconnected_grad(x: Tensor) -> Tensor:
    """x, through which no gradient flows: a cost that depends on x only
    through this is disconnected from it."""
    global _DISCONNECTED
    if _DISCONNECTED is None:
        _DISCONNECTED = _identity_with("disconnected_grad", lambda g: None)
    return _DISCONNECTED(x)


def zero_grad(x: Tensor) -> Tensor:
    """x, whose gradient is zero."""
    global _ZERO
    if _ZERO is None:
        _ZERO = _identity_with("zero_grad", lambda g: _sg().zeros_like(g))
    return _ZERO(x)


def grad_clip(x: Tensor, lower_bound: float, upper_bound: float) -> Tensor:
    """x, whose gradient is clipped to [lower_bound, upper_bound]."""
    sg = _sg()
    return _identity_with("grad_clip", lambda g: sg.clip(g, lower_bound, upper_bound))(x)
