"""Adversarial owner edits through every command that writes into a service.

Each case: a service as synth made it, an owner's edit, a command. The owner's bytes survive,
or the command refuses (exit 1), names `file:line`, and writes nothing. Never silent loss.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from synth.cli import app

runner = CliRunner()
SPECS = Path(__file__).resolve().parents[2] / "specs"
_CACHE: dict[str, Path] = {}


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def service(tmp_path: Path, features: str, name: str = "debug") -> Path:
    """A fresh copy of `synth new NAME --with FEATURES` (generated once per session)."""
    key = f"{name}:{features}"
    if key not in _CACHE:
        made = Path(os.environ.get("PYTEST_SYNTH_CACHE", tmp_path.parent)) / "made" / key
        if not made.exists():
            args = ["new", name, "--with", features, "--specs", str(SPECS), "--out", str(made)]
            result = runner.invoke(app, args)
            assert result.exit_code == 0, result.output
        _CACHE[key] = made
    root = tmp_path / name
    shutil.copytree(_CACHE[key], root, symlinks=True)
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


# ---- 1. comments are edits ------------------------------------------------------------------


def test_a_comment_in_a_function_body_blocks_removing_its_file(tmp_path: Path) -> None:
    root = service(tmp_path, "state,pubsub")
    subscribers = root / "debug/subscribers.py"
    edit(
        subscribers,
        '"""The typed event of a delivery and its context, or None (logged) when it is not '
        'valid."""\n',
        '"""The typed event of a delivery and its context, or None (logged) when it is not '
        'valid."""\n    # owner: audit every delivery\n',
    )
    before = _tree(root)
    code, _, err = invoke("remove-feature", str(root), "pubsub")
    assert code == 1
    assert "debug/subscribers.py:" in err and "read_event" in err
    assert "nothing written" in err
    assert _tree(root) == before


def test_force_removes_it_and_lists_every_owner_piece(tmp_path: Path) -> None:
    root = service(tmp_path, "state,pubsub")
    with (root / "debug/handlers.py").open("a", encoding="utf-8") as handle:
        handle.write("\n\nOWNER_LIMIT = 3  # owner: tuned for the pilot\n")
    code, _, err = invoke("remove-feature", str(root), "pubsub", "--force")
    assert code == 0, err
    assert "--force: " in err and "debug/handlers.py:" in err and "OWNER_LIMIT" in err
    assert not (root / "debug/handlers.py").exists()


# ---- 2. a file that still holds owner content stays -----------------------------------------


@pytest.mark.parametrize(
    ("path", "addition"),
    [
        ("debug/subscribers.py", "HEADER"),
        ("debug/handlers.py", "\n\nOWNER_LIMIT = 3\n"),
        ("debug/subscribers.py", "\n\ndef owner_helper() -> int:\n    return 1\n"),
        ("debug/events.py", "\n\n# owner: more events soon\n"),
    ],
)
def test_remove_keeps_a_file_with_owner_content(tmp_path: Path, path: str, addition: str) -> None:
    root = service(tmp_path, "state,pubsub")
    target = root / path
    text = target.read_text(encoding="utf-8")
    if addition == "HEADER":
        target.write_text("# Copyright the owner\n" + text, encoding="utf-8")
    else:
        target.write_text(text + addition, encoding="utf-8")
    before = _tree(root)
    code, _, err = invoke("remove-feature", str(root), "pubsub")
    assert code == 1, err
    assert f"{path}:" in err
    assert _tree(root) == before


def test_remove_state_keeps_an_owner_helper_in_state_py(tmp_path: Path) -> None:
    root = service(tmp_path, "state")
    with (root / "debug/state.py").open("a", encoding="utf-8") as handle:
        handle.write("\n\ndef owner_key(user_id: str) -> str:\n    return f'o:{user_id}'\n")
    before = _tree(root)
    code, _, err = invoke("remove-feature", str(root), "state")
    assert code == 1
    assert "debug/state.py:" in err and "owner_key" in err
    assert _tree(root) == before


# ---- 3. settings fields are units of their own ----------------------------------------------


def test_a_trailing_comment_on_a_settings_field_survives_add_feature(tmp_path: Path) -> None:
    root = service(tmp_path, "state")
    settings_file = root / "debug/settings.py"
    edit(settings_file, 'log_level: str = "INFO"', 'log_level: str = "INFO"  # owner: keep INFO')
    code, _, err = invoke("add-feature", str(root), "pubsub")
    assert code == 0, err
    text = settings_file.read_text(encoding="utf-8")
    assert 'log_level: str = "INFO"  # owner: keep INFO' in text
    assert 'pubsub_name: str = "pubsub"' in text


def test_owner_field_and_changed_default_in_settings_survive_add_feature(tmp_path: Path) -> None:
    root = service(tmp_path, "state")
    settings_file = root / "debug/settings.py"
    edit(settings_file, "dapr_timeout_seconds: float = 5.0", "dapr_timeout_seconds: float = 9.0")
    edit(settings_file, 'app_id: str = "debug"\n', 'app_id: str = "debug"\n    tenant: str = "x"\n')
    code, _, err = invoke("add-feature", str(root), "pubsub")
    assert code == 0, err
    text = settings_file.read_text(encoding="utf-8")
    assert "dapr_timeout_seconds: float = 9.0" in text
    assert 'tenant: str = "x"' in text
    assert 'pubsub_name: str = "pubsub"' in text


# ---- 4. owner deletions stay deleted --------------------------------------------------------


def _drop_line(path: Path, needle: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if needle not in line]
    assert len(kept) < len(lines), f"{needle!r} not in {path}"
    path.write_text("".join(kept), encoding="utf-8")


@pytest.mark.parametrize(
    ("path", "needle"),
    [
        ("k8s/base/deployment.yaml", "dapr.io/log-as-json"),
        ("k8s/base/kustomization.yaml", "- hpa.yaml"),
        (".gitignore", ".ruff_cache/"),
        (".env.example", "LOG_LEVEL="),
    ],
)
def test_a_deleted_line_stays_deleted_after_add_feature(
    tmp_path: Path, path: str, needle: str
) -> None:
    root = service(tmp_path, "state")
    _drop_line(root / path, needle)
    code, _, err = invoke("add-feature", str(root), "pubsub")
    assert code == 0, err
    assert needle not in (root / path).read_text(encoding="utf-8")


def test_a_deleted_readme_section_stays_deleted(tmp_path: Path) -> None:
    root = service(tmp_path, "state")
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    start = text.index("\n## ", text.index("\n## ") + 1)
    end = text.index("\n## ", start + 1)
    title = text[start:end].splitlines()[1]
    readme.write_text(text[:start] + text[end:], encoding="utf-8")
    code, _, err = invoke("add-feature", str(root), "pubsub")
    assert code == 0, err
    assert title not in readme.read_text(encoding="utf-8")


def test_a_renamed_container_port_is_not_appended_again(tmp_path: Path) -> None:
    root = service(tmp_path, "state")
    deployment = root / "k8s/base/deployment.yaml"
    edit(deployment, "name: http", "name: web")
    code, _, err = invoke("add-feature", str(root), "pubsub")
    assert code == 0, err
    text = deployment.read_text(encoding="utf-8")
    assert "name: web" in text
    assert text.count("containerPort") == _tree(service(tmp_path / "x", "state"))[
        "k8s/base/deployment.yaml"
    ].decode().count("containerPort")


# ---- 5. YAML documents by identity, never by position ---------------------------------------


def test_an_owner_configmap_placed_first_is_untouched_by_remove(tmp_path: Path) -> None:
    root = service(tmp_path, "state,pubsub")
    configmap = root / "k8s/base/configmap.yaml"
    owner_doc = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: owner-extra\n"
        "data:\n  PUBSUB_NAME: mine\n  FEATURE_FLAG: 'on'\n---\n"
    )
    configmap.write_text(owner_doc + configmap.read_text(encoding="utf-8"), encoding="utf-8")
    code, _, err = invoke("remove-feature", str(root), "pubsub")
    assert code == 0, err
    assert configmap.read_text(encoding="utf-8").startswith(owner_doc)


# ---- 6. an owner's pin is the owner's -------------------------------------------------------


def test_removing_a_feature_whose_dependency_the_owner_pinned_is_a_conflict(
    tmp_path: Path,
) -> None:
    root = service(tmp_path, "state,pubsub,agent")
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if '"openai-agents' in x)
    edit(pyproject, line, '    "openai-agents==0.24.3",  # owner: pinned')
    before = _tree(root)
    code, _, err = invoke("remove-feature", str(root), "agent")
    assert code == 1
    assert "pyproject.toml:" in err
    assert _tree(root) == before


# ---- 8. envelopes --------------------------------------------------------------------------


def test_crlf_and_bom_survive_add_feature(tmp_path: Path) -> None:
    root = service(tmp_path, "state")
    settings_file = root / "debug/settings.py"
    readme = root / "README.md"
    settings_file.write_bytes(settings_file.read_bytes().replace(b"\n", b"\r\n"))
    readme.write_bytes(b"\xef\xbb\xbf" + readme.read_bytes())
    code, _, err = invoke("add-feature", str(root), "pubsub")
    assert code == 0, err
    data = settings_file.read_bytes()
    assert b'pubsub_name: str = "pubsub"\r\n' in data
    assert data.count(b"\n") == data.count(b"\r\n")
    assert readme.read_bytes().startswith(b"\xef\xbb\xbf")


def test_every_python_file_in_crlf_grows_as_its_lf_twin_does(tmp_path: Path) -> None:
    """Before: a pubsub service, every Python file turned CRLF by its owner. After add-feature
    state (which inserts the claims runtime, code held as text, into subscribers.py): each file
    is the LF twin's result with CRLF endings, no bare LF anywhere."""
    crlf, lf = service(tmp_path / "a", "pubsub"), service(tmp_path / "b", "pubsub")
    for path in crlf.rglob("*.py"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    existing = {p.relative_to(crlf).as_posix() for p in crlf.rglob("*.py")}
    for root in (crlf, lf):
        code, _, err = invoke("add-feature", str(root), "state")
        assert code == 0, err
    for relative in sorted(existing):
        data = (crlf / relative).read_bytes()
        assert data.count(b"\n") == data.count(b"\r\n"), relative
        assert data.replace(b"\r\n", b"\n") == (lf / relative).read_bytes(), relative
    assert (
        "async def claim_event" in (crlf / "debug/subscribers.py").read_text()
    ), "add-feature state no longer grows subscribers.py with the claims: pick another file"


def test_a_file_without_a_final_newline_keeps_it_that_way(tmp_path: Path) -> None:
    root = service(tmp_path, "state")
    env = root / ".env.example"
    env.write_bytes(env.read_bytes().rstrip(b"\n"))
    code, _, err = invoke("add-feature", str(root), "pubsub")
    assert code == 0, err
    data = env.read_bytes()
    assert not data.endswith(b"\n") and b"PUBSUB_NAME" in data


# ---- 9. new over what exists ---------------------------------------------------------------


def test_new_over_an_edited_service_keeps_the_edits_and_dry_run_shows_the_real_diff(
    tmp_path: Path,
) -> None:
    root = service(tmp_path, "state")
    main = root / "debug/main.py"
    with main.open("a", encoding="utf-8") as handle:
        handle.write('\n\n@app.get("/owner")\nasync def owner() -> dict[str, str]:\n')
        handle.write('    return {"owner": "yes"}\n')
    args = ["new", "debug", "--with", "state,pubsub", "--specs", str(SPECS), "--out", str(root)]
    code, out, err = invoke(*args, "--dry-run")
    assert code == 0, err
    assert "--- /dev/null" not in out.split("main.py")[0].splitlines()[-1]
    assert f"a/{root.as_posix()}/debug/main.py" in out
    code, _, err = invoke(*args)
    assert code == 0, err
    text = main.read_text(encoding="utf-8")
    assert "async def owner()" in text and "subscriptions_router" in text


def test_new_refuses_a_non_empty_folder_that_synth_did_not_make(tmp_path: Path) -> None:
    target = tmp_path / "home"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n", encoding="utf-8")
    for extra in ([], ["--force"]):
        code, _, err = invoke("new", "debug", "--specs", str(SPECS), "--out", str(target), *extra)
        assert code == 2
        assert "not a synth service" in err and len(err.strip().splitlines()) == 1
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def test_new_force_keeps_files_synth_never_wrote(tmp_path: Path) -> None:
    root = service(tmp_path, "state")
    (root / "NOTES.md").write_text("owner notes\n", encoding="utf-8")
    code, _, err = invoke(
        "new", "debug", "--with", "state", "--specs", str(SPECS), "--out", str(root), "--force"
    )
    assert code == 0, err
    assert (root / "NOTES.md").read_text(encoding="utf-8") == "owner notes\n"


# ---- 10. the service still hangs together --------------------------------------------------


def test_removing_agent_while_owner_code_imports_it_is_refused(tmp_path: Path) -> None:
    root = service(tmp_path, "state,pubsub,agent")
    handlers = root / "debug/handlers.py"
    text = handlers.read_text(encoding="utf-8")
    agent_module = next(
        p.stem for p in (root / "debug").glob("agent*.py") if "def " in p.read_text()
    )
    handlers.write_text(f"from debug.{agent_module} import *  # noqa: F403\n" + text)
    owner = root / "debug/owner.py"
    owner.write_text(f"from debug import {agent_module}\n\nUSED = {agent_module}\n")
    before = _tree(root)
    code, _, err = invoke("remove-feature", str(root), "agent")
    assert code == 1
    assert "owner.py:1" in err or "handlers.py:1" in err
    assert _tree(root) == before


def test_add_feature_after_the_owner_renamed_a_helper_it_imports_is_refused(
    tmp_path: Path,
) -> None:
    root = service(tmp_path, "state,pubsub")
    state = root / "debug/state.py"
    edit(state, "async def get_attempts(", "async def fetch_attempts(")
    before = _tree(root)
    code, _, err = invoke("add-feature", str(root), "agent")
    assert code == 1
    assert "imports get_attempts from debug.state" in err
    assert len(err.strip().splitlines()) == 1
    assert _tree(root) == before


# ---- 11. modes -------------------------------------------------------------------------------


def test_new_files_are_readable_and_owner_modes_are_kept(tmp_path: Path) -> None:
    root = service(tmp_path, "state")
    main = root / "debug/main.py"
    main.chmod(0o755)
    code, _, err = invoke("add-feature", str(root), "pubsub")
    assert code == 0, err
    assert stat.S_IMODE((root / "debug/subscribers.py").stat().st_mode) == 0o644
    assert stat.S_IMODE(main.stat().st_mode) == 0o755


# ---- upgrade, explain, json ----------------------------------------------------------------


def test_upgrade_with_no_change_in_synth_changes_nothing(tmp_path: Path) -> None:
    root = service(tmp_path, "state,pubsub")
    edit(root / "debug/main.py", "configure_logging(", "# owner\nconfigure_logging(")
    before = _tree(root)
    code, out, err = invoke("upgrade", str(root), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["ok"] and report["services"][0]["files"] == []
    assert _tree(root) == before


def test_upgrade_brings_synths_changes_and_keeps_the_owners(tmp_path: Path) -> None:
    root = service(tmp_path, "state,pubsub")
    base = root / ".synth/base.json"
    record = root / "synth.yaml"
    # an older synth generated a different log helper docstring: simulate by editing the base
    data = json.loads(base.read_text(encoding="utf-8"))
    logs = data["files"]["debug/logs.py"]
    logs[0] = '"""Older docstring."""\n'
    base.write_text(json.dumps(data), encoding="utf-8")
    old_text = "".join(logs)
    (root / "debug/logs.py").write_text(old_text + "\n\nOWNER = 1\n", encoding="utf-8")
    from synth.compose.provenance import content_hash

    edit(
        record,
        "debug/logs.py: " + _hash_in(record, "debug/logs.py"),
        "debug/logs.py: " + content_hash(old_text),
    )
    code, _, err = invoke("upgrade", str(root))
    assert code == 0, err
    text = (root / "debug/logs.py").read_text(encoding="utf-8")
    assert "Older docstring" not in text and "OWNER = 1" in text


def _hash_in(record: Path, path: str) -> str:
    for line in record.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith(f"{path}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(path)


def test_explain_names_the_feature_and_the_owners_change(tmp_path: Path) -> None:
    root = service(tmp_path, "state,pubsub")
    settings_file = root / "debug/settings.py"
    edit(settings_file, 'log_level: str = "INFO"', 'log_level: str = "DEBUG"')
    code, out, err = invoke("explain", str(settings_file), "--json")
    assert code == 0, err
    units = {u["key"]: u for u in json.loads(out)["units"]}
    pubsub_field = next(u for k, u in units.items() if k.endswith("pubsub_name"))
    log_field = next(u for k, u in units.items() if k.endswith("log_level"))
    assert pubsub_field["features"] == ["pubsub"]
    assert pubsub_field["status"] == "synth's, unchanged"
    assert log_field["status"] == "changed by you"
    line = log_field["line"]
    code, out, _ = invoke("explain", f"{settings_file}:{line}")
    assert code == 0 and "log_level" in out and "changed by you" in out


# ---- the base itself --------------------------------------------------------------------


def test_a_service_without_a_stored_base_is_merged_against_a_rebuilt_one(tmp_path: Path) -> None:
    root = service(tmp_path, "state")
    (root / ".synth/base.json").unlink()
    edit(root / "debug/settings.py", 'log_level: str = "INFO"', 'log_level: str = "WARNING"')
    code, _, err = invoke("add-feature", str(root), "pubsub")
    assert code == 0, err
    assert "no stored base" in err
    text = (root / "debug/settings.py").read_text(encoding="utf-8")
    assert 'log_level: str = "WARNING"' in text and "pubsub_name" in text
    assert (root / ".synth/base.json").is_file()


def test_a_base_edited_by_hand_is_not_trusted(tmp_path: Path) -> None:
    root = service(tmp_path, "state")
    base = root / ".synth/base.json"
    data = json.loads(base.read_text(encoding="utf-8"))
    owner_main = (root / "debug/main.py").read_text(encoding="utf-8") + "\nOWNER = 1\n"
    (root / "debug/main.py").write_text(owner_main, encoding="utf-8")
    data["files"]["debug/main.py"] = owner_main.splitlines(keepends=True)  # a forged base
    base.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = invoke("remove-feature", str(root), "state")
    assert code == 0, err
    assert "OWNER = 1" in (root / "debug/main.py").read_text(encoding="utf-8")


# ---- links, several conflicts, json ------------------------------------------------------


def test_a_symlinked_file_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    root = service(tmp_path, "state")
    real = root / "config-settings.py"
    settings_file = root / "debug/settings.py"
    settings_file.rename(real)
    settings_file.symlink_to(Path("..") / "config-settings.py")
    code, _, err = invoke("add-feature", str(root), "pubsub")
    assert code == 0, err
    assert settings_file.is_symlink()
    assert "pubsub_name" in real.read_text(encoding="utf-8")


def test_every_conflict_is_listed_and_json_is_one_object(tmp_path: Path) -> None:
    root = service(tmp_path, "state,pubsub")
    with (root / "debug/handlers.py").open("a", encoding="utf-8") as handle:
        handle.write("\n\nMINE = 1\n")
    with (root / "debug/events.py").open("a", encoding="utf-8") as handle:
        handle.write("\n\nALSO_MINE = 2\n")
    before = _tree(root)
    code, out, _ = invoke("remove-feature", str(root), "pubsub", "--json")
    assert code == 1
    report = json.loads(out)
    conflicts = report["services"][0]["conflicts"]
    assert not report["ok"] and not report["written"]
    assert any("handlers.py" in c and "MINE" in c for c in conflicts)
    assert any("events.py" in c and "ALSO_MINE" in c for c in conflicts)
    assert _tree(root) == before


def test_new_all_writes_nothing_when_one_service_conflicts(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(SPECS, specs)
    out = tmp_path / "out"
    code, _, err = invoke("new", "--all", "--specs", str(specs), "--out", str(out))
    assert code == 0, err
    before_edit = _tree(out)
    code, out_text, err = invoke("new", "--all", "--specs", str(specs), "--out", str(out))
    assert code == 0 and _tree(out) == before_edit, err  # regenerating changes nothing
    main = out / "debug/debug/main.py"
    first = main.read_text(encoding="utf-8").splitlines()[0]
    edit(main, first, first + "  (the owner's words)")
    spec = specs / "debug.yaml"
    spec.write_text(
        spec.read_text(encoding="utf-8").replace("description: ", "description: Newly ", 1),
        encoding="utf-8",
    )
    edit(out / "triage/triage/main.py", "configure_logging(", "# owner\nconfigure_logging(")
    before = _tree(out)
    code, out_text, err = invoke("new", "--all", "--specs", str(specs), "--out", str(out))
    assert code == 1
    assert "debug/debug/main.py:1" in err and "nothing written" in err
    assert _tree(out) == before
    code, out_text, err = invoke(
        "new", "--all", "--specs", str(specs), "--out", str(out), "--dry-run", "--force"
    )
    assert code == 0 and "/dev/null" not in out_text and "Newly " in out_text
    assert "--force: " in err and "debug/debug/main.py:1" in err


def test_new_all_keeps_an_owner_edit_to_the_platform_files_and_out_of_the_base(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    code, _, err = invoke("new", "--all", "--specs", str(SPECS), "--out", str(out))
    assert code == 0, err
    fresh_base = (out / ".synth/base.json").read_bytes()
    dapr = out / "dapr.yaml"
    dapr.write_text("# owner: run with dapr run -f\n" + dapr.read_text(encoding="utf-8"))
    code, _, err = invoke("new", "--all", "--specs", str(SPECS), "--out", str(out))
    assert code == 0, err
    assert dapr.read_text(encoding="utf-8").startswith("# owner: run with dapr run -f\n")
    assert (out / ".synth/base.json").read_bytes() == fresh_base  # the base is synth's alone
