"""black's forms written from nodes (`synth.codegen.black_form`) are black's own output.

Before: each node-built statement (an event model, the settings class, a constant) went to
black, though black changes nothing in most of them but blank lines of spaces and `k = v`
keywords. After: one whose shape `statement_form` knows is written in black's form. These
tests build random nodes in those shapes, with any whitespace, and hold every form equal to what
black makes of libcst's own code of the node (and the same in meaning, the same `ast`); and they
split random too-long `def` lines as `def_header_form` does and hold that to black's split.
"""

from __future__ import annotations

import ast
import keyword

import libcst as cst
from hypothesis import example, given, settings
from hypothesis import strategies as st

from synth.codegen import build_docstring
from synth.codegen.black_form import def_header_form, statement_form
from synth.quality import format_source

_NAMES = st.from_regex(r"[a-z_][a-z0-9_]{0,30}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n) and not keyword.issoftkeyword(n)
)
_VALUES = st.sampled_from(
    [
        "1",
        "-2",
        "5.0",
        '"x"',
        "'y'",
        "None",
        "True",
        "[]",
        "{}",
        '{"k": 1}',
        "{ 'k' : [1,2] }",
        "(1, 2)",
        "(a,)",
        "a, b",
        "f(a = 1, b=[x])",
        'Field(default="a" , alias = "b")',
        "ConfigDict(extra='ignore')",
        "x.y.z",
        "d[str, int]",
        "'é'",
        'f"{a}-b"',
        "0x1F",
        "1_000",
        "(x)",
        "f(a, b,)",  # magic trailing commas: black keeps these exploded
        "[1, 2,]",
        "{'k': 1,}",
        "(1, 2,)",
        "d[a, b,]",
        "f(x, [y,])",
        '("a" "b")',  # implicit concatenations: black drops the parentheses when it fits
        '"a" f"{b}"',
        '"a\\"b"',  # black requotes these: 'a"b', "c"
        "'c'",
        "'a\\'b'",
        '"a\\nb"',
        "x == [1]",
        "a.b(c) in d",
        "x is not None",
        "a if b else c",
        'f(x) if y.z else "w"',
        "()",
    ]
)
_TYPES = st.sampled_from(["str", "int", "float", "str | None", "list[str]", "dict[str, int]"])


def _parse(source: str) -> cst.BaseStatement | None:
    try:
        return cst.parse_statement(source)
    except (cst.ParserSyntaxError, cst.CSTValidationError):
        return None


@st.composite
def _line(draw: st.DrawFn, indent: str = "") -> str:
    name, value = draw(_NAMES), draw(_VALUES)
    kind = draw(
        st.sampled_from(["assign", "annotated", "bare", "expression", "pass", "assert", "return"])
    )
    space = draw(st.sampled_from([" ", "  "]))
    if kind == "assign":
        return f"{indent}{name}{space}={space}{value}\n"
    if kind == "annotated":
        return f"{indent}{name}:{space}{draw(_TYPES)}{space}={space}{value}\n"
    if kind == "bare":
        return f"{indent}{name}: {draw(_TYPES)}\n"
    if kind == "expression":
        return f"{indent}{value}\n"
    if kind == "assert":
        return f"{indent}assert{space}{value}\n"
    if kind == "return":
        return f"{indent}return{space}{value}\n"
    return f"{indent}pass\n"


@st.composite
def _class(draw: st.DrawFn) -> str:
    name = draw(_NAMES)
    bases = draw(
        st.sampled_from(["", "()", "(BaseModel)", "(Base, metaclass=M)", "(A ,B)", "(A, B,)"])
    )
    lines = [f"class {name}{bases}:\n"]
    if draw(st.booleans()):
        if draw(st.booleans()):
            lines.append("\n")
        text = draw(st.text(st.sampled_from("ab \n`.{}"), min_size=1, max_size=150))
        doc = build_docstring(text, 4).body[0].value  # type: ignore[attr-defined]
        lines.append(f"    {cst.Module([]).code_for_node(doc)}\n")
    for _ in range(draw(st.integers(1, 5))):
        lines.append(draw(st.sampled_from(["", "", "\n", "    \n", "\n\n"])))
        lines.append(draw(_line("    ")))
    return "".join(lines)


@st.composite
def _nested(draw: st.DrawFn, depth: int = 0) -> str:
    """A value that may not fit on a line: dicts, lists, tuples and calls of each other."""
    kind = draw(
        st.sampled_from(
            ["atom", "atom", "dict", "list", "tuple", "call"] if depth < 3 else ["atom"]
        )
    )
    if kind == "atom":
        return draw(
            st.sampled_from(['"' + "v" * draw(st.integers(0, 40)) + '"', "name", "3", "f(x)"])
        )
    items = draw(st.lists(_nested(depth + 1), min_size=1, max_size=5))
    if kind == "dict":
        return "{" + ", ".join(f'"k{i}": {v}' for i, v in enumerate(items)) + "}"
    if kind == "list":
        return "[" + ", ".join(items) + "]"
    if kind == "tuple":
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    keywords = [draw(st.sampled_from(["", "key=", "other_name = "])) for _ in items]
    return f"{draw(_NAMES)}(" + ", ".join(k + v for k, v in zip(keywords, items, strict=True)) + ")"


def _holds(source: str) -> None:
    if source.startswith(("return", "assert")):
        _holds_in_a_body(source)
        return
    node = _parse(source)
    if node is None:
        return
    code = statement_form(node)
    if code is None:
        return
    libcst_code = cst.Module([]).code_for_node(node)
    assert format_source(libcst_code) == code  # what black makes of the node's own code
    assert ast.dump(ast.parse(code)) == ast.dump(ast.parse(libcst_code))


_BODY = "async def f():\n    pass\n"  # (a string first in a body would be its docstring)


def _holds_in_a_body(line: str) -> None:
    """`line` in the body of a function: its form at depth 1 is what black makes of it there."""
    try:
        function = cst.parse_module(_BODY + "    " + line).body[0]
    except (cst.ParserSyntaxError, cst.CSTValidationError):
        return
    assert isinstance(function, cst.FunctionDef)
    statement = function.body.body[1]
    code = statement_form(statement, 1)
    if code is None:
        return
    libcst_code = cst.Module([]).code_for_node(function)
    formatted = format_source(libcst_code)
    assert formatted.startswith(_BODY)
    assert formatted[len(_BODY) :] == code
    assert ast.dump(ast.parse(_BODY + code)) == ast.dump(ast.parse(libcst_code))


@settings(max_examples=400, deadline=None)
@given(source=_line())
@example(source="x = f(a = 1, b=[x])\n")
def test_a_line_s_form_is_black_s(source: str) -> None:
    _holds(source)


@settings(max_examples=400, deadline=None)
@given(
    target=st.sampled_from(["X = ", "PAYLOAD: dict[str, object] = ", "    y: T = "]),
    value=_nested(),
)
@example(target="KEYS = ", value='(StateKey(name="e" , args=("a",), sample=S(e="s")),)')
@example(target="X = ", value=f'name("{"v" * 40}", "{"v" * 40}", key=3)')  # hugged arguments
@example(target="X = ", value=f'a.b(c).d(e).f("{"v" * 50}", "{"v" * 50}")')  # black: in parens
@example(target="X = ", value=f'{{"k0": {{"k0": "{"v" * 40}", "k1": {{"k0": "{"v" * 40}"}}}}}}')
def test_a_long_assignment_splits_as_black_splits_it(target: str, value: str) -> None:
    if target.startswith(" "):
        _holds(f"class C:\n{target}{value}\n")
    else:
        _holds(f"{target}{value}\n")


@settings(max_examples=400, deadline=None)
@given(
    prefix=st.sampled_from(
        [
            "return ",
            "return await ",
            "await ",
            "",
            "x = await ",
            "assert x.y(z) == ",
            "assert name in ",
            "assert f(a)[0] != ",
            'assert app_client.get("/dapr/subscribe").json() == ',
        ]
    ),
    value=_nested(),
)
@example(prefix="return ", value=f'name("{"v" * 40}", "{"v" * 40}", key=3)')
@example(prefix="assert x.y(z) == ", value=f'[{{"k0": "{"v" * 40}", "k1": "{"v" * 40}"}}]')
@example(prefix="", value=f'a.b(c).d("{"v" * 50}", "{"v" * 50}")')
@example(prefix="return ", value=f'a.b(c).d(e).f("{"v" * 50}", "{"v" * 50}")')  # a chain
def test_a_long_return_assert_await_or_call_splits_as_black_splits_it(
    prefix: str, value: str
) -> None:
    _holds_in_a_body(f"{prefix}{value}\n")


_PIECES = st.lists(
    st.integers(0, 60).map(lambda n: '"' + "w " * (n // 2) + "v" * (n % 2) + '"'),
    min_size=2,
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(
    prefix=st.sampled_from(["X = ", "return ", "TEXT: str = "]),
    pieces=_PIECES,
    parenthesized=st.booleans(),
)
def test_an_implicit_concatenation_is_laid_out_as_black_lays_it_out(
    prefix: str, pieces: list[str], parenthesized: bool
) -> None:
    value = " ".join(pieces)
    _holds_in_a_body(f"{prefix}({value})\n" if parenthesized else f"{prefix}{value}\n")


@settings(max_examples=300, deadline=None)
@given(source=_class())
@example(source='class A(B):\n    """Doc."""\n    x: int\n')
@example(source='class A():\n\n    x: int = 1\n    \n    y = "a"\n')
def test_a_class_s_form_is_black_s(source: str) -> None:
    _holds(source)


@st.composite
def _def_line(draw: st.DrawFn) -> str:
    indent = draw(st.sampled_from(["", "    "]))
    prefix = draw(st.sampled_from(["def ", "async def "]))
    params = []
    for name in draw(st.lists(_NAMES, min_size=0, max_size=5, unique=True)):
        annotation = draw(st.sampled_from(["", ": int", ": Callable[[A | None], B]", ": str"]))
        default = draw(st.sampled_from(["", " = None", " = (1, 2)"])) if annotation else ""
        params.append(f"{name}{annotation}{default}")
    if params and draw(st.booleans()):
        params.insert(draw(st.integers(0, len(params) - 1)), "*")
    returns = draw(st.sampled_from(["", " -> None", " -> StateItem[AttemptsState]"]))
    name = draw(_NAMES) + "x" * draw(st.integers(0, 60))
    return f"{indent}{prefix}{name}({', '.join(params)}){returns}:\n"


@settings(max_examples=400, deadline=None)
@given(line=_def_line())
@example(line="def f(a: int, *, b: int = 1) -> None:\n")
@example(line=f"async def {'x' * 70}(argument: Callable[[A | None], B]) -> None:\n")
def test_a_too_long_def_line_splits_as_black_splits_it(line: str) -> None:
    split = def_header_form(line)
    if split is None or _parse(line.strip() + " pass") is None:
        return
    nested = line.startswith("    ")
    body = ("        " if nested else "    ") + "pass\n"
    source = ("class C:\n" if nested else "") + split + body
    joined = ("class C:\n" if nested else "") + line + body
    assert format_source(joined) == source
