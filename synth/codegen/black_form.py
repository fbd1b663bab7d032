"""What black writes for a node that fits on its lines, built from the node's parts.

black lays out each logical line on its own: one that fits in 100 columns, with no magic
trailing comma, comment or string over several lines, is joined on one line, spaced by the
kinds of its tokens; blank lines follow rules of their own. So for a closed set of shapes
black's output can be written from the node alone, whatever whitespace the node carries:

- `expression_form`: names, dotted names, strings and f-strings black need not requote or
  requotes simply, implicit concatenations of those, decimal numbers, negative numbers, and
  calls, subscripts, lists, tuples, dicts, `|` unions, single comparisons, `a if b else c` and
  `await` of those;
- `statement_form`: an assignment, annotated assignment, expression, `return`, `assert` or
  `pass` line, split as black splits it when too long (at the brackets of its last expression,
  where black omits its optional parentheses: `split_form`), and a class (no decorator, no
  comment) whose body is such lines, a plain docstring first, then methods whose code is known;
- `plain_docstring`: what `build_docstring` writes for plain text, at any depth;
- `def_header_form`: a `def` line in black's spacing that is too long, split as black splits
  it: the parameters on one line of their own if they fit there (a lone one with a trailing
  comma), else one per line, each with a trailing comma.

Anything else, and anything that does not fit, is None: black decides it.
tests/codegen/test_black_form.py holds each form equal to black's output over random nodes
and to libcst's own code of the node in meaning (the same `ast`).
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Callable, Iterable, Sequence

import libcst as cst

__all__ = [
    "LINE_LENGTH",
    "def_header_form",
    "docstring_value",
    "expression_form",
    "plain_docstring",
    "split_form",
    "statement_form",
]

LINE_LENGTH = 100
_EMPTY = cst.Module(body=[])
_FLOAT = re.compile(r"[0-9]+\.[0-9]+")


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


def expression_form(node: cst.CSTNode) -> str | None:
    """What black writes for `node` on one line, for the kinds listed above, else None."""
    if getattr(node, "lpar", None) and not isinstance(node, cst.Tuple):
        return None
    if _magic_comma(node):
        return None  # black keeps such a bracket one element a line
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        value = expression_form(node.value)
        return None if value is None else f"{value}.{node.attr.value}"
    if isinstance(node, cst.SimpleString | cst.FormattedString):
        return _plain_string(node)
    if isinstance(node, cst.Integer):
        return node.value if node.value.isdigit() else None
    if isinstance(node, cst.Float):
        return node.value if _FLOAT.fullmatch(node.value) else None
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        operand = node.expression
        simple = isinstance(operand, cst.Integer | cst.Float) and not operand.lpar
        value = expression_form(operand) if simple else None
        return None if value is None else f"-{value}"
    if isinstance(node, cst.Tuple):
        return _tuple_form(node)
    if isinstance(node, cst.Dict):
        return _dict_form(node)
    if isinstance(node, cst.Call):
        func = expression_form(node.func)
        args = _joined(_argument(a) for a in node.args)
        return None if func is None or args is None else f"{func}({args})"
    if isinstance(node, cst.Subscript):
        value = expression_form(node.value)
        items = _joined(
            expression_form(e.slice.value) if isinstance(e.slice, cst.Index) else None
            for e in node.slice
        )
        return None if value is None or items is None else f"{value}[{items}]"
    if isinstance(node, cst.List):
        items = _joined(
            expression_form(e.value) if type(e) is cst.Element else None for e in node.elements
        )
        return None if items is None else f"[{items}]"
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        left, right = expression_form(node.left), expression_form(node.right)
        return None if left is None or right is None else f"{left} | {right}"
    if isinstance(node, cst.Parameters):
        return _parameters(node)
    if isinstance(node, cst.IfExp):
        parts = [expression_form(n) for n in (node.body, node.test, node.orelse)]
        if any(part is None for part in parts):
            return None
        return f"{parts[0]} if {parts[1]} else {parts[2]}"
    if isinstance(node, cst.Await):
        value = expression_form(node.expression)
        return None if value is None else f"await {value}"
    if isinstance(node, cst.ConcatenatedString):
        strings = _concatenation(node)
        return None if strings is None else " ".join(strings)
    if isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
        target = node.comparisons[0]
        operator = _COMPARISONS.get(type(target.operator))
        left, right = expression_form(node.left), expression_form(target.comparator)
        if operator is None or left is None or right is None:
            return None
        return f"{left} {operator} {right}"
    return None


_COMPARISONS: dict[type[cst.CSTNode], str] = {
    cst.Equal: "==",
    cst.NotEqual: "!=",
    cst.LessThan: "<",
    cst.GreaterThan: ">",
    cst.LessThanEqual: "<=",
    cst.GreaterThanEqual: ">=",
    cst.In: "in",
    cst.NotIn: "not in",
    cst.Is: "is",
    cst.IsNot: "is not",
}


def _magic_comma(node: cst.CSTNode) -> bool:
    """Whether the last element of `node`'s brackets has a trailing comma, which black takes as
    an order to keep them exploded (a one-tuple's comma is its own, not magic)."""
    if isinstance(node, cst.Call):
        items: Sequence[cst.CSTNode] = node.args
    elif isinstance(node, cst.Subscript):
        items = node.slice
    elif isinstance(node, cst.List | cst.Dict | cst.Set):
        items = node.elements
    elif isinstance(node, cst.Tuple):
        items = node.elements if len(node.elements) > 1 else ()
    elif isinstance(node, cst.Parameters):
        items = [*node.params, *node.kwonly_params]
        star = node.star_arg
        if isinstance(star, cst.Param) and not node.kwonly_params:
            items.append(star)
    else:
        return False
    return bool(items) and isinstance(getattr(items[-1], "comma", None), cst.Comma)


def _plain_string(node: cst.SimpleString | cst.FormattedString) -> str | None:
    """A one-line string or f-string as black writes it: double-quoted, with no quote or
    backslash inside; or a plain string black requotes: single-quoted with no quote or
    backslash inside (to double quotes), or double-quoted whose only backslashes escape
    double quotes and with no single quote (to single quotes, unescaped)."""
    text = _EMPTY.code_for_node(node)
    prefix = "f" if isinstance(node, cst.FormattedString) else ""
    quote = text[len(prefix) : len(prefix) + 1]
    inside = text[len(prefix) + 1 : -1]
    if quote not in ('"', "'") or text[-1] != quote or len(inside) + 2 + len(prefix) != len(text):
        return None
    if "\n" in inside or inside[:2] == quote * 2 or text.startswith(prefix + quote * 3):
        return None
    if quote == '"' and '"' not in inside and "\\" not in inside:
        return text
    if prefix or "\\" in inside.replace('\\"', ""):
        return None
    if quote == "'" and '"' not in inside and "'" not in inside:
        return f'"{inside}"'
    if quote == '"' and "'" not in inside and '\\"' in inside:
        unescaped = inside.replace('\\"', '"')
        return None if unescaped.endswith("\\") else f"'{unescaped}'"
    return None


def _concatenation(node: cst.ConcatenatedString) -> list[str] | None:
    """The strings of an implicit concatenation without parentheses, each in black's form."""
    found: list[str] = []
    current: cst.BaseExpression = node
    while isinstance(current, cst.ConcatenatedString):
        if current.lpar or not isinstance(current.left, cst.SimpleString | cst.FormattedString):
            return None
        found.append(_plain_string(current.left) or "")
        current = current.right
    if not isinstance(current, cst.SimpleString | cst.FormattedString) or current.lpar:
        return None
    found.append(_plain_string(current) or "")
    return None if not all(found) else found


def _tuple_form(node: cst.Tuple) -> str | None:
    """`(a, b)`, `(a,)` or `a, b` as written: black keeps a tuple's parentheses as they are."""
    if len(node.lpar) > 1 or not node.elements:
        return "()" if len(node.lpar) == 1 and not node.elements else None
    items = _joined(
        expression_form(e.value) if type(e) is cst.Element else None for e in node.elements
    )
    if items is None:
        return None
    if len(node.elements) == 1:
        return f"({items},)" if node.lpar else None
    return f"({items})" if node.lpar else items


def _dict_form(node: cst.Dict) -> str | None:
    parts: list[str | None] = []
    for element in node.elements:
        if not isinstance(element, cst.DictElement):
            return None
        key, value = expression_form(element.key), expression_form(element.value)
        parts.append(None if key is None or value is None else f"{key}: {value}")
    items = _joined(parts)
    return None if items is None else f"{{{items}}}"


def _joined(parts: Iterable[str | None]) -> str | None:
    found = list(parts)
    return None if any(p is None for p in found) else ", ".join(found)  # type: ignore[arg-type]


def _argument(arg: cst.Arg) -> str | None:
    value = expression_form(arg.value)
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
        annotation = expression_form(param.annotation.annotation)
        if annotation is None:
            return None
        text += f": {annotation}"
    if param.default is not None:
        default = expression_form(param.default)
        if default is None:
            return None
        text += f" = {default}" if param.annotation is not None else f"={default}"
    return text


def statement_form(
    statement: cst.CSTNode,
    depth: int = 0,
    known: Callable[[cst.BaseStatement], str | None] | None = None,
) -> str | None:
    """black's code for `statement` at `depth` (without the blank lines above it), else None.

    `known` gives the code of a statement known to be black's output already (a method a
    template made), which a class's body may hold."""
    indent = "    " * depth
    if isinstance(statement, cst.SimpleStatementLine):
        if len(statement.body) != 1 or statement.trailing_whitespace.comment is not None:
            return None
        small = statement.body[0]
        concatenated = _concatenated_value(small, indent)
        if concatenated is not None:
            return concatenated
        text = _small_form(small)
        if text is None or not text.isascii():
            return None
        if len(indent) + len(text) <= LINE_LENGTH:
            return f"{indent}{text}\n"
        parts = _split_target(small)
        lines = _split_lines(parts[1], indent, parts[0], "") if parts is not None else None
        return "\n".join(lines) + "\n" if lines is not None else None
    if isinstance(statement, cst.ClassDef):
        return _class_form(statement, depth, known)
    return None


def _small_form(small: cst.BaseSmallStatement) -> str | None:
    if isinstance(small, cst.Pass):
        return "pass"
    if isinstance(small, cst.Return):
        if small.value is None:
            return "return"
        value = expression_form(small.value)
        return None if value is None else f"return {value}"
    if isinstance(small, cst.Expr):
        return expression_form(small.value)
    if isinstance(small, cst.Assert):
        test = expression_form(small.test) if small.msg is None else None
        return None if test is None else f"assert {test}"
    if isinstance(small, cst.Assign):
        if len(small.targets) != 1:
            return None
        target, value = expression_form(small.targets[0].target), expression_form(small.value)
        return None if target is None or value is None else f"{target} = {value}"
    if isinstance(small, cst.AnnAssign):
        target = expression_form(small.target)
        annotation = expression_form(small.annotation.annotation)
        if target is None or annotation is None:
            return None
        if small.value is None:
            return f"{target}: {annotation}"
        value = expression_form(small.value)
        return None if value is None else f"{target}: {annotation} = {value}"
    return None


def _assigned(small: cst.BaseSmallStatement) -> tuple[str, cst.BaseExpression] | None:
    """The text before the value of `x = v` or `x: T = v`, and the value."""
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target = expression_form(small.targets[0].target)
        return None if target is None else (f"{target} = ", small.value)
    if isinstance(small, cst.AnnAssign) and small.value is not None:
        target = expression_form(small.target)
        annotation = expression_form(small.annotation.annotation)
        if target is None or annotation is None:
            return None
        return f"{target}: {annotation} = ", small.value
    return None


def _split_target(small: cst.BaseSmallStatement) -> tuple[str, cst.BaseExpression] | None:
    """Where black splits a too-long line at the brackets of its last expression: the text
    before that expression and the expression, for the shapes where black omits the optional
    parentheses it puts around a value (`x = v`, `return v`, `assert a == v`, a bare call):
    an expression `_splits_at_its_brackets`, after `await` or not."""
    if isinstance(small, cst.Expr):
        prefix, value = "", small.value
    elif isinstance(small, cst.Assert) and small.msg is None:
        test = small.test
        if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1) or test.lpar:
            return None
        if not isinstance(test.left, cst.Name | cst.Attribute | cst.Call | cst.Subscript):
            return None  # (a left side without a delimiter black would split at before `==`)
        left = expression_form(test.left)
        operator = _COMPARISONS.get(type(test.comparisons[0].operator))
        if left is None or operator is None:
            return None
        prefix, value = f"assert {left} {operator} ", test.comparisons[0].comparator
    else:
        valued = _valued(small)
        if valued is None:
            return None
        prefix, value = valued
    if isinstance(value, cst.Await) and not value.lpar:
        prefix, value = prefix + "await ", value.expression
    return (prefix, value) if _splits_at_its_brackets(value) else None


def _valued(small: cst.BaseSmallStatement) -> tuple[str, cst.BaseExpression] | None:
    """The text before the value of `return v`, `x = v` or `x: T = v`, and the value."""
    if isinstance(small, cst.Return):
        return None if small.value is None else ("return ", small.value)
    return _assigned(small)


def _splits_at_its_brackets(node: cst.BaseExpression) -> bool:
    """Whether black splits a too-long line ending in `node` at `node`'s own brackets: a call of
    a dotted name, a list or dict, or a tuple in one pair of parentheses."""
    if isinstance(node, cst.Tuple):
        return len(node.lpar) == 1
    if getattr(node, "lpar", None):
        return False
    return (
        isinstance(node, cst.Call) and _dotted(node.func) or isinstance(node, cst.List | cst.Dict)
    )


def split_form(prefix: str, node: cst.BaseExpression, depth: int) -> str | None:
    """black's lines for `prefix` and `node` at `depth`, a line black splits at `node`'s own
    brackets (`_splits_at_its_brackets`): one line if it fits, else split as `statement_form`
    splits a value; a decorator line is one (`"@"`)."""
    if not _splits_at_its_brackets(node):
        return None
    lines = _split_lines(node, "    " * depth, prefix, "")
    return None if lines is None else "\n".join(lines) + "\n"


def _dotted(node: cst.BaseExpression) -> bool:
    """A name or a dotted name: no call or subscript in it, so no delimiter black splits at."""
    while isinstance(node, cst.Attribute) and not node.lpar:
        node = node.value
    return isinstance(node, cst.Name) and not node.lpar


def _concatenated_value(small: cst.BaseSmallStatement, indent: str) -> str | None:
    """`x = "a" "b"` or `return "a" "b"` (in parentheses or not) as black writes it: on one
    line without the parentheses if it fits; else in parentheses, the strings on one line of
    their own if they fit there, else one a line."""
    valued = _valued(small)
    if valued is None:
        return None
    prefix, value = valued
    if not isinstance(value, cst.ConcatenatedString) or len(value.lpar) > 1:
        return None
    strings = _concatenation(value.with_changes(lpar=[], rpar=[]))
    if strings is None or not all(s.isascii() for s in (prefix, *strings)):
        return None
    one = " ".join(strings)
    if len(indent) + len(prefix) + len(one) <= LINE_LENGTH:
        return f"{indent}{prefix}{one}\n"
    inner = indent + "    "
    body = [one] if len(inner) + len(one) <= LINE_LENGTH else strings
    if len(indent) + len(prefix) + 1 > LINE_LENGTH or any(
        len(inner) + len(line) > LINE_LENGTH for line in body
    ):
        return None
    return "\n".join([f"{indent}{prefix}(", *(inner + line for line in body), f"{indent})"]) + "\n"


def _split_lines(
    node: cst.BaseExpression, indent: str, prefix: str, suffix: str
) -> list[str] | None:
    """black's lines for `node` after `prefix` and before `suffix` at `indent`: one line if it
    fits; else a dict, list or parenthesized tuple one element a line, each with a trailing
    comma; a call with its arguments on one line of their own if they fit there, else one
    a line with trailing commas (a lone element or argument gets none); each element or
    argument split the same way in turn."""
    one = expression_form(node)
    if one is None or not one.isascii():
        return None
    if len(indent) + len(prefix) + len(one) + len(suffix) <= LINE_LENGTH:
        return [f"{indent}{prefix}{one}{suffix}"]
    inner = indent + "    "
    items: list[tuple[str, cst.BaseExpression]] = []
    if isinstance(node, cst.Call):
        func = expression_form(node.func) if _dotted(node.func) else None
        if func is None or any(arg.star for arg in node.args) or not node.args:
            return None
        opening, closing = f"{func}(", ")"
        for arg in node.args:
            items.append((f"{arg.keyword.value}=" if arg.keyword is not None else "", arg.value))
        hugged = _joined(_argument(arg) for arg in node.args)
        if hugged is not None and len(inner) + len(hugged) <= LINE_LENGTH:
            return [f"{indent}{prefix}{opening}", f"{inner}{hugged}", f"{indent}{closing}{suffix}"]
    elif isinstance(node, cst.Dict) and node.elements:
        opening, closing = "{", "}"
        for element in node.elements:
            key = expression_form(element.key) if isinstance(element, cst.DictElement) else None
            if key is None:
                return None
            items.append((f"{key}: ", element.value))
    elif isinstance(node, cst.List | cst.Tuple) and node.elements:
        if isinstance(node, cst.Tuple) and len(node.lpar) != 1:
            return None
        opening, closing = ("[", "]") if isinstance(node, cst.List) else ("(", ")")
        for item in node.elements:
            if type(item) is not cst.Element:
                return None
            items.append(("", item.value))
    else:
        return None
    # black adds trailing commas only where it splits at commas: a lone element (not of a
    # one-tuple, whose comma is its own) gets none, and is split in its turn if it must be
    comma = "," if len(items) > 1 or isinstance(node, cst.Tuple) else ""
    lines = [f"{indent}{prefix}{opening}"]
    for item_prefix, value in items:
        found = _split_lines(value, inner, item_prefix, comma)
        if found is None:
            return None
        lines.extend(found)
    lines.append(f"{indent}{closing}{suffix}")
    return lines if len(lines[0]) <= LINE_LENGTH else None


def _class_form(
    node: cst.ClassDef, depth: int, known: Callable[[cst.BaseStatement], str | None] | None
) -> str | None:
    """`class Name(bases):` and its body: a plain docstring first (no blank line before it,
    one after it), then statements each with no blank line above it or one, then methods
    whose code is `known`, each with one blank line above it (none above a first member)."""
    if node.decorators or node.leading_lines and depth or getattr(node, "type_parameters", None):
        return None
    if not isinstance(node.body, cst.IndentedBlock) or node.body.header.comment is not None:
        return None
    if node.body.footer or node.lines_after_decorators:
        return None
    arguments = [*node.bases, *node.keywords]
    bases = _joined(_argument(a) for a in arguments)
    if bases is None or arguments and isinstance(arguments[-1].comma, cst.Comma):
        return None
    indent = "    " * depth
    header = (
        f"{indent}class {node.name.value}({bases}):\n"
        if bases
        else (f"{indent}class {node.name.value}:\n")
    )
    if not header.isascii() or len(header) - 1 > LINE_LENGTH:
        return None
    lines = [header]
    body: Sequence[cst.BaseStatement] = node.body.body
    inner = indent + "    "
    methods = False
    for number, statement in enumerate(body):
        blank = _blank_lines(statement)
        if blank is None:
            return None
        value = docstring_value(statement) if number == 0 else None
        if value is not None:
            if blank or not plain_docstring(value, inner):
                return None
            lines.append(f"{inner}{value}\n")
            continue
        after_docstring = number == 1 and docstring_value(body[0]) is not None
        if after_docstring:
            blank = 1  # black puts exactly one blank line after a class docstring
        elif number == 0 and blank:
            return None
        if isinstance(statement, cst.FunctionDef):
            code = known(statement) if known is not None else None
            if code is None or not code.startswith(inner) or code[len(inner)] == " ":
                return None
            methods = True
            blank = 1 if number else 0  # black: one blank line above a method in a class
        elif methods:
            return None  # (a statement after a method: black's blank-line rules there differ)
        else:
            code = statement_form(statement, depth + 1, known)
        if code is None:
            return None
        lines.append("\n" * blank + code)
    return "".join(lines)


def _blank_lines(statement: cst.BaseStatement) -> int | None:
    """How many blank lines stand above `statement` (0 or 1; None for a comment or more)."""
    lines = getattr(statement, "leading_lines", ())
    if any(line.comment is not None for line in lines) or len(lines) > 1:
        return None
    return len(lines)


def def_header_form(line: str) -> str | None:
    """black's lines for `line`, a one-line `def` header in black's spacing that does not fit,
    else None (when it fits, or black would split it some other way)."""
    text = line.rstrip("\n")
    if len(text) <= LINE_LENGTH or not text.isascii():
        return None
    indent = text[: len(text) - len(text.lstrip())]
    words = text.split()
    if not (words[0] == "def" or words[:2] == ["async", "def"]) or not text.endswith(":"):
        return None
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text + "\n").readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    opening = next((t for t in tokens if t.type == tokenize.OP and t.string == "("), None)
    if opening is None or any(t.type == tokenize.COMMENT for t in tokens):
        return None
    depth = 0
    cuts: list[int] = []
    commas = 0  # at any depth
    closing = None
    for token in tokens[tokens.index(opening) :]:
        if token.type != tokenize.OP:
            continue
        commas += token.string == ","
        if token.string in "([{":
            depth += 1
        elif token.string in ")]}":
            depth -= 1
            if depth == 0:
                closing = token.start[1]
                break
        elif token.string == "," and depth == 1:
            cuts.append(token.start[1])
    if closing is None:
        return None
    start = opening.start[1] + 1
    bounds = [start, *(c + 1 for c in cuts), closing + 1]
    params = [text[a : b - 1].strip() for a, b in zip(bounds, bounds[1:], strict=False)]
    if not all(params):
        return None  # (a trailing comma: black explodes it, a case not written here)
    head, tail = text[:start], indent + text[closing:]
    inner = indent + "    "
    if len(params) == 1 and commas:
        return None  # (whether black adds the comma then depends on where the commas are)
    one = inner + ", ".join(params) + ("," if len(params) == 1 else "")
    body = [one] if len(one) <= LINE_LENGTH else [f"{inner}{p}," for p in params]
    lines = [head, *body, tail]
    if any(len(part) > LINE_LENGTH for part in lines):
        return None
    return "\n".join(lines) + "\n"
