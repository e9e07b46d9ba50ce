"""`workbench set` (one claim from a script, same history as the UI) and `workbench status` (counts)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from workbench.cli import cli
from workbench.errors import InvalidValueError, NotFoundError, ReadOnlyError
from workbench.review import history, update_review
from workbench.store import Store


@pytest.fixture(autouse=True)
def isolated_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A workbench.toml in the real user config folder must not change what these tests see."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))


@pytest.fixture
def claim_ids(seeded_store: Store) -> list[str]:
    return [row[0] for row in seeded_store.query("SELECT id FROM claims ORDER BY sort_key, id")]


def run_set(db_path: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["set", *args, "--db", str(db_path)])


def review_row(store: Store, claim_id: str) -> dict:
    return dict(store.query("SELECT status, note, reviewer FROM reviews WHERE claim_id = ?", [claim_id])[0])


def run_workbench(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "user-config")}
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args], capture_output=True, text=True, env=env, encoding="utf-8"
    )


# ------------------------------------------------------------------------------------------------------- set


def test_set_status_and_note_prints_what_changed(seeded_store: Store, db_path: Path, claim_ids: list[str]) -> None:
    claim_id = claim_ids[0]
    result = run_set(
        db_path, claim_id, "--status", "false", "--note", "Contradicted by\nthe ministry", "--reviewer", "ana"
    )
    assert result.exit_code == 0, result.output
    assert f"{claim_id}: status 'unreviewed' -> 'false'" in result.output
    assert f"{claim_id}: note (empty) -> 'Contradicted by the ministry'" in result.output
    assert review_row(seeded_store, claim_id) == {
        "status": "false",
        "note": "Contradicted by\nthe ministry",
        "reviewer": "ana",
    }


def test_set_note_alone_keeps_the_status(seeded_store: Store, db_path: Path, claim_ids: list[str]) -> None:
    claim_id = claim_ids[1]
    assert run_set(db_path, claim_id, "--status", "misleading", "--reviewer", "ana").exit_code == 0
    result = run_set(db_path, claim_id, "--note", "Needs context 🙂", "--reviewer", "ben")
    assert result.exit_code == 0, result.output
    assert "status" not in result.output
    assert review_row(seeded_store, claim_id) == {"status": "misleading", "note": "Needs context 🙂", "reviewer": "ben"}
    status_only = run_set(db_path, claim_id, "--status", "true", "--reviewer", "ana")
    assert status_only.exit_code == 0
    assert review_row(seeded_store, claim_id)["note"] == "Needs context 🙂"


def test_set_writes_the_same_history_rows_as_update_review(
    seeded_store: Store, db_path: Path, claim_ids: list[str]
) -> None:
    by_cli, by_core = claim_ids[2], claim_ids[3]
    assert run_set(db_path, by_cli, "--status", "false", "--note", "n1", "--reviewer", "ana").exit_code == 0
    assert run_set(db_path, by_cli, "--note", "n2", "--reviewer", "ana").exit_code == 0
    update_review(seeded_store, by_core, reviewer="ana", status="false", note="n1")
    update_review(seeded_store, by_core, reviewer="ana", note="n2")

    def comparable(claim_id: str) -> list[tuple]:
        return [
            (row["action"], row["field"], row["old_value"], row["new_value"], row["reviewer"], row["undone_by"])
            for row in history(seeded_store, claim_id)
        ]

    assert comparable(by_cli) == comparable(by_core)
    assert comparable(by_cli) == [
        ("status", "status", "unreviewed", "false", "ana", None),
        ("note", "note", "", "n1", "ana", None),
        ("note", "note", "n1", "n2", "ana", None),
    ]


def test_set_same_value_changes_nothing(seeded_store: Store, db_path: Path, claim_ids: list[str]) -> None:
    result = run_set(db_path, claim_ids[0], "--status", "unreviewed", "--reviewer", "ana")
    assert result.exit_code == 0
    assert "nothing changed" in result.output
    assert history(seeded_store, claim_ids[0]) == []


def test_set_unknown_claim_id_is_an_error(seeded_store: Store, db_path: Path) -> None:
    result = run_set(db_path, "no-such-claim", "--status", "false")
    assert result.exit_code == 1
    assert isinstance(result.exception, NotFoundError)
    assert str(result.exception) == "no claim with id 'no-such-claim'"


def test_set_unknown_status_names_the_allowed_ones(seeded_store: Store, db_path: Path, claim_ids: list[str]) -> None:
    result = run_set(db_path, claim_ids[0], "--status", "bogus")
    assert result.exit_code == 1
    assert isinstance(result.exception, InvalidValueError)
    message = str(result.exception)
    assert "'bogus'" in message and "true, false, misleading, unverifiable, not_checkworthy" in message
    assert review_row(seeded_store, claim_ids[0])["status"] == "unreviewed"


def test_set_without_fields_is_a_usage_error(seeded_store: Store, db_path: Path, claim_ids: list[str]) -> None:
    result = run_set(db_path, claim_ids[0])
    assert result.exit_code == 2
    assert "give --status and/or --note" in result.output


def test_set_errors_in_a_real_process_are_one_line_without_traceback(
    seeded_store: Store, db_path: Path, claim_ids: list[str], tmp_path: Path
) -> None:
    unknown_id = run_workbench("set", "nope", "--status", "false", "--db", str(db_path), tmp_path=tmp_path)
    assert unknown_id.returncode == 1
    assert unknown_id.stderr == "error: no claim with id 'nope'\n"
    unknown_status = run_workbench("set", claim_ids[0], "--status", "maybe", "--db", str(db_path), tmp_path=tmp_path)
    assert unknown_status.returncode == 1
    assert unknown_status.stderr.startswith("error: unknown status 'maybe'; expected one of: unreviewed, true")
    assert unknown_status.stderr.count("\n") == 1
    no_fields = run_workbench("set", claim_ids[0], "--db", str(db_path), tmp_path=tmp_path)
    assert no_fields.returncode == 2
    missing_db = run_workbench("set", "x", "--note", "n", "--db", str(tmp_path / "missing.db"), tmp_path=tmp_path)
    assert missing_db.returncode == 1 and "does not exist" in missing_db.stderr
    assert not (tmp_path / "missing.db").exists()
    for result in (unknown_id, unknown_status, no_fields, missing_db):
        assert "Traceback" not in result.stderr + result.stdout
    ok = run_workbench("set", claim_ids[0], "--note", 'fine, "quoted"', "--db", str(db_path), tmp_path=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert review_row(seeded_store, claim_ids[0])["note"] == 'fine, "quoted"'


def test_set_reviewer_defaults_to_config_then_os_user(
    seeded_store: Store, db_path: Path, claim_ids: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("workbench.cli.default_reviewer", lambda: "os-user")
    assert run_set(db_path, claim_ids[0], "--note", "a").exit_code == 0
    assert review_row(seeded_store, claim_ids[0])["reviewer"] == "os-user"
    (db_path.parent / "workbench.toml").write_text('reviewer = "desk-lead"\n', encoding="utf-8")
    assert run_set(db_path, claim_ids[0], "--note", "b").exit_code == 0
    assert review_row(seeded_store, claim_ids[0])["reviewer"] == "desk-lead"
    assert run_set(db_path, claim_ids[0], "--note", "c", "--reviewer", "ana").exit_code == 0
    assert review_row(seeded_store, claim_ids[0])["reviewer"] == "ana"


def test_set_accepts_configured_statuses_only(seeded_store: Store, db_path: Path, claim_ids: list[str]) -> None:
    (db_path.parent / "workbench.toml").write_text(
        '[[status]]\nname = "mostly_true"\nlabel = "Mostly True"\nkey = "2"\n'
        '[[status]]\nname = "false"\nlabel = "False"\nkey = "f"\n',
        encoding="utf-8",
    )
    assert run_set(db_path, claim_ids[0], "--status", "mostly_true", "--reviewer", "ana").exit_code == 0
    assert review_row(seeded_store, claim_ids[0])["status"] == "mostly_true"
    refused = run_set(db_path, claim_ids[0], "--status", "misleading")
    assert refused.exit_code == 1 and "unreviewed, mostly_true, false" in str(refused.exception)


def test_set_on_read_only_database_is_refused(seeded_store: Store, db_path: Path, claim_ids: list[str]) -> None:
    seeded_store.close()
    db_path.chmod(stat.S_IRUSR)
    try:
        result = run_set(db_path, claim_ids[0], "--status", "true")
        assert result.exit_code == 1 and isinstance(result.exception, ReadOnlyError)
    finally:
        db_path.chmod(stat.S_IRUSR | stat.S_IWUSR)


# ---------------------------------------------------------------------------------------------------- status


def status_output(db_path: Path) -> str:
    result = CliRunner().invoke(cli, ["status", "--db", str(db_path)], terminal_width=200)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def table_counts(output: str, names: list[str]) -> dict[str, int]:
    counts = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip("│┃ ").split("│")]
        if len(cells) >= 3 and cells[1] in names:
            counts[cells[1]] = int(cells[2])
    return counts


def test_status_counts_per_status_in_configured_order_and_per_document(
    seeded_store: Store, db_path: Path, claim_ids: list[str]
) -> None:
    update_review(seeded_store, claim_ids[0], reviewer="ana", status="false")
    update_review(seeded_store, claim_ids[1], reviewer="ana", status="false")
    update_review(seeded_store, claim_ids[2], reviewer="ana", status="true")
    output = status_output(db_path)
    names = ["unreviewed", "true", "false", "misleading", "unverifiable", "not_checkworthy"]
    counts = table_counts(output, names)
    assert counts == {
        "unreviewed": len(claim_ids) - 3,
        "true": 1,
        "false": 2,
        "misleading": 0,
        "unverifiable": 0,
        "not_checkworthy": 0,
    }
    positions = [output.index(f" {name} ") for name in names]
    assert positions == sorted(positions)
    assert "Not check-worthy" in output and f"({len(claim_ids)} claims)" in output
    for file_name in ("000_60046d9832fb7826.txt", "002_6ea79cea1cd47755.txt", "003_be75cc019f20ae06.txt"):
        assert file_name in output


def test_status_uses_configured_labels_and_lists_leftover_statuses(
    seeded_store: Store, db_path: Path, claim_ids: list[str]
) -> None:
    update_review(seeded_store, claim_ids[0], reviewer="ana", status="misleading")
    (db_path.parent / "workbench.toml").write_text(
        '[[status]]\nname = "half_true"\nlabel = "Half True"\nkey = "3"\n', encoding="utf-8"
    )
    output = status_output(db_path)
    counts = table_counts(output, ["unreviewed", "half_true", "misleading"])
    assert counts == {"unreviewed": len(claim_ids) - 1, "half_true": 0, "misleading": 1}
    assert "Half True" in output


def test_status_works_on_a_read_only_database_in_a_real_process(
    seeded_store: Store, db_path: Path, tmp_path: Path
) -> None:
    seeded_store.close()
    db_path.chmod(stat.S_IRUSR)
    try:
        before = db_path.read_bytes()
        result = run_workbench("status", "--db", str(db_path), tmp_path=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "Claims by status" in result.stdout and "Documents" in result.stdout
        assert db_path.read_bytes() == before
    finally:
        db_path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_status_on_empty_database(store: Store, db_path: Path) -> None:
    output = status_output(db_path)
    assert "(0 claims)" in output
