"""One file's three-way merge: the file-level rules, the envelope, and the kind of merge.

    base    ours    theirs
    -       -       T        created: T
    B       -       any      the owner deleted it: it stays deleted
    B       B       -        synth no longer generates it, the owner never touched it: deleted
    B       O       -        a conflict for each owner piece (--force deletes it, listing them)
    any     O       T        merged unit by unit by the file's kind (base "" when absent)

Every byte of the owner's file survives or the merge says where it could not; nothing here
reads or writes the disk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher
from importlib import import_module

from synth.merge.envelope import close, open_text
from synth.merge.sequence import Conflict, Forced, Merged, merge_lines
from synth.merge.units import Unit
from synth.quality import format_source, is_black_stable

__all__ = ["FileMerge", "merge_file", "split_for"]

Merger = Callable[..., Merged]
Splitter = Callable[[str], tuple[Unit, ...]]

# path suffix or name -> (module, merge function, split function) in synth.merge
_KINDS: tuple[tuple[str, str, str, str], ...] = (
    (".py", "python_units", "merge_python", "split_python"),
    (".yaml", "yaml_units", "merge_yaml", "split_yaml"),
    (".yml", "yaml_units", "merge_yaml", "split_yaml"),
    (".toml", "toml_units", "merge_toml", "split_toml"),
    (".md", "markdown_units", "merge_markdown", "split_markdown"),
    (".env.example", "line_units", "merge_env", "split_env"),
    (".gitignore", "line_units", "merge_ignore", "split_ignore"),
    (".dockerignore", "line_units", "merge_ignore", "split_ignore"),
)


@dataclass(frozen=True)
class FileMerge:
    """What becomes of one file: its text (None: absent), and what the merge reports."""

    path: str
    text: str | None
    conflicts: tuple[Conflict, ...] = ()
    forced: tuple[Forced, ...] = ()
    kept_deleted: bool = False


def _kind(path: str) -> tuple[str, str, str] | None:
    name = path.rsplit("/", 1)[-1]
    for suffix, module, merge, split in _KINDS:
        if name == suffix or name.endswith(suffix):
            return module, merge, split
    return None


def _kind_function(path: str, which: int) -> Callable[..., object] | None:
    kind = _kind(path)
    if kind is None:
        return None
    return getattr(import_module(f"synth.merge.{kind[0]}"), kind[which])  # type: ignore[no-any-return]


def _merger(path: str) -> Merger:
    found = _kind_function(path, 1)
    return merge_lines if found is None else found  # type: ignore[return-value]


def split_for(path: str) -> Splitter | None:
    """The unit splitter for a path's kind (None: a plain-lines file)."""
    return _kind_function(path, 2)  # type: ignore[return-value]


def merge_file(
    path: str, base: str | None, ours: str | None, theirs: str | None, *, force: bool
) -> FileMerge:
    """Merge one file (texts as on disk for ours; as generated for base and theirs)."""
    if ours is None:
        if base is None:
            return FileMerge(path, theirs)
        return FileMerge(path, None, kept_deleted=theirs is not None)
    opened, envelope = open_text(ours)
    if theirs is None:
        if base is not None and opened == base:
            return FileMerge(path, None)
        return _dropped(path, base or "", ours, opened, force=force)
    if opened == (base if base is not None else theirs):
        return FileMerge(path, ours if opened == theirs else close(theirs, envelope))
    if theirs == base or opened == theirs:
        return FileMerge(path, ours)
    merged = _merger(path)(path, base or "", opened, theirs, force=force)
    if merged.conflicts:
        return FileMerge(path, ours, merged.conflicts, merged.forced)
    text = merged.text
    if path.endswith(".py") and text != opened and is_black_stable(opened):
        text = format_source(text, path)
    return FileMerge(path, close(text, envelope), (), merged.forced)


def _dropped(path: str, base: str, ours: str, opened: str, *, force: bool) -> FileMerge:
    """Synth no longer generates a file the owner changed: each owner piece is a conflict.

    A file whose every remaining byte is synth's (the owner only deleted pieces) goes.
    """
    pieces = _owner_pieces(path, base, opened)
    if not pieces:
        return FileMerge(path, None)
    if force:
        forced = tuple(Forced(path, line, key, "removed") for line, key in pieces)
        return FileMerge(path, None, (), forced)
    reason = "yours; synth no longer generates this file"
    conflicts = tuple(Conflict(path, line, key, reason) for line, key in pieces)
    return FileMerge(path, ours, conflicts)


def _owner_pieces(path: str, base: str, opened: str) -> list[tuple[int, str]]:
    """(line, key) of every piece of `opened` that is not synth's, byte for byte."""
    split = split_for(path)
    if split is not None:
        try:
            return _changed(split(base), split(opened), "")
        except (SyntaxError, ValueError):
            pass
    added = _first_addition(base, opened)
    return [] if added is None else [(added, "lines")]


def _changed(base: tuple[Unit, ...], ours: tuple[Unit, ...], prefix: str) -> list[tuple[int, str]]:
    by_key = {u.key: u for u in base}
    out: list[tuple[int, str]] = []
    for unit in ours:
        was = by_key.get(unit.key)
        if was is not None and was.text == unit.text:
            continue
        key = prefix + unit.key
        line = unit.line + len(unit.text) - len(unit.text.lstrip("\n"))
        if unit.children is not None and was is not None and was.children is not None:
            if (unit.head, unit.tail) != (was.head, was.tail):
                out.append((line, key))
            out.extend(_changed(was.children, unit.children, key + "/"))
        else:
            out.append((line, key))
    return out


def _first_addition(base: str, opened: str) -> int | None:
    """The first line of `opened` that is not base's (None: the owner only deleted lines)."""
    a, b = base.splitlines(), opened.splitlines()
    for tag, _, _, j1, _ in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("insert", "replace"):
            return j1 + 1
    return None
