"""Small node helpers the agent's modules share."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import libcst as cst

from synth.codegen import Unit, build_annotation, build_name, build_str, expand_template

__all__ = ["build_text", "call", "constant", "in_order", "units"]

_CHUNK = 84


def units(template: str, **nodes: cst.CSTNode) -> tuple[Unit, ...]:
    """The units of a small template, each with the imports it uses."""
    return expand_template(template, nodes).units


def constant(name: str, value: cst.BaseExpression, annotation: str | None = None) -> Unit:
    """The unit `NAME = value` (`NAME: annotation = value`), a module constant of the spec's."""
    target = build_name(name)
    statement: cst.BaseSmallStatement
    if annotation is None:
        statement = cst.Assign([cst.AssignTarget(target)], value)
    else:
        statement = cst.AnnAssign(target, build_annotation(annotation), value)
    return Unit(cst.SimpleStatementLine([statement]))


def call(function: str, args: Sequence[cst.BaseExpression]) -> cst.Call:
    return cst.Call(build_name(function), [cst.Arg(a) for a in args])


def in_order(order: Sequence[str], *sources: Iterable[Unit]) -> tuple[Unit, ...]:
    """The units of `sources` named in `order`, in that order (a later source's unit of a name
    stands in for an earlier one's); a unit left unplaced, or a name none has, is a bug."""
    found: dict[str, Unit] = {}
    for source in sources:
        found.update((str(unit.identity[-1]), unit) for unit in source)
    missing = [name for name in order if name not in found]
    unplaced = sorted(set(found) - set(order))
    if missing or unplaced:
        raise ValueError(f"agent units: missing {missing}, unplaced {unplaced}")
    return tuple(found[name] for name in order)


def build_text(text: str) -> cst.BaseExpression:
    """A string literal holding `text`, split into implicitly joined pieces that fit a line."""
    words = re.findall(r"\S+\s*|\s+", text)
    chunks: list[str] = []
    for word in words:
        if chunks and len(chunks[-1]) + len(word) <= _CHUNK:
            chunks[-1] += word
        else:
            chunks.append(word)
    if len(chunks) <= 1:
        return build_str(text)
    node: cst.BaseExpression = build_str(chunks[-1])
    for chunk in reversed(chunks[:-1]):
        node = cst.ConcatenatedString(build_str(chunk), node)  # type: ignore[arg-type]
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
