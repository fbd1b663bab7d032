"""Use cases, each a readable list of steps: load -> plan -> apply -> passes -> change set.

The CLI parses strings into typed values and picks a sink; everything else happens here.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from synth.codegen.runtime import warm_runtime_modules
from synth.codegen.verbatim import verbatim_code
from synth.compose.deploy import apply_deploy_files
from synth.compose.lines import ensure_env_example, ensure_lines
from synth.compose.provenance import RECORD_FILE, content_hash, render_record
from synth.compose.pyproject import ensure_pyproject
from synth.compose.python import PythonReport, apply_python
from synth.compose.readme import ensure_readme
from synth.errors import GateError, TargetError
from synth.features.base import Contribution, DeployPieces, EnvVar, ReadmeSection
from synth.features.registry import always_on, available_features, plan_features
from synth.manifests import DeployFiles, build_deploy_files, build_platform_files, render_yaml
from synth.manifests.readme import build_deploy_section
from synth.merge.store import BASE_FILE, render_base
from synth.quality import RuffFinding, format_module, format_source, is_black_stable
from synth.quality.linting import ruff_check_trees
from synth.spec import FeatureName, ServiceSpec
from synth.workspace import ChangeSet, FileChange, Workspace

__all__ = [
    "ServicePlan",
    "compose_platform",
    "compose_service",
    "new_service",
    "new_ruff_findings",
    "new_services",
    "runnable_features",
]

GITIGNORE = (
    "__pycache__/",
    "*.py[cod]",
    "*.egg-info/",
    ".pytest_cache/",
    ".ruff_cache/",
    ".venv/",
    "build/",
    "dist/",
    ".env",
)


@dataclass(frozen=True)
class ServicePlan:
    """The outcome of composing one service: its change set and what the units report says."""

    spec: ServiceSpec
    features: tuple[FeatureName, ...]
    changes: ChangeSet
    python: PythonReport
    file_hashes: dict[str, str]
    deploy: DeployPieces = field(default_factory=DeployPieces)

    def contents(self) -> dict[str, str]:
        """Every file this plan produces (path -> text), deleted files left out."""
        return {c.path: c.after for c in self.changes.files if c.after is not None}


def runnable_features(spec: ServiceSpec) -> tuple[FeatureName, ...]:
    """The spec's features that this synth implements (the rest arrive in later versions)."""
    available = available_features()
    return tuple(f for f in spec.features if f in available)


def new_services(specs: Sequence[ServiceSpec], root: Path) -> list[ServicePlan]:
    """Every spec as a new service under `root`, with its runnable features.

    Services are independent, so they are composed in parallel processes (one per core).
    The first is composed here before the workers fork, so they share what it read once per
    process (runtime modules, templates, black's grammar) instead of each reading it again.
    """
    jobs = [(spec, root / spec.name) for spec in specs]
    workers = min(len(jobs) - 1, os.cpu_count() or 1)
    if workers < 2:
        return [_new_with_runnable(job) for job in jobs]
    import multiprocessing  # only here: a one-service run does not pay for importing it
    from concurrent.futures import ProcessPoolExecutor

    first = _new_with_runnable(jobs[0])
    warm_runtime_modules()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return [first, *pool.map(_new_with_runnable, jobs[1:])]


def _new_with_runnable(job: tuple[ServiceSpec, Path]) -> ServicePlan:
    spec, target = job
    return new_service(spec, runnable_features(spec), target)


def new_service(spec: ServiceSpec, requested: Sequence[FeatureName], target: Path) -> ServicePlan:
    """A whole new service in memory (where it goes is `synth.grow.stage_new`'s to decide)."""
    if target.exists() and not target.is_dir():
        raise TargetError(f"{target} exists and is not a folder; choose another --out")
    return compose_service(spec, requested, Workspace(root=None))


def compose_service(
    spec: ServiceSpec,
    requested: Sequence[FeatureName],
    workspace: Workspace,
    insert: frozenset[FeatureName] | None = None,
    *,
    gate: bool = True,
) -> ServicePlan:
    """Apply the planned features to `workspace` and run the passes; nothing is written.

    `insert` limits which features may insert missing units (adoption: only the new ones).
    `gate=False` leaves the ruff gate to the caller (a merge gates what it would write).
    """
    features = plan_features(requested)
    names = tuple(f.name for f in features)
    active = frozenset(names)
    owned = [(f.name, _contribution(f.name, spec, active)) for f in features]
    contributions = [c for _, c in owned]
    report = apply_python(workspace, owned, spec.package, insert)
    _apply_project_files(workspace, spec, names, contributions)
    pieces, deploy_files, deploy_text = _deploy_files(spec, active)
    apply_deploy_files(workspace, deploy_files, deploy_text)
    rendered = _render(workspace)
    if gate:
        _gate(rendered, workspace, spec)
    text = {c.path: c.after for c in rendered.files if c.after is not None}
    hashes = {path: content_hash(content) for path, content in text.items()}
    recorded = spec.model_copy(update={"features": tuple(n for n in names if n not in always_on())})
    record = render_record(recorded, names, hashes)
    files = (
        *rendered.files,
        FileChange(RECORD_FILE, workspace.original(RECORD_FILE), record),
        FileChange(BASE_FILE, workspace.original(BASE_FILE), render_base(text)),
    )
    changes = ChangeSet(tuple(sorted(files, key=lambda f: f.path)))
    return ServicePlan(spec, names, changes, report, hashes, pieces)


@lru_cache(maxsize=256)
def _contribution(
    name: FeatureName, spec: ServiceSpec, active: frozenset[FeatureName]
) -> Contribution:
    """A feature's contribution; pure, so computed once per (feature, spec, feature set)."""
    return available_features()[name].contribute(spec, active)


@lru_cache(maxsize=64)
def _deploy_files(
    spec: ServiceSpec, active: frozenset[FeatureName]
) -> tuple[DeployPieces, DeployFiles, dict[str, str]]:
    """The features' deploy pieces, the documents built from them and their rendered text,
    once per input."""
    pieces = DeployPieces.merge(
        _contribution(f.name, spec, active).deploy for f in plan_features(active)
    )
    files = build_deploy_files(spec, pieces)
    return pieces, files, {path: render_yaml(docs) for path, docs in files.yaml.items()}


def compose_platform(plans: Sequence[ServicePlan]) -> ChangeSet:
    """The platform files (dapr.yaml for `dapr run -f`, shared components, k8s), generated
    from the plans alone: what is on disk is the merge's to weigh, never an input here."""
    workspace = Workspace(root=None)
    files = build_platform_files([(p.spec, p.deploy) for p in plans])
    apply_deploy_files(workspace, files, {p: render_yaml(d) for p, d in files.yaml.items()})
    rendered = _render(workspace)
    text = {c.path: c.after for c in rendered.files if c.after is not None}
    return ChangeSet((*rendered.files, FileChange(BASE_FILE, None, render_base(text))))


def _apply_project_files(
    workspace: Workspace,
    spec: ServiceSpec,
    features: tuple[FeatureName, ...],
    contributions: Sequence[Contribution],
) -> None:
    env: list[EnvVar] = [v for c in contributions for v in c.deploy.env if v.listed]
    sections: list[ReadmeSection] = [s for c in contributions for s in c.readme]
    sections.append(ReadmeSection(*build_deploy_section(spec)))
    description = spec.description or f"The {spec.name} service."
    workspace.text["pyproject.toml"] = ensure_pyproject(
        workspace.current_text("pyproject.toml"),
        name=spec.name,
        package=spec.package,
        description=description,
        dependencies=[d for c in contributions for d in c.dependencies],
        dev_dependencies=[d for c in contributions for d in c.dev_dependencies],
    )
    intro = (
        f"{description}\n\nA FastAPI service that runs beside a Dapr sidecar "
        f"(app id `{spec.name}`, port {spec.port}), generated by synth with the features: "
        f"{', '.join(f.value for f in features)}."
    )
    workspace.text["README.md"] = ensure_readme(
        workspace.current_text("README.md"), spec.name, intro, sections, env
    )
    workspace.text[".env.example"] = ensure_env_example(workspace.current_text(".env.example"), env)
    workspace.text[".gitignore"] = ensure_lines(workspace.current_text(".gitignore"), GITIGNORE)


def _render(workspace: Workspace) -> ChangeSet:
    files: list[FileChange] = []
    for path in workspace.paths():
        before = workspace.original(path)
        if path in workspace.python:
            module = workspace.python[path]
            if before is None:
                after = format_module(module, path, verbatim_code)
            elif is_black_stable(before):
                after = format_source(module.code, path)
            else:
                after = module.code
            try:
                compile(after, path, "exec")
            except SyntaxError as exc:
                raise GateError(f"{path}: generated code does not compile ({exc.msg})") from exc
        else:
            after = workspace.text[path]
        files.append(FileChange(path, before, after))
    return ChangeSet(tuple(files))


def _gate(changes: ChangeSet, workspace: Workspace, spec: ServiceSpec) -> None:
    """ruff over the changed Python files, under the service's own config; no new findings.

    A project whose pyproject has no `[tool.ruff]` (an adopted one) is held to synth's rules.
    """
    config = workspace.current_text("pyproject.toml") or ""
    if "[tool.ruff" not in config:
        config = ensure_pyproject(
            None,
            name=spec.name,
            package=spec.package,
            description="",
            dependencies=[],
            dev_dependencies=[],
        )
    new = new_ruff_findings(changes, config)
    if new:
        listing = "; ".join(str(f) for f in new[:5])
        raise GateError(f"generated code fails ruff ({len(new)} findings): {listing}")


def new_ruff_findings(changes: ChangeSet, config: str) -> list[RuffFinding]:
    """ruff findings in the changed Python files that their previous versions did not have."""
    after = {
        c.path: c.after for c in changes.changed if c.path.endswith(".py") and c.after is not None
    }
    if not after:
        return []
    before = {c.path: c.before for c in changes.changed if c.path in after and c.before}
    found_after, found_before = ruff_check_trees([(after, config), (before, config)])
    known = Counter((f.path, f.code, f.message) for f in found_before)
    new: list[RuffFinding] = []
    for finding in found_after:
        key = (finding.path, finding.code, finding.message)
        if known[key] > 0:
            known[key] -= 1
        else:
            new.append(finding)
    return new
