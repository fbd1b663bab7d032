"""Checks of a platform root (a folder of services): `dapr.yaml` agrees with every service.

Each app of the multi-app run file must point at a service folder whose record has the same app
id, the same port in `appPort` and in its uvicorn command, and every service must be listed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from synth.checks.findings import Finding
from synth.checks.folder import ServiceFolder
from synth.errors import SourceError
from synth.manifests import parse_yaml

__all__ = ["RUN_FILE", "check_platform"]

RUN_FILE = "dapr.yaml"


def _app_findings(
    app: Mapping[str, object], folders: dict[Path, ServiceFolder], root: Path
) -> Iterator[Finding]:
    app_id = str(app.get("appID"))
    directory = (root / str(app.get("appDirPath", ""))).resolve()
    folder = folders.get(directory)
    if folder is None:
        yield Finding(
            RUN_FILE, f"app {app_id}: appDirPath is not a service folder", "dapr run fails"
        )
        return
    spec = folder.spec
    if app_id != spec.name:
        yield Finding(RUN_FILE, f"appID {app_id} for service {spec.name}", "app ids must agree")
    if app.get("appPort") != spec.port:
        yield Finding(
            RUN_FILE,
            f"app {app_id}: appPort {app.get('appPort')}",
            f"the app listens on {spec.port}",
        )
    command = [str(part) for part in app.get("command") or []]  # type: ignore[attr-defined]
    if "--port" in command and command[command.index("--port") + 1 :][:1] != [str(spec.port)]:
        yield Finding(RUN_FILE, f"app {app_id}: command port", f"appPort is {spec.port}")


def check_platform(root: Path, folders: list[ServiceFolder]) -> list[Finding]:
    """Findings for `root/dapr.yaml` against the services under `root` (none if absent)."""
    run_file = root / RUN_FILE
    if not run_file.is_file():
        return []
    try:
        docs = parse_yaml(run_file.read_text(encoding="utf-8"), RUN_FILE)
    except SourceError as exc:
        return [Finding(RUN_FILE, "YAML does not parse", str(exc))]
    apps = docs[0].get("apps") if docs else None
    if not isinstance(apps, list):
        return [Finding(RUN_FILE, "no apps list", "dapr run -f starts nothing")]
    by_dir = {folder.root.resolve(): folder for folder in folders}
    findings = [
        f for app in apps if isinstance(app, Mapping) for f in _app_findings(app, by_dir, root)
    ]
    listed = {str(app.get("appID")) for app in apps if isinstance(app, Mapping)}
    for folder in folders:
        if folder.spec.name not in listed:
            findings.append(
                Finding(
                    RUN_FILE, f"service {folder.spec.name} is not listed", "dapr run -f skips it"
                )
            )
    return findings
