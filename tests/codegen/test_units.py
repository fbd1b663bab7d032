"""ensure_units: insert what is missing after its canonical predecessor; never touch the rest."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from synth.codegen import Unit, build_str, build_template_units, ensure_units, identity_of
from synth.errors import AnchorError


def _units(source: str) -> list[Unit]:
    return list(build_template_units(textwrap.dedent(source)).units)


CANONICAL = _units("""\
    app = FastAPI()

    app.include_router(health_router)

    app.include_router(events_router)


    def helper() -> int:
        return 1
    """)


def test_identities_name_what_a_statement_is() -> None:
    routes = _units("""\
        @router.get("/health")
        async def health() -> dict[str, str]:
            return {}
        """)
    assert routes[0].identity == ("route", "GET", "/health")
    assert [u.identity for u in CANONICAL] == [
        ("assign", "app"),
        ("expr", "app.include_router(health_router)"),
        ("expr", "app.include_router(events_router)"),
        ("def", "helper"),
    ]


def test_inserts_missing_units_after_their_predecessor_and_keeps_owner_code() -> None:
    before = textwrap.dedent("""\
        app = FastAPI()  # the owner's comment
        app.include_router(events_router)


        def owners_function() -> str:
            return "mine"
        """)
    module, added, drifts = ensure_units(cst.parse_module(before), CANONICAL)
    assert added == [("expr", "app.include_router(health_router)"), ("def", "helper")]
    assert drifts == []
    assert module.code == textwrap.dedent("""\
        app = FastAPI()  # the owner's comment

        app.include_router(health_router)
        app.include_router(events_router)


        def helper() -> int:
            return 1


        def owners_function() -> str:
            return "mine"
        """)
    again, added_again, _ = ensure_units(module, CANONICAL)
    assert (again.code, added_again) == (module.code, [])


def test_an_edited_unit_is_reported_not_replaced() -> None:
    before = "def helper() -> int:\n    return 2\n"
    module, added, drifts = ensure_units(cst.parse_module(before), CANONICAL[3:])
    assert module.code == before
    assert added == []
    assert [d.identity for d in drifts] == [("def", "helper")]


def test_missing_anchor_is_an_error_naming_it() -> None:
    unit = Unit(CANONICAL[1].node, anchor=("assign", "app"))
    with pytest.raises(AnchorError, match="anchor `app` is missing"):
        ensure_units(cst.parse_module("x = 1\n"), [unit])


def test_user_values_enter_as_nodes_never_as_text() -> None:
    tricky = 'quote " and {brace} and \\ backslash'
    units = build_template_units("NAME = {value}\n", value=build_str(tricky)).units
    code = cst.Module(body=[units[0].node]).code
    namespace: dict[str, object] = {}
    exec(
        compile(code, "<unit>", "exec"), namespace
    )  # noqa: S102 - checking the literal round-trips
    assert namespace["NAME"] == tricky
    assert identity_of(units[0].node) == ("assign", "NAME")
