"""YAML units: block-style YAML cut into documents, mapping keys and list entries by identity.

One pass of a line and indentation scanner over the text (no YAML load, no dump), guided by
the block structure synth writes and owners edit:

- a document is `doc:<apiVersion>/<kind>/<namespace>/<name>` (`doc:#N`, counted among the
  documents without apiVersion and kind, only for those); its head is the comments above its
  `---` and the marker, its tail the comments after its last node and a `...` marker;
- a mapping entry is `key:NAME` (a quoted key by its value); a nested block mapping or
  sequence makes it a unit with children (head = its comments and the `key:` line);
- a list entry is named by what it is, never where it sits: a mapping with a scalar `name`
  (then `key`, then `path`) is `item:name=X`, another mapping is `item:K=V` after its first
  key (`item:K.name=V` when that key holds a mapping with a `name`); a scalar is `item:=V`.
  A mapping entry's identity line (`- name: http`) is its head, its other keys its children;
- flow collections, block scalars (`|`, `>`), multi-line scalars and anything the scanner does
  not recognise are leaves (the line diff3 merges inside them).

A unit owns the comment and blank lines above it; the repeated keys of a level get `#2`, `#3`.
The cut is always exact (`check_split` holds for any text), whether or not the text is YAML.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from synth.merge.line_units import keep_owner_parts, key_at, merge_comments_apart
from synth.merge.sequence import Conflict, Merged, merge_units
from synth.merge.table import Outcome, decide
from synth.merge.units import Unit

__all__ = ["merge_yaml", "split_yaml"]

_BLANK, _COMMENT, _CONTENT, _DOC_START, _DOC_END, _DIRECTIVE = range(6)
_NOT_PLAIN_START = frozenset("[{&!*|>%@`#,")
_NAME_KEYS = ("name", "key", "path")
_SPECIAL_START = frozenset("&!|>'\"[{")


def split_yaml(text: str) -> tuple[Unit, ...]:
    """Cut YAML text into its document units (empty text: no units)."""
    if not text:
        return ()
    scanner = _Scanner(text)
    return _units(scanner.documents(), text, scanner.offsets)


def merge_yaml(path: str, base: str, ours: str, theirs: str, *, force: bool) -> Merged:
    """Three-way merge of a YAML file.

    Synth's new parts are indented like the owner's parts beside them (an owner whose
    formatter indents lists less gets synth's new list entries indented less). A result that
    no longer loads (ruamel, safe) is a conflict, and so is one whose units no longer cut out
    as the merge put them (a part of synth's that would read as part of its neighbour).
    """
    known = split_yaml(base)
    mine, synth = keep_owner_parts(path, known, split_yaml(ours), split_yaml(theirs))
    synth = _aligned(mine, synth)
    merged = merge_units(path, known, mine, synth, force=force, leaf=merge_comments_apart)
    if merged.conflicts:
        return Merged(ours, merged.conflicts, merged.forced)
    if merged.text in (ours, theirs):
        return merged
    result = split_yaml(merged.text)
    broken = _load_error(merged.text) or _shape_error(_expected(known, mine, synth), result)
    if broken is None:
        return merged
    line, reason = broken
    conflict = Conflict(path, line, key_at(result, line), reason)
    return Merged(ours, (conflict,), merged.forced)


def _load_error(text: str) -> tuple[int, str] | None:
    """The line and reason why `text` does not load as YAML (ruamel safe), or None."""
    try:
        for _ in YAML(typ="safe", pure=True).load_all(text):
            pass
    except YAMLError as error:
        mark = error.problem_mark if isinstance(error, MarkedYAMLError) else None
        line = mark.line + 1 if mark is not None else 1
        problem = error.problem if isinstance(error, MarkedYAMLError) else None
        return line, f"the merged YAML does not load: {problem or str(error).splitlines()[0]}"
    return None


def _aligned(ours: tuple[Unit, ...], theirs: tuple[Unit, ...]) -> tuple[Unit, ...]:
    """Theirs, with the units ours lacks shifted to the indentation of ours' level."""
    mine = {unit.key: unit for unit in ours}
    shift = 0
    for unit in theirs:
        own = mine.get(unit.key)
        if own is not None:
            own_indent, their_indent = _indent(own.text), _indent(unit.text)
            if own_indent is not None and their_indent is not None:
                shift = own_indent - their_indent
            break
    result: list[Unit] = []
    for unit in theirs:
        own = mine.get(unit.key)
        if own is None:
            result.append(_shifted(unit, shift) if shift else unit)
        elif own.children is not None and unit.children is not None:
            children = _aligned(own.children, unit.children)
            text = unit.head + "".join(child.text for child in children) + unit.tail
            result.append(replace(unit, text=text, children=children))
        else:
            result.append(unit)
    return tuple(result)


def _indent(text: str) -> int | None:
    """The indentation of a unit's first line that is not a comment or blank (None: it starts
    inside a line, or has none)."""
    for row in text.split("\n"):
        stripped = row.lstrip(" ")
        if stripped and stripped[0] != "#":
            return len(row) - len(stripped)
    return None


def _shifted(unit: Unit, shift: int, *, at_line_start: bool = True) -> Unit:
    """`unit` with every line it starts moved `shift` columns (unchanged if it cannot be)."""
    moved = _shift_text(unit.text, shift, at_line_start=at_line_start)
    if moved is None:
        return unit
    if unit.children is None:
        return replace(unit, text=moved)
    head = _shift_text(unit.head, shift, at_line_start=at_line_start)
    at_start = unit.head.endswith("\n") if unit.head else at_line_start
    children: list[Unit] = []
    for child in unit.children:
        children.append(_shifted(child, shift, at_line_start=at_start))
        at_start = child.text.endswith("\n")
    tail = _shift_text(unit.tail, shift, at_line_start=at_start)
    inner = "".join(child.text for child in children)
    if head is None or tail is None or head + inner + tail != moved:
        return replace(unit, text=moved, head="", children=None, tail="")
    return replace(unit, text=moved, head=head, children=tuple(children), tail=tail)


def _shift_text(text: str, shift: int, *, at_line_start: bool) -> str | None:
    rows = text.split("\n")
    for index, row in enumerate(rows):
        if (index == 0 and not at_line_start) or not row.strip():
            continue
        if shift > 0:
            rows[index] = " " * shift + row
        elif len(row) - len(row.lstrip(" ")) >= -shift:
            rows[index] = row[-shift:]
        else:
            return None
    return "\n".join(rows)


_Shape = dict[str, "_Shape | None | bool"]
_ANY = True  # whatever a leaf merge made of it (also nothing, when --force removed it)


def _expected(base: tuple[Unit, ...], ours: tuple[Unit, ...], theirs: tuple[Unit, ...]) -> _Shape:
    """The keys the merge of these levels must cut back out into, by the table."""
    known = {unit.key: unit for unit in base}
    mine = {unit.key: unit for unit in ours}
    synth = {unit.key: unit for unit in theirs}
    shape: _Shape = {}
    for key in [*mine, *(key for key in synth if key not in mine)]:
        old, own, new = known.get(key), mine.get(key), synth.get(key)
        outcome = decide(_text(old), _text(own), _text(new))
        if outcome is not Outcome.CONFLICT:
            chosen = own if outcome is Outcome.OURS else new
            if chosen is not None:
                shape[key] = _shape(chosen)
        elif (
            own is not None
            and new is not None
            and own.children is not None
            and new.children is not None
            and (old is None or old.children is not None)
        ):
            known_parts = old.children if old is not None and old.children is not None else ()
            shape[key] = _expected(known_parts, own.children, new.children)
        else:
            shape[key] = _ANY
    return shape


def _shape(unit: Unit) -> _Shape | None:
    if unit.children is None:
        return None
    return {child.key: _shape(child) for child in unit.children}


def _text(unit: Unit | None) -> str | None:
    return None if unit is None else unit.text


def _shape_error(expected: _Shape, units: tuple[Unit, ...]) -> tuple[int, str] | None:
    """Where the merged units differ from the expected keys, or None."""
    found = {unit.key: unit for unit in units}
    for key, inner in expected.items():
        unit = found.get(key)
        if inner is _ANY:
            continue
        if unit is None:
            line = units[-1].line if units else 1
            return line, f"{key} is no longer a part of its own in the merged YAML"
        if isinstance(inner, dict):
            if unit.children is None:
                return unit.line, f"{key} no longer holds its parts in the merged YAML"
            broken = _shape_error(inner, unit.children)
            if broken is not None:
                return broken
    for unit in units:
        if unit.key not in expected:
            return unit.line, f"{unit.key} appeared in the merged YAML from a neighbour's lines"
    return None


@dataclass(slots=True)
class _Node:
    """A unit before its key is made unique among its siblings."""

    key: str
    start: int  # char offset
    end: int  # char offset
    line: int  # 0-based index of the line `start` is on
    head_end: int = -1  # char offset where the children start; -1 for a leaf
    children: list[_Node] | None = None
    name: str = ""  # a mapping entry's key
    scalar: str | None = None  # a one-line scalar value (identities are made of these)


@dataclass(slots=True)
class _Block:
    kind: str  # "map" | "seq"
    nodes: list[_Node]
    end: int  # line index after the block's last node
    entries: dict[str, _Node] = field(default_factory=dict)


class _Scanner:
    """The lines of one text, classified once, and the recursive cut over them."""

    def __init__(self, text: str) -> None:
        rows = text.split("\n")
        if rows and rows[-1] == "":
            rows.pop()
        self.rows = rows
        offsets = [0]
        position = 0
        for row in rows:
            position += len(row) + 1
            offsets.append(position)
        offsets[-1] = min(offsets[-1], len(text))
        self.offsets = offsets
        kinds: list[int] = []
        indents: list[int] = []
        for row in rows:
            stripped = row.lstrip(" ")
            indent = len(row) - len(stripped)
            first = stripped.lstrip("\t")[:1]
            if not stripped.strip():
                kind = _BLANK
            elif first == "#":
                kind = _COMMENT
            elif indent == 0 and row.startswith(("---", "...")) and row[3:4] in ("", " ", "\t"):
                kind = _DOC_START if row[0] == "-" else _DOC_END
            elif indent == 0 and row[0] == "%":
                kind = _DIRECTIVE
            else:
                kind = _CONTENT
            kinds.append(kind)
            indents.append(indent)
        self.kinds = kinds
        self.indents = indents

    # documents

    def documents(self) -> list[_Node]:
        kinds = self.kinds
        count = len(kinds)
        bounds = [0]
        last_content = -1  # last line that a preceding document must keep
        for index, kind in enumerate(kinds):
            if kind == _CONTENT:
                last_content = index
            elif kind == _DOC_END:
                last_content = index
                following = self._next_content(index + 1, count)
                if following < count and kinds[following] == _CONTENT:
                    bounds.append(index + 1)
            elif kind == _DOC_START:
                start = index
                while start - 1 > last_content and kinds[start - 1] != _DOC_START:
                    start -= 1
                if start > bounds[-1]:
                    bounds.append(start)
                last_content = index
        bounds.append(count)
        nodes: list[_Node] = []
        unnamed = 0
        for start, end in zip(bounds, bounds[1:], strict=False):
            if start >= end:
                continue
            node = self._document(start, end)
            if not node.key:
                unnamed += 1
                node.key = f"doc:#{unnamed}"
            nodes.append(node)
        return nodes

    def _document(self, start: int, end: int) -> _Node:
        offsets = self.offsets
        leaf = _Node("", offsets[start], offsets[end], start)
        kinds = self.kinds
        root = start
        for index in range(start, end):
            if kinds[index] == _DOC_START:
                after = self.rows[index][3:].strip()
                if after and after[0] != "#":
                    return leaf  # content on the marker line: `--- |`, `--- !tag`
                root = index + 1
                break
            if kinds[index] not in (_BLANK, _COMMENT, _DIRECTIVE):
                break
        body_end = end
        for index in range(root, end):
            if kinds[index] == _DOC_END:
                body_end = index
                break
        last = -1
        for index in range(body_end - 1, root - 1, -1):
            if kinds[index] == _CONTENT:
                last = index
                break
        if last < 0:
            return leaf
        first = self._next_content(root, last + 1)
        if kinds[first] != _CONTENT:
            return leaf
        block = self._block(root, last + 1, self.indents[first])
        if block is None or block.end != last + 1:
            return leaf
        leaf.head_end = offsets[root]
        leaf.children = block.nodes
        if block.kind == "map":
            leaf.key = _document_key(block.entries)
        return leaf

    # blocks

    def _block(self, start: int, end: int, indent: int) -> _Block | None:
        first = self._next_content(start, end)
        if first >= end or self.kinds[first] != _CONTENT:
            return None
        if _is_dash(self.rows[first], indent):
            return self._sequence(start, end, indent)
        return self._mapping(start, end, indent)  # None when its first line is not a key

    def _mapping(self, start: int, end: int, indent: int, first_col: int = -1) -> _Block | None:
        kinds, indents, rows, offsets = self.kinds, self.indents, self.rows, self.offsets
        block = _Block("map", [], start)
        lead = -1
        index = start
        while index < end:
            kind = kinds[index]
            if kind in (_BLANK, _COMMENT):
                if lead < 0:
                    lead = index
                index += 1
                continue
            virtual = index == start and first_col >= 0
            column = first_col if virtual else indents[index]
            if kind != _CONTENT or column != indent:
                return None
            split = _split_key(rows[index][column:])
            if split is None:
                return None
            name, after = split
            value = _value_of(after)
            node = _Node(f"key:{name}", 0, 0, index, name=name)
            if virtual:
                node.start = offsets[index] + first_col
            else:
                node.start = offsets[lead if lead >= 0 else index]
                node.line = lead if lead >= 0 else index
            stop = index + 1
            if (
                value
                and value[0] not in _SPECIAL_START
                and (stop >= end or (kinds[stop] == _CONTENT and indents[stop] <= indent))
            ):
                node.scalar = value  # the common case, inline: a one-line plain scalar
            else:
                stop = self._value(node, index, end, indent, value, compact=True)
            node.end = offsets[stop]
            block.nodes.append(node)
            block.entries.setdefault(name, node)
            block.end = stop
            lead = -1
            index = stop
        return block if block.nodes else None

    def _sequence(self, start: int, end: int, indent: int) -> _Block | None:
        kinds, indents, rows, offsets = self.kinds, self.indents, self.rows, self.offsets
        block = _Block("seq", [], start)
        lead = -1
        index = start
        while index < end:
            kind = kinds[index]
            if kind in (_BLANK, _COMMENT):
                if lead < 0:
                    lead = index
                index += 1
                continue
            row = rows[index]
            if kind != _CONTENT or indents[index] != indent or not _is_dash(row, indent):
                return None
            rest = row[indent + 1 :]
            body = rest.lstrip(" \t")
            column = indent + 1 + len(rest) - len(body)
            begin = lead if lead >= 0 else index
            node = _Node("", offsets[begin], 0, begin)
            value = _value_of(body)
            if _split_key(body) is not None:
                stop = self._item_mapping(node, index, end, indent, column)
            elif value and not _is_props(value):
                stop = self._leaf_end(index + 1, end, indent, _is_raw(value))
                one_line = stop == index + 1 and value[0] not in "|>"
                node.key = f"item:={_scalar(value) if one_line else value}"
            else:
                stop = self._value(node, index, end, indent, value, compact=False)
                if not node.key and node.children is not None:
                    node.key = "item:-"  # a sequence in a sequence
                elif not node.key:
                    following = self._next_content(index + 1, stop)
                    inner = rows[following].strip() if following < stop else ""
                    node.key = f"item:={inner}"
            node.end = offsets[stop]
            block.nodes.append(node)
            block.end = stop
            lead = -1
            index = stop
        return block if block.nodes else None

    def _item_mapping(self, node: _Node, index: int, end: int, indent: int, column: int) -> int:
        """A list entry that is a mapping starting on the dash line; returns its end line."""
        hard = self._hard_end(index + 1, end, indent)
        block = self._mapping(index, hard, column, first_col=column)
        if block is None:
            stop = self._leaf_end(index + 1, end, indent, False)
            node.key = f"item:={self.rows[index][column:].strip()}"
            return stop
        node.key = _identity(block)
        first = block.nodes[0]
        if first.children is None and first.end == self.offsets[index + 1]:
            node.head_end = first.end  # the identity line is the head
            node.children = block.nodes[1:]
        else:
            node.head_end = first.start
            node.children = block.nodes
        return block.end

    def _value(
        self, node: _Node, index: int, end: int, indent: int, value: str, *, compact: bool
    ) -> int:
        """Fill `node` with the value that starts on line `index`; return its end line."""
        kinds, indents = self.kinds, self.indents
        if value and value[0] not in _SPECIAL_START:  # the common case: a plain scalar
            following = index + 1
            if following >= end or (kinds[following] == _CONTENT and indents[following] <= indent):
                node.scalar = value
                return following
        if value and not _is_props(value):
            stop = self._leaf_end(index + 1, end, indent, _is_raw(value))
            if stop == index + 1 and value[0] not in "|>":
                node.scalar = _scalar(value)
            return stop
        following = self._next_content(index + 1, end)
        if following >= end or kinds[following] != _CONTENT:
            node.scalar = ""
            return index + 1
        inner = indents[following]
        block: _Block | None = None
        if inner > indent:
            hard = self._hard_end(following, end, indent)
            block = self._block(index + 1, hard, inner)
        elif compact and inner == indent and _is_dash(self.rows[following], indent):
            hard = self._compact_end(following, end, indent)
            block = self._sequence(index + 1, hard, indent)
        else:
            node.scalar = ""
            return index + 1
        if block is None:
            return self._leaf_end(index + 1, end, indent, False)
        node.head_end = self.offsets[index + 1]
        node.children = block.nodes
        if not compact and block.kind == "map":
            node.key = _identity(block)
        return block.end

    # line scans

    def _next_content(self, start: int, end: int) -> int:
        kinds = self.kinds
        while start < end and (kinds[start] == _BLANK or kinds[start] == _COMMENT):
            start += 1
        return start

    def _hard_end(self, start: int, end: int, indent: int) -> int:
        """The first line at or after `start` that ends a block nested under `indent`."""
        kinds, indents = self.kinds, self.indents
        for index in range(start, end):
            kind = kinds[index]
            if kind in (_BLANK, _COMMENT):
                continue
            if kind != _CONTENT or indents[index] <= indent:
                return index
        return end

    def _compact_end(self, start: int, end: int, indent: int) -> int:
        """The end of a sequence written at its key's own indentation (`key:\\n- a`)."""
        kinds, indents, rows = self.kinds, self.indents, self.rows
        for index in range(start, end):
            kind = kinds[index]
            if kind in (_BLANK, _COMMENT):
                continue
            if kind != _CONTENT or indents[index] < indent:
                return index
            if indents[index] == indent and not _is_dash(rows[index], indent):
                return index
        return end

    def _leaf_end(self, start: int, end: int, indent: int, raw: bool) -> int:
        """The end line of a leaf whose first line is `start - 1`, at column `indent`.

        Lines indented deeper continue it. A raw leaf (block scalar, open quote or flow)
        keeps comment-looking lines too, and ends at any shallower line.
        """
        kinds, indents = self.kinds, self.indents
        last = start - 1
        for index in range(start, end):
            kind = kinds[index]
            if kind == _BLANK:
                continue
            if kind == _COMMENT:
                if indents[index] > indent and raw:
                    last = index
                elif raw:
                    break
                continue
            if kind != _CONTENT or indents[index] <= indent:
                break
            last = index
        return last + 1


def _units(nodes: list[_Node], text: str, offsets: list[int]) -> tuple[Unit, ...]:
    seen: dict[str, int] = {}
    units: list[Unit] = []
    for node in nodes:
        count = seen.get(node.key, 0) + 1
        seen[node.key] = count
        key = node.key if count == 1 else f"{node.key}#{count}"
        body = text[node.start : node.end]
        if node.children is None:
            units.append(Unit(key, body, node.line + 1))
            continue
        children = _units(node.children, text, offsets)
        inner_end = node.children[-1].end if node.children else node.head_end
        units.append(
            Unit(
                key,
                body,
                node.line + 1,
                head=text[node.start : node.head_end],
                children=children,
                tail=text[inner_end : node.end],
            )
        )
    return tuple(units)


def _document_key(entries: dict[str, _Node]) -> str:
    api = entries.get("apiVersion")
    kind = entries.get("kind")
    if api is None or kind is None or not api.scalar or not kind.scalar:
        return ""
    names = {"name": "", "namespace": ""}
    metadata = entries.get("metadata")
    for child in (metadata.children or []) if metadata is not None else []:
        if child.name in names and child.scalar is not None:
            names[child.name] = child.scalar
    return f"doc:{api.scalar}/{kind.scalar}/{names['namespace']}/{names['name']}"


def _identity(block: _Block) -> str:
    """The key of a list entry that is a mapping: what it is, never where it sits."""
    for name in _NAME_KEYS:
        entry = block.entries.get(name)
        if entry is not None and entry.scalar is not None:
            return f"item:{name}={entry.scalar}"
    first = block.nodes[0]
    if first.scalar is not None:
        return f"item:{first.name}={first.scalar}"
    for child in first.children or []:
        if child.name == "name" and child.scalar is not None:
            return f"item:{first.name}.name={child.scalar}"
    return f"item:{first.name}"


def _is_dash(row: str, indent: int) -> bool:
    return row[indent : indent + 1] == "-" and row[indent + 1 : indent + 2] in ("", " ", "\t")


def _split_key(body: str) -> tuple[str, str] | None:
    """(key, text after the colon) when `body` starts with a block mapping key, else None."""
    if not body:
        return None
    first = body[0]
    if first in "\"'":
        close = _quote_end(body)
        if close < 0:
            return None
        rest = body[close:].lstrip(" \t")
        if not rest.startswith(":") or rest[1:2] not in ("", " ", "\t"):
            return None
        return _scalar(body[:close]), rest[1:]
    if first in _NOT_PLAIN_START or (first in "-?:" and body[1:2] in ("", " ", "\t")):
        return None
    colon = body.find(": ")
    if colon < 0 or ":" in body[:colon]:  # the rare key with a colon inside, or a tab after
        colon = _plain_colon(body)
        if colon < 0:
            return None
    key = body[:colon]
    if "#" in key and (" #" in key or "\t#" in key):
        return None
    return key.rstrip(" \t"), body[colon + 1 :]


def _plain_colon(body: str) -> int:
    """The colon that ends a plain key: the first one followed by a blank or the line end."""
    start = 0
    while True:
        colon = body.find(":", start)
        if colon < 0 or body[colon + 1 : colon + 2] in ("", " ", "\t"):
            return colon
        start = colon + 1


def _value_of(after: str) -> str:
    """The value text on a key or dash line, without its comment."""
    value = after.strip(" \t")
    if not value or value[0] == "#":
        return ""
    if value[0] in "\"'":
        close = _quote_end(value)
        return value if close < 0 else value[:close]
    for mark in (" #", "\t#"):
        cut = value.find(mark)
        if cut >= 0:
            value = value[:cut]
    return value.rstrip(" \t")


def _quote_end(text: str) -> int:
    """The index after the quote that closes the one at text[0], or -1 (not on this line)."""
    quote = text[0]
    start = 1
    while True:
        close = text.find(quote, start)
        if close < 0:
            return -1
        if quote == "'":
            if text[close + 1 : close + 2] == "'":
                start = close + 2
                continue
            return close + 1
        backslashes = len(text[start:close]) - len(text[start:close].rstrip("\\"))
        if backslashes % 2:
            start = close + 1
            continue
        return close + 1


def _scalar(value: str) -> str:
    """A one-line scalar's value: quotes removed, escapes read."""
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            loaded = json.loads(value)
        except ValueError:
            return value[1:-1]
        return loaded if isinstance(loaded, str) else value[1:-1]
    return value


def _is_props(value: str) -> bool:
    """Only an anchor and/or a tag (`&base`, `!!map`): the node itself is on the next lines."""
    return all(token[0] in "&!" for token in value.split())


def _is_raw(value: str) -> bool:
    """A value that goes on to deeper lines whatever they look like (`|`, `>`, open quote)."""
    tokens = value.split()
    while tokens and tokens[0][0] in "&!":
        tokens.pop(0)
    head = tokens[0] if tokens else ""
    if head[:1] in ("|", ">"):
        return True
    if head[:1] in ("'", '"'):
        rest = value[value.index(head[0]) :]
        return _quote_end(rest) < 0
    if head[:1] in ("[", "{"):
        return value.count("[") + value.count("{") > value.count("]") + value.count("}")
    return False
