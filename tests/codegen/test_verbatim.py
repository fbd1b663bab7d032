"""Every statement rendering keeps as it is must be black's output already.

Before: each generated file went whole through black. After: statements marked verbatim (runtime
statements the rename left alone, template statements without slots) are kept as they are. This
generates every LearnFlow service and golden case, then formats each marked statement alone, and
holds the code kept for it (a slice of its source, where synth had one) equal to libcst's, or,
for a template fill whose too-long `def` line is kept split as black splits it, the same in
meaning (the same `ast`). (The
runtime statements held as text are held black-stable one by one in test_source_statement.py.)
"""

from __future__ import annotations

from pathlib import Path

from synth.api import compose_service
from synth.codegen.verbatim import generated_code, marked, verbatim_code
from synth.quality import format_source
from synth.spec import load_spec
from synth.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]


def test_every_marked_statement_is_black_stable() -> None:
    for path in [
        *sorted((ROOT / "specs").glob("*.yaml")),
        *ROOT.glob("tests/features/cases/*/*/spec.yaml"),
    ]:
        spec = load_spec(path)
        compose_service(spec, list(spec.features), Workspace(root=None), gate=False)
    statements = marked()
    assert len(statements) > 50
    for statement in statements:
        code = verbatim_code(statement)
        assert code is not None
        if code.startswith(" "):  # a method, its code at its depth in a class
            code = f"class Holder:\n{code}"
            assert format_source(code) == code, code[:300]
            continue
        libcst_code = generated_code(statement)
        if code != libcst_code:  # a template fill whose `def` line black splits, split so
            assert format_source(libcst_code) == code, code[:300]
        assert format_source(code) == code, code[:300]
