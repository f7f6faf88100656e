"""How request bodies in JSON are read: strictly, so that crafted input is a 400 instead of
an error deeper down. Python's json accepts ``Infinity`` and ``NaN``, turns ``1e400`` into
infinity (which no whole-number field can take: OverflowError), keeps a lone surrogate
``"\\ud800"`` (which no database or page can encode) and a NUL ``"\\u0000"`` (which
PostgreSQL refuses in any text) and recurses on nesting until the
interpreter gives up. Every ``request.get_json`` goes through ``StrictJSONProvider.loads``."""

from __future__ import annotations

import json
import math
from typing import Any

from flask.json.provider import DefaultJSONProvider

MAX_DEPTH = 32  # no record of the API nests deeper than a few levels


class TooDeep(ValueError):
    """Nesting deeper than MAX_DEPTH (an import names this reason to its reader)."""


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is too large a number")
    return number


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _unstorable(text: str) -> bool:
    """A lone surrogate (not Unicode) or a NUL character (which PostgreSQL refuses in any
    text, even in a lookup)."""
    return "\x00" in text or _has_surrogate(text)


def check(value: Any) -> None:
    """Refuse (ValueError) nesting deeper than MAX_DEPTH, text that is not Unicode and text
    with a NUL character."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _unstorable(item):
                raise ValueError("text with an unpaired surrogate or a NUL character")
            continue
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise TooDeep(f"nested deeper than {MAX_DEPTH} levels")
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)


def strict_decoder() -> json.JSONDecoder:
    """A decoder with the same rules, for reading a large document value by value (an
    import's rows); the caller runs ``check`` on each value and catches RecursionError."""
    return json.JSONDecoder(parse_constant=_constant, parse_float=_finite)


def strict_loads(text: str | bytes, **kwargs: Any) -> Any:
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_finite, **kwargs)
    except RecursionError:
        raise TooDeep(f"nested deeper than {MAX_DEPTH} levels") from None
    check(value)
    return value


class StrictJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return strict_loads(s, **kwargs)
