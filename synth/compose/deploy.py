"""Deploy files in the workspace: Kubernetes/Dapr YAML merged by identity, Dockerfile kept.

YAML a service already has is merged with ruamel round-trip (the owner's values, comments and
key order win; missing documents and keys are added). A Dockerfile or .dockerignore the owner
already has is left as it is.
"""

from __future__ import annotations

from synth.manifests import DeployFiles, merge_documents, parse_yaml, render_yaml
from synth.workspace import Workspace

__all__ = ["apply_deploy_files"]


def apply_deploy_files(workspace: Workspace, files: DeployFiles, rendered: dict[str, str]) -> None:
    """Stage every deploy file into `workspace` (`rendered`: each YAML file's text when new)."""
    for path, documents in sorted(files.yaml.items()):
        existing = workspace.current_text(path)
        if existing is None:
            workspace.text[path] = rendered[path]
            continue
        merged = merge_documents(parse_yaml(existing, path), documents)
        rendered = render_yaml(merged)
        workspace.text[path] = (
            existing if rendered == render_yaml(parse_yaml(existing, path)) else rendered
        )
    for path, text in sorted(files.text.items()):
        if workspace.current_text(path) is None:
            workspace.text[path] = text
