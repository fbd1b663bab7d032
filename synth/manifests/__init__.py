"""Deploy artifacts as data: Dockerfile, Kubernetes and Dapr documents built from the spec.

Every YAML document is a ruamel `CommentedMap` built by code from the ServiceSpec and its
feature set, so the generated code and the manifests cannot disagree; `merge_documents` adds
what is missing to a file its owner has edited and keeps everything the owner wrote.
"""

from synth.manifests.files import DeployFiles
from synth.manifests.platform import build_platform_files
from synth.manifests.service import build_deploy_files
from synth.manifests.topics import build_kafka_topic, topic_resource_name
from synth.manifests.yaml_docs import identity_of, merge_documents, parse_yaml, render_yaml

__all__ = [
    "DeployFiles",
    "build_deploy_files",
    "build_kafka_topic",
    "build_platform_files",
    "identity_of",
    "merge_documents",
    "parse_yaml",
    "render_yaml",
    "topic_resource_name",
]
