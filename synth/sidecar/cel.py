"""A small, safe evaluator for the CEL subset used in subscription routing rules (U-3).

Supported: ``event.<field>[.<field>...]`` paths, string / integer / boolean / ``null`` literals,
``==``, ``!=``, ``&&``, ``||``, ``!`` and parentheses.  Anything else is refused at compile
time with :class:`CelError` (the caller logs it and drops the subscription).  Nothing is ever
passed to ``eval``.  A path to a missing field evaluates to ``null`` (real CEL raises "no such
key"; the local runtime treats it as "does not match").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["CelError", "compile_match"]

Predicate = Callable[[dict[str, Any]], bool]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<number>-?\d+)
      | (?P<op>==|!=|&&|\|\||[()!])
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    )""",
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}
_MISSING = object()


class CelError(ValueError):
    """The expression is outside the supported subset."""


def _unescape(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


def _tokenize(expression: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    stripped = expression.rstrip()
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if match is None or match.end() == position:
            raise CelError(
                f"unsupported CEL syntax at {position} in {expression!r} "
                "(the local runtime supports event.<field> ==/!= literal, &&, ||, !, ())"
            )
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = _tokenize(expression)
        self.index = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise CelError(f"unexpected end of expression {self.expression!r}")
        self.index += 1
        return token

    def parse(self) -> Callable[[dict[str, Any]], Any]:
        node = self.parse_or()
        if self.peek() is not None:
            raise CelError(f"unexpected {self.peek()[1]!r} in {self.expression!r}")  # type: ignore[index]
        return node

    def parse_or(self) -> Callable[[dict[str, Any]], Any]:
        left = self.parse_and()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.parse_and()
            left = (lambda a, b: lambda e: _truth(a(e)) or _truth(b(e)))(left, right)
        return left

    def parse_and(self) -> Callable[[dict[str, Any]], Any]:
        left = self.parse_cmp()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.parse_cmp()
            left = (lambda a, b: lambda e: _truth(a(e)) and _truth(b(e)))(left, right)
        return left

    def parse_cmp(self) -> Callable[[dict[str, Any]], Any]:
        left = self.parse_unary()
        token = self.peek()
        if token in (("op", "=="), ("op", "!=")):
            self.take()
            right = self.parse_unary()
            if token == ("op", "=="):
                return (lambda a, b: lambda e: _equal(a(e), b(e)))(left, right)
            return (lambda a, b: lambda e: not _equal(a(e), b(e)))(left, right)
        return left

    def parse_unary(self) -> Callable[[dict[str, Any]], Any]:
        token = self.take()
        kind, text = token
        if token == ("op", "!"):
            inner = self.parse_unary()
            return lambda e: not _truth(inner(e))
        if token == ("op", "("):
            inner = self.parse_or()
            if self.take() != ("op", ")"):
                raise CelError(f"missing ')' in {self.expression!r}")
            return inner
        if kind == "string":
            value: Any = _unescape(text)
            return lambda e: value
        if kind == "number":
            number = int(text)
            return lambda e: number
        if kind == "ident":
            if text in ("true", "false"):
                flag = text == "true"
                return lambda e: flag
            if text == "null":
                return lambda e: None
            parts = text.split(".")
            if parts[0] != "event" or len(parts) < 2:
                raise CelError(f"unsupported identifier {text!r} (only event.<field>)")
            return lambda e: _lookup(e, parts[1:])
        raise CelError(f"unexpected {text!r} in {self.expression!r}")


def _lookup(event: dict[str, Any], path: list[str]) -> Any:
    current: Any = event
    for part in path:
        if not isinstance(current, dict) or part not in current:
            return None
        current = current[part]
    return current


def _normal(value: Any) -> Any:
    if isinstance(value, str) and type(value) is not str:  # gojson.RawNumber
        try:
            return int(value)
        except ValueError:
            return float(value)
    return value


def _equal(left: Any, right: Any) -> bool:
    left, right = _normal(left), _normal(right)
    if isinstance(left, bool) != isinstance(right, bool):
        return False
    return bool(left == right)


def _truth(value: Any) -> bool:
    if not isinstance(value, bool):
        raise CelError(f"expression result is not a boolean: {value!r}")
    return value


def compile_match(expression: str) -> Predicate:
    """Compile a routing ``match``; empty means "always true" (U-3)."""
    if not expression.strip():
        return lambda event: True
    node = _Parser(expression).parse()

    def predicate(event: dict[str, Any]) -> bool:
        return _truth(node(event))

    return predicate
