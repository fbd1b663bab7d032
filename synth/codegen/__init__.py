"""LibCST toolkit that knows nothing of Dapr: node builders, templates, units, scheduled imports."""

from synth.codegen.imports import ImportRequest, dotted_name, ensure_imports, import_block_end
from synth.codegen.nodes import (
    build_annotation,
    build_dict,
    build_docstring,
    build_fstring,
    build_int,
    build_list,
    build_name,
    build_str,
)
from synth.codegen.source_statement import SourceStatement, parsed_statement
from synth.codegen.template import (
    TemplateUnits,
    build_template_units,
    expand_template,
    imports_of,
)
from synth.codegen.units import (
    Identity,
    Unit,
    UnitDrift,
    ensure_units,
    find_unit,
    identity_of,
    statements,
)

__all__ = [
    "Identity",
    "ImportRequest",
    "SourceStatement",
    "TemplateUnits",
    "Unit",
    "UnitDrift",
    "build_annotation",
    "build_docstring",
    "build_dict",
    "build_fstring",
    "build_int",
    "build_list",
    "build_name",
    "build_str",
    "build_template_units",
    "dotted_name",
    "ensure_imports",
    "ensure_units",
    "expand_template",
    "find_unit",
    "identity_of",
    "import_block_end",
    "imports_of",
    "parsed_statement",
    "statements",
]
