"""Platform lint: what no single spec can know, checked across all of them.

Each finding is one line, `file: what: why`:

    specs/progress.yaml: publishes struggle.alert: no service subscribes to it (add a subscriber,
    or mark it `external: true` if it leaves the platform)

Rules: names are unique and match their files; every subscribed topic has a publisher (or is
`external: true`, published outside); every published topic has a subscriber (or is
`external: true`, consumed outside); topics live in the LearnFlow namespaces; every declaration
of a topic carries the same payload (field names, types, optional); invoked app ids exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from synth.platform.sources import SpecSource
from synth.spec import FieldSpec, TopicSpec

__all__ = ["TOPIC_NAMESPACES", "LintFinding", "find_platform_findings"]

TOPIC_NAMESPACES = ("learning", "code", "exercise", "struggle")


@dataclass(frozen=True, order=True)
class LintFinding:
    """One problem: the file to change, the declaration at fault, and why."""

    file: str
    what: str
    why: str

    def __str__(self) -> str:
        return f"{self.file}: {self.what}: {self.why}"


@dataclass(frozen=True)
class _Declaration:
    source: SpecSource
    verb: str  # "publishes" or "subscribes"
    topic: TopicSpec

    @property
    def file(self) -> str:
        return str(self.source.path)


def find_platform_findings(sources: Sequence[SpecSource]) -> tuple[LintFinding, ...]:
    """Every finding across the specs, sorted by file then declaration; empty when clean."""
    declarations = [
        _Declaration(source, verb, topic)
        for source in sources
        for verb, topics in (
            ("publishes", source.spec.publishes),
            ("subscribes", source.spec.subscribes),
        )
        for topic in topics
    ]
    findings = [
        *_find_name_problems(sources),
        *_find_unmatched_topics(declarations),
        *_find_foreign_topics(declarations),
        *_find_payload_mismatches(declarations),
        *_find_unknown_invocations(sources),
    ]
    return tuple(sorted(set(findings)))


def _find_name_problems(sources: Sequence[SpecSource]) -> list[LintFinding]:
    findings: list[LintFinding] = []
    first: dict[str, SpecSource] = {}
    for source in sources:
        name = source.spec.name
        if source.path.stem != name:
            why = f"the file is {source.path.name}; rename it {name}.yaml so synth can find it"
            findings.append(LintFinding(str(source.path), f"name {name}", why))
        if name in first:
            why = f"{first[name].path} declares the same service; give each service one spec"
            findings.append(LintFinding(str(source.path), f"name {name}", why))
        first.setdefault(name, source)
    return findings


def _find_unmatched_topics(declarations: list[_Declaration]) -> list[LintFinding]:
    published = {d.topic.topic for d in declarations if d.verb == "publishes"}
    subscribed = {d.topic.topic for d in declarations if d.verb == "subscribes"}
    findings: list[LintFinding] = []
    for d in declarations:
        name, what = d.topic.topic, f"{d.verb} {d.topic.topic}"
        if d.verb == "subscribes" and name not in published and not d.topic.external:
            why = "no service publishes it (add a publisher, or mark it `external: true`)"
            findings.append(LintFinding(d.file, what, why))
        if d.verb == "publishes" and name not in subscribed and not d.topic.external:
            why = (
                "no service subscribes to it (add a subscriber, or mark it `external: true` "
                "if it leaves the platform)"
            )
            findings.append(LintFinding(d.file, what, why))
    return findings


def _find_foreign_topics(declarations: list[_Declaration]) -> list[LintFinding]:
    allowed = ", ".join(f"{ns}.*" for ns in TOPIC_NAMESPACES)
    return [
        LintFinding(d.file, f"{d.verb} {d.topic.topic}", f"not a LearnFlow topic; use {allowed}")
        for d in declarations
        if d.topic.topic.split(".", 1)[0] not in TOPIC_NAMESPACES
    ]


def _find_payload_mismatches(declarations: list[_Declaration]) -> list[LintFinding]:
    """Compare each declaration of a topic with its reference: the first publisher's, by file."""
    by_topic: dict[str, list[_Declaration]] = {}
    for d in declarations:
        by_topic.setdefault(d.topic.topic, []).append(d)
    findings: list[LintFinding] = []
    for name, group in sorted(by_topic.items()):
        group.sort(key=lambda d: (d.verb != "publishes", d.file))
        reference, others = group[0], group[1:]
        expected = _payload(reference.topic.fields)
        for d in others:
            differences = _describe_differences(expected, _payload(d.topic.fields))
            if differences:
                why = f"payload differs from {reference.file} ({'; '.join(differences)})"
                findings.append(LintFinding(d.file, f"{d.verb} {name}", why))
    return findings


def _payload(fields: tuple[FieldSpec, ...]) -> dict[str, tuple[str, bool]]:
    return {f.name: (str(f.type), f.optional) for f in fields}


def _describe_differences(
    expected: dict[str, tuple[str, bool]], actual: dict[str, tuple[str, bool]]
) -> list[str]:
    notes: list[str] = []
    for name in sorted(expected.keys() | actual.keys()):
        want, have = expected.get(name), actual.get(name)
        if have is None:
            notes.append(f"missing field {name}")
        elif want is None:
            notes.append(f"extra field {name}")
        elif want[0] != have[0]:
            notes.append(f"field {name} is {have[0]}, not {want[0]}")
        elif want[1] != have[1]:
            notes.append(f"field {name} is {'optional' if have[1] else 'required'} here")
    return notes


def _find_unknown_invocations(sources: Sequence[SpecSource]) -> list[LintFinding]:
    known = {s.spec.name for s in sources}
    return [
        LintFinding(
            str(source.path),
            f"invokes {call.app_id}",
            "no spec has that name; add its spec or fix the app id",
        )
        for source in sources
        for call in source.spec.invokes
        if call.app_id not in known
    ]
