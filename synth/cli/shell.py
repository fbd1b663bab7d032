"""The Typer application every command module registers on, and how results and errors are shown.

Every invocation ends in one of three ways, whatever went wrong:

- done (exit 0) or findings (exit 1), with the command's own output;
- bad input (exit 2): one line on stderr, `synth: error: <problem>; <fix>`, nothing written.
  Click's usage errors (an unknown option, `--port abc`, a value out of range) are caught by
  :class:`SynthGroup` and said the same way, instead of Typer's boxed panel;
- with `--json`, exactly one JSON object on stdout: the command's result with `"ok": true`,
  or `{"ok": false, "error": ..., "fix": ...}` for bad input.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import typer
from typer._click import exceptions as click_errors  # Typer's own click, whose errors it raises
from typer.core import TyperGroup
from typer.exceptions import Abort

from synth.errors import SynthError

__all__ = ["SynthGroup", "app", "emit_json", "fail", "guarded", "one_line", "split_fix"]


@dataclass
class _Invocation:
    """What the running invocation promised: JSON or text, and whether JSON was printed."""

    as_json: bool = False
    command: str = ""
    emitted: list[object] = field(default_factory=list)


_CURRENT: ContextVar[_Invocation | None] = ContextVar("synth_invocation", default=None)


def _invocation() -> _Invocation:
    """The running invocation (a fresh, text-mode one outside `SynthGroup.main`)."""
    return _CURRENT.get() or _Invocation()


def one_line(text: str) -> str:
    """`text` with every run of whitespace (newlines included) made one space."""
    return " ".join(text.split())


def split_fix(message: str) -> tuple[str, str]:
    """`problem; fix` -> (problem, fix)."""
    problem, _, fix = one_line(message).partition("; ")
    return problem, fix


def emit_json(payload: dict[str, Any]) -> None:
    """Print the invocation's one JSON object on stdout (`ok` added when the payload lacks it)."""
    invocation = _invocation()
    if invocation.emitted:
        raise RuntimeError("a command printed a second JSON object")  # pragma: no cover
    document = {"ok": True, **payload}
    invocation.emitted.append(document)
    sys.stdout.write(json.dumps(document, separators=(",", ":"), sort_keys=True) + "\n")


def _report(message: str, exit_code: int) -> int:
    """Say a refusal: one line on stderr and, with --json, the error object on stdout.

    A message that names no fix (no `; `) gets the one that always applies: the command's help.
    """
    invocation = _invocation()
    text = one_line(message)
    if "; " not in text:
        text += f"; see `{' '.join(('synth', invocation.command)).strip()} --help`"
    typer.echo(f"synth: error: {text}", err=True)
    if invocation.as_json and not invocation.emitted:
        problem, fix = split_fix(text)
        emit_json({"ok": False, "error": problem, "fix": fix, "exit_code": exit_code})
    return exit_code


def fail(error: SynthError) -> typer.Exit:
    """Report a SynthError and return the Exit to raise."""
    return typer.Exit(code=_report(str(error), error.exit_code))


def guarded(func: Callable[[], None]) -> None:
    """Run a command body; a SynthError becomes a one-line message and exit code 2."""
    try:
        func()
    except SynthError as error:
        raise fail(error) from None


def _usage_line(error: click_errors.ClickException) -> str:
    """Click's usage error as `problem; run \\`synth CMD --help\\``."""
    ctx = getattr(error, "ctx", None)
    where = ctx.command_path if ctx is not None else "synth"
    where = "synth" + where[where.index(" ") :] if " " in where else "synth"
    problem = one_line(error.format_message().replace("Value error, ", "")).rstrip(".")
    return f"{problem}; see `{where} --help`"


def _wants_json(args: Sequence[str]) -> bool:
    head = list(args)[: list(args).index("--")] if "--" in args else list(args)
    return "--json" in head


class SynthGroup(TyperGroup):
    """The `synth` command group: runs a command and keeps the one-line, one-object promises."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        command = argv[0] if argv and argv[0] in self.commands else ""
        token = _CURRENT.set(_Invocation(as_json=_wants_json(argv), command=command))
        try:
            code = self._run(argv, prog_name, complete_var, windows_expand_args, extra)
            invocation = _invocation()
            if invocation.as_json and not invocation.emitted:  # e.g. `dev` stopped before ready
                emit_json({"ok": code != 2, "status": "stopped", "exit_code": code})
        finally:
            _CURRENT.reset(token)
        if not standalone_mode:
            return code
        sys.exit(code)

    def _run(
        self,
        argv: list[str],
        prog_name: str | None,
        complete_var: str | None,
        windows_expand_args: bool,
        extra: dict[str, Any],
    ) -> int:
        try:
            result = super().main(
                args=argv,
                prog_name=prog_name,
                complete_var=complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
        except click_errors.NoArgsIsHelpError:  # Typer has printed the help already
            return 2
        except click_errors.ClickException as error:
            return _report(_usage_line(error), 2)
        except Abort:
            typer.echo("synth: aborted", err=True)
            return 130
        except SynthError as error:
            return _report(str(error), error.exit_code)
        except OSError as error:  # the file system said no: a path, a permission, a full disk
            where = error.filename or "a file"
            return _report(
                f"{where}: {error.strerror or error}; check the path and its permissions", 2
            )
        except Exception as error:  # a synth bug: still one line, and how to see the trace
            if os.environ.get("SYNTH_DEBUG"):
                raise
            name = type(error).__name__
            return _report(
                f"internal error ({name}: {error}); please report it with the command "
                "(SYNTH_DEBUG=1 shows the traceback)",
                1,
            )
        return result if isinstance(result, int) else 0


app = typer.Typer(
    name="synth",
    cls=SynthGroup,
    help="Create and grow Dapr microservices in Python, as syntax trees.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _group() -> None:
    """Create and grow Dapr microservices in Python, as syntax trees."""
