"""Damaged, foreign, newer, read-only and misplaced databases, through the real CLI.

Every refusal must be one `error:` line naming the file, with no traceback, and must leave the file (and its -wal)
byte-for-byte as it was, without creating files beside it.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from processes import (
    REPO_ROOT,
    assert_no_traceback,
    assert_one_line_error,
    child_env,
    database_files,
    error_lines,
    fingerprint,
    run_workbench,
    sqlite_connection,
)

SEEDS = REPO_ROOT / "seeds"


def build_workbench_db(path: Path) -> str:
    """A real workbench DB with the seeds and one reviewed claim; returns that claim's id."""
    result = run_workbench("ingest", str(SEEDS), "--db", str(path), timeout=60)
    assert result.returncode == 0, result.stderr
    with sqlite_connection(path) as conn:
        claim_id = conn.execute("SELECT id FROM claims ORDER BY sort_key LIMIT 1").fetchone()[0]
    result = run_workbench("set", claim_id, "--status", "false", "--note", "checked", "--db", str(path))
    assert result.returncode == 0, result.stderr
    # Fold the WAL into the main file, so copying the one file copies everything (tests copy this template).
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert not path.with_name(path.name + "-wal").exists()
    return claim_id


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "workbench.db"
    build_workbench_db(path)
    return path


def make_text_file(path: Path, template: Path) -> str:
    path.write_text("Shopping list\n- milk\n- eggs\n", encoding="utf-8")
    return "is not an SQLite database"


def make_random_bytes(path: Path, template: Path) -> str:
    path.write_bytes(os.urandom(8192))
    return "is not an SQLite database"


def make_foreign_sqlite(path: Path, template: Path) -> str:
    with sqlite_connection(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL, customer TEXT)")
        conn.executemany("INSERT INTO invoices (amount, customer) VALUES (?, ?)", [(9.5, "ana"), (12.0, "bo")])
    return "another application"


FOREIGN_WAL_WRITER = """
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA wal_autocheckpoint = 0")
conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
conn.executemany("INSERT INTO notes (body) VALUES (?)", [("n%d" % i,) for i in range(200)])
conn.commit()
os._exit(0)  # die without closing: the data stays in the -wal file, as after a crash of the other application
"""


def make_foreign_sqlite_with_live_wal(path: Path, template: Path) -> str:
    subprocess.run([sys.executable, "-c", FOREIGN_WAL_WRITER, str(path)], check=True, timeout=30)
    assert path.with_name(path.name + "-wal").stat().st_size > 0
    return "another application"


def make_newer_schema(path: Path, template: Path) -> str:
    shutil.copy(template, path)
    with sqlite_connection(path) as conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('workbench', 'm999_future', 'x')"
        )
    conn.close()
    return "newer version of workbench"


def make_truncated(path: Path, template: Path) -> str:
    path.write_bytes(template.read_bytes()[:3000])
    return "damaged"


def make_scribbled(path: Path, template: Path) -> str:
    data = bytearray(template.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[100:page_size] = os.urandom(page_size - 100)  # the schema page, after the 100-byte header
    path.write_bytes(bytes(data))
    return "damaged"


BROKEN_DATABASES: dict[str, Callable[[Path, Path], str]] = {
    "plain text file": make_text_file,
    "random bytes": make_random_bytes,
    "SQLite file of another application": make_foreign_sqlite,
    "another application's WAL database after its crash": make_foreign_sqlite_with_live_wal,
    "database from a newer workbench": make_newer_schema,
    "truncated database": make_truncated,
    "database with a scribbled schema page": make_scribbled,
}


def commands_for(db_path: Path, article: Path) -> list[list[str]]:
    return [
        ["status", "--db", str(db_path)],
        ["export", "--format", "json", "--db", str(db_path)],
        ["set", "c0000000000", "--status", "true", "--db", str(db_path)],
        ["ingest", str(article), "--db", str(db_path)],
        ["review", "--reviewer", "ana", "--db", str(db_path)],
    ]


def sidecar_names(db_path: Path) -> set[str]:
    return {path.name for path in database_files(db_path)[1:] if path.exists()}


@pytest.mark.parametrize("kind", list(BROKEN_DATABASES))
def test_broken_or_foreign_database_is_refused_and_left_unchanged(kind: str, tmp_path: Path, template_db: Path) -> None:
    db_path = tmp_path / "target.db"
    expected = BROKEN_DATABASES[kind](db_path, template_db)
    before, sidecars_before = fingerprint(db_path), sidecar_names(db_path)
    article = sorted(SEEDS.glob("*.txt"))[0]

    for command in commands_for(db_path, article):
        result = run_workbench(*command, timeout=30)
        line = assert_one_line_error(result, str(db_path), expected)
        assert fingerprint(db_path) == before, f"{command[0]} changed {db_path}: {line}"
        assert sidecar_names(db_path) == sidecars_before, f"{command[0]} left files beside {db_path}"


def test_missing_parent_folder_is_named_and_not_created(tmp_path: Path) -> None:
    db_path = tmp_path / "no" / "such" / "folder" / "workbench.db"
    article = sorted(SEEDS.glob("*.txt"))[0]
    for command in commands_for(db_path, article):
        result = run_workbench(*command, timeout=30)
        assert_one_line_error(result, str(db_path), "does not exist")
    assert not (tmp_path / "no").exists()


def test_database_path_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "workbench.db"
    folder.mkdir()
    for command in (["status"], ["set", "c1", "--note", "x"], ["ingest", str(SEEDS)]):
        result = run_workbench(*command, "--db", str(folder), timeout=30)
        # click rejects it while parsing --db: its usage error (exit 2) names the file on its `Error:` line
        assert result.returncode == 2
        assert_no_traceback(result)
        [line] = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert str(folder) in line and "is a directory" in line, result.stderr
    assert list(folder.iterdir()) == []


def test_set_on_a_database_that_does_not_exist_creates_nothing(tmp_path: Path) -> None:
    db_path = tmp_path / "typo.db"
    result = run_workbench("set", "c1", "--status", "true", "--db", str(db_path), timeout=30)
    assert_one_line_error(result, str(db_path), "does not exist")
    assert not db_path.exists() and sidecar_names(db_path) == set()


def test_empty_file_is_initialised_as_a_new_database(tmp_path: Path) -> None:
    """A zero-byte file holds nothing to protect (e.g. made by `touch`): it becomes a workbench DB."""
    db_path = tmp_path / "touched.db"
    db_path.touch()
    result = run_workbench("ingest", str(SEEDS), "--db", str(db_path), timeout=60)
    assert result.returncode == 0, result.stderr
    with sqlite_connection(db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 3


# --- read-only databases -----------------------------------------------------------------------------------------


@pytest.fixture
def read_only_db(tmp_path: Path, template_db: Path) -> Path:
    db_path = tmp_path / "shared.db"
    shutil.copy(template_db, db_path)
    db_path.chmod(0o444)
    yield db_path
    db_path.chmod(0o644)


def test_read_only_database_can_be_browsed_and_exported(read_only_db: Path, tmp_path: Path) -> None:
    before = fingerprint(read_only_db)
    status = run_workbench("status", "--db", str(read_only_db), timeout=30)
    assert status.returncode == 0, status.stderr
    assert "false" in status.stdout
    exported = run_workbench("export", "--format", "json", "--db", str(read_only_db), timeout=30)
    assert exported.returncode == 0, exported.stderr
    verdicts = [claim for claim in json.loads(exported.stdout)["claims"] if claim["status"] == "false"]
    assert len(verdicts) == 1 and verdicts[0]["note"] == "checked"
    output = tmp_path / "out.csv"
    to_file = run_workbench("export", "-o", str(output), "--db", str(read_only_db), timeout=30)
    assert to_file.returncode == 0 and output.stat().st_size > 0, to_file.stderr
    assert fingerprint(read_only_db) == before


def test_read_only_database_refuses_writes_with_one_line(read_only_db: Path, tmp_path: Path) -> None:
    before = fingerprint(read_only_db)
    with sqlite_connection(read_only_db, readonly=True) as conn:
        claim_id = conn.execute("SELECT claim_id FROM reviews WHERE status = 'false'").fetchone()[0]
    new_article = tmp_path / "new.txt"
    new_article.write_text(
        "Follow-up\n\nThe mayor said that 120 people were evacuated from the Riverside district on Tuesday.\n",
        encoding="utf-8",
    )
    for command in (
        ["set", claim_id, "--status", "true"],
        ["set", claim_id, "--note", "overwritten?"],
        ["ingest", str(new_article)],
    ):
        result = run_workbench(*command, "--db", str(read_only_db), timeout=30)
        assert_one_line_error(result, str(read_only_db), "read-only")
        assert fingerprint(read_only_db) == before, command
    # ingesting only files it already holds needs no write and succeeds
    unchanged = run_workbench("ingest", str(SEEDS), "--db", str(read_only_db), timeout=30)
    assert unchanged.returncode == 0 and error_lines(unchanged) == [], unchanged.stderr
    assert fingerprint(read_only_db) == before


def test_refused_foreign_database_keeps_its_journal_mode_and_data(tmp_path: Path) -> None:
    """Refusal comes before any write: not even WAL mode (a header change) is switched on."""
    db_path = tmp_path / "foreign.db"
    make_foreign_sqlite(db_path, db_path)
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "ingest", str(SEEDS), "--db", str(db_path)],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=REPO_ROOT,
        env=child_env(),
    )
    assert_one_line_error(result, "another application")
    with sqlite_connection(db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM invoices").fetchone()[0] == 2
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


async def test_review_app_on_a_read_only_database_browses_and_refuses_verdicts(tmp_path: Path) -> None:
    """The app opens a read-only file for browsing; a verdict key says why nothing was stored and keeps running."""
    from ui_data import build_review_db

    from workbench.ui.app import create_app

    db_path = build_review_db(tmp_path / "review.db")
    with sqlite_connection(db_path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db_path.chmod(0o444)
    try:
        before = fingerprint(db_path)
        app = create_app(db_path, "ana", poll_seconds=0)
        async with app.run_test(size=(150, 40)) as pilot:
            assert app.store.readonly  # type: ignore[attr-defined]
            await pilot.press("t", "j", "f", "n")
            await pilot.pause()
            await pilot.press("escape")
            messages = " ".join(str(notification.message) for notification in app._notifications)
            assert "read-only" in messages, messages
            assert app.is_running and app.return_code is None
        assert fingerprint(db_path) == before
        with sqlite_connection(db_path, readonly=True) as conn:
            assert conn.execute("SELECT COUNT(*) FROM review_history").fetchone()[0] == 0
    finally:
        db_path.chmod(0o644)


def test_damage_found_mid_command_is_one_line_and_changes_nothing(tmp_path: Path, template_db: Path) -> None:
    """The schema page is fine (so opening succeeds) but every table's and index's root page is garbage: the first
    query that reads data fails, and the user gets one line naming the file, not a traceback."""
    db_path = tmp_path / "damaged.db"
    shutil.copy(template_db, db_path)
    with sqlite_connection(db_path, readonly=True) as conn:
        root_pages = [
            row[0]
            for row in conn.execute(
                "SELECT rootpage FROM sqlite_master WHERE rootpage > 1 AND tbl_name != '_sqlite_migrations'"
            )
        ]
    data = bytearray(db_path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    for page in root_pages:
        data[(page - 1) * page_size : page * page_size] = os.urandom(page_size)
    db_path.write_bytes(bytes(data))
    before = fingerprint(db_path)
    for command in (["status"], ["export", "--format", "json"], ["set", "c1", "--status", "true"]):
        result = run_workbench(*command, "--db", str(db_path), timeout=30)
        assert_one_line_error(result, str(db_path), "damaged")
        assert fingerprint(db_path) == before
