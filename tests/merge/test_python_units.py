"""split_python cuts exactly and keys by identity; merge_imports merges names three ways.

Split cases read as source -> [(key, text)]; import cases as base/ours/theirs -> expected text.
"""

from __future__ import annotations

import ast
import subprocess
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synth.merge.python_units import merge_imports, split_python
from synth.merge.units import Unit, check_split

ROOT = Path(__file__).resolve().parents[2]
GENERATED = sorted((ROOT / "out").rglob("*.py"))


def _src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _keys(units: tuple[Unit, ...]) -> list[str]:
    return [u.key for u in units]


def _pairs(units: tuple[Unit, ...]) -> list[tuple[str, str]]:
    return [(u.key, u.text) for u in units]


def test_every_generated_module_splits_exactly() -> None:
    assert len(GENERATED) > 100
    for path in GENERATED:
        text = path.read_text(encoding="utf-8")
        check_split(text, split_python(text))


def test_generated_settings_class_has_a_child_per_field() -> None:
    text = (ROOT / "out/debug/debug/settings.py").read_text(encoding="utf-8")
    units = {u.key: u for u in split_python(text)}
    settings = units["class:Settings"]
    assert settings.head == "\n\nclass Settings(BaseSettings):\n"
    assert settings.children is not None and settings.tail == ""
    children = {u.key: u for u in settings.children}
    assert list(children)[:3] == ["docstring", "assign:model_config", "assign:app_id"]
    assert children["assign:app_id"].text == '\n    app_id: str = "debug"\n'
    assert children["assign:log_level"].text == '    log_level: str = "INFO"\n'
    assert children["assign:log_level"].line == 15


def test_empty_module_has_no_units() -> None:
    assert split_python("") == ()


@pytest.mark.parametrize("text", ["# only a comment\n", "\n\n", "#!/usr/bin/env python\n# x"])
def test_module_without_statements_is_one_header(text: str) -> None:
    assert _pairs(split_python(text)) == [("<header>", text)]


def test_comments_and_blank_lines_belong_to_the_unit_below() -> None:
    text = _src('''
        #!/usr/bin/env python
        # header comment

        """Doc."""

        # owner: why this import
        import os


        # owner: helper
        def helper() -> int:
            return 1

        # trailing comment
        ''')
    assert _pairs(split_python(text)) == [
        ("<header>", "#!/usr/bin/env python\n# header comment\n\n"),
        ("docstring", '"""Doc."""\n'),
        ("import:os", "\n# owner: why this import\nimport os\n"),
        ("def:helper", "\n\n# owner: helper\ndef helper() -> int:\n    return 1\n"),
        ("<footer>", "\n# trailing comment\n"),
    ]


def test_comments_indented_into_a_body_stay_with_the_body() -> None:
    text = _src("""
        def f() -> int:
            return 1
            # owner: end of f

            # owner: still f


        # above g
        def g() -> None: ...
        """)
    units = split_python(text)
    assert _pairs(units)[0] == (
        "def:f",
        "def f() -> int:\n    return 1\n    # owner: end of f\n\n    # owner: still f\n",
    )
    assert units[1].text == "\n\n# above g\ndef g() -> None: ...\n"


def test_comment_hanging_under_a_statement_before_a_blank_line_is_that_statements() -> None:
    text = _src("""
        import os
        # owner: os is for the paths below

        import sys
        # owner: this one is about path
        path = sys.path
        """)
    assert _pairs(split_python(text)) == [
        ("import:os", "import os\n# owner: os is for the paths below\n"),
        ("import:sys", "\nimport sys\n"),
        ("assign:path", "# owner: this one is about path\npath = sys.path\n"),
    ]


def test_one_line_compounds_semicolons_and_continuations_are_exact() -> None:
    text = _src("""
        import os; import sys
        if os.name: x = 1
        class A: y = 2
        def f(): return 3
        total = 1 + \\
            2
        for item in range(3): pass
        """)
    units = split_python(text)
    check_split(text, units)
    assert _keys(units) == [
        "import:os",
        "if:os.name",
        "class:A",
        "def:f",
        "assign:total",
        "for:item in range(3)",
    ]
    assert units[0].text == "import os; import sys\n"
    assert units[2].children is None  # its body shares the header's line
    assert units[4].text == "total = 1 + \\\n    2\n"


def test_decorators_with_comments_between_them_are_one_unit() -> None:
    text = _src("""
        import functools


        # owner: cached
        @functools.cache
        # between decorators
        @staticmethod  # beside one
        def f() -> int:
            return 1
        """)
    units = split_python(text)
    check_split(text, units)
    assert _keys(units) == ["import:functools", "def:f"]
    assert units[1].text.startswith("\n\n# owner: cached\n@functools.cache\n# between")


def test_strings_that_look_like_code_or_comments_stay_inside_their_statement() -> None:
    text = _src('''
        TEMPLATE = """
        # not a comment
        def not_a_function():
        class NotAClass:
        """
        def real() -> str:
            return """
        x = 1
        """
        ''')
    units = split_python(text)
    check_split(text, units)
    assert _keys(units) == ["assign:TEMPLATE", "def:real"]


def test_class_children_with_header_comments_and_a_tail() -> None:
    text = _src('''
        @dataclass
        class Point(  # beside the header
            # between bases
            Base,
        ):  # after the colon
            # owner: above the docstring
            """A point."""

            x: int = 0  # owner: on a field
            y, z = 1, 2

            @property
            # inside the decorators
            def norm(self) -> int:
                return self.x
                # deeper: still norm

            class Inner:
                a = 1
            # at body level: the class's tail
        ''')
    (point,) = split_python(text)
    check_split(text, (point,))
    assert point.key == "class:Point"
    assert point.head.endswith("):  # after the colon\n")
    assert point.children is not None
    assert _keys(point.children) == [
        "docstring",
        "assign:x",
        "assign:y,z",
        "def:norm",
        "class:Inner",
    ]
    assert point.children[0].text == '    # owner: above the docstring\n    """A point."""\n'
    assert point.children[1].text == "\n    x: int = 0  # owner: on a field\n"
    assert point.children[3].text.endswith("        # deeper: still norm\n")
    inner = point.children[4]
    assert inner.children is not None and _keys(inner.children) == ["assign:a"]
    assert point.tail == "    # at body level: the class's tail\n"


def test_class_whose_body_starts_on_the_header_line_is_a_leaf() -> None:
    text = "class A(\n    Base,\n): x = 1\n"
    (unit,) = split_python(text)
    assert unit.children is None and unit.text == text


def test_repeated_identities_are_numbered_in_order() -> None:
    text = _src("""
        from typing import Any
        from typing import overload
        @overload
        def f(x: int) -> int: ...
        @overload
        def f(x: str) -> str: ...
        def f(x: Any) -> Any:
            return x
        """)
    assert _keys(split_python(text)) == [
        "from:typing",
        "from:typing#2",
        "def:f",
        "def:f#2",
        "def:f#3",
    ]


def test_keys_name_what_a_statement_is() -> None:
    text = _src("""
        from . import sibling
        from ..pkg.mod import name
        import a.b as c, d
        a, *rest = b = values()
        counter += 1
        os.environ["X"] = "1"
        async def run() -> None: ...
        if TYPE_CHECKING:
            pass
        try:
            import uvloop
        except ImportError:
            uvloop = None
        with open(p) as fh, lock:
            pass
        while True:
            break
        app.include_router(health_router)
        if __name__ == "__main__":
            main()
        del counter
        """)
    assert _keys(split_python(text)) == [
        "from:.",
        "from:..pkg.mod",
        "import:a.b,d",
        "assign:a,*rest,b",
        "augassign:counter",
        "assign:os.environ['X']",
        "def:run",
        "if:TYPE_CHECKING",
        "try:import:uvloop",
        "with:open(p) as fh, lock",
        "while:True",
        "expr:app.include_router(health_router)",
        "if:__name__",
        "delete:del counter",
    ]


def test_keys_do_not_depend_on_layout_or_quotes() -> None:
    compact = 'x = call(a, "s")\nrouter.add("/p", handler)\n'
    exploded = "x = call(\n    a,\n    's',\n)\nrouter.add(\n    '/p',\n    handler,\n)\n"
    assert _keys(split_python(compact)) == _keys(split_python(exploded))


def test_long_expression_keys_are_shortened() -> None:
    text = "register(" + ", ".join(f"name_{i}" for i in range(40)) + ")\n"
    (unit,) = split_python(text)
    assert len(unit.key) <= 85 and unit.key.endswith("...")


@pytest.mark.parametrize(
    "text",
    [
        "x = 1",  # no final newline
        "def f():\n\treturn 1\n\t# tab-indented trailing comment\n",
        "\fimport os\n",
        "é = 'ü'  # ünïcode\nclass Ä:\n    ö: int = 1\n",
        "class A:\n    '''Only a docstring.'''\n",
        "class A:\n    @staticmethod\n    def f() -> None: ...\n",
        "if x:\n    pass\nelif y:\n    pass\nelse:\n    pass\n# end\n",
        "x = [\n    1,\n    # inside a list\n    2,\n]\n",
        "def f():\n    pass\n        # deeper than the body\n# at top\n",
        "match x:\n    case 1:\n        pass\n",
    ],
)
def test_nasty_inputs_split_exactly(text: str) -> None:
    check_split(text, split_python(text))


# --- merge_imports -------------------------------------------------------------------------


def _unit(text: str | None, key: str = "from:x") -> Unit | None:
    return None if text is None else Unit(key, text, 1)


def _merge(
    base: str | None, ours: str | None, theirs: str | None, key: str = "from:x"
) -> str | None:
    return merge_imports(_unit(base, key), _unit(ours, key), _unit(theirs, key))


IMPORT_CASES = [
    # (base, ours, theirs, expected)
    pytest.param(
        "from x import a\n",
        "from x import a, b\n",
        "from x import a, c\n",
        "from x import a, b, c\n",
        id="both-add-a-name",
    ),
    pytest.param(
        "from x import a, b\n",
        "from x import a, b, own\n",
        "from x import a\n",
        "from x import a, own\n",
        id="synth-drops-a-name-owner-adds-one",
    ),
    pytest.param(
        "from x import a, b\n",
        "from x import a, b as bee\n",
        "from x import a, b, c\n",
        "from x import a, c\nfrom x import b as bee\n",
        id="alias-is-part-of-the-name",
    ),
    pytest.param(
        "from x import a\n",
        "# owner: why x\nfrom x import a, own\n",
        "from x import a, ZETA, Beta\n",
        "# owner: why x\nfrom x import ZETA, Beta, a, own\n",
        id="comment-above-kept-names-in-isort-order",
    ),
    pytest.param(
        "from x import a\n",
        "from x import (\n    a,\n    own,  # owner: needed by jobs\n)\n",
        "from x import a, b\n",
        "from x import (\n    a,\n    b,\n    own,  # owner: needed by jobs\n)\n",
        id="comment-on-a-name",
    ),
    pytest.param(
        "from x import a\n",
        "from x import (\n    # owner: keep first\n    a,\n    own,\n)\n",
        "from x import a, b\n",
        "from x import (\n    # owner: keep first\n    a,\n    b,\n    own,\n)\n",
        id="comment-line-above-a-name",
    ),
    pytest.param(
        "from x import a, b\n",
        "from x import (\n    a,\n    b,\n)\n",
        "from x import a, b, c\n",
        "from x import (\n    a,\n    b,\n    c,\n)\n",
        id="owner-exploded-it-magic-comma-kept",
    ),
    pytest.param(
        "from x import a\n",
        "from x import a, own  # noqa: F401\n",
        "from x import a, b\n",
        "from x import a, b, own  # noqa: F401\n",
        id="statement-comment",
    ),
    pytest.param(
        "from x import a\n",
        "from x import a, own\n",
        "from x import a, " + ", ".join(f"name_{i:02}" for i in range(12)) + "\n",
        "from x import (\n"
        + "".join(f"    {n},\n" for n in ["a", *(f"name_{i:02}" for i in range(12)), "own"])
        + ")\n",
        id="too-long-for-one-line",
    ),
    pytest.param(
        "from x import a\n",
        "# owner: used by audit\nfrom x import a\n",
        None,
        "# owner: used by audit\n",
        id="synth-drops-the-import-owner-comment-stays",
    ),
    pytest.param(
        "from x import a\n",
        "from x import a, own\n",
        None,
        "from x import own\n",
        id="synth-drops-the-import-owner-name-stays",
    ),
    pytest.param(
        "\nfrom x import a\n",
        "\nfrom x import (\n    a,\n)\n",
        None,
        "",
        id="names-gone-nothing-of-the-owner-left",
    ),
    pytest.param(
        None,
        "from x import own\n",
        "from x import a\n",
        "from x import a, own\n",
        id="both-added-the-import",
    ),
    pytest.param(
        "from x import item_10\n",
        "from x import item_10, item_2\n",
        "from x import item_10, item_1\n",
        "from x import item_1, item_2, item_10\n",
        id="natural-order",
    ),
    pytest.param(
        "    from x import a\n",
        "    from x import a, own\n",
        "    from x import a, b\n",
        "    from x import a, b, own\n",
        id="indented-in-a-class",
    ),
]


@pytest.mark.parametrize(("base", "ours", "theirs", "expected"), IMPORT_CASES)
def test_merge_imports(base: str | None, ours: str, theirs: str | None, expected: str) -> None:
    assert _merge(base, ours, theirs) == expected


def test_straight_imports_merge_by_alias() -> None:
    merged = _merge("import json\n", "import json as j\n", "import json\n", key="import:json")
    assert merged == "import json as j\n"
    both = _merge(None, "import yaml\n", "import json, os\n", key="import:json")
    assert both == "import json\nimport os\nimport yaml\n"


@pytest.mark.parametrize(
    ("base", "ours", "theirs"),
    [
        pytest.param("from x import a\n", "x = 1\n", "from x import a, b\n", id="rewritten"),
        pytest.param(
            "from x import a\n", "from y import a\n", "from x import a, b\n", id="other-module"
        ),
        pytest.param(
            "from x import a\n",
            "from x import a  # owner\n",
            "from x import a  # synth\n",
            id="both-comment-it",
        ),
        pytest.param(
            "from x import a, b\n",
            "from x import (\n    a,\n    b,  # owner: keep b\n)\n",
            "from x import a\n",
            id="owner-commented-a-name-synth-drops",
        ),
        pytest.param(
            "from x import a\n",
            "from x import (\n    a,\n    # dangling before the paren\n)\n",
            "from x import a, b\n",
            id="comment-after-the-last-name",
        ),
    ],
)
def test_merge_imports_declines(base: str, ours: str, theirs: str) -> None:
    assert _merge(base, ours, theirs) is None


def test_merged_imports_satisfy_ruff_isort_and_black(tmp_path: Path) -> None:
    """Every merged case above, in one file, is what `ruff --select I` and black leave alone."""
    merged = [_merge(*case.values[:3]) for case in IMPORT_CASES]
    top_level = [m for m in merged if m and "import" in m and not m.startswith(" ")]
    assert len(top_level) >= 10
    for index, text in enumerate(top_level):
        (tmp_path / f"case_{index}.py").write_text(text, encoding="utf-8")
    ruff = subprocess.run(
        ["ruff", "check", "--isolated", "--select", "I", "--line-length", "100", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ruff.returncode == 0, ruff.stdout
    black = subprocess.run(
        ["black", "--check", "--quiet", "--line-length", "100", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert black.returncode == 0, black.stderr


NAME_POOL = ["a", "b", "Beta", "CONST", "item_2", "item_10", "x as y", "x", "_private"]


@settings(max_examples=25, deadline=None)
@given(
    st.sets(st.sampled_from(NAME_POOL), min_size=1),
    st.sets(st.sampled_from(NAME_POOL), min_size=1),
    st.sets(st.sampled_from(NAME_POOL), min_size=1),
)
def test_law_merged_names_follow_the_table_name_by_name(
    base: set[str], ours: set[str], theirs: set[str]
) -> None:
    """A name stays if both sides keep it, or one side added it; it goes if either dropped it."""

    def statement(names: set[str]) -> str:
        return "from x import (\n" + "".join(f"    {n},\n" for n in sorted(names)) + ")\n"

    merged = _merge(statement(base), statement(ours), statement(theirs))
    expected = (base & ours & theirs) | (ours - base) | (theirs - base)
    assert merged is not None
    found = {
        a.name if a.asname is None else f"{a.name} as {a.asname}"
        for node in ast.parse(merged).body
        if isinstance(node, ast.ImportFrom)
        for a in node.names
    }
    assert found == expected
