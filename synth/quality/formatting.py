"""The one place synth imports black: format Python source and tell whether it is black-stable.

black was the slowest step of a run; most of what synth writes is now known to be black's
output without it (`synth.codegen.black_form`, `black_layout`), and what still goes to black
(shapes those rules do not know, modules merged with an owner's edits) is memoised by content:
in memory for the process, and on disk in one SQLite file under `$XDG_CACHE_HOME/synth` (or
`~/.cache/synth`) per black version and mode, like black's own cache. `SYNTH_NO_CACHE=1` turns
the disk cache off (benchmarks measure both). A run whose every piece is cached never imports
black.

`format_module` formats a generated module statement by statement and leaves alone the ones its
caller knows are black's output already (synth's runtime modules are black-formatted in synth's
own source, a gate test holds that): black is imported only when something needs it.
tests/pipeline/test_formatting.py holds that the result is what black makes of the whole file.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Sequence
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import libcst as cst

from synth.codegen.black_form import LINE_LENGTH, docstring_value, plain_docstring, statement_form
from synth.errors import GateError

if TYPE_CHECKING:
    import sqlite3

    from black.mode import Mode

__all__ = ["LINE_LENGTH", "format_module", "format_source", "is_black_stable"]

_MEMO: dict[str, str] = {}
_EMPTY = cst.Module(body=[])


@cache
def _mode() -> Mode:
    from black.mode import Mode, TargetVersion

    return Mode(target_versions={TargetVersion.PY311}, line_length=LINE_LENGTH)


@cache
def _salt() -> bytes:
    """black's version and synth's mode, read without importing black."""
    return f"{version('black')}|py311|{LINE_LENGTH}".encode()


def _cache_dir() -> Path | None:
    if os.environ.get("SYNTH_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "synth"


def _key(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


# the disk cache's connection, per process (a forked worker opens its own); False: no disk cache
_DISK: dict[int, sqlite3.Connection | Literal[False]] = {}


def _disk() -> sqlite3.Connection | None:
    """The SQLite file of black's results for this black version and mode, opened once per
    process: one file, not one per entry (writing 40 small files cost a run 0.03 s), safe for
    the processes of `new --all` writing at once. A cache that cannot be opened is no cache."""
    import sqlite3  # only a run that formats with black opens the cache

    pid = os.getpid()
    if pid not in _DISK:
        folder = _cache_dir()
        _DISK[pid] = False
        if folder is not None:
            salt = hashlib.sha256(_salt()).hexdigest()[:16]
            try:
                folder.mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(
                    folder / f"black-{salt}.sqlite3", timeout=10, isolation_level=None
                )
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=OFF")  # a lost entry is only slower
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS black (key TEXT PRIMARY KEY, formatted TEXT)"
                )
                _DISK[pid] = connection
            except (OSError, sqlite3.Error):
                pass
    found = _DISK[pid]
    return found if found is not False else None


def _load(key: str) -> str | None:
    import sqlite3

    connection = _disk()
    if connection is None:
        return None
    try:
        row = connection.execute("SELECT formatted FROM black WHERE key = ?", (key,)).fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row is not None and isinstance(row[0], str) else None


def _store(key: str, formatted: str) -> None:
    import sqlite3

    connection = _disk()
    if connection is None:
        return
    try:
        connection.execute("INSERT OR REPLACE INTO black VALUES (?, ?)", (key, formatted))
    except sqlite3.Error:
        return  # a cache that cannot be written is only slower


def format_source(source: str, path: str = "<generated>") -> str:
    """Black-format `source`; a syntax error is a GateError naming `path`."""
    key = _key(source)
    cached = _MEMO.get(key)
    if cached is None:
        cached = _load(key)
    if cached is None:
        import black
        from black.parsing import InvalidInput

        try:
            cached = black.format_str(source, mode=_mode())
        except InvalidInput as exc:
            raise GateError(f"{path}: black cannot parse the generated code ({exc})") from exc
        _store(key, cached)
    _MEMO[key] = cached
    return cached


def is_black_stable(source: str) -> bool:
    """True when black would leave `source` unchanged (False when it does not parse)."""
    try:
        return format_source(source) == source
    except GateError:
        return False


def format_module(
    module: cst.Module,
    path: str,
    known: Callable[[cst.BaseStatement], str | None] = lambda _: None,
) -> str:
    """`module`'s code as black formats it, statement by statement.

    A top-level statement for which `known` gives its code (without the blank lines and
    comments above it), black's output already, is kept as it is, and so is a plain import
    line that fits; each run of the others is
    formatted as one piece, and the pieces are joined with the blank lines and comments the
    module has between them.
    """
    if module.header or module.footer or not module.body:
        return format_source(module.code, path)
    parts: list[str] = []
    pending: list[cst.BaseStatement] = []

    def flush() -> None:
        if pending:
            first, rest = pending[0], pending[1:]
            parts.append(_leading(first))
            text = "".join(
                [_EMPTY.code_for_node(first.with_changes(leading_lines=[]))]
                + [_EMPTY.code_for_node(node) for node in rest]
            )
            parts.append(format_source(text, path))
            pending.clear()

    for statement in module.body:
        bare = known(statement) or _plain_import(statement) or _plain_docstring(statement)
        if bare is None:
            bare = _formed(statement, known)
        if bare is not None:
            flush()
            parts.append(_leading(statement) + bare)
        else:
            pending.append(statement)
    flush()
    return "".join(parts)


def _formed(
    statement: cst.BaseStatement, known: Callable[[cst.BaseStatement], str | None]
) -> str | None:
    """`black_form.statement_form` of `statement`, unless that would drop a comment inside it
    (the forms are written from the node's parts, its whitespace and comments not read)."""
    form = statement_form(statement, 0, known)
    if form is None:
        return None
    code = _EMPTY.code_for_node(statement.with_changes(leading_lines=[]))
    return form if code.count("#") == form.count("#") else None


# `import a.b` or `from a.b import c, d`: no alias, no parentheses, no comment, single spaces
_PLAIN_IMPORT = re.compile(r"(import [\w.]+(, [\w.]+)*|from [\w.]+ import \w+(, \w+)*)\n")


def _plain_import(statement: cst.BaseStatement) -> str | None:
    """The code of an import as black writes it: one plain line that fits as it is; a
    `from` import that does not, one name a line in parentheses (black always explodes
    those), the form the imports pass's one line in sixty that is too long gets."""
    if not (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Import | cst.ImportFrom)
    ):
        return None
    code = _EMPTY.code_for_node(statement.with_changes(leading_lines=[]))
    if not _PLAIN_IMPORT.fullmatch(code):
        return None
    if len(code) - 1 <= LINE_LENGTH:
        return code
    head, found, names = code.partition(" import ")
    if not (found and head.startswith("from ")) or len(head) + 10 > LINE_LENGTH:
        return None
    lines = [f"    {name}," for name in names.rstrip("\n").split(", ")]
    return "\n".join([f"{head} import (", *lines, ")"]) + "\n"


def _plain_docstring(statement: cst.BaseStatement) -> str | None:
    """The code of a module docstring black leaves as it is (`black_form.plain_docstring`:
    what `build_docstring` writes for plain text; anything else goes to black)."""
    value = docstring_value(statement)
    return value + "\n" if value is not None and plain_docstring(value, "") else None


def _leading(statement: cst.BaseStatement) -> str:
    lines: Sequence[cst.EmptyLine] = getattr(statement, "leading_lines", ())
    return "".join(_EMPTY.code_for_node(line) for line in lines) if lines else ""
