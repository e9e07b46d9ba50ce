"""Re-ingest and re-grouping keep every claim id, verdict and note on the claim it was given to.

Reviews are set on every claim of the seeds; then two new articles arrive that restate some of those claims (new
sources) and make new ones; then `workbench regroup` runs. Ingest and regroup go through the real CLI.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from processes import (
    REPO_ROOT,
    child_env,
    error_lines,
    run_workbench,
    sqlite_connection,
    workbench_command,
    write_articles,
)

from workbench.review import update_review
from workbench.store import open_store

SEEDS = REPO_ROOT / "seeds"
STATUSES = ["true", "false", "misleading", "unverifiable", "not_checkworthy"]

RESTATING_ARTICLE = """Kremlin says Putin was safe during the drone incident

(Wire Service) - Putin was not in the Kremlin at the time of the attack, Kremlin spokesman Dmitry Peskov said on \
Wednesday. Peskov also said that Putin will participate in the Red Square military parade on May 9.

About a dozen cities around Russia have canceled parades and other public activities for May 9, citing unspecified \
security concerns.

The Moscow mayor's office said that 14 roads around the Kremlin were closed for six hours on Wednesday morning.
"""

SECOND_ARTICLE = """Drone ban in Moscow

(City Herald) - Shortly before the Kremlin statement was released, Moscow city authorities issued an order banning \
the use of drones in the capital.

The Ukrainian air force said it had tracked 24 drones over the Kyiv region on Thursday night, destroying 18 of them.
"""


def claims(db_path: Path) -> dict[str, tuple[str, int]]:
    with sqlite_connection(db_path, readonly=True) as conn:
        return {row[0]: (row[1], row[2]) for row in conn.execute("SELECT id, text, source_count FROM claims")}


def verdicts(db_path: Path) -> dict[str, tuple[str, str]]:
    with sqlite_connection(db_path, readonly=True) as conn:
        return {
            row[0]: (row[1], row[2])
            for row in conn.execute("SELECT claim_id, status, note FROM reviews WHERE status != 'unreviewed'")
        }


def history_count(db_path: Path) -> int:
    with sqlite_connection(db_path, readonly=True) as conn:
        return conn.execute("SELECT COUNT(*) FROM review_history WHERE field IN ('status', 'note')").fetchone()[0]


@pytest.fixture
def reviewed_db(tmp_path: Path) -> Path:
    """The seeds, with a status and a note (naming the claim's id and text) on every claim."""
    db_path = tmp_path / "wb.db"
    result = run_workbench("ingest", str(SEEDS), "--db", str(db_path), timeout=60)
    assert result.returncode == 0, result.stderr
    with open_store(db_path) as store:
        for index, (claim_id, text) in enumerate(store.query("SELECT id, text FROM claims ORDER BY sort_key")):
            update_review(
                store,
                claim_id,
                reviewer="ana",
                status=STATUSES[index % len(STATUSES)],
                note=f"{claim_id}: {text[:60]}",
            )
    return db_path


def test_new_sources_and_new_claims_keep_every_verdict_on_its_claim(reviewed_db: Path, tmp_path: Path) -> None:
    before_claims = claims(reviewed_db)
    before_verdicts = verdicts(reviewed_db)
    before_history = history_count(reviewed_db)
    assert len(before_verdicts) == len(before_claims) > 20
    batch = tmp_path / "new"
    batch.mkdir()
    (batch / "wire.txt").write_text(RESTATING_ARTICLE, encoding="utf-8")
    (batch / "herald.md").write_text(SECOND_ARTICLE, encoding="utf-8")

    result = run_workbench("ingest", str(batch), "--db", str(reviewed_db), timeout=60)

    assert result.returncode == 0, result.stderr
    assert error_lines(result) == []
    after_claims = claims(reviewed_db)
    assert set(before_claims) <= set(after_claims), "an existing claim id disappeared"
    assert verdicts(reviewed_db) == before_verdicts, "a verdict or note moved or changed"
    assert history_count(reviewed_db) == before_history, "ingest wrote review history"
    for claim_id, (text, _sources) in before_claims.items():
        assert after_claims[claim_id][0] == text, f"the text of reviewed claim {claim_id} changed"
    grown = {claim_id for claim_id, (_text, sources) in before_claims.items() if after_claims[claim_id][1] > sources}
    new = set(after_claims) - set(before_claims)
    grown_texts = " | ".join(after_claims[claim_id][0] for claim_id in grown)
    assert "Putin was not in the Kremlin at the time of the attack" in grown_texts
    assert "banning the use of drones in the capital" in grown_texts
    assert len(grown) >= 3, grown_texts
    assert len(new) >= 2
    new_texts = " | ".join(after_claims[claim_id][0] for claim_id in new)
    assert "14 roads" in new_texts and "24 drones" in new_texts
    with sqlite_connection(reviewed_db, readonly=True) as conn:
        unreviewed_new = conn.execute(
            f"SELECT COUNT(*) FROM reviews WHERE status = 'unreviewed' AND claim_id IN ({','.join('?' * len(new))})",
            sorted(new),
        ).fetchone()[0]
    assert unreviewed_new == len(new)

    # the same files again: nothing changes
    again = run_workbench("ingest", str(batch), str(SEEDS), "--db", str(reviewed_db), timeout=60)
    assert again.returncode == 0 and "0 added, 5 skipped" in again.stdout, again.stdout
    assert claims(reviewed_db) == after_claims and verdicts(reviewed_db) == before_verdicts

    # re-grouping from scratch keeps ids and verdicts too
    regrouped = run_workbench("regroup", "--db", str(reviewed_db), timeout=60)
    assert regrouped.returncode == 0, regrouped.stderr
    assert set(before_claims) <= set(claims(reviewed_db))
    assert verdicts(reviewed_db) == before_verdicts
    assert history_count(reviewed_db) == before_history


@pytest.mark.slow
def test_grouping_does_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    """Two identical ingests must group the same way, whatever Python's per-process string hash seed is.

    Grouping compares scores built from sets of words: a tie broken by set iteration order, or a float sum taken in
    that order, would make a mention join a different claim from one run to the next.
    """
    articles = write_articles(tmp_path / "articles", 120, seed=11)[0].parent
    groupings = []
    for hash_seed in ("1", "2"):
        db_path = tmp_path / f"run{hash_seed}.db"
        env = {**child_env(), "PYTHONHASHSEED": hash_seed}
        result = subprocess.run(
            workbench_command("ingest", str(articles), "--db", str(db_path)),
            capture_output=True,
            text=True,
            timeout=120,
            cwd=REPO_ROOT,
            env=env,
        )
        assert result.returncode == 0, result.stderr
        with sqlite_connection(db_path, readonly=True) as conn:
            groupings.append(sorted(conn.execute("SELECT id, claim_id FROM mentions").fetchall()))
    assert groupings[0] == groupings[1]


def test_contradictions_stay_pending_until_recomputed(seeded_store, monkeypatch) -> None:
    """A run that dies after the flags but before the contradictions leaves the claims pending for the next run."""
    import pytest

    import workbench.discrepancies as discrepancies
    from workbench.ingest import Ingester

    claim_ids = [row[0] for row in seeded_store.query("SELECT id FROM claims ORDER BY id LIMIT 3")]
    expected = [tuple(row) for row in seeded_store.query("SELECT claim_a, claim_b FROM contradictions ORDER BY 1, 2")]
    with seeded_store.write():
        seeded_store.conn.execute("DELETE FROM contradictions")
        seeded_store.conn.executemany(
            "INSERT INTO pending_discrepancy_refresh (claim_id) VALUES (?)", [(claim_id,) for claim_id in claim_ids]
        )

    def crash(store) -> list:
        raise KeyboardInterrupt

    monkeypatch.setattr(discrepancies, "contradiction_rows", crash)
    with pytest.raises(KeyboardInterrupt):
        Ingester(seeded_store).finish()
    # The chunks before the last are written on their own; the last one goes with the contradictions, so it stays.
    assert 1 <= seeded_store.query("SELECT COUNT(*) FROM pending_discrepancy_refresh")[0][0] < len(claim_ids)
    assert seeded_store.query("SELECT COUNT(*) FROM contradictions")[0][0] == 0

    monkeypatch.undo()
    Ingester(seeded_store).finish()
    assert seeded_store.query("SELECT COUNT(*) FROM pending_discrepancy_refresh")[0][0] == 0
    assert [
        tuple(row) for row in seeded_store.query("SELECT claim_a, claim_b FROM contradictions ORDER BY 1, 2")
    ] == expected
    assert expected, "the seeds have contradicting claims"
