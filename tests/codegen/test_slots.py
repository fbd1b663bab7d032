"""Filling a template statement's slots in its parsed tree gives what libcst's own function gives.

Before: every slotted template statement went through `parse_template_statement` (a parse and
two whole-tree walks per fill). After: `synth.codegen.slots` rebuilds only the nodes above each
slot. The oracle is libcst's function itself, run beside every fill made while composing every
LearnFlow service and golden case.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import libcst as cst
import pytest
from libcst.helpers import parse_template_statement

import synth.api as api
import synth.codegen.template as template
from synth.api import compose_service
from synth.codegen.slots import SlotSite, fill, slot_sites
from synth.spec import load_spec
from synth.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
_EMPTY = cst.Module(body=[])


def _as_template(statement: cst.CSTNode) -> str:
    code = _EMPTY.code_for_node(statement)
    return template._SLOT_NAME.sub(lambda m: "{" + m.group(1) + "}", code)


def test_every_fill_of_every_service_is_libcsts(monkeypatch: pytest.MonkeyPatch) -> None:
    kinds: Counter[str] = Counter()

    def checked(
        statement: cst.CSTNode, sites: tuple[SlotSite, ...], replacements: Mapping[str, Any]
    ) -> cst.CSTNode | None:
        filled = fill(statement, sites, replacements)
        assert isinstance(statement, cst.SimpleStatementLine | cst.BaseCompoundStatement)
        bare = statement.with_changes(leading_lines=[])
        expected = parse_template_statement(_as_template(bare), **replacements)
        assert filled is not None
        assert isinstance(filled, cst.SimpleStatementLine | cst.BaseCompoundStatement)
        got = filled.with_changes(leading_lines=[])
        assert got.deep_equals(expected), _EMPTY.code_for_node(expected)[:300]
        kinds.update(site.kind for site in sites)
        return filled

    monkeypatch.setattr(template, "fill", checked)
    template._statements.cache_clear()
    api._contribution.cache_clear()  # contributions made earlier in this process are not fills
    for path in [
        *sorted((ROOT / "specs").glob("*.yaml")),
        *ROOT.glob("tests/features/cases/*/*/spec.yaml"),
    ]:
        spec = load_spec(path)
        compose_service(spec, list(spec.features), Workspace(root=None), gate=False)
    assert kinds["expression"] > 500 and kinds["parameters"] > 50 and kinds["statement"] > 100


def _parsed(source: str) -> tuple[cst.BaseStatement, tuple[SlotSite, ...]]:
    statement = cst.parse_statement(source)
    return statement, slot_sites(statement, {"__synth_slot_a__": "a", "__synth_slot_b__": "b"})


def test_an_expression_slot_is_replaced_where_it_stands() -> None:
    statement, sites = _parsed("x = f(__synth_slot_a__, __synth_slot_a__.y)\n")
    assert [s.kind for s in sites] == ["expression", "expression"]
    filled = fill(statement, sites, {"a": cst.Integer("1")})
    assert filled is not None and _EMPTY.code_for_node(filled) == "x = f(1, 1.y)\n"


def test_a_lone_parameter_slot_takes_a_parameter_list() -> None:
    statement, sites = _parsed("def g(__synth_slot_a__):\n    return 1\n")
    params = cst.parse_statement("def h(p: int, *, q: str) -> None: ...").params  # type: ignore[attr-defined]
    filled = fill(statement, sites, {"a": params})
    assert filled is not None
    assert _EMPTY.code_for_node(filled).startswith("def g(p: int, *, q: str):")


def test_a_line_that_is_a_slot_takes_a_statement() -> None:
    statement, sites = _parsed("if ok:\n    __synth_slot_b__\n")
    filled = fill(statement, sites, {"b": cst.parse_statement("return 2\n")})
    assert filled is not None and _EMPTY.code_for_node(filled) == "if ok:\n    return 2\n"


def test_a_replacement_of_another_kind_is_left_to_libcst() -> None:
    statement, sites = _parsed("x = __synth_slot_a__\n")
    assert fill(statement, sites, {"a": cst.parse_statement("pass\n")}) is None
    assert fill(statement, sites, {}) is None
    assert fill(statement, sites, {"a": cst.Integer("1"), "b": cst.Integer("2")}) is None
