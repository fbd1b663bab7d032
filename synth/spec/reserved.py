"""The names a service's package may not take, derived from what a generated service is.

A service named `starlette` would get a package `starlette/` that shadows the Starlette its
FastAPI imports, and it could neither boot nor test. So the reserved set is computed, not
listed: the top-level import names of every distribution the generated service installs
(its pyproject's dependencies and dev dependencies, and everything those require, read from
the installed distributions' metadata with `importlib.metadata`), the standard library
(`sys.stdlib_module_names`), and the top-level folders a generated service already has
(`tests/`, `k8s/`, `components/`).

The dependencies and folders come from the features themselves: each declares its
dependencies, and the deploy files come from a probe spec that switches every feature on (a
service may grow any feature later), built without any code, so a feature that adds a
dependency reserves its import names without an edit here. The commands
that make a service or a spec ask (`synth new`, `synth spec new`); the spec model's own
validator refuses only keywords and the standard library, since deriving reads the metadata of
every distribution in the closure (about 0.07 s of CPU: METADATA headers and RECORD text only).
A required distribution that is not installed reserves its own normalized name
(`openai-agents` -> `openai_agents`), the best guess without its metadata. `is_reserved`, what
`synth new` asks, answers most names without the whole derivation (see there).
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from importlib import metadata
from importlib.util import find_spec
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from synth.spec.models import ServiceSpec

__all__ = ["is_reserved", "reserved_for", "reserved_package_names"]

_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[([^\]]*)\])?")


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@lru_cache(maxsize=1)
def reserved_package_names() -> frozenset[str]:
    """Every name a service's package would shadow, whatever features it has (all on)."""
    return reserved_for(*_requirements_and_folders())


def is_reserved(package: str) -> bool:
    """Whether `package` is one of `reserved_package_names()`, without deriving the whole set
    when it cannot be: a name no finder on `sys.path` finds is no installed distribution's
    import name (a distribution's files sit on the path its metadata is found on), so unless it
    is the standard library's, a folder's, or the name of a distribution the closure reaches
    (read without the requirement parser: every `Requires-Dist`, whatever its marker, a
    superset), it is free. Any other name gets the full derivation's answer."""
    if package in sys.stdlib_module_names:
        return True
    requirements, folders = _requirements_and_folders()
    if package in folders:
        return True
    if find_spec(package) is None and package not in _reachable_names(requirements):
        return False
    return package in reserved_for(requirements, folders)


@lru_cache(maxsize=16)
def _reachable_names(requirements: tuple[str, ...]) -> frozenset[str]:
    """The names (normalized, `_` for `-`) of every distribution `requirements` reach through
    any `Requires-Dist` of an installed one, marker or not (only `extra == "x"` markers for
    extras not asked for are skipped, as `_closure` skips them): a superset of `_closure`."""
    seen: set[str] = set()
    pending: list[tuple[str, frozenset[str]]] = [_name_and_extras(text) for text in requirements]
    while pending:
        name, extras = pending.pop()
        key = _normalize(name)
        if not name or key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for text in _requires(dist):
            if not _only_for_other_extras(text, extras):
                pending.append(_name_and_extras(text))
    return frozenset(key.replace("-", "_") for key in seen)


def _name_and_extras(text: str) -> tuple[str, frozenset[str]]:
    match = _REQUIREMENT_NAME.match(text)
    if match is None:
        return "", frozenset()
    extras = frozenset(e.strip() for e in (match.group(3) or "").split(",") if e.strip())
    return match.group(1), extras


@lru_cache(maxsize=16)
def reserved_for(requirements: tuple[str, ...], folders: frozenset[str]) -> frozenset[str]:
    """The names a service with these requirements and top-level folders may not take."""
    names = set(sys.stdlib_module_names) | folders
    names.update(_import_names(_closure(list(requirements))))
    return frozenset(names)


@lru_cache(maxsize=1)
def _requirements_and_folders() -> tuple[tuple[str, ...], frozenset[str]]:
    """The requirement strings and top-level folders of a service with every feature on.

    Read from what the features declare, without building their code: their dependencies,
    their deploy files (`Feature.deployment`), and `tests/`, where the rule that places runtime
    modules puts every test module.
    """
    from synth.codegen.runtime import RUNTIME_PACKAGE, runtime_module_name
    from synth.features.base import deployment_of
    from synth.features.registry import available_features  # the features import synth.spec
    from synth.manifests import build_deploy_files

    features = available_features()
    spec = _probe_spec()
    requirements = [r for f in features.values() for r in (*f.dependencies, *f.dev_dependencies)]
    deploy = build_deploy_files(spec, deployment_of(spec, features))
    tests = runtime_module_name(f"{RUNTIME_PACKAGE}.app.test_app", spec.package).split(".")[0]
    folders = {path.split("/")[0] for path in [*deploy.yaml, *deploy.text] if "/" in path}
    return tuple(requirements), frozenset((folders | {tests}) - {spec.package})


def _probe_spec() -> ServiceSpec:
    """A spec that turns every feature's contribution on (built without the name check)."""
    from synth.spec.models import (
        AgentSpec,
        FieldSpec,
        InvokeSpec,
        ServiceSpec,
        StateKeySpec,
        TopicSpec,
    )

    field = (FieldSpec(name="session_id"),)
    request = TopicSpec(topic="probe.request", fields=field)
    response = TopicSpec(topic="probe.response", fields=(*field, FieldSpec(name="answer")))
    values = {
        name: info.get_default(call_default_factory=True)
        for name, info in ServiceSpec.model_fields.items()
    }
    values.update(
        name="probe",
        subscribes=(request,),
        publishes=(response,),
        state=(StateKeySpec(key="probe:{pid}", fields=field),),
        invokes=(InvokeSpec(app_id="other", methods=("ask",), get_methods=("ask",)),),
        agent=AgentSpec(
            instructions="probe",
            request_topic=request.topic,
            response_topic=response.topic,
            reads_state=("probe",),
        ),
    )
    return ServiceSpec.model_construct(**values)


def _closure(requirements: list[str]) -> dict[str, metadata.Distribution | None]:
    """Each required distribution (normalized name) and its installed metadata, transitively."""
    from packaging.requirements import InvalidRequirement, Requirement

    found: dict[str, metadata.Distribution | None] = {}
    pending: list[tuple[str, frozenset[str]]] = []
    for text in requirements:
        name, extras = _name_and_extras(text)
        if name:
            pending.append((name, extras))
    while pending:
        name, extras = pending.pop()
        key = _normalize(name)
        if key in found and not extras:
            continue
        try:
            dist: metadata.Distribution | None = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            dist = None
        found[key] = dist
        for text in _requires(dist) if dist is not None else ():
            if _only_for_other_extras(text, extras):
                continue
            try:
                requirement = Requirement(text)
            except InvalidRequirement:
                continue
            marker = requirement.marker
            if marker is not None and not any(
                marker.evaluate({"extra": extra}) for extra in (extras or {""})
            ):
                continue
            if _normalize(requirement.name) not in found:
                pending.append((requirement.name, frozenset(requirement.extras)))
    return found


_EXTRA_ONLY = re.compile(r"""^extra\s*==\s*['"]([^'"]+)['"]$""")


def _only_for_other_extras(requirement: str, extras: frozenset[str]) -> bool:
    """A requirement whose whole marker is `extra == "x"` for an extra not asked for: skipped
    without the full requirement parser (most of a large closure's requirements)."""
    _, semicolon, marker = requirement.partition(";")
    match = _EXTRA_ONLY.match(marker.strip()) if semicolon else None
    return match is not None and _normalize(match.group(1)) not in {_normalize(e) for e in extras}


def _requires(dist: metadata.Distribution) -> list[str]:
    """The `Requires-Dist` headers of `dist`'s METADATA (`dist.requires` when it has none).

    Read from the header block alone: the email parser behind `dist.requires` also reads the
    long description after it, most of the cost of deriving the reserved set.
    """
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO")
    if text is None:
        return list(dist.requires or [])
    found: list[str] = []
    current: str | None = None
    for line in text.splitlines():
        if not line:  # the blank line that ends the headers (a line of spaces continues one)
            break
        if line[0] in " \t":
            if current is not None:
                current += " " + line.strip()
            continue
        if current is not None:
            found.append(current)
            current = None
        header, _, value = line.partition(":")
        if header.strip().lower() == "requires-dist":
            current = value.strip()
    if current is not None:
        found.append(current)
    return found


def _import_names(closure: dict[str, metadata.Distribution | None]) -> set[str]:
    """The top-level import names the distributions of `closure` install.

    Read from each distribution's `top_level.txt`, else from its RECORD (the first component
    of every installed path); a distribution that is not installed reserves its own name.
    """
    names: set[str] = set()
    for key, dist in closure.items():
        modules = _top_level(dist) if dist is not None else set()
        names.update(m for m in modules if m.isidentifier())
        if not modules:
            names.add(key.replace("-", "_"))
    return names


def _top_level(dist: metadata.Distribution) -> set[str]:
    listed = dist.read_text("top_level.txt")
    if listed:
        return {line.strip() for line in listed.splitlines() if line.strip()}
    record = dist.read_text("RECORD")
    if record is None:
        return set()
    modules: set[str] = set()
    for line in record.splitlines():
        path = line.rsplit(",", 2)[0] if line.count(",") >= 2 else line
        path = path.strip('"')
        head, slash, _ = path.partition("/")
        if not head or head.endswith((".dist-info", ".data")) or head in {"..", "__pycache__"}:
            continue
        if not slash:
            if head.endswith(".py"):
                modules.add(head.removesuffix(".py"))
            elif head.endswith((".so", ".pyd")):
                modules.add(head.split(".")[0])
        else:
            modules.add(head)
    return modules
