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
        current = parse_yaml(existing, path)
        baseline = render_yaml(current)
        merged = render_yaml(merge_documents(current, documents))
        workspace.text[path] = existing if merged == baseline else merged
    for path, text in sorted(files.text.items()):
        existing = workspace.current_text(path)
        workspace.text[path] = text if existing is None else existing
