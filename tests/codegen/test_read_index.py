"""The index of runtime reads is fresh, decodes to what a fresh read gives, and never outlives
an edit.

Before: every run read each runtime module with `ast` (0.04 s of CPU for the 34). After: the
reads are kept in `synth/codegen/_runtime_reads.json` with each module's SHA-256, and used
only for that exact text. The oracle is `read_statements` itself.
"""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from synth.codegen import read_index
from synth.codegen.read_index import INDEX, build_index, indexed_reads, render_index
from synth.codegen.reading import ReadStatement, read_statements

RUNTIME = Path(__file__).resolve().parents[2] / "synth" / "runtime"
MODULES = sorted(p.relative_to(RUNTIME).as_posix() for p in RUNTIME.rglob("*.py"))
_EMPTY = cst.Module(body=[])


def _facts(read: tuple[ReadStatement, ...] | None) -> list[tuple[object, ...]] | None:
    """Every field of every statement, its comment lines as their code."""
    if read is None:
        return None
    return [
        (
            s.code,
            "".join(_EMPTY.code_for_node(line) for line in s.leading_lines),
            s.imports,
            s.names,
            s.identity,
            s.block,
            s.imported_from,
        )
        for s in read
    ]


def test_the_index_file_is_what_a_fresh_build_writes() -> None:
    fresh = render_index(build_index())
    assert (
        INDEX.read_text(encoding="utf-8") == fresh
    ), "synth/runtime changed: rebuild the index with python -m synth.codegen.read_index"


@pytest.mark.parametrize("relative", MODULES)
def test_an_indexed_module_decodes_to_what_reading_it_gives(relative: str) -> None:
    source = (RUNTIME / relative).read_text(encoding="utf-8")
    assert relative in read_index._index()
    assert _facts(indexed_reads(relative, source)) == _facts(read_statements(source))


def test_a_module_edited_since_it_was_indexed_is_read_afresh() -> None:
    relative = "app/logs.py"
    source = (RUNTIME / relative).read_text(encoding="utf-8")
    edited = source.replace("\n\n\n", "\n\n\n# an edit not yet indexed\nEDITED = 1\n\n\n", 1)
    assert edited != source
    found = _facts(indexed_reads(relative, edited))
    assert found == _facts(read_statements(edited))
    assert found is not None and any("EDITED = 1" in str(fact[0]) for fact in found)


def test_an_index_of_another_shape_is_no_index(monkeypatch: pytest.MonkeyPatch) -> None:
    relative = "app/logs.py"
    source = (RUNTIME / relative).read_text(encoding="utf-8")
    digest = read_index._digest(source)
    broken = {relative: {"sha256": digest, "statements": [["not", "a", "statement"]]}}
    monkeypatch.setattr(read_index, "_index", lambda: broken)
    assert _facts(indexed_reads(relative, source)) == _facts(read_statements(source))


def test_synth_no_cache_ignores_the_index(monkeypatch: pytest.MonkeyPatch) -> None:
    relative = "app/logs.py"
    source = (RUNTIME / relative).read_text(encoding="utf-8")
    wrong = {relative: {"sha256": read_index._digest(source), "statements": []}}
    monkeypatch.setattr(read_index, "_index", lambda: wrong)
    assert indexed_reads(relative, source) == ()  # the index is used: it says no statements
    monkeypatch.setenv("SYNTH_NO_CACHE", "1")
    assert _facts(indexed_reads(relative, source)) == _facts(read_statements(source))
