from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from workbench.errors import DatabaseError, ReadOnlyError
from workbench.store import in_list_chunks, known_migration_names, open_store


def test_new_database_has_schema_wal_and_foreign_keys(db_path: Path) -> None:
    with open_store(db_path) as store:
        tables = set(store.db.table_names())
        assert {"documents", "sentences", "claims", "mentions", "reviews", "review_history", "claims_fts"} <= tables
        assert store.query("PRAGMA journal_mode")[0][0] == "wal"
        assert store.query("PRAGMA foreign_keys")[0][0] == 1
        applied = {row[0] for row in store.query("SELECT name FROM _sqlite_migrations")}
        assert applied == known_migration_names()


def test_reopening_applies_nothing_twice(db_path: Path) -> None:
    open_store(db_path).close()
    with open_store(db_path) as store:
        assert store.query("SELECT COUNT(*) FROM _sqlite_migrations")[0][0] == len(known_migration_names())


def test_write_rolls_back_on_error(store) -> None:
    with pytest.raises(RuntimeError), store.write() as db:
        db["claims"].insert({"id": "c1", "text": "x"})
        raise RuntimeError("boom")
    assert store.query("SELECT COUNT(*) FROM claims")[0][0] == 0


def test_fts_index_follows_claim_text(store) -> None:
    with store.write() as db:
        db["claims"].insert({"id": "c1", "text": "Putin was not in the Kremlin", "claimant": "Dmitry Peskov"})
    hits = store.query("SELECT rowid FROM claims_fts WHERE claims_fts MATCH ?", ["peskov"])
    assert len(hits) == 1


def test_not_sqlite_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not a database at all\n" * 10)
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="not an SQLite database"):
        open_store(path)
    assert path.read_bytes() == before


def test_foreign_sqlite_database_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="another application"):
        open_store(path)
    assert path.read_bytes() == before


def test_newer_schema_is_refused(db_path: Path) -> None:
    open_store(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('workbench', 'm999_future', 'x')"
    )
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseError, match="newer version"):
        open_store(db_path)


def test_missing_parent_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="does not exist"):
        open_store(tmp_path / "nowhere" / "x.db")
    assert not (tmp_path / "nowhere").exists()


def test_read_only_file_opens_for_reading_and_refuses_writes(db_path: Path) -> None:
    with open_store(db_path) as store, store.write() as db:
        db["claims"].insert({"id": "c1", "text": "x"})
    db_path.chmod(0o444)
    try:
        with open_store(db_path) as store:
            assert store.readonly
            assert store.query("SELECT COUNT(*) FROM claims")[0][0] == 1
            with pytest.raises(ReadOnlyError), store.write():
                pass
    finally:
        db_path.chmod(0o644)


def _a_migration_behind(db_path: Path) -> None:
    """A store as the workbench before the latest migrations left it: with a claim, without flag_states."""
    with open_store(db_path) as store, store.write() as db:
        db["claims"].insert({"id": "c1", "text": "x"})
    with contextlib.closing(sqlite3.connect(db_path)) as conn, conn:
        conn.execute("DROP TABLE flag_states")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm008_flag_states'")
    assert not db_path.with_name(db_path.name + "-wal").exists()  # the last connection closed: all in the file


def test_reading_a_store_after_upgrading_workbench_brings_its_schema_up_to_date_first(db_path: Path) -> None:
    _a_migration_behind(db_path)
    with open_store(db_path, readonly=True) as store:
        assert store.readonly
        assert "flag_states" in store.db.table_names()
        assert store.query("SELECT id, text FROM claims")[0][:] == ("c1", "x")
        applied = {row[0] for row in store.query("SELECT name FROM _sqlite_migrations")}
        assert applied == known_migration_names()


def test_a_read_only_file_that_needs_a_schema_upgrade_is_refused_in_one_line_and_left_alone(db_path: Path) -> None:
    _a_migration_behind(db_path)
    before = db_path.read_bytes()
    db_path.chmod(0o444)
    try:
        with pytest.raises(DatabaseError) as refused:
            open_store(db_path)
        message = str(refused.value)
        assert "needs a schema upgrade" in message and "\n" not in message and str(db_path) in message
        assert db_path.read_bytes() == before
    finally:
        db_path.chmod(0o644)


def test_every_claims_order_is_read_from_an_index_without_the_dropped_prefix_indexes(tmp_path: Path) -> None:
    from workbench.claims_view import SORT_SQL

    with open_store(tmp_path / "plans.db") as store:
        indexes = {row[0] for row in store.query("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert not indexes & {"idx_claims_sort_key", "idx_claims_checkworthiness", "idx_claims_source_count"}
        for order in SORT_SQL.values():
            query = f"EXPLAIN QUERY PLAN SELECT c.rowid FROM claims c ORDER BY {order}"
            plan = " ".join(row[3] for row in store.query(query))
            assert "TEMP B-TREE" not in plan and "USING COVERING INDEX" in plan, (order, plan)
        plan = " ".join(
            row[3] for row in store.query("EXPLAIN QUERY PLAN SELECT claim_id FROM reviews WHERE status = 'true'")
        )
        assert "idx_reviews_status_claim" in plan, plan


def test_a_claims_first_passages_and_their_neighbouring_sentences_are_read_from_indexes(tmp_path: Path) -> None:
    from workbench.claims_view import ClaimsView

    with open_store(tmp_path / "plans.db") as store:
        indexes = {row[0] for row in store.query("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert not indexes & {"idx_sentences_document_id_idx", "idx_mentions_document_id_start"}
        with store.write():
            store.conn.execute("INSERT INTO claims (id, text) VALUES ('c1', 'Drones were shot down.')")
        queries: list[str] = []
        store.conn.set_trace_callback(queries.append)
        ClaimsView(store).detail("c1")
        store.conn.set_trace_callback(None)
        detail_sql = next(query for query in queries if "FROM mentions m" in query)
        plan = " ".join(row[3] for row in store.query(f"EXPLAIN QUERY PLAN {detail_sql}"))
    assert "TEMP B-TREE" not in plan and "idx_mentions_claim_id" in plan, plan
    # the sentence of each passage and its two neighbours: looked up by primary key, never scanned
    assert plan.count("sqlite_autoindex_sentences_1") == 3 and "SCAN s" not in plan, plan


def test_in_list_chunks_slices_within_the_parameter_limit_and_keeps_every_value() -> None:
    values = [f"c{number}" for number in range(1201)]
    chunks = list(in_list_chunks(values))
    assert [len(chunk) for chunk, _ in chunks] == [500, 500, 201]
    assert all(placeholders == ",".join("?" * len(chunk)) for chunk, placeholders in chunks)
    assert [value for chunk, _ in chunks for value in chunk] == values
    assert list(in_list_chunks([])) == []


def test_a_nested_write_that_fails_undoes_only_its_own_changes(db_path: Path) -> None:
    with open_store(db_path) as store:
        store.conn.execute("CREATE TABLE notes (text TEXT)")
        with store.write():
            store.conn.execute("INSERT INTO notes VALUES ('outer')")
            with pytest.raises(RuntimeError), store.write():
                store.conn.execute("INSERT INTO notes VALUES ('inner, undone')")
                with store.write():
                    store.conn.execute("INSERT INTO notes VALUES ('innermost, undone with it')")
                raise RuntimeError("inner failed")
            with store.write():  # the same depth again: a fresh savepoint
                store.conn.execute("INSERT INTO notes VALUES ('inner, kept')")
        assert [row[0] for row in store.conn.execute("SELECT text FROM notes ORDER BY rowid")] == [
            "outer",
            "inner, kept",
        ]
        assert not store.conn.in_transaction
