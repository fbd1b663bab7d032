"""The variables the manifests themselves name: the app id and the log level (the overlays set
it per environment). Every other variable is declared once, by the feature that reads it (its
`EnvVar` in `synth/features/<feature>/deploy.py`), and reaches the ConfigMap, the Deployment's
Secret references and the local multi-app run file from there.
"""

from __future__ import annotations

__all__ = ["APP_ID", "LOG_LEVEL"]

APP_ID = "APP_ID"
LOG_LEVEL = "LOG_LEVEL"
