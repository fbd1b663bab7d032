"""Node builders: every user value enters a syntax tree through one of these, never as text."""

from __future__ import annotations

import textwrap

import libcst as cst

__all__ = [
    "build_annotation",
    "build_docstring",
    "build_dict",
    "build_fstring",
    "build_int",
    "build_list",
    "build_name",
    "build_str",
]


def build_str(value: str) -> cst.SimpleString:
    """A double-quoted string literal holding exactly `value`."""
    escaped = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return cst.SimpleString(f'"{escaped}"')


def build_name(identifier: str) -> cst.Name:
    """A name node; refuses anything that is not a Python identifier."""
    if not identifier.isidentifier():
        raise ValueError(f"not a Python identifier: {identifier!r}")
    return cst.Name(identifier)


def build_int(value: int) -> cst.BaseExpression:
    """An integer literal (negative values as unary minus)."""
    if value < 0:
        return cst.UnaryOperation(cst.Minus(), cst.Integer(str(-value)))
    return cst.Integer(str(value))


def build_list(items: list[cst.BaseExpression]) -> cst.List:
    """A list display of `items`."""
    return cst.List([cst.Element(item) for item in items])


def build_dict(items: list[tuple[cst.BaseExpression, cst.BaseExpression]]) -> cst.Dict:
    """A dict display of `(key, value)` pairs."""
    return cst.Dict([cst.DictElement(key, value) for key, value in items])


def build_annotation(type_expression: str) -> cst.Annotation:
    """An annotation from one of synth's closed set of type spellings (never user text)."""
    return cst.Annotation(cst.parse_expression(type_expression))


def build_fstring(parts: list[str | cst.BaseExpression]) -> cst.FormattedString:
    """An f-string: str parts are literal text, nodes become `{expression}` fields."""
    content: list[cst.BaseFormattedStringContent] = []
    for part in parts:
        if isinstance(part, str):
            text = part.replace("{", "{{").replace("}", "}}").replace('"', '\\"')
            content.append(cst.FormattedStringText(text))
        else:
            content.append(cst.FormattedStringExpression(part))
    return cst.FormattedString(parts=content, start='f"', end='"')


def build_docstring(text: str, indent: int = 0) -> cst.SimpleStatementLine:
    """A docstring statement holding `text`, wrapped to fit 100 columns at `indent`."""
    width = 94 - indent  # the quotes take three columns on each side
    paragraphs = text.strip().split("\n\n")
    lines: list[str] = []
    for number, paragraph in enumerate(paragraphs):
        if number:
            lines.append("")
        for raw in paragraph.splitlines():
            wrapped = textwrap.wrap(raw, width=width, break_long_words=False) or [""]
            lines.extend(wrapped)
    pad = " " * indent
    body = "\n".join(pad + line if i and line else line for i, line in enumerate(lines))
    body = body.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    backslashes = len(body[:-1]) - len(body[:-1].rstrip("\\"))
    if body.endswith('"') and backslashes % 2 == 0:  # a last quote not escaped already
        body = body[:-1] + '\\"'
    if len(lines) > 1:
        body += "\n" + pad
    return cst.SimpleStatementLine([cst.Expr(cst.SimpleString(f'"""{body}"""'))])
