"""The platform view: all service specs at once, as a graph, a lint report, an AsyncAPI document.

specs/*.yaml -> load_spec_sources -> build_topology -> render_mermaid | render_dot | render_svg
                                  -> find_platform_findings (lint-platform)
                                  -> build_asyncapi (asyncapi)
out/<name>/synth.yaml             -> find_drift (generated service vs its spec file)
"""

from __future__ import annotations

__all__: list[str] = []
