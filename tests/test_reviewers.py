from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from workbench.corrections import claim_mentions, split_mention
from workbench.errors import InvalidValueError
from workbench.ingest import ingest_paths
from workbench.review import set_note, set_status
from workbench.reviewers import (
    agreement,
    cohen_kappa,
    final_claim_ids,
    final_counts,
    is_final,
    latest_verdicts,
    list_conflicts,
    merge_reviews,
    resolve_conflict,
    sign_off,
)
from workbench.store import Store, open_store


def claim_ids(store: Store) -> list[str]:
    return [row[0] for row in store.query("SELECT id FROM claims ORDER BY sort_key, id")]


def status_of(store: Store, claim_id: str) -> str:
    return store.query("SELECT status FROM reviews WHERE claim_id = ?", [claim_id])[0][0]


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def other_db(tmp_path: Path, seeds_dir: Path) -> Path:
    path = tmp_path / "other.db"
    with open_store(path) as other:
        assert ingest_paths(other, [seeds_dir]).ok
    return path


def test_cohen_kappa_on_hand_computed_examples() -> None:
    first = ["t", "t", "t", "t", "t", "f", "f", "f", "f", "f"]
    second = ["t", "t", "t", "t", "f", "f", "f", "f", "f", "t"]
    assert cohen_kappa(first, second) == pytest.approx(0.6)  # po 0.8, pe 0.5
    assert cohen_kappa(["a", "a", "b", "b", "c", "c"], ["a", "b", "b", "b", "c", "a"]) == pytest.approx(0.5)
    assert cohen_kappa(["t", "t"], ["t", "t"]) is None  # one label only: chance agreement is 1
    assert cohen_kappa([], []) is None


def test_merge_imports_agrees_and_lists_conflicts_without_overwriting(seeded_store: Store, other_db: Path) -> None:
    ids = claim_ids(seeded_store)
    agreed, disputed, theirs_only, ours_only = ids[:4]
    set_status(seeded_store, agreed, "true", reviewer="ana")
    set_status(seeded_store, disputed, "true", reviewer="ana")
    set_status(seeded_store, ours_only, "misleading", reviewer="ana")
    with open_store(other_db) as other:
        set_status(other, agreed, "true", reviewer="bob")
        set_status(other, disputed, "false", reviewer="bob")
        set_status(other, theirs_only, "unverifiable", reviewer="bob")
        set_note(other, theirs_only, "no source for this", reviewer="bob")
    digest = file_digest(other_db)

    report = merge_reviews(seeded_store, other_db)

    outcomes = {row.claim_id: row.outcome for row in report.rows}
    assert outcomes == {agreed: "agreed", disputed: "conflict", theirs_only: "imported"}
    assert status_of(seeded_store, disputed) == "true"  # ours stays
    assert status_of(seeded_store, theirs_only) == "unverifiable"
    assert (
        seeded_store.query("SELECT note FROM reviews WHERE claim_id = ?", [theirs_only])[0][0] == "no source for this"
    )
    assert status_of(seeded_store, ours_only) == "misleading"
    conflicts = list_conflicts(seeded_store)
    assert [(c.claim_id, c.local_status, c.other_status, c.other_reviewer) for c in conflicts] == [
        (disputed, "true", "false", "bob")
    ]
    imported = seeded_store.query(
        "SELECT claim_id, action, reviewer, new_value FROM review_history WHERE reviewer = 'bob' ORDER BY id"
    )
    assert {(row[0], row[1], row[3]) for row in imported} >= {
        (theirs_only, "import", "unverifiable"),
        (agreed, "import_agree", "true"),
        (disputed, "import_conflict", "false"),
    }
    assert latest_verdicts(seeded_store)[disputed] == {"ana": "true", "bob": "false"}
    assert file_digest(other_db) == digest  # the other database is only read

    history_rows = seeded_store.query("SELECT COUNT(*) FROM review_history")[0][0]
    again = merge_reviews(seeded_store, other_db)
    assert seeded_store.query("SELECT COUNT(*) FROM review_history")[0][0] == history_rows
    assert len(list_conflicts(seeded_store)) == 1
    assert {row.outcome for row in again.rows} == {"already", "conflict"}


def test_merge_matches_claims_by_source_spans_when_ids_differ(seeded_store: Store, other_db: Path) -> None:
    with open_store(other_db) as other:
        origin = other.query("SELECT id FROM claims WHERE source_count >= 2 ORDER BY sort_key")[0][0]
        mention = claim_mentions(other, origin)[-1]["id"]
        split = split_mention(other, mention, reviewer="bob")
        set_status(other, split.claim_id, "false", reviewer="bob")

    report = merge_reviews(seeded_store, other_db)

    [row] = report.rows
    assert (row.other_claim_id, row.matched_by, row.claim_id, row.outcome) == (
        split.claim_id,
        "spans",
        origin,
        "imported",
    )
    assert status_of(seeded_store, origin) == "false"


def test_resolving_a_conflict_sets_the_verdict_and_closes_it(seeded_store: Store, other_db: Path) -> None:
    claim_id = claim_ids(seeded_store)[0]
    set_status(seeded_store, claim_id, "true", reviewer="ana")
    with open_store(other_db) as other:
        set_status(other, claim_id, "false", reviewer="bob")
    merge_reviews(seeded_store, other_db)
    [conflict] = list_conflicts(seeded_store)

    resolved = resolve_conflict(seeded_store, conflict.id, "false", reviewer="ana")

    assert resolved.state == "resolved" and resolved.resolved_status == "false"
    assert status_of(seeded_store, claim_id) == "false"
    assert list_conflicts(seeded_store) == []
    with pytest.raises(InvalidValueError, match="already resolved"):
        resolve_conflict(seeded_store, conflict.id, "true", reviewer="ana")


def test_merging_a_database_into_itself_is_refused(seeded_store: Store, db_path: Path) -> None:
    with pytest.raises(InvalidValueError, match="being merged into"):
        merge_reviews(seeded_store, db_path)


def test_agreement_counts_and_kappa_between_reviewers(seeded_store: Store) -> None:
    ids = claim_ids(seeded_store)[:10]
    ana = ["true"] * 5 + ["false"] * 5
    bob = ["true"] * 4 + ["false"] * 5 + ["true"]
    for claim_id, verdict in zip(ids, ana, strict=True):
        set_status(seeded_store, claim_id, verdict, reviewer="ana")
    for claim_id, verdict in zip(ids, bob, strict=True):
        # agreeing with the current verdict changes nothing, so it is recorded as a sign-off
        set_status(seeded_store, claim_id, verdict, reviewer="bob") or sign_off(seeded_store, claim_id, reviewer="bob")
    set_status(seeded_store, claim_ids(seeded_store)[10], "misleading", reviewer="cy")

    report = agreement(seeded_store)

    assert report.per_reviewer["ana"] == {"true": 5, "false": 5}
    assert report.per_reviewer["bob"] == {"true": 5, "false": 5}
    pair = next(p for p in report.pairs if (p.first, p.second) == ("ana", "bob"))
    assert (pair.both_reviewed, pair.agreed) == (10, 8)
    assert pair.kappa == pytest.approx(0.6)
    assert next(p for p in report.pairs if (p.first, p.second) == ("ana", "cy")).kappa is None


def test_two_reviewer_signoff(seeded_store: Store) -> None:
    claim_id = claim_ids(seeded_store)[0]
    set_status(seeded_store, claim_id, "true", reviewer="ana")
    assert is_final(seeded_store, claim_id, 1)
    assert not is_final(seeded_store, claim_id, 2)
    set_status(seeded_store, claim_id, "true", reviewer="bob")  # same status: no change, so no sign-off
    assert not is_final(seeded_store, claim_id, 2)
    assert sign_off(seeded_store, claim_id, reviewer="bob")
    assert not sign_off(seeded_store, claim_id, reviewer="bob")
    assert is_final(seeded_store, claim_id, 2)
    assert final_counts(seeded_store, 2) == (1, 1)
    set_status(seeded_store, claim_id, "misleading", reviewer="cy")
    assert claim_id not in final_claim_ids(seeded_store, 2)


def test_export_marks_final_verdicts(seeded_store: Store) -> None:
    import io
    import json

    from workbench.config import Config
    from workbench.export import write_format

    claim_id = claim_ids(seeded_store)[0]
    set_status(seeded_store, claim_id, "true", reviewer="ana")

    def exported_final(required: int) -> dict[str, bool]:
        out = io.StringIO()
        write_format(seeded_store, "json", out, None, config=Config(required_signoffs=required))
        return {claim["id"]: claim["final"] for claim in json.loads(out.getvalue())["claims"]}

    assert exported_final(1)[claim_id] is True
    assert exported_final(2)[claim_id] is False
    sign_off(seeded_store, claim_id, reviewer="bob")
    finals = exported_final(2)
    assert finals[claim_id] is True and sum(finals.values()) == 1
    out = io.StringIO()
    write_format(seeded_store, "csv", out, None, config=Config(required_signoffs=2))
    header, first = out.getvalue().lstrip("\ufeff").splitlines()[:2]
    assert header.endswith(",final") and first.endswith(",yes")
