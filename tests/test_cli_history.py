from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.corrections import claim_mentions
from workbench.ingest import ingest_paths
from workbench.store import Store, open_store

NEW_COMMANDS = {"history", "merge", "agreement", "regroup", "discrepancies", "correct", "undo", "conflicts"}


@pytest.fixture(autouse=True)
def wide_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    # rich sizes tables from COLUMNS when output is not a terminal; wide enough that no cell wraps
    monkeypatch.setenv("COLUMNS", "400")


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


def first_claims(store: Store, count: int) -> list[str]:
    return [row[0] for row in store.query("SELECT id FROM claims ORDER BY sort_key LIMIT ?", [count])]


def test_new_commands_exist_with_help() -> None:
    assert set(cli.commands) >= NEW_COMMANDS
    for subcommand in ("merge", "split", "edit", "sources"):
        output = run("correct", subcommand, "--help")
        assert "Usage:" in output and cli.commands["correct"].commands[subcommand].help  # type: ignore[attr-defined]


def test_history_prints_who_changed_what_from_what_to_what(seeded_store: Store, db_path: Path) -> None:
    claim_id = first_claims(seeded_store, 1)[0]
    run("set", claim_id, "--status", "false", "--reviewer", "ana", "--db", str(db_path))
    run("set", claim_id, "--note", "checked the video", "--reviewer", "bob", "--db", str(db_path))
    run("undo", "--reviewer", "ana", "--db", str(db_path))

    output = run("history", claim_id, "--db", str(db_path))

    assert f"History of {claim_id}" in output
    assert "unreviewed → false" in output and "ana" in output
    assert "→ checked the video" in output and "bob" in output
    assert "undone by #3" in output and "false → unreviewed" in output
    everything = run("history", "--db", str(db_path))
    assert claim_id in everything


def test_history_of_an_unknown_claim_is_a_one_line_error(seeded_store: Store, db_path: Path) -> None:
    seeded_store.close()
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "history", "cnope", "--db", str(db_path)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "error: no claim with id 'cnope'"


def test_correct_commands_merge_split_edit_and_undo_from_a_script(seeded_store: Store, db_path: Path) -> None:
    source, target = first_claims(seeded_store, 2)
    db = ["--db", str(db_path), "--reviewer", "ana"]

    assert "merged" in run("correct", "merge", source, target, *db)
    sources = run("correct", "sources", target, "--db", str(db_path))
    mention = claim_mentions(seeded_store, target)[-1]["id"]
    assert mention in sources
    assert "split" in run("correct", "split", mention, *db)
    assert "edited text" in run("correct", "edit", target, "--text", "Reworded by hand", *db)
    assert seeded_store.query("SELECT text FROM claims WHERE id = ?", [target])[0][0] == "Reworded by hand"

    output = run("history", target, "--db", str(db_path))
    assert "merge" in output and "split" in output and "edit" in output

    assert "undid edit" in run("undo", *db)
    assert "undid split" in run("undo", *db)
    assert "undid merge" in run("undo", *db)
    assert "nothing to undo" in run("undo", *db)
    assert seeded_store.query("SELECT COUNT(*) FROM claims WHERE id = ?", [source])[0][0] == 1


def test_merge_agreement_and_conflicts_commands(
    seeded_store: Store, db_path: Path, seeds_dir: Path, tmp_path: Path
) -> None:
    other_path = tmp_path / "other" / "bob.db"
    other_path.parent.mkdir()
    with open_store(other_path) as other:
        ingest_paths(other, [seeds_dir])
    first, second = first_claims(seeded_store, 2)
    run("set", first, "--status", "true", "--reviewer", "ana", "--db", str(db_path))
    run("set", first, "--status", "false", "--reviewer", "bob", "--db", str(other_path))
    run("set", second, "--status", "misleading", "--reviewer", "bob", "--db", str(other_path))

    merged = run("merge", str(other_path), "--db", str(db_path))

    assert "1 imported, 1 conflict" in merged and "never overwritten" in merged
    listed = run("conflicts", "--db", str(db_path))
    assert first in listed and "true (ana)" in listed and "false" in listed
    agreement = run("agreement", "--db", str(db_path))
    assert "ana" in agreement and "bob" in agreement and "Cohen's kappa" in agreement
    resolved = run("conflicts", "--resolve", "1", "--status", "false", "--reviewer", "ana", "--db", str(db_path))
    assert "resolved as 'false'" in resolved
    assert first not in run("conflicts", "--db", str(db_path))


def test_regroup_and_discrepancies_commands(seeded_store: Store, db_path: Path) -> None:
    assert "hand corrections applied" in run("regroup", "--db", str(db_path))
    flagged = run("discrepancies", "--db", str(db_path))
    assert "Claims whose sources disagree" in flagged
    assert "Nykyforov" in flagged and "Nikiforov" in flagged
    assert "spelling" in run("discrepancies", "--kind", "spelling", "--db", str(db_path))
    contradictions = run("discrepancies", "--contradictions", "--db", str(db_path))
    assert "Contradicting claims" in contradictions and "nothing to do" in contradictions


def test_status_shows_final_counts_with_two_signoffs(seeded_store: Store, db_path: Path) -> None:
    (db_path.parent / "workbench.toml").write_text("required_signoffs = 2\n", encoding="utf-8")
    claim_id = first_claims(seeded_store, 1)[0]
    run("set", claim_id, "--status", "true", "--reviewer", "ana", "--db", str(db_path))
    assert "Final: 0 of 1 reviewed claims (two reviewers agree)" in run("status", "--db", str(db_path))
    assert "bob signed off" in run("set", claim_id, "--status", "true", "--reviewer", "bob", "--db", str(db_path))
    assert "Final: 1 of 1 reviewed claims" in run("status", "--db", str(db_path))
