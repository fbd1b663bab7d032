"""Python modules as units: top-level statements (and class bodies) keyed by what they define.

`split_python` cuts a module into its statements with `ast` line numbers: each unit owns the
comment and blank lines above it, the comments indented deeper than its siblings after it (the
end of a function body), and comment lines right under it that a blank line parts from the
next statement. Keys say what a statement is, never where it sits or how it is laid
out (`def:read_event`, `class:Settings` > `assign:redis_url`, `from:debug.state`, `expr:...`
from the normalised source), so black at another line length or another quote style keeps every
key. `merge_imports` merges one import statement by its names; `merge_python` merges modules
and never returns one that does not parse.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from synth.merge.sequence import Conflict, Forced, Merged, merge_lines, merge_units
from synth.merge.table import Outcome, decide
from synth.merge.units import Unit

__all__ = ["merge_imports", "merge_python", "split_python"]

_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+\Z")
_KEY_WIDTH = 80
_LINE_LENGTH = 100  # the generated pyproject's black and ruff line length


def split_python(text: str) -> tuple[Unit, ...]:
    """Cut a module that parses into keyed units that join back to `text` byte for byte."""
    lines = _LINE.findall(text)
    body = ast.parse(text).body
    if not body:
        return (Unit("<header>", text, 1),) if text else ()
    first = _start(body[0])
    header = [_unit("<header>", lines, 0, first)] if first > 0 else []
    units, footer = _cut(body, lines, first, len(lines))
    if footer < len(lines):
        units.append(_unit("<footer>", lines, footer, len(lines)))
    return (*header, *units)


def _cut(body: Sequence[ast.stmt], lines: list[str], lo: int, hi: int) -> tuple[list[Unit], int]:
    """Units of the statements `body` within lines[lo:hi], and where what follows them starts.

    The first unit starts at `lo`; each later one right after the one before it.
    """
    groups = _groups(body)
    col = body[0].col_offset
    units: list[Unit] = []
    seen: dict[str, int] = {}
    begin = lo
    for index, (_, end, nodes) in enumerate(groups):
        stop = groups[index + 1][0] if index + 1 < len(groups) else hi
        end = _absorb(lines, end, stop, col)
        key = _numbered(seen, _key(nodes[0], first=index == 0))
        units.append(_grouped(key, nodes, lines, begin, end))
        begin = end
    return units, begin


def _groups(body: Sequence[ast.stmt]) -> list[tuple[int, int, list[ast.stmt]]]:
    """Statements as 0-based [start, end) line spans; statements sharing a line are one group."""
    groups: list[tuple[int, int, list[ast.stmt]]] = []
    for node in body:
        start = _start(node)
        end = node.end_lineno or node.lineno
        if groups and start < groups[-1][1]:
            first, _, nodes = groups[-1]
            groups[-1] = (first, max(end, groups[-1][1]), [*nodes, node])
        else:
            groups.append((start, end, [node]))
    return groups


def _start(node: ast.stmt) -> int:
    """The 0-based line a statement starts on: its first decorator's, if it has any."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
    return node.lineno - 1


def _absorb(lines: list[str], end: int, stop: int, col: int) -> int:
    """Extend a unit over the comments after it that are its own.

    Those are the comments indented deeper than its siblings (the end of a body), then
    comment lines hanging right under it with a blank line before whatever follows.
    """
    extended = end
    for index in range(end, stop):
        if not lines[index].strip():
            continue
        if _indent(lines[index]) <= col:
            break
        extended = index + 1
    hanging = extended
    while hanging < stop and lines[hanging].lstrip().startswith("#"):
        hanging += 1
    return hanging if extended < hanging < stop and not lines[hanging].strip() else extended


def _grouped(key: str, nodes: list[ast.stmt], lines: list[str], begin: int, end: int) -> Unit:
    """One unit; a class alone on its lines, with its body below its header, gets children."""
    node = nodes[0]
    if len(nodes) != 1 or not isinstance(node, ast.ClassDef):
        return _unit(key, lines, begin, end)
    body_start = _start(node.body[0])
    if _indent(lines[body_start]) != node.body[0].col_offset:  # `class A: x = 1`, `): x = 1`
        return _unit(key, lines, begin, end)
    header_end = body_start
    while _is_blank_or_comment(lines[header_end - 1]):
        header_end -= 1
    children, tail = _cut(node.body, lines, header_end, end)
    return Unit(
        key,
        "".join(lines[begin:end]),
        begin + 1,
        head="".join(lines[begin:header_end]),
        children=tuple(children),
        tail="".join(lines[tail:end]),
    )


def _unit(key: str, lines: list[str], begin: int, end: int) -> Unit:
    return Unit(key, "".join(lines[begin:end]), begin + 1)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t\f"))


def _is_blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _numbered(seen: dict[str, int], key: str) -> str:
    """`key`, or `key#2`, `key#3`... for its later repeats among siblings."""
    count = seen.get(key, 0) + 1
    seen[key] = count
    return key if count == 1 else f"{key}#{count}"


def _key(node: ast.stmt, *, first: bool) -> str:
    """What a statement is, independent of its layout and comments."""
    if first and _is_docstring(node):
        return "docstring"
    match node:
        case ast.FunctionDef(name=name) | ast.AsyncFunctionDef(name=name):
            return f"def:{name}"
        case ast.ClassDef(name=name):
            return f"class:{name}"
        case ast.Import(names=names):
            return "import:" + ",".join(alias.name for alias in names)
        case ast.ImportFrom(module=module, level=level):
            return "from:" + "." * level + (module or "")
        case ast.Assign(targets=targets):
            return "assign:" + ",".join(_target(target) for target in targets)
        case ast.AnnAssign(target=target):
            return "assign:" + _target(target)
        case ast.AugAssign(target=target):
            return "augassign:" + _target(target)
        case ast.If(test=ast.Compare(left=ast.Name(id="__name__"))):
            return "if:__name__"
        case ast.If(test=test) | ast.While(test=test):
            return f"{type(node).__name__.lower()}:{_source(test)}"
        case ast.Try(body=body) | ast.TryStar(body=body):
            return "try:" + _key(body[0], first=False)
        case ast.With(items=items) | ast.AsyncWith(items=items):
            return "with:" + _short(", ".join(ast.unparse(item) for item in items))
        case ast.For(target=target, iter=iterable) | ast.AsyncFor(target=target, iter=iterable):
            return "for:" + _short(f"{ast.unparse(target)} in {ast.unparse(iterable)}")
        case ast.Expr(value=value):
            return "expr:" + _source(value)
    return f"{type(node).__name__.lower()}:{_source(node)}"


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _target(target: ast.expr) -> str:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Tuple | ast.List):
        return ",".join(_target(element) for element in target.elts)
    if isinstance(target, ast.Starred):
        return "*" + _target(target.value)
    return _source(target)


def _source(node: ast.AST) -> str:
    return _short(ast.unparse(node).split("\n", 1)[0])


def _short(text: str) -> str:
    return text if len(text) <= _KEY_WIDTH else text[: _KEY_WIDTH - 3] + "..."


# --- one import statement, merged by its names ---------------------------------------------


@dataclass(frozen=True)
class _Imports:
    """An import unit read back: the names it imports and the comments around them."""

    kind: str  # "import" | "from"
    module: str  # `from` imports: the dotted module with its leading dots
    names: dict[str, tuple[tuple[str, ...], str]]  # "a as b" -> (comment lines above, trailing)
    lead: str  # the comment and blank lines above the statement
    comment: str  # the statement's own trailing comment
    after: str  # deeper comments after it
    exploded: bool  # parenthesised, one name per line, with a magic trailing comma
    indent: str


def merge_imports(base: Unit | None, ours: Unit | None, theirs: Unit | None) -> str | None:
    """Three-way merge of one `import`/`from` unit by its names; None when it cannot.

    A name the owner added stays; a name synth dropped goes unless the owner added it back (a
    name with its `as` alias is one name); comments on names and above the statement follow the
    same table. The result is laid out the way ruff's isort and black accept at 100 columns.
    """
    read = {"base": _read(base), "ours": _read(ours), "theirs": _read(theirs)}
    given = {"base": base, "ours": ours, "theirs": theirs}
    if any(given[side] is not None and read[side] is None for side in read):
        return None  # something other than imports: the owner rewrote it
    present = [parsed for parsed in read.values() if parsed is not None]
    if not present or len({(parsed.kind, parsed.module) for parsed in present}) != 1:
        return None
    b, o, t = read["base"], read["ours"], read["theirs"]
    if o is None:
        return None
    # an absent base is judged against synth's version, an absent theirs keeps base's comments
    b_ = b if b is not None else t
    t_ = t if t is not None else b
    lead = _pick_lead(b_.lead if b_ else o.lead, o.lead, t_.lead if t_ else o.lead)
    comment = _pick(b_.comment if b_ else o.comment, o.comment, t_.comment if t_ else o.comment)
    after = _pick(b_.after if b_ else o.after, o.after, t_.after if t_ else o.after)
    names = _merge_names(b, o, t)
    if lead is None or comment is None or after is None or names is None:
        return None
    if not names:  # every name went: only comments the owner wrote stay, on their own lines
        orphan = lead + (f"{o.indent}{comment}\n" if comment else "") + after
        owned = b_ is None or (lead, comment, after) != (b_.lead, b_.comment, b_.after)
        return orphan if owned and "#" in orphan else ""
    return lead + _render(o, names, comment) + after


def _pick_lead(base: str, ours: str, theirs: str) -> str | None:
    """The lines above a statement: its comments by the table; the blank lines that separate
    it from the statement before are layout, synth's when both moved them."""
    (b_gap, b_rest), (o_gap, o_rest), (t_gap, t_rest) = map(_gap, (base, ours, theirs))
    rest = _pick(b_rest, o_rest, t_rest)
    if rest is None:
        return None
    gap = _pick(b_gap, o_gap, t_gap)
    return (t_gap if gap is None else gap) + rest


def _gap(lead: str) -> tuple[str, str]:
    rest = lead.lstrip("\n")
    return lead[: len(lead) - len(rest)], rest


def _pick(base: str, ours: str, theirs: str) -> str | None:
    outcome = decide(base, ours, theirs)
    return None if outcome is Outcome.CONFLICT else ours if outcome is Outcome.OURS else theirs


def _merge_names(
    base: _Imports | None, ours: _Imports, theirs: _Imports | None
) -> dict[str, tuple[tuple[str, ...], str]] | None:
    versions = [side.names if side is not None else {} for side in (base, ours, theirs)]
    merged: dict[str, tuple[tuple[str, ...], str]] = {}
    for name in dict.fromkeys([*versions[1], *versions[2], *versions[0]]):
        b, o, t = (repr(names[name]) if name in names else None for names in versions)
        outcome = decide(b, o, t)
        if outcome is Outcome.CONFLICT:
            return None
        chosen = versions[1] if outcome is Outcome.OURS else versions[2]
        if name in chosen:
            merged[name] = chosen[name]
    return merged


def _read(unit: Unit | None) -> _Imports | None:
    """The imports in a unit's text, or None when it holds anything else."""
    if unit is None:
        return None
    lines = _LINE.findall(unit.text)
    start = next((i for i, line in enumerate(lines) if not _is_blank_or_comment(line)), None)
    if start is None:
        return None
    indent = lines[start][: _indent(lines[start])]
    if any(line.strip() and not line.startswith(indent) for line in lines[start:]):
        return None
    code = "".join(line[len(indent) :] if line.strip() else line for line in lines[start:])
    try:
        body = ast.parse(code).body
        comments = [
            (token.start, token.string)
            for token in tokenize.generate_tokens(io.StringIO(code).readline)
            if token.type == tokenize.COMMENT
        ]
    except (SyntaxError, tokenize.TokenError):
        return None
    kinds = {_import_of(node) for node in body}
    if len(kinds) != 1 or None in kinds:
        return None
    (kind_module,) = kinds
    assert kind_module is not None
    end = max(node.end_lineno or node.lineno for node in body)
    code_lines = _LINE.findall(code)
    attached = _attach(body, code_lines, [c for c in comments if c[0][0] <= end])
    if attached is None:
        return None
    names, comment = attached
    return _Imports(
        kind=kind_module[0],
        module=kind_module[1],
        names=names,
        lead="".join(lines[:start]),
        comment=comment,
        after="".join(lines[start + end :]),
        exploded=any(_has_magic_comma(node, code_lines) for node in body),
        indent=indent,
    )


def _import_of(node: ast.stmt) -> tuple[str, str] | None:
    if isinstance(node, ast.Import):
        return ("import", "")
    if isinstance(node, ast.ImportFrom):
        return ("from", "." * node.level + (node.module or ""))
    return None


def _names(node: ast.stmt) -> list[ast.alias]:
    return node.names if isinstance(node, ast.Import | ast.ImportFrom) else []


def _end_col(node: ast.stmt | ast.alias) -> int:
    return node.end_col_offset if node.end_col_offset is not None else node.col_offset


def _alias(alias: ast.alias) -> str:
    return alias.name if alias.asname is None else f"{alias.name} as {alias.asname}"


def _attach(
    body: list[ast.stmt], lines: list[str], comments: list[tuple[tuple[int, int], str]]
) -> tuple[dict[str, tuple[tuple[str, ...], str]], str] | None:
    """Give each comment to the name it sits on or above, or to the statement; None if unsure."""
    above: dict[str, list[str]] = {}
    beside: dict[str, str] = {}
    statement: list[str] = []
    aliases = [alias for node in body for alias in _names(node)]
    for (row, col), text in comments:
        node = next(n for n in body if n.lineno <= row <= (n.end_lineno or n.lineno))
        column = len(lines[row - 1][:col].encode())
        own_line = not lines[row - 1][:col].strip()
        ending = [a for a in _names(node) if a.end_lineno == row and _end_col(a) <= column]
        if row == node.end_lineno and column >= _end_col(node):
            statement.append(text)
        elif own_line:
            following = next((a for a in aliases if a.lineno > row), None)
            if following is None:
                return None
            above.setdefault(_alias(following), []).append(text)
        elif ending:
            beside[_alias(ending[-1])] = text
        elif row == node.lineno:
            statement.append(text)
        else:
            return None
    if len(statement) > 1:
        return None
    names = {
        _alias(alias): (tuple(above.get(_alias(alias), ())), beside.get(_alias(alias), ""))
        for alias in aliases
    }
    return names, statement[0] if statement else ""


def _has_magic_comma(node: ast.stmt, lines: list[str]) -> bool:
    """A parenthesised import whose last name has a trailing comma (black keeps it exploded)."""
    last = (node.end_lineno or node.lineno) - 1
    closing = lines[last].encode()[: _end_col(node)].decode()
    code = re.sub(r"#[^\n]*", "", "".join(lines[node.lineno - 1 : last]) + closing).rstrip()
    return code.endswith(")") and code[:-1].rstrip().endswith(",")


def _render(like: _Imports, names: dict[str, tuple[tuple[str, ...], str]], comment: str) -> str:
    """The statements importing `names`, in ruff's isort order, in black's layout."""
    if like.kind == "import":
        ordered = sorted(names, key=_module_order)
        return "".join(
            f"{like.indent}import {name}" + (f"  {comment}" if comment and i == 0 else "") + "\n"
            for i, name in enumerate(ordered)
        )
    plain = sorted((n for n in names if " as " not in n), key=_member_order)
    statements = ([plain] if plain else []) + [[n] for n in names if " as " in n]
    statements.sort(key=lambda group: _member_order(group[0]))
    return "".join(
        _render_from(like, group, names, comment if i == 0 else "")
        for i, group in enumerate(statements)
    )


def _render_from(
    like: _Imports, group: list[str], names: dict[str, tuple[tuple[str, ...], str]], comment: str
) -> str:
    opening = f"{like.indent}from {like.module} import "
    line = opening + ", ".join(group) + (f"  {comment}" if comment else "")
    commented = any(names[name] != ((), "") for name in group)
    if len(line) <= _LINE_LENGTH and not commented and not (like.exploded and len(group) > 1):
        return line + "\n"
    inner = like.indent + "    "
    rows = [opening + "(" + (f"  {comment}" if comment else "")]
    for name in group:
        lead, trailing = names[name]
        rows.extend(inner + text for text in lead)
        rows.append(inner + name + "," + (f"  {trailing}" if trailing else ""))
    rows.append(like.indent + ")")
    return "\n".join(rows) + "\n"


def _natural(text: str) -> tuple[int | str, ...]:
    """Natural order (`a2` before `a10`), as ruff's isort compares names: digit runs as numbers."""
    return tuple(int(part) if odd else part for odd, part in _alternating(_DIGITS.split(text)))


def _alternating(parts: list[str]) -> Iterator[tuple[bool, str]]:
    return ((index % 2 == 1, part) for index, part in enumerate(parts))


_DIGITS = re.compile(r"(\d+)")


def _member_order(name: str) -> tuple[object, ...]:
    """ruff isort's member key with order-by-type: CONSTANTS, then Classes, then the rest."""
    member, _, alias = name.partition(" as ")
    if len(member) > 1 and member.upper() == member and member.lower() != member:
        kind = 0
    elif member[:1].isupper():
        kind = 1
    else:
        kind = 2
    return (member != "*", kind, _natural(member.lower()), _natural(member), alias)


def _module_order(name: str) -> tuple[object, ...]:
    module, _, alias = name.partition(" as ")
    return (_natural(module.lower()), _natural(module), alias)


# --- modules ---------------------------------------------------------------------------------


def merge_python(path: str, base: str, ours: str, theirs: str, *, force: bool) -> Merged:
    """Three-way merge of a module; a result that would not parse is a conflict, never text."""
    if ours in (base, theirs):
        return Merged(theirs)  # the table, for the whole file: nothing of the owner's to keep
    if theirs == base:
        return Merged(ours)
    try:
        ours_units = split_python(ours)
    except SyntaxError as error:
        return _unparsable(path, ours, theirs, error, force=force)
    base_units, theirs_units = split_python(base), split_python(theirs)
    ours_units, theirs_units = _settle_dropped_imports(base_units, ours_units, theirs_units)
    leaf = _Leaf(path, force, dict(_paths(ours_units, "")))
    merged = merge_units(path, base_units, ours_units, theirs_units, force=force, leaf=leaf)
    conflicts = (*merged.conflicts, *leaf.conflicts)
    forced = (*merged.forced, *leaf.forced)
    if conflicts:
        return Merged(ours, conflicts, forced)
    try:
        if merged.text not in (ours, theirs):
            ast.parse(merged.text)
    except SyntaxError as error:
        reason = f"the merged module does not parse ({error.msg}); merge it by hand"
        return Merged(ours, (Conflict(path, error.lineno or 1, "<module>", reason),), forced)
    return Merged(merged.text, (), forced)


def _unparsable(path: str, ours: str, theirs: str, error: SyntaxError, *, force: bool) -> Merged:
    """The file on disk does not parse: nothing to merge by unit. --force takes synth's."""
    line = error.lineno or 1
    if force:
        return Merged(theirs, (), (Forced(path, line, "<module>", "replaced"),))
    reason = f"it does not parse ({error.msg}); fix it, or take synth's version with --force"
    return Merged(ours, (Conflict(path, line, "<module>", reason),))


def _paths(units: tuple[Unit, ...], prefix: str) -> Iterator[tuple[int, str]]:
    """Each unit's key with its parents' (`class:Settings/assign:redis_url`), by identity."""
    for unit in units:
        yield id(unit), prefix + unit.key
        if unit.children is not None:
            yield from _paths(unit.children, prefix + unit.key + "/")


def _settle_dropped_imports(
    base: tuple[Unit, ...], ours: tuple[Unit, ...], theirs: tuple[Unit, ...]
) -> tuple[tuple[Unit, ...], tuple[Unit, ...]]:
    """An import synth no longer generates but the owner changed keeps what the owner added.

    `merge_units` reports any changed unit synth dropped as a conflict; for imports the names
    say more: the owner's names and comments stay (in both ours and theirs, so the table keeps
    them), synth's go, and an import with nothing of the owner's left goes. The statement
    after a kept one keeps its blank lines (synth moved them only because its import went).
    """
    dropped = {u.key for u in base} - {u.key for u in theirs}
    base_by_key = {u.key: u for u in base}
    theirs_by_key = {u.key: u for u in theirs}
    settled_ours: list[Unit] = []
    settled: list[Unit] = []
    after_kept = False
    for unit in ours:
        old = base_by_key.get(unit.key)
        if after_kept and unit.key in theirs_by_key and unit.children is None:
            theirs_by_key[unit.key] = _with_gap_of(theirs_by_key[unit.key], unit)
        after_kept = False
        if unit.key in dropped and _is_import(unit) and old is not None and old.text != unit.text:
            kept = merge_imports(old, unit, None)
            if kept == "":
                continue
            if kept is not None:
                unit = Unit(unit.key, kept, unit.line)
                settled.append(unit)
                after_kept = True
        settled_ours.append(unit)
    return tuple(settled_ours), (*(theirs_by_key[u.key] for u in theirs), *settled)


def _with_gap_of(unit: Unit, like: Unit) -> Unit:
    """`unit` with the blank lines that start `like`."""
    return Unit(unit.key, _gap(like.text)[0] + _gap(unit.text)[1], unit.line)


def _is_import(unit: Unit) -> bool:
    return unit.key.startswith(("from:", "import:"))


@dataclass
class _Leaf:
    """merge_units' leaf merge for Python units: imports by name, then lines that must parse."""

    path: str
    force: bool
    keys: dict[int, str]
    conflicts: list[Conflict] = field(default_factory=list)
    forced: list[Forced] = field(default_factory=list)

    def __call__(self, base: Unit | None, ours: Unit | None, theirs: Unit | None) -> str | None:
        if ours is not None and _is_import(ours):
            merged = merge_imports(base, ours, theirs)
            if merged is not None:
                return merged
        if base is None or ours is None or theirs is None:
            return None
        lines = merge_lines(self.path, base.text, ours.text, theirs.text, force=False)
        if not lines.conflicts:
            if _parses(lines.text):
                return lines.text
            key = self.keys.get(id(ours), ours.key)
            if self.force:
                self.forced.append(Forced(self.path, ours.line, key, "replaced"))
                return theirs.text
            reason = "your edits and synth's merge line by line into code that does not parse"
            self.conflicts.append(Conflict(self.path, ours.line, key, reason))
            return ours.text
        # A unit the owner only laid out differently is still the owner's: "unchanged" is byte
        # equality, layout included, so synth's change to it is a conflict, never a silent
        # re-layout of the owner's lines.
        return None


def _parsed(text: str) -> tuple[str, list[str]] | None:
    """The code (as an AST dump) and the comments of a unit's text; None if it does not parse.

    A class member is indented: it is parsed inside a class.
    """
    code = next((line for line in _LINE.findall(text) if not _is_blank_or_comment(line)), "")
    source = "class _:\n" + text if code[:1].isspace() else text
    try:
        tree = ast.parse(source)
        comments = [
            token.string
            for token in tokenize.generate_tokens(io.StringIO(source).readline)
            if token.type == tokenize.COMMENT
        ]
    except (SyntaxError, tokenize.TokenError):
        return None
    return ast.dump(tree), comments


def _parses(text: str) -> bool:
    return _parsed(text) is not None
