"""The runtime modules as `reading.read_spans` reads them, kept in a file beside synth's source.

Reading a runtime module with `ast` (a parse, then a walk over every node for its names) was
most of what contributing one cost: 0.04 s of CPU for the 34 modules, in every run, for an
answer that changes only when synth's own source does. `_runtime_reads.json` holds that answer
for each module with the SHA-256 of the text it was read from, as a .pyc holds a module's code
beside its source: a module whose text is not the indexed one (an edit not yet indexed) is read
afresh, so the index can make a run slower, never different. `SYNTH_NO_CACHE=1` ignores it.

tests/codegen/test_read_index.py holds the file equal to a fresh build and every decoded
statement equal to a fresh read. Rebuild it after editing `synth/runtime/`:

    python -m synth.codegen.read_index
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from synth.codegen.imports import ImportRequest
from synth.codegen.reading import (
    ReadStatement,
    placed,
    read_spans,
    read_statements,
    source_lines,
)

__all__ = ["INDEX", "build_index", "indexed_reads", "render_index"]

INDEX = Path(__file__).resolve().parent / "_runtime_reads.json"
_RUNTIME = Path(__file__).resolve().parent.parent / "runtime"


def _digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def _encode(source: str) -> list[Any] | None:
    read = read_spans(source)
    if read is None:
        return None
    return [
        [
            list(span),
            None if s.imports is None else [[r.module, r.name] for r in s.imports],
            sorted(s.names),
            None if s.identity is None else list(s.identity),
            s.block,
            sorted(s.imported_from),
        ]
        for span, s in read
    ]


def _decode(source: str, encoded: list[Any] | None) -> tuple[ReadStatement, ...] | None:
    if encoded is None:
        return None
    lines = source_lines(source)
    found: list[ReadStatement] = []
    previous = 0
    for (first, last), imports, names, identity, block, imported_from in encoded:
        code, above = placed(lines, (first, last), previous)
        found.append(
            ReadStatement(
                code=code,
                leading_lines=above,
                imports=None if imports is None else tuple(ImportRequest(*r) for r in imports),
                names=frozenset(names),
                identity=None if identity is None else tuple(identity),
                block=block,
                imported_from=frozenset(imported_from),
            )
        )
        previous = last
    return tuple(found)


def build_index(root: Path = _RUNTIME) -> dict[str, Any]:
    """Every runtime module's digest and statements, read now."""
    modules: dict[str, Any] = {}
    for path in sorted(root.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        modules[path.relative_to(root).as_posix()] = {
            "sha256": _digest(source),
            "statements": _encode(source),
        }
    return {"reader": "synth.codegen.reading.read_spans", "modules": modules}


def render_index(index: dict[str, Any]) -> str:
    """The index file's text: one line a statement, so a runtime edit is a small diff."""
    lines = ["{", f'"reader": {json.dumps(index["reader"])},', '"modules": {']
    entries = list(index["modules"].items())
    for number, (relative, entry) in enumerate(entries):
        lines.append(f"{json.dumps(relative)}: {{")
        lines.append(f'"sha256": {json.dumps(entry["sha256"])},')
        statements = entry["statements"]
        if statements is None:
            lines.append('"statements": null')
        else:
            lines.append('"statements": [')
            rows = [json.dumps(s, separators=(",", ":")) for s in statements]
            lines.extend(f"{row}," for row in rows[:-1])
            lines.extend(rows[-1:])
            lines.append("]")
        lines.append("}," if number < len(entries) - 1 else "}")
    lines.extend(["}", "}"])
    return "\n".join(lines) + "\n"


@cache
def _index() -> dict[str, Any]:
    try:
        loaded = json.loads(INDEX.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    modules = loaded.get("modules") if isinstance(loaded, dict) else None
    return modules if isinstance(modules, dict) else {}


def indexed_reads(relative: str, source: str) -> tuple[ReadStatement, ...] | None:
    """`read_statements(source)` for the runtime module at `relative`: from the index when it
    holds that module's text, else read now."""
    entry = None if os.environ.get("SYNTH_NO_CACHE") else _index().get(relative)
    if isinstance(entry, dict) and entry.get("sha256") == _digest(source):
        try:
            return _decode(source, entry["statements"])
        except (KeyError, TypeError, ValueError):
            pass  # an index of another shape: read it afresh
    return read_statements(source)


if __name__ == "__main__":
    INDEX.write_text(render_index(build_index()), encoding="utf-8")
    print(f"wrote {INDEX}")
