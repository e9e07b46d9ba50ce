"""Several processes on one database at once: no lost update, no "database is locked" shown to anyone.

Each reviewer action is one short BEGIN IMMEDIATE transaction that reads the current review and changes only the
given field, so concurrent writers serialise: a status set by one and a note written by another on the same claim
both persist, and each claim's history is one unbroken chain (every change starts from the previous value).
"""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
from processes import (
    REPO_ROOT,
    kill_group,
    run_workbench,
    sqlite_connection,
    start_python,
    start_workbench,
    terminal_app,
    wait_until,
    workbench_command,
    write_articles,
)

pytestmark = pytest.mark.slow

SEEDS = REPO_ROOT / "seeds"
STATUSES = ["true", "false", "misleading", "unverifiable", "not_checkworthy"]


@pytest.fixture
def seeded_db(tmp_path: Path) -> Path:
    db_path = tmp_path / "shared.db"
    result = run_workbench("ingest", str(SEEDS), "--db", str(db_path), timeout=60)
    assert result.returncode == 0, result.stderr
    return db_path


def claim_ids(db_path: Path, count: int) -> list[str]:
    with sqlite_connection(db_path, readonly=True) as conn:
        return [row[0] for row in conn.execute("SELECT id FROM claims ORDER BY sort_key LIMIT ?", [count])]


def reviews(db_path: Path) -> dict[str, tuple[str, str]]:
    with sqlite_connection(db_path, readonly=True) as conn:
        return {row[0]: (row[1], row[2]) for row in conn.execute("SELECT claim_id, status, note FROM reviews")}


def assert_unbroken_history(db_path: Path) -> int:
    """Per claim and field, each change starts from the value the previous one left; the last is what is stored."""
    with sqlite_connection(db_path, readonly=True) as conn:
        rows = conn.execute("SELECT claim_id, field, old_value, new_value FROM review_history ORDER BY id").fetchall()
    stored = reviews(db_path)
    last: dict[tuple[str, str], str] = {}
    for claim_id, field, old_value, new_value in rows:
        initial = "unreviewed" if field == "status" else ""
        assert (old_value or initial) == last.get((claim_id, field), initial), f"lost update on {claim_id} {field}"
        last[(claim_id, field)] = new_value
    for (claim_id, field), value in last.items():
        assert stored[claim_id][0 if field == "status" else 1] == value
    return len(rows)


def test_parallel_set_commands_on_the_same_claims_all_persist(seeded_db: Path) -> None:
    """Waves of `workbench set`: on each claim one process sets the status while another writes the note."""
    targets = claim_ids(seeded_db, 5)
    expected: dict[str, tuple[str, str]] = {}
    for wave in range(2):
        processes: list[tuple[list[str], subprocess.Popen[str]]] = []
        for index, claim_id in enumerate(targets):
            status = STATUSES[(index + wave) % len(STATUSES)]
            note = f"wave {wave}: checked claim {index} against the ministry's figures"
            for args in (
                ["set", claim_id, "--status", status, "--reviewer", f"status-{index}"],
                ["set", claim_id, "--note", note, "--reviewer", f"notes-{index}"],
            ):
                processes.append((args, start_workbench(*args, "--db", str(seeded_db))))
            expected[claim_id] = (status, note)
        for args, process in processes:
            try:
                stdout, stderr = process.communicate(timeout=60)
            finally:
                kill_group(process)
            assert process.returncode == 0, (args, stderr)
            assert "locked" not in (stdout + stderr).lower() and "Traceback" not in stderr, stderr
    stored = reviews(seeded_db)
    assert {claim_id: stored[claim_id] for claim_id in targets} == expected
    assert assert_unbroken_history(seeded_db) == 2 * 2 * len(targets)


HAMMER = """
import json, random, sys
from workbench.review import update_review
from workbench.store import open_store

db_path, role, seed, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
claim_ids = sys.argv[5:]
rng = random.Random(seed)
statuses = ["true", "false", "misleading", "unverifiable", "not_checkworthy", "unreviewed"]
changes = 0
with open_store(db_path, create=False) as store:
    for turn in range(rounds):
        claim_id = rng.choice(claim_ids)
        if role == "status":
            made = update_review(store, claim_id, reviewer=f"w{seed}", status=rng.choice(statuses))
        else:
            made = update_review(store, claim_id, reviewer=f"w{seed}", note=f"note {seed}.{turn}")
        changes += len(made)
print(json.dumps({"changes": changes}))
"""


def test_writer_processes_hammering_the_same_claims_lose_nothing(seeded_db: Path) -> None:
    """Four processes, 150 changes each, on the same 8 claims: every change is in the history, in an unbroken chain."""
    targets = claim_ids(seeded_db, 8)
    workers = [
        start_python(HAMMER, str(seeded_db), role, str(seed), "150", *targets)
        for seed, role in enumerate(["status", "note", "status", "note"])
    ]
    total_changes = 0
    for worker in workers:
        try:
            stdout, stderr = worker.communicate(timeout=90)
        finally:
            kill_group(worker)
        assert worker.returncode == 0, stderr
        assert "locked" not in stderr.lower()
        total_changes += json.loads(stdout)["changes"]
    assert total_changes > 400  # statuses repeat sometimes (no change, no history row); notes never do
    assert assert_unbroken_history(seeded_db) == total_changes


def test_reviewers_keep_working_while_a_batch_is_ingested(seeded_db: Path, tmp_path: Path) -> None:
    """`set` waits its turn between ingest's per-document transactions instead of failing."""
    articles = tmp_path / "batch"
    write_articles(articles, 30, seed=5)
    targets = claim_ids(seeded_db, 5)
    ingest = start_workbench("ingest", str(articles), "--db", str(seeded_db))
    results = []
    try:
        for round_number in range(2):
            for index, claim_id in enumerate(targets[:3]):
                note = f"round {round_number} note {index}"
                results.append(run_workbench("set", claim_id, "--note", note, "--db", str(seeded_db), timeout=60))
                if len(results) == 1:
                    assert ingest.poll() is None, "ingest ended before the first `set`: nothing ran concurrently"
        ingest_out, ingest_err = ingest.communicate(timeout=120)
    finally:
        kill_group(ingest)
    assert ingest.returncode == 0, ingest_err
    assert "locked" not in ingest_err.lower()
    for result in results:
        assert result.returncode == 0, result.stderr
        assert "locked" not in result.stderr.lower()
    stored = reviews(seeded_db)
    assert {claim_id: stored[claim_id][1] for claim_id in targets[:3]} == {
        claim_id: f"round 1 note {index}" for index, claim_id in enumerate(targets[:3])
    }
    with sqlite_connection(seeded_db, readonly=True) as conn:
        assert conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 33


def test_readers_see_committed_changes_while_writers_run(seeded_db: Path) -> None:
    """Export (a reader) runs during writes, never fails, and only ever sees whole changes."""
    targets = claim_ids(seeded_db, 4)
    writer = start_python(HAMMER, str(seeded_db), "note", "9", "200", *targets)
    seen_notes: defaultdict[str, set[str]] = defaultdict(set)
    try:
        for _ in range(4):
            exported = run_workbench("export", "--format", "json", "--db", str(seeded_db), timeout=60)
            assert exported.returncode == 0, exported.stderr
            for claim in json.loads(exported.stdout)["claims"]:
                if claim["id"] in targets:
                    seen_notes[claim["id"]].add(claim["note"])
        writer_out, writer_err = writer.communicate(timeout=90)
    finally:
        kill_group(writer)
    assert writer.returncode == 0, writer_err
    for notes in seen_notes.values():
        assert all(note == "" or note.startswith("note 9.") for note in notes)
    assert assert_unbroken_history(seeded_db) == json.loads(writer_out)["changes"]


def test_two_review_apps_and_a_script_on_one_database(seeded_db: Path) -> None:
    """Two real apps (pseudo-terminals) and `workbench set` at once: a status from one app and a note from the
    other on the same claim both persist, the apps pick up each other's changes, nobody sees "locked"."""
    with sqlite_connection(seeded_db, readonly=True) as conn:
        order = [row[0] for row in conn.execute("SELECT id FROM claims ORDER BY sort_key, id")]
    total = len(order)
    with (
        terminal_app(workbench_command("review", "--db", str(seeded_db), "--reviewer", "ana")) as ana,
        terminal_app(workbench_command("review", "--db", str(seeded_db), "--reviewer", "bo")) as bo,
    ):
        for app in (ana, bo):
            app.wait_for_output(lambda screen: f"0 / {total} reviewed" in screen, 30, "an app's first screen")
            app.wait_until_quiet()

        bo_mark = bo.output_size()
        ana.send("t")  # status on the first claim; ana's cursor moves on to the second
        wait_until(lambda: reviews(seeded_db)[order[0]][0] == "true", 15, what="ana's status stored")
        # bo never pressed a key: the change can only reach its screen through the app's own polling
        wait_until(lambda: f"1 / {total} reviewed" in bo.output_since(bo_mark), 15, what="bo's app to show it")

        bo.send_and_expect("n", "Note on this claim")  # bo writes a note on the first claim, where its cursor still is
        bo.send_and_expect("source: ministry briefing", "source: ministry briefing")
        bo.send("\x13")
        script = start_workbench(
            "set", order[1], "--note", "from the script", "--reviewer", "bot", "--db", str(seeded_db)
        )
        ana.send("f")  # ana's status on the second claim, while the script writes its note
        try:
            script_out, script_err = script.communicate(timeout=60)
        finally:
            kill_group(script)
        assert script.returncode == 0, script_err
        third = run_workbench("set", order[2], "--status", "misleading", "--reviewer", "bot", "--db", str(seeded_db))
        assert third.returncode == 0, third.stderr

        wait_until(
            lambda: (
                reviews(seeded_db)[order[0]] == ("true", "source: ministry briefing")
                and reviews(seeded_db)[order[1]] == ("false", "from the script")
            ),
            15,
            what="every change stored",
        )
        for app in (ana, bo):
            wait_until(lambda app=app: f"3 / {total} reviewed" in app.output, 15, what="both apps to show 3 reviewed")
            assert app.alive()
        for output in (ana.output, bo.output, script_out + script_err, third.stdout + third.stderr):
            assert "locked" not in output.lower() and "Traceback" not in output

    stored = reviews(seeded_db)
    assert stored[order[0]] == ("true", "source: ministry briefing")
    assert stored[order[1]] == ("false", "from the script")
    assert stored[order[2]][0] == "misleading"
    with sqlite_connection(seeded_db, readonly=True) as conn:
        authors = set(conn.execute("SELECT claim_id, field, reviewer FROM review_history").fetchall())
    assert authors == {
        (order[0], "status", "ana"),
        (order[0], "note", "bo"),
        (order[1], "status", "ana"),
        (order[1], "note", "bot"),
        (order[2], "status", "bot"),
    }
    assert_unbroken_history(seeded_db)
