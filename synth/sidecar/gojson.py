"""Go ``encoding/json`` compatible serialisation.

daprd is written in Go: the bytes it stores (state values, S-12) and publishes (CloudEvent
envelopes, P-4) come out of ``json.Marshal``.  This module owns reproducing that output so the
local runtime emits the same bytes: compact separators, map keys sorted, HTML characters and
U+2028/U+2029 escaped, float64 formatting (S-12) or verbatim numbers (P-3, which decodes with
``UseNumber`` semantics).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

__all__ = ["RawNumber", "loads_float64", "loads_precise", "marshal"]


class RawNumber(str):
    """A JSON number kept as its source text (emitted verbatim by :func:`marshal`)."""


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def _string(value: str) -> str:
    out = ['"']
    for ch in value:
        esc = _ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        elif 0xD800 <= ord(ch) <= 0xDFFF:
            out.append("\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _float(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"json: unsupported value: {value!r}")
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        mantissa, _, exp = repr(value).partition("e")
        exponent = int(exp)
        return f"{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent)}"
    if value == int(value):
        return str(int(value))
    return format(Decimal(repr(value)), "f")


def _encode(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, RawNumber):
        out.append(str(value))
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, dict):
        out.append("{")
        for index, key in enumerate(sorted(value, key=str)):
            if index:
                out.append(",")
            out.append(_string(str(key)))
            out.append(":")
            _encode(value[key], out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        raise TypeError(f"cannot marshal {type(value).__name__}")


def marshal(value: Any) -> bytes:
    """Serialise ``value`` exactly like Go's ``json.Marshal`` of the equivalent ``any``."""
    out: list[str] = []
    _encode(value, out)
    return "".join(out).encode("utf-8")


def loads_float64(data: str | bytes) -> Any:
    """Decode JSON into Go ``any`` semantics: every number becomes a float64 (S-12)."""
    return json.loads(data, parse_int=float, parse_constant=_reject_constant)


def loads_precise(data: str | bytes) -> Any:
    """Decode JSON keeping numbers as their source text (``json.Number``, P-3)."""
    return json.loads(
        data, parse_int=RawNumber, parse_float=RawNumber, parse_constant=_reject_constant
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid character {name!r} looking for beginning of value")
