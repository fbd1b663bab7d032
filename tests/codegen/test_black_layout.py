"""The black-layout rules hold against black itself: what they vouch for, black leaves as it is.

Before: every template statement with a slot went to black. After: one whose slotted lines
still fit with one-line fills (`synth.codegen.black_layout`) is kept as it is. These tests fill
every template the LearnFlow services and golden cases use with random fills, written with
black's spacing and without (adversarial whitespace, quotes, backslashes, long names), and
random docstrings at several depths; whenever a rule says "black keeps this", black must
agree. (tests/codegen/test_verbatim.py holds every fill the services really make the same way.)
"""

from __future__ import annotations

import keyword
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from synth.api import compose_service
from synth.codegen import build_docstring, build_str
from synth.codegen.black_form import expression_form, plain_docstring
from synth.codegen.black_layout import TemplateLayout
from synth.codegen.template import seen_layouts
from synth.quality import format_source
from synth.spec import load_spec
from synth.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]

_NAMES = st.from_regex(r"[a-z_][a-z0-9_]{0,40}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n) and not keyword.issoftkeyword(n)
)
_SPACE = st.sampled_from(["", "", "", " ", "  "])


def _joined(parts: list[str], comma: str, trailing: bool) -> str:
    return comma.join(parts) + ("," if trailing and parts else "")


@st.composite
def _expression(draw: st.DrawFn, depth: int = 0) -> str:
    """Expression source with random spacing, some of it black's, some not."""
    kinds = ["name", "attr", "string", "int", "fstring"]
    if depth < 2:
        kinds += ["call", "subscript", "list", "union"]
    kind = draw(st.sampled_from(kinds))
    if kind == "name":
        return draw(_NAMES)
    if kind == "attr":
        return f"{draw(_NAMES)}{draw(_SPACE)}.{draw(_SPACE)}{draw(_NAMES)}"
    if kind == "string":
        text = draw(st.text(st.sampled_from("ab \"\\'x"), max_size=12))
        return draw(st.sampled_from([cst.Module([]).code_for_node(build_str(text)), f"'{text}'"]))
    if kind == "fstring":
        return f'f"{draw(st.sampled_from(["a", "{x}", "{x!r} b", "{x[0]}"]))}"'
    if kind == "int":
        return draw(st.sampled_from(["0", "7", "10_000", "0x1F", "1e3"]))
    inner = draw(st.lists(_expression(depth + 1), max_size=3))
    comma = draw(st.sampled_from([", ", ",", " , "]))
    trailing = draw(st.booleans()) and draw(st.booleans())
    if kind == "call":
        keywords = draw(st.lists(_NAMES, min_size=len(inner), max_size=len(inner)))
        equal = draw(st.sampled_from(["=", " = "]))
        args = [
            f"{k}{equal}{v}" if draw(st.booleans()) else v
            for k, v in zip(keywords, inner, strict=True)
        ]
        return f"{draw(_NAMES)}{draw(_SPACE)}({_joined(args, comma, trailing)})"
    if kind == "subscript":
        return f"{draw(_NAMES)}[{_joined(inner or ['int'], comma, trailing)}]"
    if kind == "list":
        return f"[{draw(_SPACE)}{_joined(inner, comma, trailing)}]"
    return f"{draw(_expression(depth + 1))}{draw(_SPACE)}|{draw(_SPACE)}None"


def _parses(source: str) -> bool:
    try:
        cst.parse_expression(source)
    except (cst.ParserSyntaxError, cst.CSTValidationError):
        return False
    return True


_EXPRESSIONS = _expression().filter(_parses)


@st.composite
def _parameters(draw: st.DrawFn) -> cst.Parameters:
    names = draw(st.lists(_NAMES, min_size=1, max_size=4, unique=True))
    params = []
    for name in names:
        annotation = draw(st.sampled_from(["", ": int", ":str", ": dict[str, object]"]))
        default = draw(st.sampled_from(["", "=1", " = None", '="x"']))
        params.append(f"{name}{annotation}{default}")
    star = draw(st.sampled_from(["", "*, k: int = 3", "*args"]))
    source = f"def f({', '.join([*params, star] if star else params)}): pass"
    try:
        parsed = cst.parse_statement(source)
    except cst.ParserSyntaxError:
        return cst.Parameters()
    assert isinstance(parsed, cst.FunctionDef)
    return parsed.params


_DOC_TEXT = st.lists(
    st.sampled_from(["a", "b", " ", "\n", '"', "\\", "\t", "é", "x" * 30, "\n\n"]), max_size=60
).map("".join)


def _layouts() -> list[TemplateLayout]:
    for path in [
        *sorted((ROOT / "specs").glob("*.yaml")),
        *ROOT.glob("tests/features/cases/*/*/spec.yaml"),
    ]:
        spec = load_spec(path)
        compose_service(spec, list(spec.features), Workspace(root=None), gate=False)
    return seen_layouts()


@pytest.fixture(scope="module")
def layouts() -> list[TemplateLayout]:
    found = _layouts()
    assert len(found) > 30
    return found


@settings(max_examples=500, deadline=None)
@given(data=st.data())
def test_a_template_filled_as_the_layout_vouches_is_black_stable(
    layouts: list[TemplateLayout], data: st.DataObject
) -> None:
    layout = data.draw(st.sampled_from(layouts))
    fills: dict[str, cst.CSTNode] = {}
    for number, found in layout.slotted.items():
        for placeholder in found:
            if number in layout.docstring_at:
                indent = len(layout.docstring_at[number])
                fills[placeholder] = build_docstring(data.draw(_DOC_TEXT), indent)
            else:
                kind = data.draw(st.sampled_from(["name", "expression", "parameters"]))
                if kind == "name":
                    fills[placeholder] = cst.Name(data.draw(_NAMES))
                elif kind == "expression":
                    fills[placeholder] = cst.parse_expression(data.draw(_EXPRESSIONS))
                else:
                    fills[placeholder] = data.draw(_parameters())
    codes = layout.filled(fills)
    if codes is not None:
        joined, code = codes  # the statement as libcst writes it, and as the rule says black does
        try:
            cst.parse_module(joined)
        except (cst.ParserSyntaxError, cst.CSTValidationError):
            assume(False)  # a fill no generator would put there (a number as a module name)
        assert format_source(joined) == code


@settings(max_examples=400, deadline=None)
@given(source=_EXPRESSIONS)
@example(source='f(a = "x")')
@example(source="x[int,]")
def test_a_fill_the_rule_writes_is_black_s_own_code(source: str) -> None:
    code = expression_form(cst.parse_expression(source))
    for line in (f"value = {code}\n", f"call({code}, other)\n"):
        if code is not None and len(line) <= 101:  # (the layout splits none that do not fit)
            assert format_source(line) == line


@settings(max_examples=200, deadline=None)
@given(params=_parameters())
def test_parameters_the_rule_writes_are_black_s_own(params: cst.Parameters) -> None:
    code = expression_form(params)
    if code is not None and len(f"def f({code}) -> None:") <= 100:
        source = f"def f({code}) -> None:\n    pass\n"
        assert format_source(source) == source


@settings(max_examples=300, deadline=None)
@given(text=_DOC_TEXT, depth=st.sampled_from([1, 2]), raw=st.booleans())
@example(text='"""', depth=1, raw=False)
@example(text="Doc.\n\n    More.\n  ", depth=1, raw=True)
def test_a_plain_docstring_in_a_block_is_what_black_makes(text: str, depth: int, raw: bool) -> None:
    """A docstring `build_docstring` writes, or any triple-quoted text (raw)."""
    indent = "    " * depth
    if raw:
        value = f'"""{text}"""'
    else:
        built = build_docstring(text, len(indent)).body[0].value  # type: ignore[attr-defined]
        assert isinstance(built, cst.SimpleString)
        value = built.value
    if not plain_docstring(value, indent):
        return
    header = "".join("    " * d + f"def f{d}() -> None:\n" for d in range(depth))
    source = f"{header}{indent}{value}\n{indent}return None\n"
    assert format_source(source) == source


def test_a_slot_on_a_line_that_continues_or_ends_in_a_magic_comma_is_left_to_black() -> None:
    split = "call(\n    __synth_slot_a__, b\n)\n"
    magic = "call(__synth_slot_a__, b,)\n"
    fits = "call(__synth_slot_a__, b)\n"
    slots = {"__synth_slot_a__": "a"}
    assert TemplateLayout.of(split, slots) is None
    assert TemplateLayout.of(magic, slots) is None
    layout = TemplateLayout.of(fits, slots)
    assert layout is not None
    assert layout.filled({"__synth_slot_a__": cst.Name("name")}) == ("call(name, b)\n",) * 2
    long_name = cst.Name("n" * 100)
    assert layout.filled({"__synth_slot_a__": long_name}) is None  # no longer fits: black


def test_a_slot_on_its_own_element_line_of_an_exploded_bracket_keeps_black_s_layout() -> None:
    slots = {"__synth_slot_a__": "a"}
    exploded = "call(\n    __synth_slot_a__,\n    other,\n)\n"
    layout = TemplateLayout.of(exploded, slots)
    assert layout is not None
    for name in ("x", "n" * 80):
        codes = layout.filled({"__synth_slot_a__": cst.Name(name)})
        assert codes is not None and codes[0] == codes[1]
        assert format_source(codes[1]) == codes[1]  # the magic comma keeps it one a line
    one_tuple = "value = (\n    __synth_slot_a__,\n)\n"  # black joins `(a,)` when it fits
    hugged = "call(\n    __synth_slot_a__, other\n)\n"
    assert TemplateLayout.of(one_tuple, slots) is None
    assert TemplateLayout.of(hugged, slots) is None


_HEADER = (
    "async def ask(\n    event: __synth_slot_a__, client: Annotated[DaprClient, Depends(x)]\n"
    ") -> R:\n"
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Req", "async def ask(event: Req, client: Annotated[DaprClient, Depends(x)]) -> R:\n"),
        ("R" * 40, _HEADER.replace("__synth_slot_a__", "R" * 40)),
        (
            "R" * 70,
            "async def ask(\n    event: "
            + "R" * 70
            + ",\n    client: Annotated[DaprClient, Depends(x)],\n) -> R:\n",
        ),
    ],
)
def test_a_def_header_black_split_in_three_is_laid_out_again_for_its_fill(
    name: str, expected: str
) -> None:
    """Before: a slot in a split `def` header sent the statement to black. After: the header
    is joined, filled and split again as black splits it (one line, hugged, one a line)."""
    source = _HEADER + "    pass\n"
    layout = TemplateLayout.of(source, {"__synth_slot_a__": "a"})
    assert layout is not None and layout.headers == {0: 2}
    codes = layout.filled({"__synth_slot_a__": cst.Name(name)})
    assert codes is not None
    assert codes[1] == expected + "    pass\n"
    assert format_source(codes[0]) == codes[1]


@pytest.mark.parametrize(
    "source",
    [
        "def f(\n    a: __synth_slot_a__,\n    b: int,\n) -> None:\n    pass\n",  # magic comma
        "def f(\n    a: __synth_slot_a__, b: int  # why\n) -> None:\n    pass\n",  # a comment
        "x = call(\n    __synth_slot_a__, b\n)\n",  # not a def
        "def f(\n    a: __synth_slot_a__, b: int) -> None:\n    pass\n",  # not black's split
    ],
)
def test_a_header_not_split_as_black_splits_a_def_is_no_header_group(source: str) -> None:
    layout = TemplateLayout.of(source, {"__synth_slot_a__": "a"})
    assert layout is None or not layout.headers
    if layout is not None:  # (the magic comma's element rows keep their own rule)
        codes = layout.filled({"__synth_slot_a__": cst.Name("T")})
        assert codes is not None and format_source(codes[0]) == codes[1]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_a_template_s_split_def_header_filled_as_the_layout_vouches_is_black_stable(
    layouts: list[TemplateLayout], data: st.DataObject
) -> None:
    with_headers = [layout for layout in layouts if layout.headers]
    assert with_headers, "the agent's templates have split def headers with slots"
    layout = data.draw(st.sampled_from(with_headers))
    fills: dict[str, cst.CSTNode] = {}
    for found in layout.slotted.values():
        for placeholder in found:
            kind = data.draw(st.sampled_from(["name", "expression"]))
            if kind == "name":
                fills[placeholder] = cst.Name(data.draw(_NAMES))
            else:
                fills[placeholder] = cst.parse_expression(data.draw(_EXPRESSIONS))
    codes = layout.filled(fills)
    if codes is not None:
        joined, code = codes
        try:
            cst.parse_module(joined)
        except (cst.ParserSyntaxError, cst.CSTValidationError):
            assume(False)
        assert format_source(joined) == code


@pytest.mark.parametrize("length", [5, 60, 85])
def test_a_too_long_decorator_line_is_split_as_black_splits_it(length: int) -> None:
    """Before: a decorator whose fill made it too long sent the statement to black. After:
    it is split at its call's parentheses, arguments hugged or one a line, as black does."""
    source = (
        '@subscriber(__synth_slot_a__, "/events/pubsub/topic", Model)\n'
        "async def f() -> None:\n    pass\n"
    )
    layout = TemplateLayout.of(source, {"__synth_slot_a__": "a"})
    assert layout is not None
    codes = layout.filled({"__synth_slot_a__": build_str("t" * length)})
    assert codes is not None
    assert format_source(codes[0]) == codes[1]
    assert (codes[0] == codes[1]) == (length < 40)


def test_a_decorator_black_would_split_elsewhere_is_left_to_black() -> None:
    source = "@a.b(c).d(__synth_slot_a__, x)\ndef f() -> None:\n    pass\n"
    layout = TemplateLayout.of(source, {"__synth_slot_a__": "a"})
    assert layout is not None
    assert layout.filled({"__synth_slot_a__": build_str("t" * 95)}) is None


def test_a_fill_with_a_comment_inside_is_left_to_black() -> None:
    layout = TemplateLayout.of("value = call(__synth_slot_a__)\n", {"__synth_slot_a__": "a"})
    assert layout is not None
    commented = cst.parse_expression("f(\n    x,  # why\n    y\n)")
    assert layout.filled({"__synth_slot_a__": commented}) is None
    assert layout.filled({"__synth_slot_a__": cst.parse_expression("f(x, y)")}) is not None
