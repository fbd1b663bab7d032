"""`synth check`: validate generated services and their deploy artifacts, reporting findings.

Kubernetes documents against the Kubernetes schema (strict), Dapr documents against the Dapr
CRDs and component requirements, the Dockerfile under hadolint, no inlined secrets, the same app
id and port everywhere, and the Python package: parses, black, ruff, boots, subscribes per spec.
"""

from synth.checks.findings import Finding
from synth.checks.folder import ServiceFolder, find_service_folders, load_service_folder
from synth.checks.runner import check_path, check_service

__all__ = [
    "Finding",
    "ServiceFolder",
    "check_path",
    "check_service",
    "find_service_folders",
    "load_service_folder",
]
