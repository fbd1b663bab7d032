"""Rendering formats only what needs it, and gets what black makes of the whole file.

Before: every generated file went through black whole. After: statements that come verbatim
from synth's runtime modules are kept as they are and the rest is formatted piece by piece
(synth.quality.formatting.format_module). The two must give the same bytes, for the LearnFlow
specs and for fuzzed ones.
"""

from __future__ import annotations

import keyword
from pathlib import Path

import libcst as cst
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from synth.api import compose_service
from synth.codegen import ImportRequest, build_docstring, ensure_imports
from synth.codegen.verbatim import verbatim_code
from synth.quality import format_module, format_source
from synth.spec import FeatureName, ServiceSpec, load_spec
from synth.workspace import Workspace
from tests.pipeline.test_properties import specs

SPECS = Path(__file__).resolve().parents[2] / "specs"


def _assert_same_as_whole_file_black(spec: ServiceSpec, features: list[FeatureName]) -> None:
    workspace = Workspace(root=None)
    compose_service(spec, features, workspace, gate=False)
    for path, module in sorted(workspace.python.items()):
        assert format_module(module, path, verbatim_code) == format_source(module.code), path


def test_learnflow_services_render_as_whole_file_black() -> None:
    for path in sorted(SPECS.glob("*.yaml")):
        spec = load_spec(path)
        _assert_same_as_whole_file_black(spec, list(spec.features))


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs())
def test_fuzzed_services_render_as_whole_file_black(spec: ServiceSpec) -> None:
    every = [FeatureName.STATE, FeatureName.PUBSUB, FeatureName.AGENT]  # invoke: no targets
    _assert_same_as_whole_file_black(spec, every)


_IDENT = st.from_regex(r"[a-z_][a-z0-9_]{0,24}", fullmatch=True).filter(
    lambda name: not keyword.iskeyword(name) and not keyword.issoftkeyword(name)
)
_MODULE = st.lists(_IDENT, min_size=1, max_size=4).map(".".join)


@settings(max_examples=150, deadline=None)
@given(
    requests=st.lists(
        st.tuples(_MODULE, st.none() | _IDENT).map(lambda t: ImportRequest(*t)),
        min_size=1,
        max_size=12,
    )
)
def test_import_lines_kept_as_they_are_are_what_black_makes(
    requests: list[ImportRequest],
) -> None:
    """Plain import lines skip black (`_plain_import`); long ones, and the file, still match."""
    body = cst.parse_module('"""Doc."""\n\n\ndef f() -> None:\n    pass\n')
    module = ensure_imports(body, requests, first_party=["first"])
    assert format_module(module, "m.py") == format_source(module.code)


_DOC_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"])
    | st.sampled_from(["\n", " ", '"', "\\", "\t", "'", "a", "b", "c"]),
    max_size=400,
)


@settings(max_examples=300, deadline=None)
@given(text=_DOC_TEXT)
@example(text='"""')  # build_docstring once escaped this text's last quote twice: broken code
def test_docstrings_kept_as_they_are_are_what_black_makes(text: str) -> None:
    """A module docstring `_plain_docstring` keeps from black is black's output already."""
    module = cst.Module(body=[build_docstring(text)])
    assert format_module(module, "m.py") == format_source(module.code)


def test_a_comment_inside_a_node_built_statement_keeps_it_from_the_one_line_forms() -> None:
    """Before: `statement_form` wrote a statement from its parts, a comment inside it lost.
    After: such a statement goes to black, which keeps the comment."""
    module = cst.parse_module('X = [\n    "a",  # why this one\n    "b"\n]\nY = f(1)\n')
    written = format_module(module, "m.py")
    assert "# why this one" in written
    assert written == format_source(module.code)
