"""Python checks of a generated service: it parses, is black-stable, ruff-clean, boots, its
`/dapr/subscribe` serves exactly the spec's subscriptions, and every probe path (and Dapr's
app-health-check path) is a GET route it serves; with `--mypy`, mypy finds no type error.

Booting runs in a subprocess with the service folder first on `sys.path` and the Dapr ports
pointing at a closed port; FastAPI's TestClient is used without entering the lifespan, so no
sidecar is needed: `/health` must answer 200 touching no dependency.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
import textwrap

from synth.checks.findings import Finding
from synth.checks.folder import ServiceFolder
from synth.errors import GateError
from synth.quality import is_black_stable, ruff_check_tree

__all__ = ["BOOT_TIMEOUT_SECONDS", "check_mypy", "check_python"]

BOOT_TIMEOUT_SECONDS = 60
MYPY_TIMEOUT_SECONDS = 300
NOT_SERVED = (404, 405)  # a GET the app has no route for (a 503 from /ready is an answer)
SKIPPED = {".venv", "venv", "build", "dist", "__pycache__", ".git", ".pytest_cache", ".ruff_cache"}

# Runs in the child: import the app, GET /health and /dapr/subscribe, print one JSON line.
_BOOT = textwrap.dedent("""
    import json, sys
    from fastapi.testclient import TestClient
    module = __import__(sys.argv[1] + ".main", fromlist=["app"])
    client = TestClient(module.app)
    health = client.get("/health")
    subscribe = client.get("/dapr/subscribe")
    body = subscribe.json() if subscribe.status_code == 200 else None
    probes = {path: client.get(path).status_code for path in sys.argv[2:]}
    print(json.dumps({"health": health.status_code, "subscribe": subscribe.status_code,
                      "subscriptions": body, "probes": probes}))
    """)


def _sources(folder: ServiceFolder) -> dict[str, str]:
    sources: dict[str, str] = {}
    for path in sorted(folder.root.rglob("*.py")):
        relative = path.relative_to(folder.root)
        if SKIPPED.intersection(relative.parts):
            continue
        sources[relative.as_posix()] = path.read_text(encoding="utf-8")
    return sources


def _static_findings(folder: ServiceFolder, sources: dict[str, str]) -> list[Finding]:
    findings: list[Finding] = []
    parsed: dict[str, str] = {}
    for path, source in sources.items():
        try:
            ast.parse(source, filename=path)
        except SyntaxError as exc:
            findings.append(Finding(path, f"line {exc.lineno}: {exc.msg}", "Python cannot parse"))
            continue
        parsed[path] = source
        if not is_black_stable(source):
            findings.append(Finding(path, "not black-formatted", "black would rewrite it"))
    config = folder.text("pyproject.toml")
    if config is None:
        findings.append(Finding("pyproject.toml", "missing", "no ruff settings, no dependencies"))
        return findings
    try:
        ruff = ruff_check_tree(parsed, config)
    except GateError as exc:
        return [*findings, Finding("pyproject.toml", "ruff could not run", str(exc))]
    findings.extend(Finding(f.path, f"line {f.line}: {f.code} {f.message}", "ruff") for f in ruff)
    return findings


def _expected_subscriptions(folder: ServiceFolder) -> set[tuple[str, str]]:
    topics = folder.deploy.topics
    if topics is None:
        return set()
    return {(topics.pubsub, topic) for topic in topics.subscribes}


def _boot_findings(folder: ServiceFolder) -> list[Finding]:
    package = folder.spec.package
    main = f"{package}/main.py"
    env = {
        **os.environ,
        "PYTHONPATH": str(folder.root),
        "DAPR_HTTP_PORT": "9",  # discard port: nothing listens, nothing should be called
        "DAPR_GRPC_PORT": "9",
        "DAPR_HEALTH_TIMEOUT": "1",
    }
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _BOOT, package, *sorted({r for _p, _w, r in _probes(folder)})],
            cwd=folder.root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=BOOT_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        return [Finding(main, "the app did not boot in time", f"{BOOT_TIMEOUT_SECONDS} s passed")]
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        return [Finding(main, f"the app does not import or boot: {last}", "nothing would serve")]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    findings: list[Finding] = []
    if result["health"] != 200:
        findings.append(Finding(main, f"GET /health answered {result['health']}", "probes fail"))
    expected = _expected_subscriptions(folder)
    served = result["subscriptions"] if isinstance(result["subscriptions"], list) else []
    actual = {(str(s.get("pubsubname")), str(s.get("topic"))) for s in served}
    if expected and result["subscribe"] != 200:
        what = f"GET /dapr/subscribe answered {result['subscribe']}"
        findings.append(Finding(main, what, "daprd never subscribes"))
    for pubsub, topic in sorted(expected - actual):
        findings.append(Finding(main, f"does not subscribe to {pubsub}/{topic}", "spec says so"))
    for pubsub, topic in sorted(actual - expected):
        findings.append(Finding(main, f"subscribes to {pubsub}/{topic}", "not in the spec"))
    answered = result.get("probes") or {}
    for path, what, route in _probes(folder):
        if answered.get(route) in NOT_SERVED:
            findings.append(
                Finding(path, f"{what} {route} is not a GET route of the app", "it always fails")
            )
    return findings


def _probes(folder: ServiceFolder) -> list[tuple[str, str, str]]:
    """(file, probe, path) of every HTTP probe and the Dapr app-health-check path."""
    found: list[tuple[str, str, str]] = []
    for path, doc in folder.docs_of_kind("Deployment"):
        if not path.startswith("k8s/base/"):
            continue
        template = doc.get("spec", {}).get("template", {})
        annotation = (template.get("metadata", {}).get("annotations") or {}).get(
            "dapr.io/app-health-check-path"
        )
        wanted = [("dapr.io/app-health-check-path", annotation)] if annotation else []
        for container in template.get("spec", {}).get("containers") or []:
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                route = (container.get(probe) or {}).get("httpGet", {}).get("path")
                if route:
                    wanted.append((probe, route))
        found.extend((path, what, str(route)) for what, route in wanted)
    return found


def check_mypy(folder: ServiceFolder) -> list[Finding]:
    """mypy over the service's package (raise GateError when mypy is not installed)."""
    if importlib.util.find_spec("mypy") is None:
        raise GateError("mypy is not installed; pip install mypy, or leave out --mypy")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--ignore-missing-imports", "--no-error-summary",
         "--hide-error-context", folder.spec.package],
        cwd=folder.root,
        capture_output=True,
        text=True,
        check=False,
        timeout=MYPY_TIMEOUT_SECONDS,
    )  # fmt: skip
    findings = []
    for line in proc.stdout.splitlines():
        file, _, rest = line.partition(":")
        if ": error:" in line:
            findings.append(Finding(file, rest.strip(), "mypy: a type error"))
    if proc.returncode not in (0, 1):
        findings.append(Finding(folder.spec.package, "mypy failed", proc.stderr.strip()[-200:]))
    return findings


def check_python(folder: ServiceFolder) -> list[Finding]:
    """Parse, black, ruff, then boot the app and compare its subscriptions with the spec."""
    sources = _sources(folder)
    main = f"{folder.spec.package}/main.py"
    if main not in sources:
        return [Finding(main, "missing", "the package must define `app` in main.py")]
    findings = _static_findings(folder, sources)
    if any(f.file == main and f.why == "Python cannot parse" for f in findings):
        return findings
    return findings + _boot_findings(folder)
