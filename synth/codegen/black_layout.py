"""Template lines with code put in their slots, known by rule to be black's output already.

black is the slowest step of a run, and most of what synth hands it comes back unchanged:
constant template text with a name or a string put in each slot. `TemplateLayout` is a template
statement's lines, and for each line that holds slots whether a fill can keep black's layout
there. black lays out each logical line on its own, from its tokens alone: one that fits on a
line, holds no magic trailing comma and no string over several lines is joined on one line,
with spacing that depends on the kinds of its tokens. So a slotted line that is a whole logical
line on one physical line gets black's layout when each slot gets code black writes on one
line (`black_form.expression_form`, whatever spacing libcst's own code of the node has): as it
is if it still fits, else split as `black_form` knows black splits such a statement (a `def`
line, `x = call(...)`, `return ...`, `assert a == [...]`, a string concatenation); so does a
line that is one whole element of a bracket black keeps one element a line (a magic trailing
comma); a line that is a docstring slot alone keeps it when its docstring is plain. A `def`
header black split in three (`def f(` / parameters / `) ...:`, no trailing comma) is the one
logical line laid out again: its filled tokens joined on one line if that fits, else split as
black splits a `def` line (`black_form.def_header_form`).
The rest of the template is constant text: black's layout once, black's layout always.

tests/codegen/test_black_layout.py holds the rule to black's own output, over random fills of
every template the generated services use; test_verbatim.py over every fill they make.
"""

from __future__ import annotations

import io
import keyword
import tokenize
from collections.abc import Mapping, Set
from dataclasses import dataclass, field

import libcst as cst

from synth.codegen.black_form import (
    LINE_LENGTH,
    def_header_form,
    docstring_value,
    expression_form,
    plain_docstring,
    split_form,
    statement_form,
)

__all__ = ["TemplateLayout"]

_CLOSING = frozenset(")]}")
_EMPTY = cst.Module(body=[])


@dataclass(frozen=True)
class TemplateLayout:
    """A template statement's code (its slots as placeholder names), cut into lines: which
    lines hold which placeholders, and which of those are a docstring slot alone."""

    lines: tuple[str, ...]
    slotted: Mapping[int, tuple[str, ...]]
    docstring_at: Mapping[int, str]  # line -> the indentation of a docstring slot alone there
    #: the first line of a `def` header black split in three (`def f(` / parameters / `) ...:`)
    #: that holds slots -> its last line
    headers: Mapping[int, int] = field(default_factory=dict)
    #: the slotted lines that are a whole logical line each (black may split one in turn)
    singles: frozenset[int] = frozenset()

    @classmethod
    def of(cls, code: str, placeholders: Mapping[str, str]) -> TemplateLayout | None:
        """The layout of `code`, or None when a slotted line is neither a whole logical line
        on one physical line without a magic trailing comma, nor a whole element of a bracket
        black keeps one element a line (black's own layout decides)."""
        lines = tuple(code.splitlines(keepends=True))
        slotted: dict[int, tuple[str, ...]] = {}
        for number, line in enumerate(lines):
            found = tuple(p for p in placeholders if p in line)
            if found:
                slotted[number] = found
        if not slotted:
            return None
        rows = _logical_rows(code, set(slotted))
        if rows is None:
            return None
        headers, singles = rows
        docstring_at: dict[int, str] = {}
        for number, found in slotted.items():
            line = lines[number]
            bare = line.strip()
            if len(found) == 1 and bare == found[0]:
                docstring_at[number] = line[: len(line) - len(line.lstrip())]
        return cls(lines, slotted, docstring_at, headers, frozenset(singles))

    def filled(self, fills: Mapping[str, cst.CSTNode]) -> tuple[str, str] | None:
        """The statement's code with `fills` (by placeholder) in, as libcst writes it and as
        black does (the same but for a too-long `def` line, split), when the rule vouches for
        black's; None when some fill is not one-line code black keeps (or a plain docstring),
        or a line no longer fits."""
        joined = list(self.lines)
        laid_out = list(self.lines)
        in_header: set[int] = set()
        for first, last in self.headers.items():
            rows = range(first, last + 1)
            in_header.update(rows)
            laid: list[str] = []
            for number in rows:
                put = _put(self.lines[number], self.slotted.get(number, ()), fills)
                if put is None:
                    return None
                joined[number], black_line = put
                laid.append(black_line)
            header = _header_form(laid)
            if header is None:
                return None
            laid_out[first : last + 1] = [header, *([""] * (last - first))]
        for number, found in self.slotted.items():
            if number in in_header:
                continue
            if number in self.docstring_at:
                indent = self.docstring_at[number]
                node = fills.get(found[0])
                value = docstring_value(node) if node is not None else None
                if value is None or not plain_docstring(value, indent):
                    return None
                joined[number] = laid_out[number] = f"{indent}{value}\n"
                continue
            put = _put(self.lines[number], found, fills)
            if put is None:
                return None
            joined[number], line = put
            if len(line.rstrip("\n")) > LINE_LENGTH:
                split = _split_line(line) if number in self.singles else None
                if split is None:
                    return None
                line = split
            laid_out[number] = line
        return "".join(joined), "".join(laid_out)


def _put(
    line: str, placeholders: tuple[str, ...], fills: Mapping[str, cst.CSTNode]
) -> tuple[str, str] | None:
    """`line` with each placeholder's fill in, as libcst writes it and as black does, when
    every fill is code black writes on one line (`black_form.expression_form`)."""
    code, black = line, line
    for placeholder in placeholders:
        fill = fills.get(placeholder)
        form = expression_form(fill) if fill is not None else None
        if fill is None or form is None or "\n" in form:
            return None
        if "**" in line and not isinstance(fill, cst.Name):
            return None  # (black hugs `**` around a name only: a call is spaced)
        if isinstance(fill, cst.Parameters) and f"({placeholder})" not in line:
            return None  # (parameters fill a def's parentheses, where their spacing holds)
        text = _EMPTY.code_for_node(fill)
        if text.count("#") != form.count("#"):
            return None  # (a comment in the fill: black keeps it, the one-line form cannot)
        code = code.replace(placeholder, text)
        black = black.replace(placeholder, form)
    if not black.isascii() or black.rstrip("\n") != black.rstrip():
        return None  # (an empty fill at the end of a line: `return `)
    return code, black


def _split_line(line: str) -> str | None:
    """black's lines for `line`, one whole logical line in black's spacing that is too long: a
    `def` line split as black splits one, a decorator line as `black_form.split_form` and
    another statement as `black_form.statement_form` know to split them, else None."""
    stripped = line.lstrip(" ")
    depth, rest = divmod(len(line) - len(stripped), 4)
    words = stripped.split(maxsplit=2)
    if rest:
        return None
    if words[:1] == ["def"] or words[:2] == ["async", "def"]:
        return def_header_form(line)
    if stripped.startswith("@"):
        try:
            decorator = cst.parse_expression(stripped[1:].strip())
        except (cst.ParserSyntaxError, cst.CSTValidationError):
            return None
        return split_form("@", decorator, depth)
    try:
        statement = cst.parse_statement(stripped)
    except (cst.ParserSyntaxError, cst.CSTValidationError):
        return None  # (a compound statement's header: `if x:` alone does not parse)
    return statement_form(statement, depth)


def _header_form(rows: list[str]) -> str | None:
    """black's lines for a `def` header it had split as `def f(` / parameters / `) ...:`, now
    filled: its tokens joined on one line (black's split adds none: no trailing comma) if that
    fits, else split again as black splits a `def` line (`def_header_form`)."""
    head, params, tail = rows
    one = head.rstrip("\n") + params.strip() + tail.strip()
    if len(one) <= LINE_LENGTH:
        return one + "\n"
    return def_header_form(one)


def _logical_rows(code: str, wanted: Set[int]) -> tuple[dict[int, int], set[int]] | None:
    """Whether each of these line numbers (from 0) is a whole logical line on its own physical
    line, without a magic trailing comma (a comma before a closing bracket), or a whole element
    of a bracket black keeps one element a line (`_element_rows`), or a line of a `def` header
    black split in three (`_split_header`): those headers' first and last lines, and the lines
    that are whole logical lines; else None."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    elements = _element_rows(tokens)
    headers: dict[int, int] = {}
    singles: set[int] = set()
    start_row: int | None = None
    start_index = 0
    previous = ""
    comma_closed = False
    for index, token in enumerate(tokens):
        if token.type in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT):
            continue
        if token.type == tokenize.ENDMARKER:
            break
        if start_row is None:
            start_row = token.start[0]
            start_index = index
            comma_closed = False
        if token.type == tokenize.OP and token.string in _CLOSING and previous == ",":
            comma_closed = True
        if token.type == tokenize.NEWLINE:
            end_row = token.start[0]
            touched = {r for r in range(start_row - 1, end_row) if r in wanted}
            if end_row != start_row and touched <= elements:
                pass  # each a whole element of a bracket black keeps one element a line
            elif touched and _split_header(tokens[start_index:index]):
                headers[start_row - 1] = end_row - 1
            elif touched and (end_row != start_row or comma_closed):
                return None
            elif touched:
                singles.update(touched)
            start_row = None
            previous = ""
            continue
        previous = token.string if token.type == tokenize.OP else ""
    return headers, singles


def _split_header(tokens: list[tokenize.TokenInfo]) -> bool:
    """Whether a logical line's tokens are a `def` header black split in three: `def f(` on
    the first line, the parameters (no trailing comma, no comment) on the second, the closing
    parenthesis starting the third, and the header's colon ending it."""
    if any(t.type == tokenize.COMMENT for t in tokens):
        return False
    sig = [t for t in tokens if t.type not in _SKIPPED]
    words = [t.string for t in sig[:2]]
    if not (words[:1] == ["def"] or words == ["async", "def"]) or sig[-1].string != ":":
        return False
    opening = next((i for i, t in enumerate(sig) if t.string == "("), None)
    if opening is None:
        return False
    depth = 0
    for index in range(opening, len(sig)):
        text = sig[index].string if sig[index].type == tokenize.OP else ""
        depth += text in ("(", "[", "{")
        depth -= text in (")", "]", "}")
        if depth == 0:
            closing = index
            break
    else:
        return False
    row = sig[opening].start[0]
    return (
        closing > opening + 1
        and sig[opening + 1].start[0] == row + 1
        and sig[closing - 1].end[0] == row + 1
        and sig[closing - 1].string != ","
        and sig[closing].start[0] == row + 2
        and sig[-1].end[0] == row + 2
        and sig[0].start[0] == row
    )


_SKIPPED = (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.NEWLINE)


def _element_rows(tokens: list[tokenize.TokenInfo]) -> set[int]:
    """The line numbers (from 0) that hold one whole element, and its comma, of a bracket
    black keeps one element a line whatever the lengths: a magic trailing comma before its
    closing bracket, and a call's parentheses or two elements at least (a lone element's comma
    is not magic in a tuple or a subscript). The element holds no magic comma of its own."""
    sig = [t for t in tokens if t.type not in _SKIPPED and t.type != tokenize.ENDMARKER]
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    for index, token in enumerate(sig):
        if token.type == tokenize.OP and token.string in "([{":
            stack.append(index)
        elif token.type == tokenize.OP and token.string in ")]}":
            if not stack:
                return set()
            pairs.append((stack.pop(), index))
    rows: set[int] = set()
    for opening, closing in pairs:
        if sig[closing - 1].string != ",":
            continue
        before = sig[opening - 1] if opening else None
        is_call = (
            sig[opening].string == "("
            and before is not None
            and (
                (before.type == tokenize.NAME and not keyword.iskeyword(before.string))
                or before.string in (")", "]")
            )
        )
        found: list[tuple[int, int]] = []
        depth, start = 0, opening + 1
        for index in range(opening + 1, closing):
            text = sig[index].string if sig[index].type == tokenize.OP else ""
            if text in ("(", "[", "{"):
                depth += 1
            elif text in (")", "]", "}"):
                depth -= 1
            elif text == "," and depth == 0:
                found.append((start, index))
                start = index + 1
        if not (is_call or len(found) >= 2):
            continue
        for first, comma in found:
            row = sig[first].start[0]
            alone = sig[first - 1].end[0] < row and sig[comma + 1].start[0] > row
            one_row = all(sig[k].start[0] == sig[k].end[0] == row for k in range(first, comma + 1))
            magic = any(
                sig[k].string == "," and sig[k + 1].string in (")", "]", "}")
                for k in range(first, comma)
            )
            if alone and one_row and not magic:
                rows.add(row - 1)
    return rows
