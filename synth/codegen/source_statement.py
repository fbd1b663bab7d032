"""A statement held as its source text: runtime code that no transform touches.

synth's runtime modules are black's output already, and most of their statements reach a
service exactly as written. Parsing them into full libcst trees only to generate the same text
again was the largest step of `synth new`; a `SourceStatement` keeps the text (read once per
process, analysed with `ast`) and stands in the composed module as a libcst node:

- its code is generated as the text itself, after the blank lines and comments above it that
  the composed module gives it (`leading_lines`, as any statement's);
- it has no children, so transforms pass over it; whoever needs its tree (a feature that
  edits the `Settings` class, say) asks `parsed_statement` for the libcst statement;
- in a module whose newline or indentation is not the runtime's own (`\\n`, four spaces; an
  owner's CRLF or tab-indented file) it generates what its parsed tree generates there, which
  is what a parsed runtime statement always did.

tests/codegen/test_source_statement.py holds each runtime statement's text, identity, names and
comments equal to what libcst's parse of the module gives. It is a libcst node the way every
libcst node is one, by the two methods of libcst's node protocol (`_visit_and_replace_children`,
`_codegen_impl`); pyproject.toml bounds libcst below its next major version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import libcst as cst

if TYPE_CHECKING:  # the type of libcst's node protocol's argument, which libcst does not export
    from libcst._nodes.internal import CodegenState

__all__ = ["SourceStatement", "is_block", "parsed_statement"]

_CONFIG = cst.PartialParserConfig(python_version="3.11")
_INDENT = "    "


@dataclass(frozen=True)
class SourceStatement(cst.BaseCompoundStatement):
    """A top-level statement as its black-formatted source lines (the lines above it aside)."""

    #: its lines, each ending in "\n", without the blank lines and comments above it
    code: str
    #: what it is, as `synth.codegen.units.identity_of` says of its tree
    identity: tuple[str, ...]
    #: a def or class (black puts two blank lines around those)
    block: bool
    #: the blank lines and comments above it
    leading_lines: Sequence[cst.EmptyLine] = ()

    def _visit_and_replace_children(self, visitor: cst.CSTVisitorT) -> SourceStatement:
        lines = [line.visit(visitor) for line in self.leading_lines]
        kept = tuple(line for line in lines if isinstance(line, cst.EmptyLine))
        return SourceStatement(self.code, self.identity, self.block, kept)

    def _codegen_impl(self, state: CodegenState) -> None:
        if state.default_newline != "\n" or state.default_indent != _INDENT or state.indent_tokens:
            parsed_statement(self)._codegen(state)
            return
        for line in self.leading_lines:
            line._codegen(state)
        state.add_token(self.code[:-1])
        state.add_token(state.default_newline)  # its own token: a module may drop it at the end


@cache
def _tree(code: str) -> cst.SimpleStatementLine | cst.BaseCompoundStatement:
    statement = cst.parse_statement(code, _CONFIG)
    if not isinstance(statement, cst.SimpleStatementLine | cst.BaseCompoundStatement):
        raise TypeError(f"not a statement: {code[:80]!r}")
    return statement


def parsed_statement(
    statement: cst.SimpleStatementLine | cst.BaseCompoundStatement,
) -> cst.SimpleStatementLine | cst.BaseCompoundStatement:
    """`statement` as a libcst tree: a SourceStatement parsed (its leading lines kept), any
    other statement as it is."""
    if not isinstance(statement, SourceStatement):
        return statement
    return _tree(statement.code).with_changes(leading_lines=statement.leading_lines)


def is_block(statement: cst.BaseStatement) -> bool:
    """Whether `statement` is a def or a class (whichever way it is held)."""
    if isinstance(statement, SourceStatement):
        return statement.block
    return isinstance(statement, cst.FunctionDef | cst.ClassDef)
