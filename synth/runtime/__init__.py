"""The fixed runtime of generated services, as real modules (see `synth.codegen.runtime`).

`synth/runtime/<feature>/<module>.py` is what feature `<feature>` writes to `<package>/<module>.py`
(`conftest.py` and `test_*.py` go to `tests/`), with `synth.runtime.<feature>` renamed to the
service's package. These modules are checked by synth's own gates like any other synth code.

`standin/` holds modules a service has but whose content the spec shapes (settings, main):
stand-ins with the names the runtime imports, so that mypy checks those imports; they are never
written into a service.
"""
