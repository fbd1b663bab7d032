"""Every error synth reports to a user, as one tree.

SynthError                 one line that names the problem and the fix; exit code 2
├── SpecError              a spec file or value is malformed (names file and field)
├── FeatureError           an unknown feature, or one that cannot be applied here
├── TargetError            the target folder is not usable (exists, not a synth service)
├── SourceError            a Python or YAML file of the service cannot be parsed
├── AnchorError            an edit needs an anchor (e.g. `app = FastAPI(...)`) that is gone
├── GateError              generated code failed black or ruff (a synth bug, reported)
└── MergeError             a merge would break the owner's code (exit 1, nothing written)
"""

from __future__ import annotations

__all__ = [
    "AnchorError",
    "FeatureError",
    "GateError",
    "MergeError",
    "SourceError",
    "SpecError",
    "SynthError",
    "TargetError",
]


class SynthError(Exception):
    """A failure the user can act on; `str()` is the one-line message."""

    exit_code = 2


class SpecError(SynthError):
    """A spec is malformed."""


class FeatureError(SynthError):
    """A feature is unknown or not applicable."""


class TargetError(SynthError):
    """The target folder cannot be used."""


class SourceError(SynthError):
    """A file of the service cannot be parsed."""


class AnchorError(SynthError):
    """An edit's anchor is missing from the owner's code."""


class GateError(SynthError):
    """Generated code did not pass a quality gate."""


class MergeError(SynthError):
    """Merging synth's change into the owner's code would break it (a dangling import, a
    new ruff finding, code that does not compile): refused, nothing written."""

    exit_code = 1
