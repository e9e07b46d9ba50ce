from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import cli


def all_commands() -> list[str]:
    return sorted(cli.commands)


def test_expected_commands_exist() -> None:
    assert {"ingest", "review", "export", "status", "set", "score"} <= set(all_commands())


@pytest.mark.parametrize("command", all_commands())
def test_every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert cli.commands[command].help, f"{command} has no help text"
    assert "--help" in result.output


def test_ingest_then_export_json_names_the_seed_files(seeds_dir: Path, db_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["ingest", str(seeds_dir), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    exported = runner.invoke(cli, ["export", "--db", str(db_path), "--format", "json"])
    assert exported.exit_code == 0, exported.output
    claims = json.loads(exported.output)["claims"]
    documents = {source["document"] for claim in claims for source in claim["sources"]}
    assert documents == {"000_60046d9832fb7826.txt", "002_6ea79cea1cd47755.txt", "003_be75cc019f20ae06.txt"}
    first = claims[0]
    assert set(first) >= {"id", "text", "claimant", "status", "note", "reviewer", "reviewed_at", "checkworthiness"}
    assert set(first["sources"][0]) >= {"document", "title", "quote", "start", "end"}

    again = runner.invoke(cli, ["ingest", str(seeds_dir), "--db", str(db_path)])
    assert again.exit_code == 0
    reexported = json.loads(runner.invoke(cli, ["export", "--db", str(db_path), "--format", "json"]).output)
    assert [claim["id"] for claim in reexported["claims"]] == [claim["id"] for claim in claims]


def test_ingest_missing_path_fails_with_one_line(tmp_path: Path, db_path: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "workbench", "ingest", str(tmp_path / "nope"), "--db", str(db_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "no such file or folder" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_not_a_database_is_one_line_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    bogus = tmp_path / "bogus.db"
    bogus.write_text("hello")
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "status", "--db", str(bogus)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "not an SQLite database" in result.stderr
    assert bogus.read_text() == "hello"


def test_a_large_ingest_sums_up_added_files_but_lists_every_failure(tmp_path: Path, db_path: Path) -> None:
    from workbench.cli import MAX_LISTED_FILES

    folder = tmp_path / "wire"
    folder.mkdir()
    for number in range(MAX_LISTED_FILES + 5):
        (folder / f"story_{number:03d}.txt").write_text(
            f"Officials said {number + 2} drones were shot down over the region on Tuesday.\n", encoding="utf-8"
        )
    (folder / "broken.txt").write_bytes(b"\x00\x01\x02" * 100)
    result = CliRunner().invoke(cli, ["ingest", str(folder), "--db", str(db_path)])
    assert result.exit_code == 1, result.output
    assert f"{MAX_LISTED_FILES + 5:,} files" in result.output
    assert "story_000.txt" not in result.output
    assert "broken.txt" in result.output and "failed" in result.output
    assert f"{MAX_LISTED_FILES + 5} added, 0 skipped, 1 failed" in result.output


def test_a_run_past_the_files_the_report_names_prints_exact_totals(tmp_path: Path, db_path: Path) -> None:
    from workbench.ingest import REPORT_LISTED_FILES

    folder = tmp_path / "wire"
    stories = 2 * REPORT_LISTED_FILES + 7
    for number in range(stories):
        (folder / f"day{number % 4}").mkdir(parents=True, exist_ok=True)
        (folder / f"day{number % 4}" / f"story_{number:03d}.txt").write_text(
            f"Officials said {number + 2} drones were shot down on Tuesday. The mayor said {number} homes burned.\n",
            encoding="utf-8",
        )
    first = CliRunner().invoke(cli, ["ingest", str(folder), "--db", str(db_path)])
    assert first.exit_code == 0, first.output
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        [(sentences, claims)] = conn.execute(
            "SELECT (SELECT COUNT(*) FROM sentences), (SELECT COUNT(*) FROM mentions)"
        ).fetchall()
    assert sentences == 2 * stories and claims > stories
    assert re.search(rf"│ {stories:,} files +│ added +│ +{sentences:,} │ +{claims:,} │", first.output), first.output
    assert f"{stories} added, 0 skipped, 0 failed" in first.output

    for number in range(3):
        (folder / f"late_{number}.txt").write_text(f"Police said {number + 1} bridges closed.\n", encoding="utf-8")
    second = CliRunner().invoke(cli, ["ingest", str(folder), "--db", str(db_path)])
    assert re.search(rf"│ {stories:,} files +│ unchanged, skipped +│", second.output), second.output
    assert "late_0.txt" not in second.output  # a sum, not a list, though the 3 added files are named in the report
    assert f"3 added, {stories} skipped, 0 failed" in second.output


def test_options_given_before_the_command_reach_it(
    tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `workbench --db X ingest` used to ingest into the default database, silently: the command's own --db default won.
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    db_path = tmp_path / "given-first.db"
    result = runner.invoke(cli, ["--db", str(db_path), "ingest", str(seeds_dir)])
    assert result.exit_code == 0, result.output
    assert sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 3
    assert not (tmp_path / "db" / "workbench.db").exists()
    claim_id = sqlite3.connect(db_path).execute("SELECT id FROM claims ORDER BY id LIMIT 1").fetchone()[0]
    result = runner.invoke(cli, ["--db", str(db_path), "--reviewer", "ana", "set", claim_id, "--status", "true"])
    assert result.exit_code == 0, result.output
    assert sqlite3.connect(db_path).execute(
        "SELECT reviewer FROM reviews WHERE claim_id = ?", [claim_id]
    ).fetchone() == ("ana",)
    # The command's own option still wins.
    other = tmp_path / "other.db"
    assert runner.invoke(cli, ["--db", str(db_path), "ingest", str(seeds_dir), "--db", str(other)]).exit_code == 0
    assert sqlite3.connect(other).execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 3
