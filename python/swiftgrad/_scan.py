"""Theano's loops: `scan`, and `map`, `reduce`, `foldl`, `foldr` over it.

The step function is traced once on placeholders; the core compiles that
graph and runs it step after step (sg_scan), so a loop of a thousand steps
is one node of the outer graph, and its gradient is another loop.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import _swiftgrad as _C
from ._indexing import concat, expand_dims, flip
from ._tensor import Tensor

__all__ = ["scan", "map", "reduce", "foldl", "foldr"]

_MODES = (None, "FAST_RUN", "FAST_COMPILE")
_SHARED = 2  # sg_kind of a shared variable


def _as_list(x: Any) -> list[Any]:
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _tensor(x: Any) -> Tensor:
    from . import asarray
    return x if isinstance(x, Tensor) else asarray(x)


def _placeholder(shape: Sequence[int | None], like: Tensor) -> Tensor:
    return _C.placeholder(like._dtype, tuple(shape), None)


def _sequence_taps(entry: Any) -> tuple[Tensor, list[int]]:
    if isinstance(entry, Mapping):
        unknown = set(entry) - {"input", "taps"}
        if unknown:
            raise NotImplementedError(f"scan: sequence keys {sorted(unknown)} are not supported")
        return _tensor(entry["input"]), list(entry.get("taps", [0]))
    return _tensor(entry), [0]


def _output_taps(entry: Any) -> tuple[Tensor | None, list[int]]:
    if entry is None:
        return None, []
    if isinstance(entry, Mapping):
        unknown = set(entry) - {"initial", "taps"}
        if unknown:
            raise NotImplementedError(f"scan: outputs_info keys {sorted(unknown)} are not supported")
        if entry.get("initial") is None:
            return None, []
        taps = list(entry.get("taps", [-1]))
        if not taps or any(t >= 0 for t in taps):
            raise ValueError(f"scan: the taps of an output must be negative, got {taps}")
        return _tensor(entry["initial"]), taps
    return _tensor(entry), [-1]


def scan(fn: Callable[..., Any], sequences: Any = None, outputs_info: Any = None,
         non_sequences: Any = None, n_steps: Any = None, truncate_gradient: int = -1,
         go_backwards: bool = False, mode: Any = None, name: str | None = None,
         profile: bool = False, allow_gc: bool | None = None, strict: bool = False,
         return_list: bool = False) -> tuple[Any, dict[Any, Any]]:
    """Theano's scan: calls `fn` once per step with, in order, the slices of
    each sequence (one per tap), the previous values of each output that
    has an initial value in `outputs_info` (one per tap), then the
    `non_sequences`; `fn` returns the step's outputs. Returns the outputs
    stacked over the steps (one tensor, or a list) and the updates: the
    last values of the shared variables the step function updates (it may
    return `(outputs, {variable: new value})`), for `function(updates=...)`.

        >>> result, updates = scan(lambda prior, A: prior * A,
        ...                        outputs_info=ones_like(A), non_sequences=A, n_steps=k)
    """
    if mode not in _MODES:
        raise NotImplementedError(f"scan: mode={mode!r} is not supported; swiftgrad compiles every loop one way")
    if profile:
        raise NotImplementedError("scan: profile is not supported")
    if isinstance(truncate_gradient, bool) or not isinstance(truncate_gradient, int) \
            or (truncate_gradient != -1 and truncate_gradient <= 0):
        raise ValueError(f"scan: truncate_gradient must be -1 or a positive int, got {truncate_gradient!r}")

    # Sequences, one slice placeholder per tap.
    outer_sequences, slices, step_args = [], [], []
    for entry in _as_list(sequences):
        x, taps = _sequence_taps(entry)
        if x.ndim == 0:
            raise ValueError("scan: a sequence must have at least one dimension")
        if go_backwards:
            x = flip(x, axis=0)
        low, high = min(min(taps), 0), max(max(taps), 0)
        for tap in taps:
            stop = tap - high
            outer_sequences.append(x[tap - low: stop if stop else None])
            slices.append(_placeholder(x.shape[1:], x))
            step_args.append(slices[-1])

    # Outputs: a plain state (taps [-1]), a window of the last values
    # (several taps: the state is the window, the output its new row), or
    # none (a per-step output).
    infos = _as_list(outputs_info) if isinstance(outputs_info, (list, tuple)) else (
        [] if outputs_info is None else [outputs_info])
    initials, states, kinds = [], [], []
    for entry in infos:
        initial, taps = _output_taps(entry)
        if initial is None:
            kinds.append(("none", None))
            continue
        if taps == [-1]:
            state = _placeholder(initial.shape, initial)
            step_args.append(state)
            kinds.append(("state", len(states)))
        else:
            depth = -min(taps)
            rows = tuple(initial.shape)[0] if initial.ndim else 0  # static; None if known at run time
            if initial.ndim == 0 or (rows is not None and rows < depth):
                raise ValueError(f"scan: an output with taps {taps} needs an initial value with at least "
                                 f"{depth} rows, got shape {initial.shape}")
            initial = initial[-depth:]
            state = _placeholder(initial.shape, initial)
            step_args.extend(state[depth + t] for t in taps)
            kinds.append(("window", len(states)))
        initials.append(initial)
        states.append(state)
    non_sequences = _as_list(non_sequences)
    step_args.extend(non_sequences)

    result = fn(*step_args)
    # Updates of shared variables, returned beside the outputs or alone,
    # become states of the loop; their last values are scan's updates.
    step_updates: Any = {}
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], Mapping):
        result, step_updates = result
    elif isinstance(result, (Mapping, list, tuple)) and _is_update_pairs(result):
        result, step_updates = [], result
    step_updates = list(step_updates.items() if isinstance(step_updates, Mapping) else step_updates)
    for variable, _ in step_updates:
        if not isinstance(variable, Tensor) or variable._kind != _SHARED:
            raise TypeError("scan: a step function can only update shared variables")
    outputs = [_tensor(r) for r in _as_list(result)]
    if not infos:
        kinds = [("none", None)] * len(outputs)
    if len(outputs) != len(kinds):
        raise ValueError(f"scan: the step function returned {len(outputs)} outputs, "
                         f"but outputs_info describes {len(kinds)}")

    # The core's outputs: the new states, then the per-step outputs.
    new_states: list[Tensor | None] = [None] * len(states)
    per_step, stacked_states = [], [True] * len(states)
    for (kind, s), out in zip(kinds, outputs):
        if kind == "state":
            new_states[s] = out
        elif kind == "window":
            window = states[s]
            new_states[s] = concat([window[1:], expand_dims(out.astype(window.dtype), axis=0)], axis=0)
            stacked_states[s] = False
            per_step.append(out)
        else:
            per_step.append(out)
    if n_steps is not None:
        if isinstance(n_steps, int) and n_steps < 0:
            raise ValueError(f"scan: n_steps must not be negative, got {n_steps}")
        n_steps = _tensor(n_steps)
    if not outer_sequences and n_steps is None:
        raise ValueError("scan: give sequences or n_steps")
    shared = [variable for variable, _ in step_updates]
    new_values = [_tensor(value).astype(variable.dtype, copy=False) for variable, value in step_updates]
    results = _C.scan(outer_sequences, slices, shared + initials, shared + states,
                      new_values + new_states + per_step,
                      [False] * len(shared) + stacked_states + [True] * len(per_step),
                      n_steps, truncate_gradient)
    updates = dict(zip(shared, results[:len(shared)]))
    results = results[len(shared):]
    final, extra = results[:len(states)], iter(results[len(states):])
    ordered = [final[s] if kind == "state" else next(extra) for kind, s in kinds]
    if len(ordered) == 1 and not return_list:
        return ordered[0], updates
    return ordered, updates


def _is_update_pairs(result: Any) -> bool:
    if isinstance(result, Mapping):
        return True
    return bool(result) and all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], Tensor)
                                and p[0]._kind == _SHARED for p in result)


def map(fn: Callable[..., Any], sequences: Any, non_sequences: Any = None,  # noqa: A001
        truncate_gradient: int = -1, go_backwards: bool = False, mode: Any = None,
        name: str | None = None) -> tuple[Any, dict[Any, Any]]:
    """`fn` applied to each slice of the sequences (Theano's map)."""
    return scan(fn, sequences=sequences, non_sequences=non_sequences,
                truncate_gradient=truncate_gradient, go_backwards=go_backwards, mode=mode, name=name)


def reduce(fn: Callable[..., Any], sequences: Any, outputs_info: Any, non_sequences: Any = None,  # noqa: A001
           go_backwards: bool = False, mode: Any = None, name: str | None = None) -> tuple[Any, dict[Any, Any]]:
    """The last value of each output of the loop (Theano's reduce)."""
    outputs, updates = scan(fn, sequences=sequences, outputs_info=outputs_info,
                            non_sequences=non_sequences, go_backwards=go_backwards, mode=mode,
                            name=name, return_list=True)
    last = [out[-1] for out in outputs]
    return (last[0] if len(last) == 1 else last), updates


def foldl(fn: Callable[..., Any], sequences: Any, outputs_info: Any, non_sequences: Any = None,
          mode: Any = None, name: str | None = None) -> tuple[Any, dict[Any, Any]]:
    """`reduce` from the first element."""
    return reduce(fn, sequences, outputs_info, non_sequences, go_backwards=False, mode=mode, name=name)


def foldr(fn: Callable[..., Any], sequences: Any, outputs_info: Any, non_sequences: Any = None,
          mode: Any = None, name: str | None = None) -> tuple[Any, dict[Any, Any]]:
    """`reduce` from the last element."""
    return reduce(fn, sequences, outputs_info, non_sequences, go_backwards=True, mode=mode, name=name)
