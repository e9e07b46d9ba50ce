from __future__ import annotations

from pathlib import Path

import pytest

from workbench.corrections import (
    claim_history,
    claim_mentions,
    edit_claim,
    find_merge_targets,
    list_corrections,
    merge_claims,
    regroup,
    split_mention,
)
from workbench.errors import InvalidValueError, NotFoundError
from workbench.ingest import ingest_paths
from workbench.review import set_status, undo_last
from workbench.store import Store


def assignment(store: Store) -> dict[str, str]:
    return {row[0]: row[1] for row in store.query("SELECT id, claim_id FROM mentions")}


def single_source_claims(store: Store, count: int) -> list[str]:
    rows = store.query("SELECT id FROM claims WHERE source_count = 1 ORDER BY sort_key LIMIT ?", [count])
    return [row[0] for row in rows]


def multi_source_claim(store: Store) -> str:
    return store.query("SELECT id FROM claims WHERE source_count >= 2 ORDER BY source_count DESC, sort_key")[0][0]


def claim_row(store: Store, claim_id: str) -> dict | None:
    row = store.query("SELECT * FROM claims WHERE id = ?", [claim_id])
    return dict(row[0]) if row else None


def history_count(store: Store) -> int:
    return store.query("SELECT COUNT(*) FROM review_history")[0][0]


def test_merge_moves_sources_retires_the_claim_with_its_verdict_and_undo_restores_it(seeded_store: Store) -> None:
    source, target = single_source_claims(seeded_store, 2)
    source_mentions = {row["id"] for row in claim_mentions(seeded_store, source)}
    set_status(seeded_store, source, "false", reviewer="ana")
    set_status(seeded_store, target, "true", reviewer="ana")

    result = merge_claims(seeded_store, source, target, reviewer="ana")

    assert result.claim_id == target
    assert claim_row(seeded_store, source) is None
    assert source_mentions <= {row["id"] for row in claim_mentions(seeded_store, target)}
    assert claim_row(seeded_store, target)["source_count"] == 2
    retired = seeded_store.query("SELECT status, merged_into FROM retired_claims WHERE id = ?", [source])[0]
    assert (retired[0], retired[1]) == ("false", target)
    assert seeded_store.query("SELECT status FROM reviews WHERE claim_id = ?", [target])[0][0] == "true"
    merge_rows = [row for row in claim_history(seeded_store, target) if row["action"] == "merge"]
    assert [(row["old_value"], row["new_value"]) for row in merge_rows] == [(source, target)]

    change = undo_last(seeded_store, reviewer="ana")

    assert change is not None and change.action == "merge" and change.claim_id == source
    assert {row["id"] for row in claim_mentions(seeded_store, source)} == source_mentions
    assert claim_row(seeded_store, target)["source_count"] == 1
    assert seeded_store.query("SELECT status FROM reviews WHERE claim_id = ?", [source])[0][0] == "false"
    assert seeded_store.query("SELECT COUNT(*) FROM retired_claims WHERE id = ?", [source])[0][0] == 0
    assert list_corrections(seeded_store) == []


def test_split_takes_one_passage_out_and_undo_puts_it_back(seeded_store: Store) -> None:
    origin = multi_source_claim(seeded_store)
    before = assignment(seeded_store)
    mention = claim_mentions(seeded_store, origin)[-1]["id"]

    result = split_mention(seeded_store, mention, reviewer="ana")

    assert [row["id"] for row in claim_mentions(seeded_store, result.claim_id)] == [mention]
    assert mention not in {row["id"] for row in claim_mentions(seeded_store, origin)}
    assert seeded_store.query("SELECT status FROM reviews WHERE claim_id = ?", [result.claim_id])[0][0] == "unreviewed"

    change = undo_last(seeded_store, reviewer="ana")

    assert change is not None and change.action == "split" and change.claim_id == origin
    assert assignment(seeded_store) == before
    assert claim_row(seeded_store, result.claim_id) is None


def test_edit_changes_wording_and_claimant_and_undo_restores_each(seeded_store: Store) -> None:
    claim_id = multi_source_claim(seeded_store)
    original = claim_row(seeded_store, claim_id)

    results = edit_claim(seeded_store, claim_id, reviewer="ana", text="Putin was elsewhere", claimant="Peskov")

    assert [result.kind for result in results] == ["edit", "edit"]
    assert (claim_row(seeded_store, claim_id)["text"], claim_row(seeded_store, claim_id)["claimant"]) == (
        "Putin was elsewhere",
        "Peskov",
    )
    hits = seeded_store.query("SELECT rowid FROM claims_fts WHERE claims_fts MATCH 'elsewhere'")
    assert len(hits) == 1
    assert undo_last(seeded_store, reviewer="ana").field == "claimant"
    assert claim_row(seeded_store, claim_id)["claimant"] == original["claimant"]
    assert claim_row(seeded_store, claim_id)["text"] == "Putin was elsewhere"
    assert undo_last(seeded_store, reviewer="ana").field == "text"
    assert claim_row(seeded_store, claim_id)["text"] == original["text"]


def test_undoing_an_older_edit_keeps_a_later_one_by_someone_else(seeded_store: Store) -> None:
    claim_id = multi_source_claim(seeded_store)
    edit_claim(seeded_store, claim_id, reviewer="ana", text="First wording")
    edit_claim(seeded_store, claim_id, reviewer="bob", text="Second wording")
    undo_last(seeded_store, reviewer="ana")
    assert claim_row(seeded_store, claim_id)["text"] == "Second wording"


def test_undo_takes_the_most_recent_change_of_any_kind(seeded_store: Store) -> None:
    source, target = single_source_claims(seeded_store, 2)
    merge_claims(seeded_store, source, target, reviewer="ana")
    set_status(seeded_store, target, "misleading", reviewer="ana")
    assert undo_last(seeded_store, reviewer="ana").field == "status"
    assert claim_row(seeded_store, source) is None  # the merge is still in force
    assert undo_last(seeded_store, reviewer="ana").action == "merge"
    assert claim_row(seeded_store, source) is not None
    assert undo_last(seeded_store, reviewer="ana") is None


def test_history_never_loses_rows(seeded_store: Store) -> None:
    source, target = single_source_claims(seeded_store, 2)
    counts = [history_count(seeded_store)]
    merge_claims(seeded_store, source, target, reviewer="ana")
    counts.append(history_count(seeded_store))
    edit_claim(seeded_store, target, reviewer="ana", claimant="Someone")
    counts.append(history_count(seeded_store))
    undo_last(seeded_store, reviewer="ana")
    undo_last(seeded_store, reviewer="ana")
    counts.append(history_count(seeded_store))
    regroup(seeded_store)
    counts.append(history_count(seeded_store))
    assert counts == [0, 1, 2, 4, 4]
    rows = claim_history(seeded_store)
    assert [row["action"] for row in rows] == ["merge", "edit", "undo", "undo"]
    assert all(row["undone_by"] for row in rows[:2])


def test_corrections_survive_regroup(seeded_store: Store) -> None:
    source, target = single_source_claims(seeded_store, 2)
    merge_claims(seeded_store, source, target, reviewer="ana")
    origin = multi_source_claim(seeded_store)
    mention = claim_mentions(seeded_store, origin)[-1]["id"]
    split = split_mention(seeded_store, mention, reviewer="ana")
    edit_claim(seeded_store, origin, reviewer="ana", text="Edited by hand")
    before = assignment(seeded_store)

    report = regroup(seeded_store)

    assert report.corrections_applied == 3
    assert assignment(seeded_store) == before
    assert claim_row(seeded_store, source) is None
    assert [row["id"] for row in claim_mentions(seeded_store, split.claim_id)] == [mention]
    assert claim_row(seeded_store, origin)["text"] == "Edited by hand"


def test_regroup_without_corrections_keeps_every_claim_id(seeded_store: Store) -> None:
    before = assignment(seeded_store)
    claims_before = {row[0] for row in seeded_store.query("SELECT id FROM claims")}
    report = regroup(seeded_store)
    assert assignment(seeded_store) == before
    assert {row[0] for row in seeded_store.query("SELECT id FROM claims")} == claims_before
    assert report.new_claims == [] and report.retired_claims == [] and report.moved_mentions == 0


class LumpingMatcher:
    """Puts every passage into one group: the worst matcher, to exercise id assignment."""

    def add(self, claim_id: str, text: str, claimant: str | None, document_id: str) -> None:
        pass

    def match(self, text: str, claimant: str | None, document_id: str) -> str | None:
        return "everything"


def test_regroup_keeps_the_majority_id_and_never_reuses_ids(seeded_store: Store) -> None:
    biggest = multi_source_claim(seeded_store)
    reviewed = single_source_claims(seeded_store, 1)[0]
    set_status(seeded_store, reviewed, "true", reviewer="ana")
    all_ids = {row[0] for row in seeded_store.query("SELECT id FROM claims")}

    lumped = regroup(seeded_store, matcher_factory=LumpingMatcher)  # type: ignore[arg-type]

    assert [row[0] for row in seeded_store.query("SELECT id FROM claims")] == [biggest]
    assert set(lumped.retired_claims) == all_ids - {biggest}
    assert (reviewed, "true") in lumped.retired_with_verdict

    split_again = regroup(seeded_store)

    live = {row[0] for row in seeded_store.query("SELECT id FROM claims")}
    assert biggest in live
    # Fresh groups never take an id that named another group before.
    assert not (set(split_again.new_claims) & all_ids)
    assert len(live) == len(all_ids)


def test_corrections_apply_to_newly_ingested_articles(seeded_store: Store, seeds_dir: Path, tmp_path: Path) -> None:
    origin = multi_source_claim(seeded_store)
    split_source = claim_mentions(seeded_store, origin)[-1]
    split = split_mention(seeded_store, split_source["id"], reviewer="ana")
    source, target = single_source_claims(seeded_store, 2)
    merge_claims(seeded_store, source, target, reviewer="ana")
    edit_claim(seeded_store, target, reviewer="ana", text="Hand-written wording")
    sentence = seeded_store.query(
        "SELECT s.text FROM mentions m JOIN sentences s ON s.id = m.sentence_id WHERE m.id = ?", [split_source["id"]]
    )[0][0]
    new_article = tmp_path / "more" / "new_article.txt"
    new_article.parent.mkdir()
    new_article.write_text(f"A later report\n\n{sentence}\n\nNothing else happened that day, officials said.\n")

    report = ingest_paths(seeded_store, [new_article])

    assert report.ok and report.added
    assert [row["id"] for row in claim_mentions(seeded_store, split.claim_id)] == [split_source["id"]]
    assert claim_row(seeded_store, source) is None
    assert claim_row(seeded_store, target)["text"] == "Hand-written wording"
    regroup(seeded_store)
    assert [row["id"] for row in claim_mentions(seeded_store, split.claim_id)] == [split_source["id"]]
    assert claim_row(seeded_store, target)["text"] == "Hand-written wording"


def test_bad_corrections_are_clear_errors(seeded_store: Store) -> None:
    claim_id = single_source_claims(seeded_store, 1)[0]
    only_mention = claim_mentions(seeded_store, claim_id)[0]["id"]
    with pytest.raises(InvalidValueError, match="into itself"):
        merge_claims(seeded_store, claim_id, claim_id, reviewer="ana")
    with pytest.raises(NotFoundError, match="nope"):
        merge_claims(seeded_store, claim_id, "nope", reviewer="ana")
    with pytest.raises(InvalidValueError, match="only source"):
        split_mention(seeded_store, only_mention, reviewer="ana")
    with pytest.raises(NotFoundError, match="mzzz"):
        split_mention(seeded_store, "mzzz", reviewer="ana")
    with pytest.raises(InvalidValueError, match="empty"):
        edit_claim(seeded_store, claim_id, reviewer="ana", text="  ")
    assert history_count(seeded_store) == 0


def test_find_merge_targets_searches_text_and_excludes_the_claim_itself(seeded_store: Store) -> None:
    claim_id = multi_source_claim(seeded_store)
    text = claim_row(seeded_store, claim_id)["text"]
    words = [word for word in text.split() if len(word) > 4][:2]
    hits = find_merge_targets(seeded_store, " ".join(words))
    assert claim_id in [hit["id"] for hit in hits]
    assert claim_id not in [hit["id"] for hit in find_merge_targets(seeded_store, " ".join(words), exclude=claim_id)]
    assert [hit["id"] for hit in find_merge_targets(seeded_store, claim_id)] == [claim_id]


def test_a_correction_made_between_two_commit_groups_of_a_run_applies_to_the_later_one(
    seeded_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench import ingest

    monkeypatch.setattr(ingest, "BATCH_DOCUMENTS", 1)
    source, target = single_source_claims(seeded_store, 2)
    sentence = seeded_store.query(
        "SELECT s.text FROM mentions m JOIN sentences s ON s.id = m.sentence_id WHERE m.claim_id = ?", [source]
    )[0][0]
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text("An unrelated report\n\nThe mayor opened a bridge on Tuesday, officials said.\n")
    second.write_text(f"A later report\n\n{sentence}\n\nNothing else happened that day, officials said.\n")

    ingester = ingest.Ingester(seeded_store)
    with ingester.batched():
        ingester.ingest_file(first, ingest.IngestReport())  # its group asked: the store had no corrections
        ingester.matcher  # noqa: B018 - loaded now, before the merge: it still groups the sentence with `source`
        merge_claims(seeded_store, source, target, reviewer="ana")  # a reviewer, between the run's groups
        ingester.ingest_file(second, ingest.IngestReport())

    assert claim_row(seeded_store, source) is None
    placed = seeded_store.query("SELECT claim_id FROM mentions WHERE document_id = ?", ["d" + _sha256(second)[:16]])
    assert placed and {row[0] for row in placed} >= {target} and source not in {row[0] for row in placed}


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_undoing_a_merge_of_more_passages_than_a_statement_takes_restores_them_all(
    seeded_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from workbench import store as store_module
    from workbench.corrections import undo_correction

    # One claim gathers the passages of twenty, then goes into another claim.
    source, *others, target = single_source_claims(seeded_store, 22)
    for other in others:
        merge_claims(seeded_store, other, source, reviewer="ana")
    before = assignment(seeded_store)
    moved = [mention for mention, claim in before.items() if claim == source]
    result = merge_claims(seeded_store, source, target, reviewer="ana")
    # A statement here takes 16 parameters at most, fewer than the merge moved passages (a claim quoted by tens of
    # thousands meets SQLite's own limit the same way); lists are cut to two values a statement.
    monkeypatch.setattr(store_module, "IN_LIST_CHUNK", 2)
    seeded_store.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 16)
    assert len(moved) > 16

    undo_correction(seeded_store, result.history_id, reviewer="ana")

    assert assignment(seeded_store) == before
