"""`DeployFiles`: the deploy artifacts of a service or platform, as documents and text by path."""

from __future__ import annotations

from dataclasses import dataclass, field

from ruamel.yaml.comments import CommentedMap

from synth.manifests.yaml_docs import render_yaml

__all__ = ["DeployFiles"]


@dataclass(frozen=True)
class DeployFiles:
    """YAML documents and plain text files, each keyed by a relative POSIX path."""

    yaml: dict[str, list[CommentedMap]] = field(default_factory=dict)
    text: dict[str, str] = field(default_factory=dict)

    def render(self) -> dict[str, str]:
        """Every file as text, sorted by path."""
        rendered = {path: render_yaml(docs) for path, docs in self.yaml.items()}
        rendered.update(self.text)
        return dict(sorted(rendered.items()))
