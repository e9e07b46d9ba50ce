"""The one module that opens workbench databases.

Every connection goes through `open_store`: it refuses files that are not workbench databases without
touching them, turns on WAL, foreign keys and a busy timeout, and applies the schema through sqlite-utils
`Migrations`. Writes go through `Store.write()`, one short `BEGIN IMMEDIATE` transaction each, so that two
reviewers and a script can share a file without "database is locked" reaching the user.
"""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import stat
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from workbench.errors import DatabaseError, ReadOnlyError

DEFAULT_DB_PATH = Path("db") / "workbench.db"
MIGRATION_SET = "workbench"
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 15_000
WRITE_RETRIES = 8

migrations = Migrations(MIGRATION_SET)


# Values bound in one `IN (...)` list: well below SQLite's limit on a statement's parameters (999 before 3.32).
IN_LIST_CHUNK = 500


def in_list_chunks(values: Sequence[str]) -> Iterator[tuple[Sequence[str], str]]:
    """`values` in slices short enough for one `IN (...)` each, with the slice's placeholders ("?,?,?")."""
    for offset in range(0, len(values), IN_LIST_CHUNK):
        chunk = values[offset : offset + IN_LIST_CHUNK]
        yield chunk, ",".join("?" * len(chunk))


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@migrations()
def m001_initial(db: Database) -> None:
    db["documents"].create(
        {
            "id": str,
            "seq": int,
            "file_name": str,
            "source_path": str,
            "title": str,
            "outlet": str,
            "text": str,
            "content_hash": str,
            "ingested_at": str,
        },
        pk="id",
        not_null={"file_name", "text", "content_hash"},
    )
    db["documents"].create_index(["content_hash"], unique=True)
    db["documents"].create_index(["seq"])
    db["sentences"].create(
        {"id": str, "document_id": str, "idx": int, "start": int, "end": int, "text": str},
        pk="id",
        foreign_keys=[("document_id", "documents", "id")],
    )
    db["sentences"].create_index(["document_id", "idx"], unique=True)
    db["claims"].create(
        {
            "id": str,
            "text": str,
            "claimant": str,
            "channel": str,
            "checkworthiness": float,
            "source_count": int,
            "document_count": int,
            "sort_key": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"text"},
        defaults={"source_count": 0, "document_count": 0, "checkworthiness": 0.0},
    )
    for columns in (["sort_key"], ["checkworthiness"], ["source_count"]):
        db["claims"].create_index(columns)
    db["mentions"].create(
        {
            "id": str,
            "claim_id": str,
            "document_id": str,
            "sentence_id": str,
            "start": int,
            "end": int,
            "quote": str,
            "claim_text": str,
            "claimant": str,
            "channel": str,
            "checkworthiness": float,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[
            ("claim_id", "claims", "id"),
            ("document_id", "documents", "id"),
            ("sentence_id", "sentences", "id"),
        ],
    )
    db["mentions"].create_index(["claim_id"])
    db["mentions"].create_index(["document_id", "start"])
    db["reviews"].create(
        {
            "claim_id": str,
            "status": str,
            "note": str,
            "reviewer": str,
            "reviewed_at": str,
            "updated_at": str,
        },
        pk="claim_id",
        foreign_keys=[("claim_id", "claims", "id")],
        not_null={"status"},
        defaults={"status": "unreviewed", "note": ""},
    )
    db["reviews"].create_index(["status"])
    db["review_history"].create(
        {
            "id": int,
            "claim_id": str,
            "action": str,
            "field": str,
            "old_value": str,
            "new_value": str,
            "reviewer": str,
            "at": str,
            "undone_by": int,
        },
        pk="id",
    )
    db["review_history"].create_index(["claim_id", "id"])
    db["review_history"].create_index(["reviewer", "id"])
    db["claims"].enable_fts(["text", "claimant"], create_triggers=True, tokenize="unicode61 remove_diacritics 2")


@migrations()
def m002_ui_indexes(db: Database) -> None:
    # The review UI orders claims by these keys (ties broken by document order, then id); covering indexes
    # let it list 100k claim rowids in order without a sort, and filter by status without touching rows.
    db.execute("CREATE INDEX IF NOT EXISTS idx_claims_document_order ON claims (sort_key, id)")
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_claims_checkworthiness_order ON claims (checkworthiness DESC, sort_key, id)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_claims_sources_order ON claims (source_count DESC, sort_key, id)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_reviews_status_claim ON reviews (status, claim_id)")


@migrations()
def m003_corrections(db: Database) -> None:
    # Hand corrections are facts that grouping applies last (workbench/corrections.py). None of these tables has a
    # foreign key to claims: a claim left without sources is retired (moved to retired_claims with its verdict),
    # and its facts, flags and conflicts must outlive that so an undo or a regroup can bring it back whole.
    db["corrections"].create(
        {
            "id": int,
            "kind": str,  # merge | split | edit
            "claim_id": str,  # merge: the target; split: the new claim; edit: the edited claim
            "other_claim_id": str,  # merge: the claim folded in; split: the claim the passage left
            "mention_ids": str,  # JSON list of the mentions the fact is about
            "field": str,  # edit: text | claimant
            "old_value": str,
            "new_value": str,
            "reviewer": str,
            "at": str,
            "history_id": int,
            "undone_by": int,
        },
        pk="id",
        not_null={"kind", "claim_id", "reviewer", "at"},
    )
    db["corrections"].create_index(["claim_id"])
    db["corrections"].create_index(["history_id"])
    db["retired_claims"].create(
        {
            "id": str,
            "text": str,
            "claimant": str,
            "channel": str,
            "checkworthiness": float,
            "sort_key": int,
            "created_at": str,
            "status": str,
            "note": str,
            "reviewer": str,
            "reviewed_at": str,
            "review_updated_at": str,
            "reason": str,  # merged | no_sources
            "merged_into": str,
            "retired_at": str,
        },
        pk="id",
    )
    db["discrepancies"].create(
        {
            "id": int,
            "claim_id": str,
            "kind": str,  # number | date | spelling | claimant | hedging
            "summary": str,
            "spans": str,  # JSON: [{mention_id, document_id, start, end, text, value}]
            "detected_at": str,
        },
        pk="id",
        not_null={"claim_id", "kind"},
    )
    db["discrepancies"].create_index(["claim_id", "kind"], unique=True)
    db["discrepancies"].create_index(["kind", "claim_id"])
    db["contradictions"].create(
        {
            "claim_a": str,
            "claim_b": str,
            "score": float,
            "evidence": str,  # JSON: shared words and the negation cue of each side
            "detected_at": str,
        },
        pk=("claim_a", "claim_b"),
    )
    db["contradictions"].create_index(["claim_b"])
    db["review_conflicts"].create(
        {
            "id": int,
            "claim_id": str,
            "local_status": str,
            "local_reviewer": str,
            "other_status": str,
            "other_reviewer": str,
            "other_note": str,
            "source_db": str,
            "state": str,  # open | resolved
            "created_at": str,
            "resolved_status": str,
            "resolved_by": str,
            "resolved_at": str,
        },
        pk="id",
        not_null={"claim_id", "state"},
    )
    db["review_conflicts"].create_index(["state", "claim_id"])
    db["review_conflicts"].create_index(["claim_id"])


@migrations()
def m004_pending_discrepancy_refresh(db: Database) -> None:
    # Ingest recomputes discrepancy flags once per run for every claim it touched, not once per document: a claim
    # quoted by hundreds of outlets would otherwise be re-examined hundreds of times. Each document's transaction
    # records the claims it touched here, so a run killed before the end leaves its debt on disk and the next
    # ingest pays it.
    db["pending_discrepancy_refresh"].create({"claim_id": str}, pk="claim_id")
    # sqlite-utils' FTS trigger re-indexed a claim on every UPDATE, so bumping a claim's source count (each new
    # outlet quoting it) rewrote its full-text entry. Only the indexed columns need it.
    db.execute("DROP TRIGGER IF EXISTS claims_au")
    db.execute(
        """
        CREATE TRIGGER claims_au AFTER UPDATE OF text, claimant ON claims BEGIN
          INSERT INTO claims_fts (claims_fts, rowid, text, claimant)
          VALUES ('delete', old.rowid, old.text, old.claimant);
          INSERT INTO claims_fts (rowid, text, claimant) VALUES (new.rowid, new.text, new.claimant);
        END
        """
    )


@migrations()
def m005_drop_prefix_indexes(db: Database) -> None:
    # Each of these is the leading column of an m002 index that serves the same lookups and orders, yet every
    # claim summary update (each new outlet quoting a claim) rewrote both: 5% of a 10,000-article ingest's time.
    for name in ("idx_claims_sort_key", "idx_claims_checkworthiness", "idx_claims_source_count", "idx_reviews_status"):
        db.execute(f"DROP INDEX IF EXISTS {name}")


@migrations()
def m006_drop_sentence_position_index(db: Database) -> None:
    # A sentence's id is "<document id>:<index>", so its primary key already finds it by document and position;
    # the second index only cost every stored sentence one more insert (3% of a 10,000-article ingest).
    db.execute("DROP INDEX IF EXISTS idx_sentences_document_id_idx")


@migrations()
def m007_drop_passage_position_index(db: Database) -> None:
    # Passages are looked up by claim and by id, never by document and position: this index only cost every stored
    # passage one more insert on a page of its own (4% of a 10,000-article ingest). The one per-document listing
    # (`workbench stats`) has SQLite build a transient index for its query instead (0.5 s at 210,000 passages).
    db.execute("DROP INDEX IF EXISTS idx_mentions_document_id_start")


@migrations()
def m008_flag_states(db: Database) -> None:
    # A claim's discrepancy scan, kept so the next run that adds passages to it reads only those: a story's main
    # claim gains passages from every batch of articles, and reading all of them again made each batch cost time
    # in proportion to the whole store (workbench.discrepancies: FLAG_STATE_MIN_SOURCES, `_claim_scan`).
    db["flag_states"].create(
        {"claim_id": str, "through_rowid": int, "state": str}, pk="claim_id", not_null={"through_rowid", "state"}
    )


@migrations()
def m009_index_wordings(db: Database) -> None:
    # The grouping index's wordings (one row per distinct claim, text and claimant, in the order of their first
    # passages) with their counts and matching features, as of the latest passage they count: each run's index load
    # reads them back and folds in the passages stored since, instead of every passage of the store again
    # (workbench.ingest.load_matcher).
    db["index_wordings"].create(
        {
            "position": int,
            "claim_id": str,
            "text": str,
            "claimant": str,
            "passages": int,
            "document_id": str,
            "last_rowid": int,
            "features": str,
        },
        pk="position",
        not_null={"claim_id", "text", "passages", "last_rowid"},
    )


@migrations()
def m010_index_wordings_documents(db: Database) -> None:
    # Each kept wording's first and last document (by id): with them the contradiction links read a claim's
    # wordings and whether its passages come from one document from the kept wordings too, not from every passage
    # (workbench.discrepancies._claim_wordings_and_documents). Rows kept without them are dropped: the next index
    # load reads every passage once and keeps them whole.
    db["index_wordings"].add_column("lowest_document_id", str)
    db["index_wordings"].add_column("highest_document_id", str)
    db.execute("DELETE FROM index_wordings")


# The index of a claim's passages (m001), which every read of them goes through. A run that adds at least as many
# articles as the store held (a first ingest) drops it once it has stored a thousand and builds it once at the end
# (`workbench.ingest`, BULK_LOAD_MIN_FILES): each document's passages join claims all over it, so keeping it up to
# date dirtied about a page per passage at every commit (10,000 articles: 13.3-13.4 -> 12.5-12.7 s, build included).
PASSAGES_BY_CLAIM_INDEX = "idx_mentions_claim_id"
# Built with the definition m001 gave it (SQLite keeps the text without "IF NOT EXISTS"): the schema is the same.
_BUILD_PASSAGES_BY_CLAIM_INDEX = 'CREATE INDEX IF NOT EXISTS "idx_mentions_claim_id"\n    ON "mentions" ("claim_id")'


def known_migration_names() -> set[str]:
    return {migration.name for migration in migrations._migrations}


@dataclass
class Store:
    """An open workbench database. `db` is the sqlite-utils handle; use `write()` for every change."""

    path: Path
    db: Database
    readonly: bool = False
    _write_depth: int = field(default=0, repr=False)

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: object) -> None:
        self.close()
        if isinstance(exc, sqlite3.OperationalError | sqlite3.DataError) or type(exc) is sqlite3.DatabaseError:
            # A damaged page, a full disk or a lock held too long, met mid-command: one line naming the file for
            # the user instead of a traceback. (Integrity and programming errors are bugs and keep their traceback.)
            raise DatabaseError(f"{self.path}: {describe_sqlite_error(exc)}") from exc

    def query(self, sql: str, params: tuple | list | dict = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    @contextlib.contextmanager
    def settings(self, settings: dict[str, int | str]) -> Iterator[None]:
        """This connection's PRAGMA settings changed for the block (names and values are the caller's constants)."""
        previous = {name: self.conn.execute(f"PRAGMA {name}").fetchone()[0] for name in settings}
        for name, value in settings.items():
            self.conn.execute(f"PRAGMA {name} = {value}")
        try:
            yield
        finally:
            for name, value in previous.items():
                self.conn.execute(f"PRAGMA {name} = {value}")

    def has_passages_by_claim_index(self) -> bool:
        return (
            self.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", [PASSAGES_BY_CLAIM_INDEX]
            ).fetchone()
            is not None
        )

    def build_passages_by_claim_index(self) -> None:
        """Build the index of a claim's passages if it is missing (in the caller's transaction, if one is open)."""
        if self.readonly or self.has_passages_by_claim_index():
            return
        # The build sorts a key per passage in memory up to the page cache's size, then spills to temporary files:
        # with a run's INGEST_PRAGMAS (a 32 MB cache, temporary files in memory) the whole index (20 MB at 40,000
        # articles) was held in memory on top of the cache. With SQLite's default 2 MB and the spills on disk the
        # build took no memory to speak of, and less time: 0.96 -> 0.54 s at 40,000 articles, peak RSS +24 -> +0 MB.
        small_sort = (
            contextlib.nullcontext()
            if self.conn.in_transaction  # PRAGMA settings belong outside a transaction
            else self.settings({"temp_store": "FILE", "cache_size": -2000})
        )
        with small_sort, self.write():
            self.conn.execute(_BUILD_PASSAGES_BY_CLAIM_INDEX)

    def drop_passages_by_claim_index(self) -> None:
        """Drop the index of a claim's passages for the rest of a bulk load, which builds it again at its end
        (`build_passages_by_claim_index`). Reads of a claim's passages meanwhile give the same rows, by a scan of
        every passage. If the process dies first, the next writable open builds it (`open_store`); so does a
        reviewer's UI, opened meanwhile or open already (at its next look for changes), and the load then goes on
        with it: a reviewer waiting comes before the load's speed."""
        with self.write():
            self.conn.execute(f"DROP INDEX IF EXISTS {PASSAGES_BY_CLAIM_INDEX}")

    @contextlib.contextmanager
    def write(self) -> Iterator[Database]:
        """One short write transaction. Retries the BEGIN while another process holds the write lock."""
        if self.readonly:
            raise ReadOnlyError(f"{self.path} is open read-only: changes are not allowed")
        if self._write_depth:
            # A savepoint named by its depth, not sqlite-utils' atomic(), which names each one at random: every
            # name was a statement SQLite compiled afresh (ingest opens one a document: 10 -> 3 us each).
            self._write_depth += 1
            savepoint = f"write_{self._write_depth}"
            self.conn.execute(f"SAVEPOINT {savepoint}")
            try:
                yield self.db
            except BaseException:
                # An error such as a RAISE(ROLLBACK) trigger can end the whole transaction, savepoints included.
                if self.conn.in_transaction:
                    self.conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                    self.conn.execute(f"RELEASE SAVEPOINT {savepoint}")
                raise
            else:
                self.conn.execute(f"RELEASE SAVEPOINT {savepoint}")
            finally:
                self._write_depth -= 1
            return
        _begin_immediate(self.conn, self.path)
        self._write_depth = 1
        try:
            yield self.db
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")
        finally:
            self._write_depth = 0

    def data_version(self) -> int:
        """Changes whenever another connection commits: cheap polling for the UI's auto-refresh."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def total_changes(self) -> int:
        return self.conn.total_changes


def describe_sqlite_error(error: BaseException) -> str:
    """SQLite's message, with what it means for the user's data and what to do."""
    message = str(error)
    if "malformed" in message or "not a database" in message:
        return f"the database is damaged ({message}); restore it from a backup"
    if "full" in message:
        return f"{message}: free some disk space (a change in progress was rolled back)"
    if "locked" in message or "busy" in message:
        return "stayed busy (another process is writing); nothing was changed, try again"
    return message


def _begin_immediate(conn: sqlite3.Connection, path: Path) -> None:
    delay = 0.05
    for attempt in range(WRITE_RETRIES):
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise DatabaseError(f"{path}: {error}") from error
            if attempt == WRITE_RETRIES - 1:
                raise DatabaseError(
                    f"{path} stayed busy (another process is writing); nothing was changed, try again"
                ) from error
            time.sleep(delay + random.random() * delay)
            delay = min(delay * 2, 1.0)


def _is_read_only_file(path: Path) -> bool:
    mode = path.stat().st_mode
    # root ignores permission bits, so a 0444 file must be treated as read-only by its bits, not os.access
    return not (mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) or not os.access(path, os.W_OK)


def _inspect_existing(path: Path) -> None:
    """Refuse foreign, damaged or newer files before any write (WAL or migrations would change their bytes)."""
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError as error:
        raise DatabaseError(f"{path}: cannot read the database file ({error.strerror})") from error
    if not header:
        return
    if header[: len(SQLITE_HEADER)] != SQLITE_HEADER:
        raise DatabaseError(f"{path} is not an SQLite database; refusing to open it")
    # A WAL-mode file (header byte 18 == 2) with no -wal beside it holds all of its data; reading it as immutable
    # then leaves no new -wal/-shm files next to a file we may be about to refuse.
    wal_mode_without_wal = header[18:19] == b"\x02" and not path.with_name(path.name + "-wal").exists()
    try:
        uri = f"{path.resolve().as_uri()}?mode=ro" + ("&immutable=1" if wal_mode_without_wal else "")
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            applied: set[str] = set()
            if "_sqlite_migrations" in tables:
                applied = {
                    row[0]
                    for row in conn.execute(
                        "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET]
                    )
                }
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise DatabaseError(f"{path} is damaged or not a readable SQLite database ({error})") from error
    user_tables = {name for name in tables if not name.startswith("sqlite_")}
    if user_tables and not applied:
        raise DatabaseError(f"{path} is an SQLite database of another application; refusing to change it")
    unknown = applied - known_migration_names()
    if unknown:
        raise DatabaseError(
            f"{path} was written by a newer version of workbench (schema {sorted(unknown)[-1]}); "
            "upgrade workbench to open it"
        )


def open_store(path: Path | str | None = None, *, readonly: bool = False, create: bool = True) -> Store:
    """Open (and if needed create and migrate) the workbench database at `path`.

    A read-only file is opened read-only for browsing and export; writes then raise ReadOnlyError.
    """
    db_path = Path(path) if path is not None else DEFAULT_DB_PATH
    if db_path.is_dir():
        raise DatabaseError(f"{db_path} is a folder, not a database file")
    exists = db_path.exists()
    if not exists:
        if readonly or not create:
            raise DatabaseError(f"{db_path} does not exist")
        if not db_path.parent.exists():
            if db_path == DEFAULT_DB_PATH:
                db_path.parent.mkdir(parents=True, exist_ok=True)
            else:
                raise DatabaseError(f"folder {db_path.parent} does not exist (for database {db_path})")
    else:
        _inspect_existing(db_path)
        if not readonly and _is_read_only_file(db_path):
            readonly = True
    if readonly:
        return _open_read_only(db_path)
    try:
        conn = sqlite3.connect(str(db_path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    except sqlite3.Error as error:
        raise DatabaseError(f"{db_path}: cannot open ({error})") from error
    conn.row_factory = sqlite3.Row
    db = Database(conn)
    store = Store(db_path, db)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        if migrations.pending(db):
            _apply_migrations(store)
    except sqlite3.OperationalError as error:
        conn.close()
        raise DatabaseError(f"{db_path}: {error}") from error
    # Left out by a bulk load that did not end (or is going on). Only a speed-up: a store whose index cannot be built
    # now (a full disk, a write lock held for long) is opened all the same, and the next open tries again.
    with contextlib.suppress(DatabaseError, sqlite3.Error):
        store.build_passages_by_claim_index()
    return store


def _apply_migrations(store: Store) -> None:
    # Two processes may start on a new file at once: the write lock serialises them, and the second one
    # finds nothing pending once it holds the lock.
    with store.write():
        migrations.apply(store.db)


def _open_read_only(db_path: Path, upgraded: bool = False) -> Store:
    uri = f"{db_path.resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db = Database(conn)
        pending = migrations.pending(db)
        store = Store(db_path, db, readonly=True)
        current = not pending and store.has_passages_by_claim_index()
    except sqlite3.Error as error:
        raise DatabaseError(f"{db_path}: cannot open read-only ({error})") from error
    if not current and not upgraded and not _is_read_only_file(db_path):
        # Browsing a store after upgrading workbench must not fail: the schema is brought up to date first (the
        # migrations add tables and indexes and drop derived data; no claim, passage or verdict changes), and an
        # index a bulk load that did not end left out is built, as a writable open does both; then the store is
        # read as asked. (Without that index a store is read all the same, only more slowly.)
        conn.close()
        try:
            open_store(db_path).close()
        except DatabaseError:
            if pending:
                raise
        return _open_read_only(db_path, upgraded=True)
    if pending:
        conn.close()
        raise DatabaseError(
            f"{db_path} needs a schema upgrade and cannot be written here; open it once with a workbench that"
            " can write it (the review UI or `workbench ingest`), then read it here"
        )
    return store
