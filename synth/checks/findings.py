"""`Finding`: one problem `synth check` reports, as file, what is wrong, and why it matters."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Finding"]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in one file of a generated service (one line when printed)."""

    file: str
    what: str
    why: str

    def __str__(self) -> str:
        return f"{self.file}: {self.what} ({self.why})"

    def to_json(self) -> dict[str, str]:
        """The finding as the `--json` output shows it."""
        return {"file": self.file, "what": self.what, "why": self.why}
