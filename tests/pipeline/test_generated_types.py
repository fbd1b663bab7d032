"""A generated service passes `mypy --strict` under its own pyproject, as synth's code does.

synth's runtime modules are type-checked in synth's source, but there they meet synth's
stand-ins; only a composed service shows whether its pieces agree (a test handing the fake
Dapr client to code that takes the SDK's). So a service is made with every feature and with
none, and mypy runs in it with nothing but its own configuration (its own cache, in a folder
outside this repository, whose config mypy would otherwise find).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from synth.api import new_service
from synth.features.registry import available_features
from synth.spec import ServiceSpec, load_spec
from synth.workspace import write_changes

OPTIONAL = sorted(n for n, f in available_features().items() if not f.always)


@pytest.mark.slow
@pytest.mark.parametrize("features", [[], OPTIONAL], ids=["base", "every-feature"])
def test_a_generated_service_passes_its_own_strict_mypy(
    tmp_path: Path, specs_dir: Path, features: list[str]
) -> None:
    data = load_spec(specs_dir / "debug.yaml").model_dump()
    data["invokes"] = [{"app_id": "progress", "methods": ["summary"], "get_methods": ["summary"]}]
    spec = ServiceSpec.model_validate(data)
    root = tmp_path / "debug"
    write_changes(new_service(spec, features, root).changes, root, replace_root=True)
    assert "strict = true" in (root / "pyproject.toml").read_text()
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache")],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
