"""Adopting a FastAPI service synth did not generate, so `add-feature` can grow it.

The service's package is the folder whose `main.py` assigns `app = FastAPI(...)` at module
level; its spec is `specs/<name>.yaml` when there is one, else a minimal spec named after the
package. The one edit made to the owner's code before the features apply: the app's
`FastAPI(...)` call gets `lifespan=lifespan` (the one Dapr client per process), with its import;
an app that already has a lifespan is refused, since two cannot be merged safely.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from synth.codegen import ImportRequest, ensure_imports
from synth.errors import SourceError, SpecError, TargetError
from synth.spec import ServiceSpec, find_spec_file, load_spec

__all__ = ["Adoption", "find_adoption"]


@dataclass(frozen=True)
class Adoption:
    """What synth found in a service it did not generate."""

    spec: ServiceSpec
    main_path: str
    main_source: str


def _app_call(module: cst.Module) -> cst.Call | None:
    for stmt in module.body:
        if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
            continue
        small = stmt.body[0]
        if (
            isinstance(small, cst.Assign)
            and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)
            and small.targets[0].target.value == "app"
            and isinstance(small.value, cst.Call)
            and isinstance(small.value.func, cst.Name)
            and small.value.func.value == "FastAPI"
        ):
            return small.value
    return None


def _parse(path: Path) -> cst.Module:
    try:
        return cst.parse_module(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, cst.ParserSyntaxError) as exc:
        raise SourceError(f"{path}: cannot parse Python ({exc}); fix it, then retry") from exc


class _WireLifespan(cst.CSTTransformer):
    def leave_Call(  # noqa: N802 - libcst visitor protocol
        self, original: cst.Call, updated: cst.Call
    ) -> cst.Call:
        if not (isinstance(updated.func, cst.Name) and updated.func.value == "FastAPI"):
            return updated
        args = list(updated.args)
        if args:
            args[-1] = args[-1].with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
        no_space = cst.SimpleWhitespace("")
        equal = cst.AssignEqual(whitespace_before=no_space, whitespace_after=no_space)
        args.append(cst.Arg(cst.Name("lifespan"), keyword=cst.Name("lifespan"), equal=equal))
        return updated.with_changes(args=args)


def find_adoption(root: Path, specs_dir: Path) -> Adoption:
    """The adoption plan for `root`, or a TargetError saying why synth cannot adopt it."""
    candidates = sorted(root.glob("*/main.py"))
    found = [(path, module) for path in candidates if _app_call(module := _parse(path))]
    if not found:
        raise TargetError(
            f"{root}: not a synth service (no synth.yaml) and no `app = FastAPI(...)` in "
            "<package>/main.py; synth adopts FastAPI services laid out that way"
        )
    if len(found) > 1:
        names = ", ".join(str(p.relative_to(root)) for p, _ in found)
        raise TargetError(f"{root}: several FastAPI apps ({names}); adopt one service at a time")
    path, module = found[0]
    call = _app_call(module)
    assert call is not None
    if any(arg.keyword is not None and arg.keyword.value == "lifespan" for arg in call.args):
        raise TargetError(
            f"{path}: the app already has a lifespan; synth's Dapr client needs its own, "
            "so remove yours or call synth's from it, then retry"
        )
    package = path.parent.name
    spec_file = find_spec_file(package.replace("_", "-"), specs_dir)
    try:
        spec = (
            load_spec(spec_file)
            if spec_file is not None
            else ServiceSpec(name=package.replace("_", "-"))
        )
    except ValueError as exc:
        raise SpecError(f"{path.parent}: '{package}' cannot name a service ({exc})") from exc
    if spec.package != package:
        raise SpecError(f"{spec_file}: spec name does not match the package '{package}'")
    wired = module.visit(_WireLifespan())
    wired = ensure_imports(
        wired, [ImportRequest(f"{package}.dapr_client", "lifespan")], first_party=[package]
    )
    return Adoption(spec, path.relative_to(root).as_posix(), wired.code)
