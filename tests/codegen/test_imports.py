"""ensure_imports: before/after source, isort order, and 'nothing changes' the second time."""

from __future__ import annotations

import textwrap

import libcst as cst

from synth.codegen import ImportRequest, ensure_imports


def _apply(before: str, *requests: ImportRequest) -> str:
    module = cst.parse_module(textwrap.dedent(before))
    return ensure_imports(module, requests, first_party=["svc"]).code


def test_adds_sections_in_isort_order_to_an_empty_module() -> None:
    after = _apply(
        '"""Doc."""\n',
        ImportRequest("svc.settings", "get_settings"),
        ImportRequest("fastapi", "FastAPI"),
        ImportRequest("json"),
        ImportRequest("__future__", "annotations"),
        ImportRequest("collections.abc", "Iterator"),
    )
    assert after == textwrap.dedent('''\
        """Doc."""

        from __future__ import annotations

        import json
        from collections.abc import Iterator

        from fastapi import FastAPI

        from svc.settings import get_settings
        ''')


def test_merges_a_member_into_an_existing_from_import_in_order() -> None:
    before = """\
    import os

    from fastapi import FastAPI, status

    x = 1
    """
    after = _apply(
        before, ImportRequest("fastapi", "Request"), ImportRequest("fastapi", "HTTPException")
    )
    assert after == textwrap.dedent("""\
        import os

        from fastapi import FastAPI, HTTPException, Request, status

        x = 1
        """)


def test_an_import_already_present_changes_nothing() -> None:
    before = "from fastapi import FastAPI\n\napp = FastAPI()\n"
    assert _apply(before, ImportRequest("fastapi", "FastAPI")) == before


def test_keeps_the_owners_comment_on_an_import() -> None:
    before = "import os\n\n# the web framework\nfrom fastapi import FastAPI\n\napp = FastAPI()\n"
    after = _apply(before, ImportRequest("json"))
    assert after == (
        "import json\nimport os\n\n# the web framework\nfrom fastapi import FastAPI\n\n"
        "app = FastAPI()\n"
    )
