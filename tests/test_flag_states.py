"""Kept discrepancy scans (`flag_states`): a run that adds passages to a claim reads only those, and flags exactly as
reading every passage again would; a state that no longer holds (other code, damaged, passages moved) is never used.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

import workbench.discrepancies as discrepancies
from workbench.corrections import merge_claims, split_mention, undo_correction
from workbench.discrepancies import (
    FLAG_STATE_FORMAT,
    SourceText,
    _Scan,
    forget_flag_states,
    iter_flag_rows,
    refresh_discrepancies,
)
from workbench.ingest import ingest_paths
from workbench.store import Store, open_store

# Small enough that the claims of a few dozen generated articles keep states.
MIN_SOURCES = 4


@pytest.fixture(autouse=True)
def kept_from_few_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before any store of these tests is filled."""
    monkeypatch.setattr(discrepancies, "FLAG_STATE_MIN_SOURCES", MIN_SOURCES)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """(claim id, the rowid its passages were read after) of every read of a claim's passages, in order."""
    real = discrepancies._sources_after
    seen: list[tuple[str, int]] = []

    def recording(store: Store, claim_id: str, after: int, last: list[int]) -> Iterator[SourceText]:
        seen.append((claim_id, after))
        return real(store, claim_id, after, last)

    monkeypatch.setattr(discrepancies, "_sources_after", recording)
    return seen


def _kept(store: Store) -> dict[str, int]:
    return {row[0]: row[1] for row in store.conn.execute("SELECT claim_id, through_rowid FROM flag_states")}


def _stored_flags(store: Store) -> list[tuple]:
    return sorted(tuple(row) for row in store.conn.execute("SELECT claim_id, kind, summary, spans FROM discrepancies"))


def _flags_read_afresh(store: Store) -> list[tuple]:
    """The flags every claim's passages raise, each claim read from its first passage (no kept state used)."""
    with store.write():
        forget_flag_states(store, None)
    claim_ids = [row[0] for row in store.conn.execute("SELECT DISTINCT claim_id FROM mentions ORDER BY 1")]
    return sorted(iter_flag_rows(store, claim_ids))


@pytest.mark.parametrize("pipeline", [False, True], ids=["one process", "with the worker"])
def test_a_run_reads_only_the_passages_added_since_a_claims_kept_scan_and_flags_as_reading_them_all(
    first_batch_store: Store, two_batches: tuple[Path, Path], reads: list, pipeline: bool
) -> None:
    second = two_batches[1]
    with first_batch_store as store:
        kept = _kept(store)
        # Every claim of MIN_SOURCES passages or more keeps its scan, through its last passage; no other does.
        sizes = {row[0]: row[1] for row in store.conn.execute("SELECT claim_id, COUNT(*) FROM mentions GROUP BY 1")}
        assert set(kept) == {claim_id for claim_id, size in sizes.items() if size >= MIN_SOURCES}
        last = {row[0]: row[1] for row in store.conn.execute("SELECT claim_id, MAX(rowid) FROM mentions GROUP BY 1")}
        assert all(through == last[claim_id] for claim_id, through in kept.items())

        reads.clear()
        # (The worker is another process: its reads are not recorded here, nor is its FLAG_STATE_MIN_SOURCES this
        # test's. The store must come out the same either way.)
        assert ingest_paths(store, [second], pipeline=pipeline).ok
        gained = {
            claim_id
            for (claim_id,) in store.conn.execute(
                "SELECT DISTINCT claim_id FROM mentions WHERE rowid > ?", [max(last.values())]
            )
        }
        resumed = gained & set(kept)
        assert len(resumed) >= 3, "the second batch adds passages to claims with kept scans"
        # In this process, such a claim is read from where its scan stopped, never from its first passage.
        read_here = dict(reads)
        assert read_here, "this process computed flags"
        assert all(read_here[claim_id] == kept[claim_id] for claim_id in resumed & set(read_here))
        if not pipeline:
            assert resumed <= set(read_here)

        stored = _stored_flags(store)
        assert any(claim_id in resumed for claim_id, *_ in stored), "some resumed claim is flagged"
        assert stored == _flags_read_afresh(store)


def test_the_store_after_two_runs_is_the_same_with_or_without_kept_scans(
    tmp_path: Path, two_batches: tuple[Path, Path]
) -> None:
    first, second = two_batches
    for name in ("kept", "forgotten"):
        with open_store(tmp_path / f"{name}.db") as store:
            assert ingest_paths(store, [first], pipeline=False).ok
            if name == "forgotten":
                with store.write():
                    forget_flag_states(store, None)
            assert ingest_paths(store, [second], pipeline=False).ok
    flags = "SELECT claim_id, kind, summary, spans FROM discrepancies ORDER BY claim_id, kind"
    states = "SELECT claim_id, through_rowid, state FROM flag_states"
    with sqlite3.connect(tmp_path / "kept.db") as kept, sqlite3.connect(tmp_path / "forgotten.db") as forgotten:
        assert kept.execute(flags).fetchall() == forgotten.execute(flags).fetchall()
        # A scan gone on from its kept state ends as one read from the start (the other store kept only the claims
        # its second run touched).
        kept_states = {row[0]: row[1:] for row in kept.execute(states)}
        read_again = {row[0]: row[1:] for row in forgotten.execute(states)}
        assert len(read_again) >= 3
        assert {claim_id: kept_states[claim_id] for claim_id in read_again} == read_again


@pytest.mark.parametrize(
    "damage",
    [
        "not json at all",
        "[1, 2, 3]",
        json.dumps({"format": "written by other code"}),
        "format-matching but broken",
        "held sentence out of range",
    ],
)
def test_a_kept_scan_that_is_damaged_or_from_other_code_is_read_again_in_full(
    first_batch_store: Store, two_batches: tuple[Path, Path], reads: list, damage: str
) -> None:
    second = two_batches[1]
    with first_batch_store as store:
        claim_id, text = store.conn.execute(
            "SELECT claim_id, state FROM flag_states ORDER BY length(state) DESC LIMIT 1"
        ).fetchone()
        state = json.loads(text)
        if damage == "format-matching but broken":
            state["total"] = "many"
            damage = json.dumps(state)
        elif damage == "held sentence out of range":
            assert state["held"], "the largest claim holds sources"
            state["held"][0][4] = len(state["sentences"])
            damage = json.dumps(state)
        with store.write():
            store.conn.execute("UPDATE flag_states SET state = ? WHERE claim_id = ?", [damage, claim_id])
        reads.clear()
        refresh_discrepancies(store, [claim_id])

        assert reads == [(claim_id, 0)]
        # Replaced by a sound one, and the flags are those of a full reading.
        fresh = store.conn.execute("SELECT state FROM flag_states WHERE claim_id = ?", [claim_id]).fetchone()[0]
        assert json.loads(fresh)["format"] == FLAG_STATE_FORMAT
        assert _Scan.restored(fresh) is not None
        assert ingest_paths(store, [second], pipeline=False).ok
        assert _stored_flags(store) == _flags_read_afresh(store)


def _two_kept_claims(store: Store, articles: Path, order: str) -> tuple[str, str]:
    """Ingest `articles`; the two claims with kept scans whose last passages come first ("ASC") or last."""
    assert ingest_paths(store, [articles], pipeline=False).ok
    query = f"SELECT claim_id FROM flag_states ORDER BY through_rowid {order} LIMIT 2"  # noqa: S608 - ASC or DESC
    first, second = [row[0] for row in store.conn.execute(query)]
    return first, second


def test_a_kept_scan_is_not_used_once_passages_left_its_claim_another_way(
    tmp_path: Path, two_batches: tuple[Path, Path], reads: list
) -> None:
    with open_store(tmp_path / "wb.db") as store:
        claim_id, other = _two_kept_claims(store, two_batches[0], "ASC")
        # Not through workbench: a passage moved by hand leaves the kept scan counting one passage too many.
        with store.write():
            store.conn.execute(
                "UPDATE mentions SET claim_id = ? WHERE rowid = (SELECT MIN(rowid) FROM mentions WHERE claim_id = ?)",
                [other, claim_id],
            )
        reads.clear()
        refresh_discrepancies(store, [claim_id, other])
        assert (claim_id, 0) in reads
        assert _stored_flags(store) == _flags_read_afresh(store)


def test_after_a_merge_its_undo_and_a_split_the_claims_they_changed_are_read_in_full(
    tmp_path: Path, two_batches: tuple[Path, Path], reads: list
) -> None:
    with open_store(tmp_path / "wb.db") as store:
        target, source = _two_kept_claims(store, two_batches[0], "DESC")
        reads.clear()
        merge = merge_claims(store, source, target, reviewer="ana")
        # The merged claim is read from its first passage (its kept scan, counting only its own, is gone)...
        assert (target, 0) in reads
        assert all(after == 0 for claim_id, after in reads if claim_id == target)
        assert _stored_flags(store) == _flags_read_afresh(store)

        reads.clear()
        undo_correction(store, merge.history_id, reviewer="ana")
        assert (target, 0) in reads
        assert _stored_flags(store) == _flags_read_afresh(store)

        mention_id = store.conn.execute(
            "SELECT id FROM mentions WHERE claim_id = ? ORDER BY rowid LIMIT 1", [target]
        ).fetchone()[0]
        reads.clear()
        split_mention(store, mention_id, reviewer="ana")
        assert (target, 0) in reads
        assert _stored_flags(store) == _flags_read_afresh(store)

        # ...and the next run, adding passages, flags as a full reading does.
        assert ingest_paths(store, [two_batches[1]], pipeline=False).ok
        assert _stored_flags(store) == _flags_read_afresh(store)


def _source(index: int, sentence: str, claimant: str | None) -> SourceText:
    return SourceText(f"m{index}", f"d{index}", index * 100, sentence, claimant)


SENTENCES = [
    ("Two drones were shot down over the Kremlin on Wednesday, the Kremlin said.", "Kremlin"),
    ("Three drones were shot down over the Kremlin on Tuesday, Peskov said.", "Dmitry Peskov"),
    ("Two drones were allegedly shot down over the Kremlin on 3 May, Podolyak said.", "Mykhailo Podolyak"),
    ("Two drones were shot down over the Kremlin on Wednesday, Podoliak said.", "Mykhailo Podoliak"),
    ("The drones were reportedly shot down over the Kremlin, officials said.", None),
]


@pytest.mark.parametrize("split_at", [0, 1, 2, 3, 7, 30, 59, 60])
def test_a_scan_restored_from_its_state_and_fed_the_rest_decides_as_one_fed_everything(split_at: int) -> None:
    sources = [_source(index, *SENTENCES[(index * 7) % len(SENTENCES)]) for index in range(60)]
    whole = _Scan()
    whole.feed(sources)
    whole.decide()

    before = _Scan()
    before.feed(sources[:split_at])
    restored = _Scan.restored(before.state())
    assert restored is not None
    restored.feed(sources[split_at:])
    restored.decide()

    assert restored.total == whole.total == 60
    assert restored.discrepancies("c") == whole.discrepancies("c")
    assert {found.kind for found in whole.discrepancies("c")} >= {"number", "date", "claimant"}
    assert restored.state() == whole.state()


def test_the_side_by_side_view_of_a_claim_goes_on_from_its_kept_scan_and_shows_the_same(
    first_batch_store: Store, reads: list
) -> None:
    from workbench.discrepancies import side_by_side

    with first_batch_store as store:
        claim_id, through = store.conn.execute(
            "SELECT claim_id, through_rowid FROM flag_states WHERE claim_id IN (SELECT claim_id FROM discrepancies)"
            " ORDER BY length(state) DESC LIMIT 1"
        ).fetchone()
        reads.clear()
        shown = side_by_side(store, claim_id)
        assert (claim_id, through) in reads and (claim_id, 0) in reads  # the scan goes on; the sources are listed
        assert any(view.highlights for view in shown)
        with store.write():
            forget_flag_states(store, None)
        assert side_by_side(store, claim_id) == shown
