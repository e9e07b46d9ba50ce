"""A bulk load (a run that stores at least as many articles as the store held) leaves the index of a claim's passages
out while it stores and builds it at its end; the store it leaves is the one a run keeping the index leaves, and
no way of ending the run (or of opening the store meanwhile) leaves a store without it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from conftest import write_articles

import workbench.ingest as ingest
from workbench import store as store_module
from workbench.corrections import merge_claims
from workbench.discrepancies import load_sources
from workbench.ingest import ingest_paths
from workbench.store import PASSAGES_BY_CLAIM_INDEX, Store, open_store

# What a run decides, without the times it ran at.
STORED = (
    "SELECT id, text, claimant, channel, checkworthiness, source_count, document_count, sort_key FROM claims",
    'SELECT id, claim_id, document_id, sentence_id, start, "end", quote, claim_text, claimant, checkworthiness'
    " FROM mentions ORDER BY rowid",
    "SELECT claim_id, kind, summary, spans FROM discrepancies ORDER BY claim_id, kind",
    "SELECT claim_a, claim_b, score, evidence FROM contradictions ORDER BY claim_a, claim_b",
    "SELECT claim_id, status FROM reviews ORDER BY claim_id",
    "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name",
)


def _stored(path: Path) -> list[list[tuple]]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return [[tuple(row) for row in conn.execute(query)] for query in STORED]


def _index_sql(path: Path) -> str | None:
    """The index's definition as the file holds it now (committed), from a connection of its own."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        row = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", [PASSAGES_BY_CLAIM_INDEX]).fetchone()
    return None if row is None else row[0]


@pytest.fixture
def bulk_sized(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bulk load from the 8th document on, and a commit after every document (the index changes between groups)."""
    monkeypatch.setattr(ingest, "BULK_LOAD_MIN_FILES", 8)
    monkeypatch.setattr(ingest, "BATCH_DOCUMENTS", 1)


@pytest.fixture
def articles(tmp_path: Path, benchmark_corpus: ModuleType) -> Path:
    return write_articles(tmp_path / "articles", benchmark_corpus, 30, seed=7)


def _watching(path: Path, seen: list[bool]) -> Callable[[Path], None]:
    return lambda _file: seen.append(_index_sql(path) is not None)


@pytest.mark.usefixtures("bulk_sized")
def test_a_bulk_load_stores_without_the_index_and_leaves_the_store_a_run_with_it_leaves(
    tmp_path: Path, articles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bulk, kept = tmp_path / "bulk.db", tmp_path / "kept.db"
    with open_store(bulk) as store:
        definition = _index_sql(bulk)
        seen: list[bool] = []
        assert ingest_paths(store, [articles], on_file=_watching(bulk, seen), pipeline=False).ok
    # Kept while the first 7 documents are stored, left out from the commit of the 8th to the end.
    assert seen[:7] == [True] * 7 and seen[7:] == [False] * (len(seen) - 7)
    assert definition is not None and _index_sql(bulk) == definition

    monkeypatch.setattr(ingest, "BULK_LOAD_MIN_FILES", 10**9)
    with open_store(kept) as store:
        seen = []
        assert ingest_paths(store, [articles], on_file=_watching(kept, seen), pipeline=False).ok
    assert all(seen)
    assert _stored(bulk) == _stored(kept)


@pytest.mark.usefixtures("bulk_sized")
def test_the_pipelined_run_leaves_the_same_store(tmp_path: Path, articles: Path) -> None:
    here, pipelined = tmp_path / "here.db", tmp_path / "pipelined.db"
    for path, pipeline in ((here, False), (pipelined, True)):
        with open_store(path) as store:
            assert ingest_paths(store, [articles], pipeline=pipeline).ok
    assert _index_sql(pipelined) is not None
    assert _stored(here) == _stored(pipelined)


@pytest.mark.usefixtures("bulk_sized")
def test_a_folder_ingested_again_with_a_few_new_articles_keeps_the_index(
    tmp_path: Path, articles: Path, benchmark_corpus: ModuleType
) -> None:
    path = tmp_path / "store.db"
    with open_store(path) as store:
        assert ingest_paths(store, [articles], pipeline=False).ok
        for name, text in benchmark_corpus.generate_corpus(5, seed=99):
            (articles / f"new-{name}").write_text(text, encoding="utf-8")
        seen: list[bool] = []
        report = ingest_paths(store, [articles], on_file=_watching(path, seen), pipeline=False)
    assert report.ok and len(report.added) == 5
    assert seen and all(seen)


@pytest.mark.usefixtures("bulk_sized")
def test_an_interrupted_bulk_load_builds_the_index_before_it_stops(tmp_path: Path, articles: Path) -> None:
    path = tmp_path / "store.db"

    def interrupt_once_left_out(_file: Path) -> None:
        if _index_sql(path) is None:
            raise KeyboardInterrupt

    with open_store(path) as store:
        with pytest.raises(KeyboardInterrupt):
            ingest_paths(store, [articles], on_file=interrupt_once_left_out, pipeline=False)
        assert store.has_passages_by_claim_index()
        stored = store.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    assert stored == 8  # the documents committed before the interrupt stay


def _store_without_index(tmp_path: Path, seeds_dir: Path) -> tuple[Path, list]:
    """A seeded store whose index is gone, as a bulk load killed mid-run leaves it; and a claim's passages."""
    path = tmp_path / "store.db"
    with open_store(path) as store:
        assert ingest_paths(store, [seeds_dir]).ok
        claim_id = store.conn.execute("SELECT id FROM claims ORDER BY source_count DESC LIMIT 1").fetchone()[0]
        passages = load_sources(store, claim_id)
        store.drop_passages_by_claim_index()
    return path, [claim_id, passages]


def test_opening_a_store_a_killed_bulk_load_left_builds_the_index(tmp_path: Path, seeds_dir: Path) -> None:
    path, _ = _store_without_index(tmp_path, seeds_dir)
    with open_store(path) as store:
        assert store.has_passages_by_claim_index()


def test_reading_it_builds_the_index_where_the_file_can_be_written(tmp_path: Path, seeds_dir: Path) -> None:
    path, (claim_id, passages) = _store_without_index(tmp_path, seeds_dir)
    with open_store(path, readonly=True) as store:
        assert store.readonly and store.has_passages_by_claim_index()
        assert load_sources(store, claim_id) == passages


def test_a_file_that_cannot_be_written_is_read_without_it_giving_the_same_passages(
    tmp_path: Path, seeds_dir: Path
) -> None:
    path, (claim_id, passages) = _store_without_index(tmp_path, seeds_dir)
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    try:
        with open_store(path) as store:
            assert store.readonly and not store.has_passages_by_claim_index()
            assert load_sources(store, claim_id) == passages
    finally:
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


@pytest.mark.usefixtures("bulk_sized")
def test_a_store_with_corrections_keeps_the_index(tmp_path: Path, seeded_store: Store, articles: Path) -> None:
    first, second = (row[0] for row in seeded_store.conn.execute("SELECT id FROM claims ORDER BY rowid LIMIT 2"))
    merge_claims(seeded_store, first, second, reviewer="ana")
    seen: list[bool] = []
    assert ingest_paths(seeded_store, [articles], on_file=_watching(seeded_store.path, seen), pipeline=False).ok
    assert seen and all(seen)


@pytest.mark.usefixtures("bulk_sized")
def test_corrections_made_during_a_bulk_load_bring_the_index_back_for_the_next_document(
    tmp_path: Path, articles: Path
) -> None:
    path = tmp_path / "store.db"
    seen: list[bool] = []
    with open_store(path) as store, open_store(path) as reviewer:

        def merge_once_left_out(_file: Path) -> None:
            seen.append(_index_sql(path) is not None)
            if seen[-1] or reviewer.conn.execute("SELECT 1 FROM corrections").fetchone():
                return
            first, second = (row[0] for row in reviewer.conn.execute("SELECT id FROM claims ORDER BY rowid LIMIT 2"))
            merge_claims(reviewer, first, second, reviewer="ana")

        assert ingest_paths(store, [articles], on_file=merge_once_left_out, pipeline=False).ok
    left_out = seen.index(False)
    assert seen[left_out + 1 :] == [True] * (len(seen) - left_out - 1)


@pytest.mark.usefixtures("bulk_sized")
def test_a_store_opened_during_a_bulk_load_builds_the_index_and_the_load_goes_on_with_it(
    tmp_path: Path, articles: Path
) -> None:
    path, kept = tmp_path / "store.db", tmp_path / "kept.db"
    seen: list[bool] = []

    def open_once_left_out(_file: Path) -> None:
        seen.append(_index_sql(path) is not None)
        if seen.count(False) == 1 and not seen[-1]:
            with open_store(path) as reviewer:  # a reviewer's UI, started meanwhile
                assert reviewer.has_passages_by_claim_index()

    with open_store(path) as store:
        assert ingest_paths(store, [articles], on_file=open_once_left_out, pipeline=False).ok
    assert seen.count(False) == 1 and seen[-1]
    with open_store(kept) as store:
        assert ingest_paths(store, [articles], pipeline=False).ok
    assert _stored(path) == _stored(kept)


def test_a_store_whose_index_cannot_be_built_now_still_opens(
    tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, (claim_id, passages) = _store_without_index(tmp_path, seeds_dir)
    # As a full disk would fail it.
    monkeypatch.setattr(store_module, "_BUILD_PASSAGES_BY_CLAIM_INDEX", "CREATE INDEX broken ON nowhere (x)")
    for readonly in (False, True):
        with open_store(path, readonly=readonly) as store:
            assert not store.has_passages_by_claim_index()
            assert load_sources(store, claim_id) == passages
    monkeypatch.undo()
    with open_store(path) as store:
        assert store.has_passages_by_claim_index()
