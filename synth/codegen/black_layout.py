"""Code black leaves as it is, known by rule: plain docstrings, template lines with names put in.

black is the slowest step of a run, and most of what synth hands it comes back unchanged:
constant template text with a name or a string put in each slot. Two rules tell such code
without running black; code neither vouches for still goes to black.

- `plain_docstring`: triple double quotes around printable ASCII lines that fit, with no
  backslash, no space at either end of a line beyond the block's indentation, which every line
  after the first carries exactly, no quote at either end of the text, and the closing quotes
  on a line of their own when there are several: what `build_docstring` writes for plain text.
- `TemplateLayout`: a template statement's lines, and for each line that holds slots whether
  a fill can keep black's layout there. black lays out each logical line on its own: one that
  fits on a line, holds no magic trailing comma and no string over several lines is joined on
  one line, with spacing that depends on the kinds of its tokens. So a slotted line that is a
  whole logical line on one physical line keeps black's layout when each slot gets an atom (a
  name, a dotted name, a plain double-quoted string, a decimal integer) and the line still
  fits; a line that is a docstring slot alone keeps it when its docstring is plain. The rest
  of the template is constant text: black's layout once, black's layout always.

tests/codegen/test_black_layout.py holds both rules to black's own output, over random fills of
every template the generated services use and over every fill those services make.
"""

from __future__ import annotations

import io
import tokenize
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass

import libcst as cst

__all__ = ["LINE_LENGTH", "TemplateLayout", "docstring_value", "fill_code", "plain_docstring"]

LINE_LENGTH = 100
_CLOSING = frozenset(")]}")


def plain_docstring(value: str, indent: str) -> bool:
    """Whether black keeps `value`, the literal of a docstring in a block at `indent` ("" for
    a module), as it is (the rule above)."""
    if not (value.startswith('"""') and value.endswith('"""') and len(value) > 6):
        return False
    text = value[3:-3]
    if "\\" in text or '"""' in text or text[0] in ' "':
        return False
    lines = text.split("\n")
    if len(lines) > 1:
        if lines[-1] != indent:
            return False
        lines = lines[:-1]
        for line in lines[1:]:
            if line and not (line.startswith(indent) and line[len(indent)] != " "):
                return False
    if lines[-1].endswith(('"', " ")):
        return False
    for number, line in enumerate(lines):
        if not (line.isascii() and line.isprintable()) or line != line.rstrip():
            return False  # (black measures the width of wide characters; ASCII needs none)
        width = len(line) + (len(indent) + 3 if number == 0 else 0)
        if width + (3 if len(lines) == 1 else 0) > LINE_LENGTH:
            return False
    return True


_EMPTY = cst.Module(body=[])


def fill_code(node: cst.CSTNode) -> str | None:
    """The code of a slot's fill when it is one line black writes as it is, else None.

    The code black would write is built here from the node's parts (names, dotted names, plain
    double-quoted strings, decimal integers, f-strings, and calls, subscripts, lists, `|` unions,
    parameter lists of those, with black's spacing and no trailing comma) and compared with the
    code libcst makes of the node: only when they are the same is it black's already.
    """
    expected = _black_form(node)
    if expected is None or "\n" in expected:
        return None
    return expected if _EMPTY.code_for_node(node) == expected else None


def _black_form(node: cst.CSTNode) -> str | None:
    """What black writes for `node` on one line, for the kinds listed above, else None."""
    if getattr(node, "lpar", None):
        return None
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        value = _black_form(node.value)
        return None if value is None else f"{value}.{node.attr.value}"
    if isinstance(node, cst.SimpleString | cst.FormattedString):
        return _plain_string(node)
    if isinstance(node, cst.Integer):
        return node.value if node.value.isdigit() else None
    if isinstance(node, cst.Call):
        func = _black_form(node.func)
        args = _joined(_argument(a) for a in node.args)
        return None if func is None or args is None else f"{func}({args})"
    if isinstance(node, cst.Subscript):
        value = _black_form(node.value)
        items = _joined(
            _black_form(e.slice.value) if isinstance(e.slice, cst.Index) else None
            for e in node.slice
        )
        return None if value is None or items is None else f"{value}[{items}]"
    if isinstance(node, cst.List):
        items = _joined(
            _black_form(e.value) if type(e) is cst.Element else None for e in node.elements
        )
        return None if items is None else f"[{items}]"
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        left, right = _black_form(node.left), _black_form(node.right)
        return None if left is None or right is None else f"{left} | {right}"
    if isinstance(node, cst.Parameters):
        return _parameters(node)
    return None


def _plain_string(node: cst.SimpleString | cst.FormattedString) -> str | None:
    """A one-line double-quoted string or f-string with no quote or backslash inside."""
    text = _EMPTY.code_for_node(node)
    prefix = "f" if isinstance(node, cst.FormattedString) else ""
    inside = text[len(prefix) + 1 : -1]
    if not (text.startswith(prefix + '"') and text.endswith('"') and len(inside) + 2 <= len(text)):
        return None
    return None if '"' in inside or "\\" in inside or "\n" in inside else text


def _joined(parts: Iterable[str | None]) -> str | None:
    found = list(parts)
    return None if any(p is None for p in found) else ", ".join(found)  # type: ignore[arg-type]


def _argument(arg: cst.Arg) -> str | None:
    value = _black_form(arg.value)
    if value is None:
        return None
    if arg.keyword is not None:
        return None if arg.star else f"{arg.keyword.value}={value}"
    return f"{arg.star}{value}"


def _parameters(node: cst.Parameters) -> str | None:
    if node.posonly_params or node.star_kwarg is not None:
        return None
    if node.posonly_ind != cst.MaybeSentinel.DEFAULT:
        return None
    star = node.star_arg
    if not isinstance(star, cst.MaybeSentinel) and type(star) is not cst.ParamStar:
        return None
    if node.kwonly_params and type(star) is not cst.ParamStar:
        return None
    parts = [_param(p) for p in node.params]
    if node.kwonly_params:
        parts += ["*", *(_param(p) for p in node.kwonly_params)]
    return _joined(parts)


def _param(param: cst.Param) -> str | None:
    if param.star not in ("", cst.MaybeSentinel.DEFAULT):
        return None
    text = param.name.value
    if param.annotation is not None:
        annotation = _black_form(param.annotation.annotation)
        if annotation is None:
            return None
        text += f": {annotation}"
    if param.default is not None:
        default = _black_form(param.default)
        if default is None:
            return None
        text += f" = {default}" if param.annotation is not None else f"={default}"
    return text


def docstring_value(node: cst.CSTNode) -> str | None:
    """The literal of a docstring statement (`build_docstring`'s shape), else None."""
    if not (isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1):
        return None
    expr = node.body[0]
    if not (isinstance(expr, cst.Expr) and type(expr.value) is cst.SimpleString):
        return None
    if node.leading_lines or node.trailing_whitespace.comment is not None or expr.value.lpar:
        return None
    return expr.value.value


@dataclass(frozen=True)
class TemplateLayout:
    """A template statement's code (its slots as placeholder names), cut into lines: which
    lines hold which placeholders, and which of those are a docstring slot alone."""

    lines: tuple[str, ...]
    slotted: Mapping[int, tuple[str, ...]]
    docstring_at: Mapping[int, str]  # line -> the indentation of a docstring slot alone there

    @classmethod
    def of(cls, code: str, placeholders: Mapping[str, str]) -> TemplateLayout | None:
        """The layout of `code`, or None when a slotted line is not a whole logical line on
        one physical line, or holds a magic trailing comma (black's own layout decides)."""
        lines = tuple(code.splitlines(keepends=True))
        slotted: dict[int, tuple[str, ...]] = {}
        for number, line in enumerate(lines):
            found = tuple(p for p in placeholders if p in line)
            if found:
                slotted[number] = found
        if not slotted:
            return None
        if not _single_line_logical(code, set(slotted)):
            return None
        docstring_at: dict[int, str] = {}
        for number, found in slotted.items():
            line = lines[number]
            bare = line.strip()
            if len(found) == 1 and bare == found[0]:
                docstring_at[number] = line[: len(line) - len(line.lstrip())]
        return cls(lines, slotted, docstring_at)

    def filled(self, fills: Mapping[str, cst.CSTNode]) -> str | None:
        """The statement's code with `fills` (by placeholder) in, when the rule vouches for
        black keeping it; None when some fill is not an atom (or docstring) or a line no
        longer fits."""
        lines = list(self.lines)
        for number, found in self.slotted.items():
            if number in self.docstring_at:
                indent = self.docstring_at[number]
                node = fills.get(found[0])
                value = docstring_value(node) if node is not None else None
                if value is None or not plain_docstring(value, indent):
                    return None
                lines[number] = f"{indent}{value}\n"
                continue
            line = lines[number]
            for placeholder in found:
                fill = fills.get(placeholder)
                code = fill_code(fill) if fill is not None else None
                if code is None or ("**" in line and not isinstance(fill, cst.Name)):
                    return None  # (black hugs `**` around a name only: a call is spaced)
                line = line.replace(placeholder, code)
            if len(line.rstrip("\n")) > LINE_LENGTH or not line.isascii():
                return None
            lines[number] = line
        return "".join(lines)


def _single_line_logical(code: str, wanted: Set[int]) -> bool:
    """Whether each of these line numbers (from 0) is a whole logical line on its own physical
    line, without a magic trailing comma (a comma before a closing bracket)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):
        return False
    start_row: int | None = None
    previous = ""
    comma_closed = False
    for token in tokens:
        if token.type in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT):
            continue
        if token.type == tokenize.ENDMARKER:
            break
        if start_row is None:
            start_row = token.start[0]
            comma_closed = False
        if token.type == tokenize.OP and token.string in _CLOSING and previous == ",":
            comma_closed = True
        if token.type == tokenize.NEWLINE:
            end_row = token.start[0]
            touched = {r for r in range(start_row - 1, end_row) if r in wanted}
            if touched and (end_row != start_row or comma_closed):
                return False
            start_row = None
            previous = ""
            continue
        previous = token.string if token.type == tokenize.OP else ""
    return True
