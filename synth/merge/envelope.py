"""A file's envelope: BOM, line endings and final newline, kept apart from what is merged.

The merge compares text as synth generates it (LF, no BOM, a final newline). An owner's file
is opened out of its envelope before the merge and the merged text is put back into it, so a
CRLF file stays CRLF, a BOM stays, and a file without a final newline stays without one.
A file whose line endings are mixed is merged as it is (its CR bytes are then part of the
units, which makes every such unit the owner's: safe, never lossy).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Envelope", "close", "open_text"]

_BOM = "\ufeff"


@dataclass(frozen=True)
class Envelope:
    """How one file's text is wrapped."""

    bom: bool = False
    crlf: bool = False
    final_newline: bool = True


def open_text(text: str) -> tuple[str, Envelope]:
    """The text as synth would write it, and the envelope it came in."""
    bom = text.startswith(_BOM)
    if bom:
        text = text[len(_BOM) :]
    crlf = "\r\n" in text and text.count("\r\n") == text.count("\n")
    if crlf:
        text = text.replace("\r\n", "\n")
    final = text == "" or text.endswith("\n")
    if not final:
        text += "\n"
    return text, Envelope(bom=bom, crlf=crlf, final_newline=final)


def close(text: str, envelope: Envelope) -> str:
    """Put merged text back into the owner's envelope."""
    if not envelope.final_newline and text.endswith("\n"):
        text = text[:-1]
    if envelope.crlf:
        text = text.replace("\n", "\r\n")
    if envelope.bom:
        text = _BOM + text
    return text
