"""Graphs as text (Theano's theano.printing): `pp` for an expression,
`debugprint` for a compiled function's optimized program."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from . import _swiftgrad as _C

__all__ = ["pp", "pprint", "debugprint"]


def _target(obj: Any) -> Any:
    from ._theano import unwrap

    return unwrap(obj)


def pp(expr: Any) -> str:
    """The expression a tensor computes, in Python's syntax:
    `sigmoid((x @ W) + b)`."""
    return _C._describe(_target(expr))


pprint = pp  # Theano's theano.printing.pprint


def debugprint(obj: Any, file: TextIO | str | None = None, **options: Any) -> str | None:
    """Prints a compiled function's program (its leaves, each operation
    with operands and type, outputs, updates, and the operation count
    before and after rewrites) or a tensor's expression. file="str"
    returns the text instead of printing it. Theano's layout options
    (depth, print_type, ids, ...) are accepted; the text is swiftgrad's."""
    text = _C._describe(_target(obj))
    if file == "str":
        return text
    print(text, file=sys.stdout if file is None else file)
    return None


def __getattr__(name: str) -> Any:
    if name in ("pydotprint", "pydot_imported", "min_informative_str", "var_descriptor"):
        from ._theano import missing

        raise missing(f"theano.printing.{name}", "swiftgrad.debugprint prints the program as text")
    raise AttributeError(f"module 'swiftgrad.printing' has no attribute {name!r}")
