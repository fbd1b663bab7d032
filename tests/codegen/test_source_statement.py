"""Runtime statements held as text say what their libcst trees say, and generate what they do.

Before: every runtime module was parsed by libcst, the largest step of `synth new`. After: each
statement is read with `ast` and kept as its text (a SourceStatement). The oracle is libcst's
own parse of every runtime module: same statements, code, comments above, imports, names,
identity. Then SourceStatement in modules that are not the runtime's own shape (CRLF, tabs, a
class body) generates exactly what its parsed tree generates there.
"""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from synth.codegen import SourceStatement, identity_of, imports_of, parsed_statement, statements
from synth.codegen.reading import read_statements
from synth.codegen.template import names_in
from synth.codegen.verbatim import generated_code
from synth.quality import format_source

RUNTIME = Path(__file__).resolve().parents[2] / "synth" / "runtime"
MODULES = sorted(p.relative_to(RUNTIME).as_posix() for p in RUNTIME.rglob("*.py"))
_EMPTY = cst.Module(body=[])


@pytest.mark.parametrize("relative", MODULES)
def test_a_runtime_module_read_with_ast_is_what_libcst_parses(relative: str) -> None:
    source = (RUNTIME / relative).read_text(encoding="utf-8")
    read = read_statements(source)
    assert read is not None, "runtime modules give each statement its own lines"
    parsed = statements(cst.parse_module(source).body)
    assert len(read) == len(parsed)
    for index, (mine, tree) in enumerate(zip(read, parsed, strict=True)):
        assert mine.code == generated_code(tree)
        lines = "".join(_EMPTY.code_for_node(line) for line in mine.leading_lines)
        assert lines == "".join(_EMPTY.code_for_node(line) for line in tree.leading_lines), index
        assert mine.imports == imports_of(tree)
        assert mine.names == frozenset(names_in(tree)), mine.code[:80]
        if mine.imports is None:
            assert mine.identity == identity_of(tree), mine.code[:80]
        assert mine.block == isinstance(tree, cst.FunctionDef | cst.ClassDef)


@pytest.mark.parametrize("relative", MODULES)
def test_each_runtime_statement_alone_is_black_stable(relative: str) -> None:
    read = read_statements((RUNTIME / relative).read_text(encoding="utf-8"))
    assert read is not None
    for each in read:
        assert format_source(each.code) == each.code, each.code[:300]


def test_statements_sharing_a_line_are_left_to_libcst() -> None:
    assert read_statements("a = 1; b = 2\n") is None
    assert read_statements("a = 1\nif a: b = 2\n") is not None


def test_an_import_nested_in_a_statement_is_seen() -> None:
    read = read_statements("def f() -> None:\n    from a.b import c\n\n    c()\n")
    assert read is not None
    assert read[0].nested_import_of("a.") and not read[0].nested_import_of("b.")
    assert read[0].names == {"f", "a", "b", "c", "None"}


def test_comments_between_statements_are_its_leading_lines() -> None:
    read = read_statements('"""Doc."""\n\n# why\n\nx = 1  # trailing\n')
    assert read is not None
    assert read[1].code == "x = 1  # trailing\n"
    assert [line.comment.value if line.comment else None for line in read[1].leading_lines] == [
        None,
        "# why",
        None,
    ]


CODE = 'def greet(name: str) -> str:\n    return f"hi {name}"\n'


def _held() -> SourceStatement:
    return SourceStatement(CODE, ("def", "greet"), True, (cst.EmptyLine(),))


def _module_around(statement: cst.BaseCompoundStatement, source: str) -> str:
    module = cst.parse_module(source)
    return module.with_changes(body=[*module.body, statement]).code


@pytest.mark.parametrize(
    "source",
    ["x = 1\n", "x = 1\r\n", "def f():\n\treturn 1\n", "def f():\n  return 1\n"],
    ids=["lf-4-spaces", "crlf", "tabs", "2-spaces"],
)
def test_a_source_statement_generates_what_its_tree_generates(source: str) -> None:
    held = _held()
    assert _module_around(held, source) == _module_around(parsed_statement(held), source)


def test_in_the_runtimes_own_shape_it_is_its_text() -> None:
    assert _module_around(_held(), "x = 1\n") == "x = 1\n\n" + CODE


def test_inside_a_class_body_it_is_indented_as_its_tree() -> None:
    held = _held()
    wrap = cst.parse_module("class Box:\n    pass\n")
    box = cst.ensure_type(wrap.body[0], cst.ClassDef)
    block = cst.ensure_type(box.body, cst.IndentedBlock)
    as_text = wrap.with_changes(body=[box.with_changes(body=block.with_changes(body=[held]))])
    tree = parsed_statement(held)
    as_tree = wrap.with_changes(body=[box.with_changes(body=block.with_changes(body=[tree]))])
    assert as_text.code == as_tree.code
    assert "    def greet(name: str) -> str:\n        return" in as_text.code


def test_a_transform_passes_over_it_and_its_tree_is_libcsts() -> None:
    class Upper(cst.CSTTransformer):
        def leave_Name(  # noqa: N802 - libcst visitor protocol
            self, original_node: cst.Name, updated_node: cst.Name
        ) -> cst.Name:
            return updated_node.with_changes(value=updated_node.value.upper())

    held = _held()
    assert held.visit(Upper()).deep_equals(held)
    assert parsed_statement(held).deep_equals(
        cst.parse_statement(CODE).with_changes(leading_lines=held.leading_lines)
    )
    assert identity_of(held) == ("def", "greet")
