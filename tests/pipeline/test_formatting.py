"""Rendering formats only what needs it, and gets what black makes of the whole file.

Before: every generated file went through black whole. After: statements that come verbatim
from synth's runtime modules are kept as they are and the rest is formatted piece by piece
(synth.quality.formatting.format_module). The two must give the same bytes, for the LearnFlow
specs and for fuzzed ones.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings

from synth.api import compose_service
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
