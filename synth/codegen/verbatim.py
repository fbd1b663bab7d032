"""Statements that are black's output already, known by identity so rendering keeps them.

A runtime statement no transform touches is a SourceStatement, its own text. Two sources mark
the rest: the runtime statements libcst parses but the package rename leaves alone (a module
docstring), and templates for every statement without slots (tests/codegen/test_verbatim.py
holds each one black-stable). The composed module
holds the very nodes (only the blank lines and comments above a statement may be new), so a
statement is recognised by the identity of its parts, never by comparing text.
"""

from __future__ import annotations

import dataclasses

import libcst as cst

from synth.codegen.source_statement import SourceStatement

__all__ = ["generated_code", "mark_verbatim", "marked", "verbatim_code"]

_EMPTY = cst.Module(body=[])
_MARKED: dict[int, cst.BaseStatement] = {}
_CODE: dict[int, str] = {}


def mark_verbatim(statement: cst.BaseStatement, code: str | None = None) -> None:
    """Record `statement` (kept alive here) as black's output already; `code`, when the caller
    has it, is its code without the lines above it (`tests/codegen/test_verbatim.py` holds it
    equal to what libcst would generate, or for a `def` line black splits, the same in meaning)."""
    _MARKED[id(getattr(statement, "body", statement))] = statement
    if code is not None:
        _CODE[id(statement)] = code


def generated_code(statement: cst.BaseStatement) -> str:
    """What libcst generates for `statement` without the lines above it (no cache)."""
    return _EMPTY.code_for_node(statement.with_changes(leading_lines=[]))


def marked() -> list[cst.BaseStatement]:
    """Every statement marked so far in this process (for the test that holds them stable)."""
    return list(_MARKED.values())


def verbatim_code(statement: cst.BaseStatement) -> str | None:
    """The code (without the lines above it) of a marked statement, else None; the blank
    lines and comments above it may differ from the marked one's. A SourceStatement's code is
    its text."""
    if isinstance(statement, SourceStatement):
        return statement.code
    original = _MARKED.get(id(getattr(statement, "body", statement)))
    if original is None or type(original) is not type(statement):
        return None
    for field in dataclasses.fields(original):
        if field.name != "leading_lines" and getattr(original, field.name) is not getattr(
            statement, field.name
        ):
            return None
    key = id(original)
    if key not in _CODE:
        _CODE[key] = generated_code(original)
    return _CODE[key]
