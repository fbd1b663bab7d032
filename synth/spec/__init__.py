"""Service specs: the pydantic models and loading them from YAML."""

from synth.spec.adhoc import AdhocOptions, adhoc_spec
from synth.spec.loading import (
    describe_validation_error,
    dump_spec_data,
    find_spec_file,
    load_spec,
    parse_spec,
    spec_names,
)
from synth.spec.models import (
    AgentSpec,
    FeatureName,
    FieldSpec,
    FieldType,
    InvokeSpec,
    ServiceSpec,
    StateBackend,
    StateKeySpec,
    TopicSpec,
    package_name_for,
)

__all__ = [
    "AdhocOptions",
    "AgentSpec",
    "FeatureName",
    "FieldSpec",
    "FieldType",
    "InvokeSpec",
    "ServiceSpec",
    "StateBackend",
    "StateKeySpec",
    "TopicSpec",
    "adhoc_spec",
    "describe_validation_error",
    "dump_spec_data",
    "find_spec_file",
    "load_spec",
    "package_name_for",
    "parse_spec",
    "spec_names",
]
