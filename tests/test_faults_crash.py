"""Crashes lose nothing acknowledged: real `workbench` processes are SIGKILLed mid-run and the database checked.

`ingest` commits one transaction per document, so a kill at any moment leaves whole documents only; the next run
skips them and finishes, ending with exactly the claims of an uninterrupted run. The review UI stores each key
press in its own transaction: once the status is in the database, a kill cannot take it back.
"""

from __future__ import annotations

import shutil
import signal
import threading
import time
from pathlib import Path

import pytest
from processes import (
    REPO_ROOT,
    error_lines,
    kill_group,
    query_one,
    run_workbench,
    sqlite_connection,
    start_python,
    start_workbench,
    terminal_app,
    wait_until,
    workbench_command,
    write_articles,
)

from workbench.review import update_review
from workbench.store import open_store

pytestmark = pytest.mark.slow

ARTICLE_COUNT = 120  # several commit groups (ingest commits up to BATCH_DOCUMENTS at a time)
COUNT_DOCUMENTS = "SELECT COUNT(*) FROM documents"


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crash") / "articles"
    write_articles(folder, ARTICLE_COUNT, seed=11)
    return folder


def snapshot(db_path: Path) -> dict[str, object]:
    """Everything ingest derives from the articles, keyed by stable ids (timestamps left out)."""
    with sqlite_connection(db_path, readonly=True) as conn:
        return {
            "documents": set(conn.execute("SELECT id FROM documents").fetchall()),
            "sentences": set(conn.execute('SELECT id, document_id, start, "end" FROM sentences').fetchall()),
            "claims": set(conn.execute("SELECT id, text, source_count, document_count FROM claims").fetchall()),
            "mentions": set(conn.execute('SELECT id, claim_id, document_id, start, "end" FROM mentions').fetchall()),
            "reviews": set(conn.execute("SELECT claim_id, status, note FROM reviews").fetchall()),
            # derived flags too: a run killed before recomputing them must leave that work to the next run
            "discrepancies": set(conn.execute("SELECT claim_id, kind, summary, spans FROM discrepancies").fetchall()),
            "contradictions": set(conn.execute("SELECT claim_a, claim_b, score FROM contradictions").fetchall()),
        }


@pytest.fixture(scope="module")
def uninterrupted(articles: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    db_path = tmp_path_factory.mktemp("clean") / "clean.db"
    result = run_workbench("ingest", str(articles), "--db", str(db_path), timeout=120)
    assert result.returncode == 0, result.stderr
    reference = snapshot(db_path)
    assert len(reference["documents"]) == ARTICLE_COUNT and len(reference["claims"]) > 300
    return reference


def assert_consistent(db_path: Path, reference: dict[str, object]) -> int:
    """The crashed DB is intact and holds only whole documents, each exactly as the clean run stored it."""
    with sqlite_connection(db_path, readonly=True) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        orphan_claims = conn.execute(
            "SELECT COUNT(*) FROM claims c WHERE NOT EXISTS (SELECT 1 FROM mentions m WHERE m.claim_id = c.id)"
            " OR NOT EXISTS (SELECT 1 FROM reviews r WHERE r.claim_id = c.id)"
        ).fetchone()[0]
        assert orphan_claims == 0
        stale_counts = conn.execute(
            "SELECT COUNT(*) FROM claims c WHERE source_count != (SELECT COUNT(*) FROM mentions m"
            " WHERE m.claim_id = c.id)"
        ).fetchone()[0]
        assert stale_counts == 0
    partial = snapshot(db_path)
    stored_documents = {row[0] for row in partial["documents"]}
    for table, document_column in (("sentences", 1), ("mentions", 2)):
        expected = {row for row in reference[table] if row[document_column] in stored_documents}
        assert partial[table] == expected, f"{table} of the stored documents differ from an uninterrupted run"
    return len(stored_documents)


def run_and_kill_after(articles: Path, db_path: Path, documents: int) -> int:
    """Start an ingest, SIGKILL it once `documents` documents are committed; returns how many were committed."""
    process = start_workbench("ingest", str(articles), "--db", str(db_path))
    try:
        wait_until(
            lambda: process.poll() is not None or int(query_one(db_path, COUNT_DOCUMENTS) or 0) >= documents,
            timeout=90,
            interval=0.01,
            what=f"{documents} documents committed",
        )
    finally:
        kill_group(process)
    assert process.returncode is not None
    committed = int(query_one(db_path, "SELECT COUNT(*) FROM documents") or 0)
    assert committed < ARTICLE_COUNT, "the ingest finished before the kill; the test proved nothing"
    return committed


@pytest.mark.parametrize("kill_after", [1, 40, 90])
def test_ingest_killed_mid_run_resumes_to_the_same_claims(
    kill_after: int, articles: Path, uninterrupted: dict[str, object], tmp_path: Path
) -> None:
    db_path = tmp_path / "crashed.db"
    committed = run_and_kill_after(articles, db_path, kill_after)
    assert committed >= kill_after
    assert assert_consistent(db_path, uninterrupted) == committed

    resumed = run_workbench("ingest", str(articles), "--db", str(db_path), timeout=120)

    assert resumed.returncode == 0, resumed.stderr
    assert error_lines(resumed) == []
    assert f"{ARTICLE_COUNT - committed} added, {committed} skipped, 0 failed" in resumed.stdout
    assert snapshot(db_path) == uninterrupted


def test_ingest_killed_while_creating_the_database_starts_over_cleanly(
    articles: Path, uninterrupted: dict[str, object], tmp_path: Path
) -> None:
    db_path = tmp_path / "new.db"
    process = start_workbench("ingest", str(articles), "--db", str(db_path))
    try:
        wait_until(db_path.exists, timeout=30, interval=0.001, what="the database file to appear")
    finally:
        kill_group(process)
    if db_path.stat().st_size:  # the schema is one transaction: it is there whole, or not at all
        with sqlite_connection(db_path, readonly=True) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    resumed = run_workbench("ingest", str(articles), "--db", str(db_path), timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert snapshot(db_path) == uninterrupted


def test_verdicts_survive_an_ingest_killed_mid_run(
    articles: Path, uninterrupted: dict[str, object], tmp_path: Path
) -> None:
    """Reviewed claims of the first half stay reviewed while a killed ingest of the second half is resumed."""
    db_path = tmp_path / "reviewed.db"
    first_half = tmp_path / "first"
    first_half.mkdir()
    for path in sorted(articles.glob("*.txt"))[: ARTICLE_COUNT // 2]:
        shutil.copy(path, first_half / path.name)
    assert run_workbench("ingest", str(first_half), "--db", str(db_path), timeout=120).returncode == 0
    with sqlite_connection(db_path) as conn:
        reviewed = [row[0] for row in conn.execute("SELECT id FROM claims ORDER BY sort_key LIMIT 5")]
    with open_store(db_path) as store:
        for index, claim_id in enumerate(reviewed):
            update_review(store, claim_id, reviewer="ana", status="false", note=f"note {index}")

    run_and_kill_after(articles, db_path, ARTICLE_COUNT // 2 + 10)
    assert run_workbench("ingest", str(articles), "--db", str(db_path), timeout=120).returncode == 0

    with sqlite_connection(db_path, readonly=True) as conn:
        stored = dict(
            (row[0], (row[1], row[2]))
            for row in conn.execute("SELECT claim_id, status, note FROM reviews WHERE status != 'unreviewed'")
        )
    assert stored == {claim_id: ("false", f"note {index}") for index, claim_id in enumerate(reviewed)}
    final = snapshot(db_path)
    assert final["claims"] == uninterrupted["claims"] and final["mentions"] == uninterrupted["mentions"]


# An ingest that is a bulk load from its 20th document on (the real threshold is 1,000), committing every 4.
BULK_LOAD_INGEST = """
import sys
from pathlib import Path

import workbench.ingest as ingest
from workbench.store import open_store

ingest.BULK_LOAD_MIN_FILES = 20
ingest.BATCH_DOCUMENTS = 4
if __name__ == "__main__":
    with open_store(sys.argv[1]) as store:
        ingest.ingest_paths(store, [Path(sys.argv[2])])
"""


def test_a_bulk_load_killed_without_its_claim_index_resumes_to_the_same_store(
    articles: Path, uninterrupted: dict[str, object], tmp_path: Path
) -> None:
    db_path = tmp_path / "bulk.db"
    index_missing = "SELECT COUNT(*) = 0 FROM sqlite_master WHERE name = 'idx_mentions_claim_id'"
    process = start_python(BULK_LOAD_INGEST, str(db_path), str(articles))
    try:
        wait_until(
            lambda: (
                process.poll() is not None
                or (
                    db_path.exists()
                    and int(query_one(db_path, COUNT_DOCUMENTS) or 0) >= 20
                    and query_one(db_path, index_missing) == 1
                )
            ),
            timeout=90,
            interval=0.01,
            what="the bulk load to drop the claim index",
        )
    finally:
        kill_group(process)
    committed = int(query_one(db_path, COUNT_DOCUMENTS) or 0)
    assert committed < ARTICLE_COUNT, "the ingest finished before the kill; the test proved nothing"
    assert query_one(db_path, index_missing) == 1  # killed with the index left out
    assert assert_consistent(db_path, uninterrupted) == committed

    resumed = run_workbench("ingest", str(articles), "--db", str(db_path), timeout=120)

    assert resumed.returncode == 0, resumed.stderr
    assert query_one(db_path, index_missing) == 0
    assert snapshot(db_path) == uninterrupted


HALF_WRITE_THEN_HANG = """
import sys, time
from workbench.store import open_store

store = open_store(sys.argv[1])
with store.write():
    store.conn.execute("UPDATE reviews SET status = 'false', note = 'lost' WHERE claim_id = ?", [sys.argv[2]])
    print("inside", flush=True)
    time.sleep(60)
"""


def test_writer_killed_inside_a_transaction_loses_only_that_transaction(tmp_path: Path) -> None:
    """A writer SIGKILLed between BEGIN and COMMIT: a waiting `set` gets the lock, the half write is gone."""
    db_path = tmp_path / "wb.db"
    assert run_workbench("ingest", str(REPO_ROOT / "seeds"), "--db", str(db_path)).returncode == 0
    with sqlite_connection(db_path) as conn:
        claim_id = conn.execute("SELECT id FROM claims ORDER BY sort_key LIMIT 1").fetchone()[0]
    assert run_workbench("set", claim_id, "--status", "true", "--db", str(db_path)).returncode == 0
    holder = start_python(HALF_WRITE_THEN_HANG, str(db_path), claim_id)
    kill_timer = threading.Timer(1.0, kill_group, [holder])
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "inside"
        started = time.monotonic()
        kill_timer.start()
        # this writer has to wait for the lock (busy timeout, retries) and must not fail while waiting
        result = run_workbench("set", claim_id, "--note", "after the crash", "--db", str(db_path), timeout=60)
        waited = time.monotonic() - started
    finally:
        kill_timer.cancel()
        kill_group(holder)
    assert result.returncode == 0, result.stderr
    assert "locked" not in result.stderr.lower()
    assert waited >= 0.9, "the second writer did not wait for the first one's lock"
    with sqlite_connection(db_path, readonly=True) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        row = conn.execute("SELECT status, note FROM reviews WHERE claim_id = ?", [claim_id]).fetchone()
    assert row == ("true", "after the crash")


# --- the review UI, a real process in a pseudo-terminal ----------------------------------------------------------


def review_state(db_path: Path) -> dict[str, tuple[str, str]]:
    with sqlite_connection(db_path, readonly=True) as conn:
        return {
            row[0]: (row[1], row[2])
            for row in conn.execute(
                "SELECT claim_id, status, note FROM reviews WHERE status != 'unreviewed' OR note != ''"
            )
        }


def test_review_app_killed_at_any_moment_keeps_every_stored_action(tmp_path: Path) -> None:
    """Statuses and a note typed in the real app are on disk before the kill; the action in flight at the kill is
    stored whole (status and history row) or not at all; the next start of the app works and shows them."""
    db_path = tmp_path / "review.db"
    assert run_workbench("ingest", str(REPO_ROOT / "seeds"), "--db", str(db_path), timeout=60).returncode == 0
    with sqlite_connection(db_path, readonly=True) as conn:
        order = [row[0] for row in conn.execute("SELECT id FROM claims ORDER BY sort_key, id")]
    review = workbench_command("review", "--db", str(db_path), "--reviewer", "kim")

    with terminal_app(review) as app:
        app.wait_for_output(lambda screen: f"0 / {len(order)} reviewed" in screen, 30, "the app's first screen")
        app.wait_until_quiet()
        for stored, key in enumerate("tfm", start=1):  # each verdict moves on to the next claim
            app.send(key)
            wait_until(lambda stored=stored: len(review_state(db_path)) == stored, 15, what=f"verdict {key!r} stored")
        app.send_and_expect("n", "Note on this claim")
        app.send_and_expect("checked with the ministry", "checked with the ministry")
        app.send("\x13")  # ctrl+s saves the note
        wait_until(lambda: len(review_state(db_path)) == 4, 15, what="the note stored")
        app.send("u")  # one more verdict, and the kill follows at once: stored or not, never half stored
        app.kill()
        assert "locked" not in app.output.lower() and "Traceback" not in app.output

    state = review_state(db_path)
    assert state[order[0]] == ("true", "") and state[order[1]] == ("false", "")
    assert state[order[2]] == ("misleading", "")
    assert state[order[3]] in {
        ("unreviewed", "checked with the ministry"),
        ("unverifiable", "checked with the ministry"),
    }
    assert set(state) == set(order[:4])
    with sqlite_connection(db_path, readonly=True) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        history = conn.execute("SELECT claim_id, field, new_value, reviewer FROM review_history ORDER BY id").fetchall()
    stored_changes = [(claim_id, field, value) for claim_id, field, value, _reviewer in history]
    assert stored_changes[:4] == [
        (order[0], "status", "true"),
        (order[1], "status", "false"),
        (order[2], "status", "misleading"),
        (order[3], "note", "checked with the ministry"),
    ]
    assert {reviewer for *_rest, reviewer in history} == {"kim"}
    # the last key: either both the status and its history row are there, or neither
    last_status = state.get(order[3], ("unreviewed", ""))[0]
    assert (last_status == "unverifiable") == (len(history) == 5)

    with terminal_app(review) as again:
        reviewed = 4 if last_status == "unverifiable" else 3
        again.wait_for_output(
            lambda screen: f"{reviewed} / {len(order)} reviewed" in screen, 30, "the restarted app's first screen"
        )
        again.wait_until_quiet()
        again.send("q")
        wait_until(lambda: not again.alive(), 15, what="the app to quit on q")
        assert again.process.returncode == 0


def test_ctrl_c_during_ingest_stops_cleanly_and_the_next_run_resumes(
    articles: Path, uninterrupted: dict[str, object], tmp_path: Path
) -> None:
    """SIGINT (ctrl+c) mid-run: one word on stderr, exit 130, no traceback, whole documents only; a rerun finishes."""
    db_path = tmp_path / "interrupted.db"
    process = start_workbench("ingest", str(articles), "--db", str(db_path))
    try:
        wait_until(
            lambda: process.poll() is not None or int(query_one(db_path, COUNT_DOCUMENTS) or 0) >= 5,
            timeout=60,
            interval=0.01,
            what="5 documents committed",
        )
        process.send_signal(signal.SIGINT)
        _stdout, stderr = process.communicate(timeout=30)
    finally:
        kill_group(process)
    committed = assert_consistent(db_path, uninterrupted)
    assert committed < ARTICLE_COUNT, "the ingest finished before the interrupt; the test proved nothing"
    assert process.returncode == 130 and "Traceback" not in stderr, stderr
    assert stderr.strip() in {"Aborted.", "Interrupted."}, stderr  # click turns ctrl+c into "Aborted."
    resumed = run_workbench("ingest", str(articles), "--db", str(db_path), timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert snapshot(db_path) == uninterrupted
