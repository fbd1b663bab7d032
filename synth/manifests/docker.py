"""The service's Dockerfile and .dockerignore, built from an instruction list (never a template).

Two stages: `builder` installs the dependencies named in the service's own `pyproject.toml` into
a venv (only pyproject is copied first, so code edits do not reinstall them); `runtime` copies
the venv and the package, runs as a numeric non-root user (the code stays root-owned, so
read-only to it) and starts uvicorn on the app port.

The base image is the current Python 3.11 slim tag of docker-library/official-images
`library/python` (`3.11.16-slim-trixie`, Debian 13). The image has no HEALTHCHECK: Kubernetes
ignores it and probes `/health` and `/ready` itself, so checkov's CKV_DOCKER_2 is skipped with a
`# checkov:skip=` comment, the form checkov reads in a Dockerfile (checkov
`common/comment/enum.py` COMMENT_REGEX).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from synth.spec import ServiceSpec

__all__ = [
    "APP_GID",
    "APP_UID",
    "PYTHON_IMAGE",
    "Instruction",
    "build_dockerfile",
    "build_uvicorn_command",
    "render_dockerfile",
    "render_dockerignore",
]

PYTHON_IMAGE = "python:3.11.16-slim-trixie"
HEALTHCHECK_SKIP = (
    "checkov:skip=CKV_DOCKER_2: Kubernetes probes /health and /ready (liveness, readiness); "
    "it ignores a Dockerfile HEALTHCHECK"
)
APP_UID = 10001
APP_GID = 10001
VENV = "/opt/venv"

# Reads `[project].dependencies` from pyproject.toml into requirements.txt (stdlib only).
_EXTRACT_REQUIREMENTS = (
    "import tomllib; "
    "deps = tomllib.load(open('pyproject.toml', 'rb'))['project'].get('dependencies', []); "
    "open('requirements.txt', 'w').write(chr(10).join(deps) + chr(10))"
)


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: `COPY --from=builder /opt/venv /opt/venv`."""

    keyword: str
    arguments: str

    def render(self) -> str:
        if self.keyword == "#":
            return f"# {self.arguments}"
        return f"{self.keyword} {self.arguments}"


def build_uvicorn_command(spec: ServiceSpec, host: str) -> list[str]:
    """The command that serves the app: what Dockerfile CMD and dapr.yaml both run."""
    return ["uvicorn", f"{spec.package}.main:app", "--host", host, "--port", str(spec.port)]


def _run(*commands: str) -> Instruction:
    return Instruction("RUN", " \\\n    && ".join(commands))


def _env(**values: str) -> Instruction:
    return Instruction("ENV", " \\\n    ".join(f"{k}={json.dumps(v)}" for k, v in values.items()))


def build_dockerfile(spec: ServiceSpec) -> list[Instruction]:
    """The instructions of the service image, in order."""
    package = spec.package
    path = f"{VENV}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    return [
        Instruction("#", HEALTHCHECK_SKIP),
        Instruction("FROM", f"{PYTHON_IMAGE} AS builder"),
        _env(PIP_NO_CACHE_DIR="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONDONTWRITEBYTECODE="1"),
        Instruction("WORKDIR", "/build"),
        Instruction("COPY", "pyproject.toml ./"),
        _run(
            f'python -c "{_EXTRACT_REQUIREMENTS}"',
            f"python -m venv {VENV}",
            f"{VENV}/bin/pip install --no-cache-dir -r requirements.txt",
        ),
        Instruction("FROM", f"{PYTHON_IMAGE} AS runtime"),
        _env(PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1", PATH=path),
        _run(
            f"groupadd --system --gid {APP_GID} app",
            f"useradd --system --uid {APP_UID} --gid {APP_GID} --no-create-home "
            "--shell /usr/sbin/nologin app",
        ),
        Instruction("WORKDIR", "/app"),
        Instruction("COPY", f"--from=builder {VENV} {VENV}"),
        Instruction("COPY", f"{package}/ ./{package}/"),
        Instruction("USER", f"{APP_UID}:{APP_GID}"),
        Instruction("EXPOSE", str(spec.port)),
        Instruction("CMD", json.dumps(build_uvicorn_command(spec, "0.0.0.0"))),
    ]


def render_dockerfile(instructions: list[Instruction]) -> str:
    """Dockerfile text: one instruction per paragraph, a blank line before each stage."""
    lines: list[str] = []
    for instruction in instructions:
        if instruction.keyword == "FROM" and lines and not lines[-1].startswith("#"):
            lines.append("")
        lines.append(instruction.render())
    return "\n".join(lines) + "\n"


def render_dockerignore(spec: ServiceSpec) -> str:
    """An allow-list .dockerignore: only pyproject.toml and the package reach the build."""
    entries = [
        "*",
        "!pyproject.toml",
        f"!{spec.package}/",
        "**/__pycache__",
        "**/*.py[cod]",
    ]
    return "\n".join(entries) + "\n"
