"""The grouping index's kept wordings (`index_wordings`): a load reads them back and folds in only the passages
stored since, and builds the very index that reading every passage builds; kept wordings that no longer hold are
never used.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from conftest import write_articles
from test_ingest_memory import _state

import workbench.ingest as ingest
from workbench import match
from workbench.corrections import merge_claims
from workbench.ingest import forget_kept_wordings, ingest_paths, load_matcher
from workbench.match import FEATURES_CODE, compute_features, features_from_json, features_json
from workbench.store import Store, open_store


@pytest.fixture
def folds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The rowid after which each load read the store's passages (0: all of them)."""
    real = ingest._fold_passages_since
    seen: list[int] = []

    def recording(store: Store, through: int, wordings: dict) -> object:
        seen.append(through)
        return real(store, through, wordings)

    monkeypatch.setattr(ingest, "_fold_passages_since", recording)
    return seen


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str | None]]:
    """The wordings whose features a load computed (not read back)."""
    seen: list[tuple[str, str | None]] = []

    def recording(text: str, claimant: str | None) -> match.MatchFeatures:
        seen.append((text, claimant))
        return compute_features(text, claimant)

    monkeypatch.setattr(ingest, "compute_features", recording)
    return seen


def _index_read_afresh(store: Store) -> dict:
    with store.write():
        forget_kept_wordings(store)
    return _state(load_matcher(store))


def _wordings(store: Store) -> set[tuple[str, str | None]]:
    return {(row[0], row[1]) for row in store.conn.execute("SELECT DISTINCT claim_text, claimant FROM mentions")}


def test_a_load_reads_back_the_kept_wordings_and_only_the_passages_stored_since(
    first_batch_store: Store, two_batches: tuple[Path, Path], folds: list[int], computed: list
) -> None:
    second = two_batches[1]
    with first_batch_store as store:
        folds.clear()
        computed.clear()
        first_load = _state(load_matcher(store))  # reads everything, keeps it
        assert folds == [0]
        assert set(computed) == _wordings(store)
        kept_through = store.conn.execute("SELECT MAX(last_rowid) FROM index_wordings").fetchone()[0]
        assert kept_through == store.conn.execute("SELECT MAX(rowid) FROM mentions").fetchone()[0]
        before = _wordings(store)

        folds.clear()
        computed.clear()
        assert _state(load_matcher(store)) == first_load  # nothing stored since: all read back
        assert folds == [kept_through] and computed == []

        assert ingest_paths(store, [second], pipeline=False).ok
        folds.clear()
        computed.clear()
        loaded = _state(load_matcher(store))
        # The run's own load folded nothing new; this one folds the run's passages and computes only new wordings.
        assert folds == [kept_through]
        assert computed and set(computed) == _wordings(store) - before
        assert loaded == _index_read_afresh(store)
        assert loaded != first_load


def test_the_store_after_runs_with_kept_wordings_is_the_one_without(
    tmp_path: Path, two_batches: tuple[Path, Path], benchmark_corpus: ModuleType
) -> None:
    first, second = two_batches
    third = write_articles(tmp_path / "third", benchmark_corpus, 8, seed=2005)
    for name in ("kept", "forgotten"):
        with open_store(tmp_path / f"{name}.db") as store:
            for folder in (first, second, third):
                if name == "forgotten":
                    with store.write():
                        forget_kept_wordings(store)
                assert ingest_paths(store, [folder], pipeline=False).ok
    query = 'SELECT id, claim_id, document_id, start, "end" FROM mentions ORDER BY rowid'
    with (
        contextlib.closing(sqlite3.connect(tmp_path / "kept.db")) as kept,
        contextlib.closing(sqlite3.connect(tmp_path / "forgotten.db")) as forgotten,
    ):
        assert kept.execute(query).fetchall() == forgotten.execute(query).fetchall()
        assert kept.execute("SELECT COUNT(*) FROM index_wordings").fetchone()[0] > 0


def _damage(store: Store, how: str) -> None:
    with store.write():
        if how == "a passage too many":
            store.conn.execute("UPDATE index_wordings SET passages = passages + 1 WHERE position = 0")
        elif how == "a rowid that is not one":
            store.conn.execute("UPDATE index_wordings SET last_rowid = 'soon' WHERE position = 1")
        elif how == "a wording twice":
            store.conn.execute(
                "INSERT INTO index_wordings (position, claim_id, text, claimant, passages, document_id, last_rowid)"
                " SELECT 100000, claim_id, text, claimant, 1, document_id, last_rowid FROM index_wordings"
                " WHERE position = 0"
            )


@pytest.mark.parametrize("how", ["a passage too many", "a rowid that is not one", "a wording twice"])
def test_kept_wordings_that_no_longer_hold_are_not_used(first_batch_store: Store, folds: list[int], how: str) -> None:
    with first_batch_store as store:
        expected = _state(load_matcher(store))
        _damage(store, how)
        folds.clear()
        assert _state(load_matcher(store)) == expected
        assert folds[-1] == 0  # every passage read again
        # ... and what it read is kept in their place.
        folds.clear()
        assert _state(load_matcher(store)) == expected
        assert folds[0] > 0


@pytest.mark.parametrize("features", ["not json", "[1, 2]", "other code"])
def test_kept_features_damaged_or_from_other_code_are_computed_again(
    first_batch_store: Store, computed: list, features: str
) -> None:
    with first_batch_store as store:
        expected = _state(load_matcher(store))
        text, claimant, kept = store.conn.execute(
            "SELECT text, claimant, features FROM index_wordings WHERE position = 3"
        ).fetchone()
        if features == "other code":
            values = json.loads(kept)
            values[0] = "another digest"
            features = json.dumps(values)
        with store.write():
            store.conn.execute("UPDATE index_wordings SET features = ? WHERE position = 3", [features])
        computed.clear()
        match._features.cache_clear()  # noqa: SLF001 - nothing remembered from the load above
        assert _state(load_matcher(store)) == expected
        assert computed == [(text, claimant)]
        fixed = store.conn.execute("SELECT features FROM index_wordings WHERE position = 3").fetchone()[0]
        assert json.loads(fixed)[0] == FEATURES_CODE


def test_a_correction_moving_passages_drops_the_kept_wordings(first_batch_store: Store, folds: list[int]) -> None:
    with first_batch_store as store:
        load_matcher(store)
        assert store.conn.execute("SELECT COUNT(*) FROM index_wordings").fetchone()[0] > 0
        source, target = [
            row[0] for row in store.conn.execute("SELECT id FROM claims ORDER BY source_count DESC LIMIT 2")
        ]
        merge_claims(store, source, target, reviewer="ana")
        assert store.conn.execute("SELECT COUNT(*) FROM index_wordings").fetchone()[0] == 0
        folds.clear()
        loaded = _state(load_matcher(store))
        assert folds == [0]
        assert loaded == _index_read_afresh(store)


def test_nothing_is_kept_when_another_connection_committed_during_the_load(
    tmp_path: Path, two_batches: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = two_batches
    db_path = tmp_path / "wb.db"
    real = ingest._fold_passages_since

    def a_reviewer_commits_meanwhile(store: Store, through: int, wordings: dict) -> object:
        with contextlib.closing(sqlite3.connect(db_path)) as other, other:
            other.execute("UPDATE reviews SET note = 'checked' WHERE claim_id = (SELECT MIN(claim_id) FROM reviews)")
        return real(store, through, wordings)

    with open_store(db_path) as store:
        assert ingest_paths(store, [first], pipeline=False).ok
        monkeypatch.setattr(ingest, "_fold_passages_since", a_reviewer_commits_meanwhile)
        load_matcher(store)
        assert store.conn.execute("SELECT COUNT(*) FROM index_wordings").fetchone()[0] == 0


def _seed_wordings(seeded_store: Store) -> Iterator[tuple[str, str | None]]:
    yield from seeded_store.conn.execute("SELECT DISTINCT claim_text, claimant FROM mentions ORDER BY 1, 2")


def test_features_read_back_from_json_are_the_computed_ones(seeded_store: Store) -> None:
    wordings = list(_seed_wordings(seeded_store))
    assert len(wordings) > 20
    for text, claimant in wordings:
        features = compute_features(text, claimant)
        back = features_from_json(features_json(features))
        assert back == features and hash(back) == hash(features)
    assert any(compute_features(*wording).frame.predicates for wording in wordings)


@pytest.mark.parametrize(
    "text",
    ["", "{}", "null", "[]", json.dumps([FEATURES_CODE]), json.dumps([FEATURES_CODE, *[[1]] * 13])],
)
def test_features_json_that_is_not_this_codes_reads_as_none(text: str) -> None:
    assert features_from_json(text) is None


def test_contradiction_links_read_the_kept_wordings_and_only_the_passages_stored_since(
    first_batch_store: Store, two_batches: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import workbench.discrepancies as discrepancies

    real = discrepancies._fold_claim_passages
    reads: list[int] = []

    def recording(store: Store, after: int, texts: dict, extremes: dict) -> int:
        reads.append(after)
        return real(store, after, texts, extremes)

    monkeypatch.setattr(discrepancies, "_fold_claim_passages", recording)
    with first_batch_store as store:  # (its run kept no wordings: the store was empty when it loaded the index)
        assert store.conn.execute("SELECT COUNT(*) FROM index_wordings").fetchone()[0] == 0
        assert ingest_paths(store, [two_batches[1]], pipeline=False).ok
        kept_through = store.conn.execute("SELECT MAX(last_rowid) FROM index_wordings").fetchone()[0]
        # This run's load kept the wordings of the first batch; its links read them and this run's passages.
        assert reads[-1] == kept_through > 0
        stored = sorted(
            tuple(row) for row in store.conn.execute("SELECT claim_a, claim_b, score, evidence FROM contradictions")
        )
        assert stored
        reads.clear()
        assert sorted(discrepancies.contradiction_rows(store)) == stored
        with store.write():
            forget_kept_wordings(store)
        assert sorted(discrepancies.contradiction_rows(store)) == stored
        assert reads == [kept_through, 0]
