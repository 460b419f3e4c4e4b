"""Custom gradients and gradient checks (torch.autograd, jax.custom_vjp).

Both kinds of custom function become one custom op of the C ABI
(`sg_custom_op_*`) per call, whose forward and vjp callbacks run the
Python code: the result is recorded like any operation, so `backward()`,
`swiftgrad.grad` and `swiftgrad.func` call the user's backward, and a
backward written with swiftgrad operations differentiates again
(`create_graph=True`). Symbolic inputs work too where the forward is
written with swiftgrad operations: the op's result is then symbolic.

    >>> class Exp(swiftgrad.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         y = x.exp()
    ...         ctx.save_for_backward(y)
    ...         return y
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (y,) = ctx.saved_tensors
    ...         return g * y

The forward runs with recording off, as PyTorch's does. Tensors saved for
backward (or returned as residuals) that are the forward's own inputs or
outputs are handed to backward as the recorded ones, so second derivatives
flow through them; other saved tensors are constants to the backward.
Several outputs (a tuple) are packed into one flat result inside the op
and sliced back out.
Exceptions raised in forward or backward reach the caller unchanged, with
the library's message, which names the op, as a note.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

from . import _swiftgrad as _C
from ._tensor import Tensor

__all__ = ["Function", "FunctionCtx", "custom_vjp", "gradcheck", "gradgradcheck"]


class _Input:
    """A saved tensor that is the forward's input `index`."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class _Output:
    """A saved tensor that is the forward's output `index`."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


def _mark(value: Any, inputs: Sequence[Tensor], outputs: Sequence[Tensor]) -> Any:
    """`value` with the forward's inputs and outputs replaced by markers,
    so what backward keeps holds no reference to the recorded graph."""
    if isinstance(value, Tensor):
        for i, y in enumerate(outputs):
            if value is y:
                return _Output(i)
        for i, x in enumerate(inputs):
            if value is x:
                return _Input(i)
        return value
    if isinstance(value, (tuple, list)):
        return type(value)(_mark(v, inputs, outputs) for v in value)
    return value


def _resolve(value: Any, inputs: Sequence[Tensor], outputs: Sequence[Tensor]) -> Any:
    """The markers of `value` replaced by the recorded inputs and outputs."""
    if isinstance(value, _Input):
        return inputs[value.index]
    if isinstance(value, _Output):
        return outputs[value.index]
    if isinstance(value, (tuple, list)):
        return type(value)(_resolve(v, inputs, outputs) for v in value)
    return value


def _gradient(g: Any, like: Tensor, op: str) -> Tensor | None:
    if g is None or isinstance(g, Tensor):
        return g
    import swiftgrad

    try:
        return swiftgrad.asarray(g, dtype=like.dtype)
    except (TypeError, ValueError):
        raise TypeError(f"[{op}] a gradient must be a Tensor or None, not {type(g).__name__}") from None


def _apply(name: str, args: Sequence[Any], forward: Callable[[list[Any]], tuple[Any, Any]],
           backward: Callable[[Any, Any], Any]) -> Any:
    """Applies a custom op over the Tensor arguments of `args`; the others
    are passed through to `forward` and get no gradient.

    forward(args) gives (output, saved): the output is a Tensor or a tuple
    of them; `saved` (tensors in any nesting of tuples and lists) comes
    back as backward(saved, cotangent), with the forward's inputs and
    outputs in it replaced by the recorded ones. The cotangent is a tuple
    for a tuple of outputs. backward gives one gradient per argument.

    Several outputs travel through the op packed into one flat tensor and
    are sliced back out, so each gets its own gradient; they need one
    floating dtype and known shapes."""
    import swiftgrad

    positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    state: dict[str, Any] = {"shapes": None}

    def unpack(packed: Tensor) -> tuple[Tensor, ...]:
        if state["shapes"] is None:
            return (packed,)
        pieces, start = [], 0
        for shape in state["shapes"]:
            n = math.prod(shape)
            pieces.append(swiftgrad.reshape(packed[start:start + n], shape))
            start += n
        return tuple(pieces)

    def op_forward(*xs: Tensor) -> Tensor:
        full = list(args)
        for p, x in zip(positions, xs):
            full[p] = x
        out, saved = forward(full)
        several = isinstance(out, (tuple, list))
        outs = tuple(out) if several else (out,)
        if not outs or not all(isinstance(o, Tensor) for o in outs):
            got = type(out).__name__ if not several else "a tuple of " + ", ".join(type(o).__name__ for o in outs)
            raise TypeError(f"[{name}] the forward must return a Tensor or a tuple of them, not {got}")
        state["saved"] = _mark(saved, xs, outs)
        if not several:
            state["shapes"] = None
            return out
        dtypes = {o.dtype for o in outs}
        if len(dtypes) != 1 or not swiftgrad.isdtype(outs[0].dtype, "real floating"):
            raise TypeError(f"[{name}] several outputs need one real floating dtype, "
                            f"got {', '.join(str(o.dtype) for o in outs)}")
        if any(None in o.shape for o in outs):
            raise TypeError(f"[{name}] several outputs need known shapes: call it on values")
        state["shapes"] = [o.shape for o in outs]
        return swiftgrad.concat([swiftgrad.reshape(o, (-1,)) for o in outs])

    def op_vjp(xs: Sequence[Tensor], output: Tensor, cotangent: Tensor) -> list[Any]:
        cotangents = unpack(cotangent)
        g = cotangents if state["shapes"] is not None else cotangents[0]
        grads = backward(_resolve(state["saved"], xs, unpack(output)), g)
        grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
        if len(grads) != len(args):
            raise ValueError(f"[{name}] the backward returned {len(grads)} gradients for "
                             f"{len(args)} arguments of the forward")
        return [_gradient(grads[p], xs[k], name) for k, p in enumerate(positions)]

    result = _C._custom_apply(name, op_forward, op_vjp, [args[p] for p in positions])
    return result if state["shapes"] is None else unpack(result)


class FunctionCtx:
    """What forward leaves for backward (PyTorch's ctx)."""

    def __init__(self) -> None:
        self.needs_input_grad: tuple[bool, ...] = ()
        self._to_save: tuple[Any, ...] = ()
        self._saved: tuple[Any, ...] | None = None

    def save_for_backward(self, *tensors: Any) -> None:
        """Keeps `tensors` for backward, read back as ctx.saved_tensors."""
        self._to_save = tensors

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        if self._saved is None:
            raise RuntimeError("saved_tensors are available in backward only")
        return self._saved

    def mark_non_differentiable(self, *tensors: Any) -> None:
        """Accepted for PyTorch compatibility: integer results carry no
        gradient anyway."""


class Function:
    """A function with a hand-written backward (torch.autograd.Function):
    subclass it with static `forward(ctx, *args)` and `backward(ctx,
    *grads)`, which gets one gradient per output and returns one gradient
    (or None) per argument of forward, and call `apply(*args)`. Tensor
    arguments are differentiated; others are passed through and get None.
    forward may return a tuple of tensors of one floating dtype."""

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any) -> Any:
        raise NotImplementedError("a Function subclass defines forward(ctx, *args)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        raise NotImplementedError("a Function subclass defines backward(ctx, grad) to be differentiated")

    @classmethod
    def apply(cls, *args: Any) -> Any:
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)

        def forward(full: list[Any]) -> tuple[Any, Any]:
            ctx._to_save = ()
            out = cls.forward(ctx, *full)
            saved, ctx._to_save = ctx._to_save, ()
            return out, saved

        def backward(saved: Any, g: Any) -> Any:
            ctx._saved = saved
            try:
                return cls.backward(ctx, *g) if isinstance(g, tuple) else cls.backward(ctx, g)
            finally:
                ctx._saved = None

        return _apply(cls.__name__, args, forward, backward)


class custom_vjp:
    """A function with a hand-written vjp (jax.custom_vjp):

        >>> @swiftgrad.custom_vjp
        ... def f(x):
        ...     return swiftgrad.sin(x)
        >>> def f_fwd(x):
        ...     return swiftgrad.sin(x), (x,)          # output, residuals
        >>> def f_bwd(res, g):
        ...     (x,) = res
        ...     return (g * swiftgrad.cos(x),)         # one per argument
        >>> f.defvjp(f_fwd, f_bwd)

    Calls run `fwd` (its residuals are kept for `bwd`); Tensor arguments
    are differentiated, others passed through (their gradient is ignored).
    An output that is a tuple of tensors gets a tuple of cotangents.
    """

    def __init__(self, fun: Callable[..., Any]) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.fwd: Callable[..., Any] | None = None
        self.bwd: Callable[..., Any] | None = None

    def defvjp(self, fwd: Callable[..., Any], bwd: Callable[..., Any]) -> None:
        """fwd(*args) -> (output, residuals); bwd(residuals, g) -> a tuple
        with one gradient (or None) per argument."""
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args: Any) -> Any:
        name = getattr(self.fun, "__name__", "custom_vjp")
        fwd, bwd = self.fwd, self.bwd
        if fwd is None or bwd is None:
            raise TypeError(f"[{name}] no vjp is defined: call {name}.defvjp(fwd, bwd) first")

        def forward(full: list[Any]) -> tuple[Any, Any]:
            pair = fwd(*full)
            if not isinstance(pair, tuple) or len(pair) != 2:
                raise TypeError(f"[{name}] fwd must return (output, residuals)")
            return pair

        def backward(residuals: Any, g: Any) -> Any:
            grads = bwd(residuals, g)
            if not isinstance(grads, (tuple, list)):
                raise TypeError(f"[{name}] bwd must return a tuple with one gradient per argument, "
                                f"not {type(grads).__name__}")
            return grads

        return _apply(name, args, forward, backward)


def gradcheck(f: Callable[..., Any], inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, check_grad_grad: bool = False,
              raise_exception: bool = True) -> bool:
    """Checks the gradients of f at `inputs` (a tensor or a sequence of
    them; other values become float64 tensors) against central
    differences in float64 (torch.autograd.gradcheck): every entry of the
    Jacobian the vjp gives must be within atol + rtol * |numeric|. f
    returns a tensor (or a tuple of them, checked together). With
    check_grad_grad the second derivatives are checked too. Returns True;
    a mismatch raises ValueError naming the worst element (or returns False
    with raise_exception=False)."""
    import swiftgrad

    xs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    xs = [x if isinstance(x, Tensor) else swiftgrad.asarray(x, dtype=swiftgrad.float64) for x in xs]

    def function(*ts: Tensor) -> Tensor:
        out = f(*ts)
        if isinstance(out, (tuple, list)):
            return swiftgrad.concat([swiftgrad.reshape(o, (-1,)) for o in out])
        return out

    flags = _C.GRADCHECK_GRAD_GRAD if check_grad_grad else 0
    try:
        _C._gradcheck(function, xs, float(eps), float(atol), float(rtol), flags)
    except ValueError as error:
        if raise_exception or not str(error).startswith("[gradcheck]"):
            raise
        return False
    return True


def gradgradcheck(f: Callable[..., Any], inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """gradcheck of first and second derivatives
    (torch.autograd.gradgradcheck): the vjp at a fixed cotangent is itself
    checked against central differences."""
    return gradcheck(f, inputs, eps=eps, atol=atol, rtol=rtol, check_grad_grad=True,
                     raise_exception=raise_exception)
