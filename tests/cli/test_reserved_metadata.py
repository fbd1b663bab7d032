"""The reserved-name probe reads installed metadata its own fast way; it must read what
importlib.metadata reads.

Before: `dist.requires` (the email parser over the whole METADATA, long description included)
and `dist.files` (a PackagePath per RECORD line). After: the METADATA header block and the
RECORD text. Every distribution installed here is read both ways and compared.
"""

from __future__ import annotations

from importlib import metadata

from synth.spec import reserved


def _top_level_from_files(dist: metadata.Distribution) -> set[str]:
    modules: set[str] = set()
    for path in dist.files or ():
        head = path.parts[0] if path.parts else ""
        if head.endswith((".dist-info", ".data")) or head in {"..", "__pycache__"}:
            continue
        if len(path.parts) == 1:
            if head.endswith(".py"):
                modules.add(head.removesuffix(".py"))
            elif head.endswith((".so", ".pyd")):
                modules.add(head.split(".")[0])
        else:
            modules.add(head)
    return modules


def test_requires_and_top_level_names_match_importlib_metadata() -> None:
    dists = list(metadata.distributions())
    assert len(dists) > 20
    for dist in dists:
        name = dist.metadata["Name"]
        assert reserved._requires(dist) == list(dist.requires or []), name
        if not dist.read_text("top_level.txt"):
            assert reserved._top_level(dist) == _top_level_from_files(dist), name


def test_a_requirement_only_for_an_extra_not_asked_for_is_skipped() -> None:
    assert reserved._only_for_other_extras('pytest; extra == "dev"', frozenset())
    assert not reserved._only_for_other_extras('pytest; extra == "dev"', frozenset({"dev"}))
    assert not reserved._only_for_other_extras('pytest; extra == "Dev"', frozenset({"dev"}))
    assert not reserved._only_for_other_extras("pytest", frozenset())
    assert not reserved._only_for_other_extras(
        'pytest; extra == "dev" or python_version < "3.12"', frozenset()
    )
