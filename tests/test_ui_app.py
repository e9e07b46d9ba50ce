"""Pilot tests of the review app against a real SQLite file: every key, the mouse, and truth on disk."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import Input, TextArea
from ui_data import CLAIMS, MARKUP_CLAIM, build_review_db, claim_order

from workbench import export
from workbench.ui.app import WorkbenchApp, create_app
from workbench.ui.screens.confirm import ConfirmScreen
from workbench.ui.screens.export import ExportDialog
from workbench.ui.screens.help import HelpScreen
from workbench.ui.screens.main import MainScreen
from workbench.ui.screens.note import NoteEditor
from workbench.ui.widgets.claims_table import ClaimsTable
from workbench.ui.widgets.header import StatusHeader

SIZE = (150, 40)
ORDER = claim_order()


@pytest.fixture
def review_db(tmp_path: Path) -> Path:
    return build_review_db(tmp_path / "review.db")


def make_app(db_path: Path, **kwargs: object) -> WorkbenchApp:
    return create_app(db_path, "ana", poll_seconds=kwargs.pop("poll_seconds", 0), **kwargs)  # type: ignore[arg-type]


def on_disk(db_path: Path, claim_id: str) -> sqlite3.Row:
    """The review as another process sees it: a fresh connection, so only committed data counts."""
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT * FROM reviews WHERE claim_id = ?", [claim_id]).fetchone()
    finally:
        conn.close()


def history_rows(db_path: Path, claim_id: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT * FROM review_history WHERE claim_id = ? ORDER BY id", [claim_id]).fetchall()
    finally:
        conn.close()


def main_screen(app: WorkbenchApp) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen), type(screen)
    return screen


def table(app: WorkbenchApp) -> ClaimsTable:
    return main_screen(app).table


def selected(app: WorkbenchApp) -> str | None:
    row = table(app).current_row
    return row.id if row else None


def header(app: WorkbenchApp) -> str:
    return app.screen.query_one(StatusHeader).content.plain  # type: ignore[union-attr]


def detail_text(app: WorkbenchApp, section: str) -> str:
    return main_screen(app).detail_pane.section_text(section)


def table_lines(app: WorkbenchApp) -> list[str]:
    claims = table(app)
    return [claims.render_line(y).text for y in range(claims.size.height)]


async def test_opens_on_first_claim_with_progress_in_header(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert selected(app) == ORDER[0]
        assert f"2 / {len(CLAIMS)} reviewed" in header(app)
        assert "filter: all" in header(app) and "sort: document order" in header(app)
        lines = table_lines(app)
        assert "Claim" in lines[0] and "Claimant" in lines[0]
        assert "Russia shot down two drones" in lines[1]
        assert app.focused is table(app)


async def test_movement_keys(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j")
        assert selected(app) == ORDER[2]
        await pilot.press("k")
        assert selected(app) == ORDER[1]
        await pilot.press("down", "down", "up")
        assert selected(app) == ORDER[2]
        await pilot.press("G")
        assert selected(app) == ORDER[-1]
        await pilot.press("j")  # stays on the last claim
        assert selected(app) == ORDER[-1]
        await pilot.press("g")
        assert selected(app) == ORDER[0]
        await pilot.press("k")
        assert selected(app) == ORDER[0]
        await pilot.press("end")
        assert selected(app) == ORDER[-1]
        await pilot.press("home", "pagedown")
        assert selected(app) == ORDER[-1]  # fewer claims than a page
        await pilot.press("pageup")
        assert selected(app) == ORDER[0]


async def test_next_and_previous_unreviewed(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right_square_bracket")
        assert selected(app) == "c-blame"  # skips c-absent, already true
        await pilot.press("left_square_bracket")
        assert selected(app) == "c-drones"
        await pilot.press("G", "k", "k", "k", "k")
        assert selected(app) == "c-ban"
        await pilot.press("right_square_bracket")
        assert selected(app) == "c-markup"  # skips c-repeat, not check-worthy


@pytest.mark.parametrize(
    ("key", "status"),
    [
        ("t", "true"),
        ("f", "false"),
        ("m", "misleading"),
        ("u", "unverifiable"),
        ("x", "not_checkworthy"),
    ],
)
async def test_status_key_is_stored_at_once_and_moves_on(review_db: Path, key: str, status: str) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        review = on_disk(review_db, "c-drones")
        assert (review["status"], review["reviewer"]) == (status, "ana")
        assert review["reviewed_at"]
        history = history_rows(review_db, "c-drones")
        assert [(row["field"], row["old_value"], row["new_value"]) for row in history] == [
            ("status", "unreviewed", status)
        ]
        assert selected(app) == ORDER[1]
        assert table(app).view.row(0).status == status
        assert f"3 / {len(CLAIMS)} reviewed" in header(app)


async def test_backspace_sets_back_to_unreviewed(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j")
        assert selected(app) == "c-absent"
        await pilot.press("backspace")
        assert on_disk(review_db, "c-absent")["status"] == "unreviewed"
        assert selected(app) == ORDER[2]
        assert f"1 / {len(CLAIMS)} reviewed" in header(app)


async def test_status_under_a_filter_moves_to_the_next_claim(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")  # all -> unreviewed
        assert "filter: Unreviewed" in header(app)
        assert selected(app) == "c-drones"
        await pilot.press("t")
        assert selected(app) == "c-blame"  # c-drones left the view, the next one took its place
        assert table(app).row_count == len(CLAIMS) - 3
        await pilot.press("G", "f")
        assert on_disk(review_db, ORDER[-1])["status"] == "false"
        assert selected(app) == ORDER[-2]  # last claim left: the new last one is selected


async def test_note_editor_saves_with_ctrl_s(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        assert isinstance(app.screen, NoteEditor)
        editor = app.screen.query_one(TextArea)
        assert app.focused is editor
        await pilot.press(*"Two sources", "enter", *"checked: ok")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, MainScreen)
        assert on_disk(review_db, "c-drones")["note"] == "Two sources\nchecked: ok"
        assert selected(app) == "c-drones"  # a note does not move on
        assert table(app).view.row(0).has_note
        assert "Two sources" in detail_text(app, "claim")
        assert [row["field"] for row in history_rows(review_db, "c-drones")] == ["note"]


async def test_note_editor_escape_cancels_and_keys_type_text(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "n")
        editor = app.screen.query_one(TextArea)
        assert editor.text == "Confirmed by two outlets."
        await pilot.press("space", "t", "f", "q", "z", "backspace")  # typed, never shortcuts
        assert editor.text == "Confirmed by two outlets. tfq"
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        review = on_disk(review_db, "c-absent")
        assert (review["note"], review["status"]) == ("Confirmed by two outlets.", "true")


async def test_undo_reverts_status_then_note(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", *"hello", "ctrl+s")
        await pilot.press("m")
        assert on_disk(review_db, "c-drones")["status"] == "misleading"
        await pilot.press("j", "z")
        assert on_disk(review_db, "c-drones")["status"] == "unreviewed"
        assert selected(app) == "c-drones"  # undo shows the claim it changed
        await pilot.press("z")
        assert on_disk(review_db, "c-drones")["note"] == ""
        await pilot.press("z")  # nothing left: a notice, no change
        assert on_disk(review_db, "c-absent")["status"] == "true"
        actions = [row["action"] for row in history_rows(review_db, "c-drones")]
        assert actions == ["note", "status", "undo", "undo"]


async def test_search_as_you_type_then_escape(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        search = app.screen.query_one("#search", Input)
        assert app.focused is search
        await pilot.press(*"dro")
        await pilot.pause(0.3)
        assert table(app).row_count == 2
        assert "search: “dro”" in header(app)
        await pilot.press("t")  # typing, not a verdict
        await pilot.pause(0.3)
        assert search.value == "drot" and table(app).row_count == 0
        assert on_disk(review_db, "c-drones")["status"] == "unreviewed"
        await pilot.press("backspace", "enter")
        await pilot.pause(0.3)
        assert app.focused is table(app) and table(app).row_count == 2
        await pilot.press("j", "t")  # back in the table: a verdict
        assert on_disk(review_db, "c-ban")["status"] == "true"
        await pilot.press("escape")  # clears the search
        await pilot.pause(0.3)
        assert table(app).row_count == len(CLAIMS)
        assert "search" not in header(app)


async def test_search_with_fts_syntax_does_not_fail(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *'"NEAR( AND *', "enter")
        await pilot.pause(0.3)
        assert table(app).row_count == 0
        assert "No claims" in table_lines(app)[1]


async def test_filter_cycles_through_statuses(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        seen = []
        for _ in range(len(main_screen(app).filters)):
            seen.append((main_screen(app).view.claim_filter.name, table(app).row_count))
            await pilot.press("s")
        assert seen[0] == ("all", len(CLAIMS))
        assert seen[1] == ("unreviewed", len(CLAIMS) - 2)
        assert ("true", 1) in seen and ("not_checkworthy", 1) in seen and ("false", 0) in seen
        # then the claims that need a second look, whatever their status
        assert seen[-3:] == [("flagged", 1), ("contradicted", 2), ("conflicts", 0)]
        assert main_screen(app).view.claim_filter.name == "all"


async def test_sort_cycles_and_keeps_the_selected_claim(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j")
        assert selected(app) == "c-blame"
        await pilot.press("o")
        assert "sort: check-worthiness" in header(app)
        assert selected(app) == "c-blame"
        assert table(app).view.row(0).id == "c-drones"
        await pilot.press("g", "o")
        assert "sort: number of sources" in header(app)
        assert [table(app).view.row(index).id for index in (0, 1)] == ["c-drones", "c-denial"]
        await pilot.press("o")
        assert "sort: document order" in header(app)


async def test_export_writes_csv_beside_the_db_and_confirms_overwrite(review_db: Path) -> None:
    app = make_app(review_db)
    target = review_db.with_name("review-verdicts.csv")
    csv_available = "csv" in export.FORMAT_WRITERS
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, ExportDialog)
        assert app.screen.query_one(Input).value == str(target)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        messages = [notification.message for notification in app._notifications]
        if not csv_available:
            assert any("Export failed" in message for message in messages), messages
            return
        assert target.exists(), messages
        assert "c-drones" in target.read_text(encoding="utf-8")
        target.write_text("keep me", encoding="utf-8")
        await pilot.press("e", "enter")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await app.workers.wait_for_complete()
        assert target.read_text(encoding="utf-8") == "keep me"
        await pilot.press("e", "enter", "y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "c-drones" in target.read_text(encoding="utf-8")


async def test_export_to_a_missing_folder_is_a_notice_not_a_crash(review_db: Path, tmp_path: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        app.screen.query_one(Input).value = str(tmp_path / "nope" / "out.csv")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any("Export failed" in notification.message for notification in app._notifications)
        assert isinstance(app.screen, MainScreen)


async def test_escape_cancels_export(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e", "escape")
        assert isinstance(app.screen, MainScreen)
        assert not review_db.with_name("review-verdicts.csv").exists()


async def test_q_quits(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert app._exit


async def test_help_lists_every_binding(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = {row.description: row.keys for row in app.screen.rows}
        for description in ("Down", "Up", "First", "Last", "Next unreviewed", "Previous unreviewed", "Note", "Undo"):
            assert description in rows, description
        for description in ("Search", "Filter", "Sort", "Export", "Help", "Quit", "Save note", "Command palette"):
            assert description in rows, description
        for status in app.config.statuses:
            assert status.label in rows
        assert rows["Down"] == "j / ↓"
        assert rows["Unreviewed"] == "⌫"
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_keys_remapped_in_workbench_toml_show_in_help_and_work(review_db: Path) -> None:
    review_db.with_name("workbench.toml").write_text(
        '[keys]\n"claim.note" = "N"\n"nav.down" = "ctrl+n,down"\n', encoding="utf-8"
    )
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+n")
        assert selected(app) == ORDER[1]
        await pilot.press("j")  # j is no longer bound
        assert selected(app) == ORDER[1]
        await pilot.press("question_mark")
        rows = {row.description: row.keys for row in app.screen.rows}
        assert rows["Note"] == "N"
        assert "^n" in rows["Down"] or "ctrl+n" in rows["Down"]
        await pilot.press("escape", "N")
        assert isinstance(app.screen, NoteEditor)


async def test_team_status_scale_from_workbench_toml(review_db: Path) -> None:
    review_db.with_name("workbench.toml").write_text(
        '[[status]]\nname = "correct"\nlabel = "Correct"\nkey = "c"\ncolor = "green"\n'
        '[[status]]\nname = "wrong"\nlabel = "Wrong"\nkey = "w"\ncolor = "nonsense-colour"\n',
        encoding="utf-8",
    )
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c", "w")
        assert on_disk(review_db, "c-drones")["status"] == "correct"
        assert on_disk(review_db, "c-absent")["status"] == "wrong"
        await pilot.press("t")  # not a key of this scale
        assert on_disk(review_db, ORDER[2])["status"] == "unreviewed"
        assert "Wrong" in table_lines(app)[2]  # an unknown colour still draws


def test_status_key_clashing_with_a_ui_key_is_a_one_line_error(review_db: Path) -> None:
    from workbench.errors import InvalidValueError

    review_db.with_name("workbench.toml").write_text('[[status]]\nname = "correct"\nkey = "n"\n', encoding="utf-8")
    with pytest.raises(InvalidValueError, match="key 'n' of status 'correct' is already used"):
        make_app(review_db)


async def test_command_palette_runs_actions(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Misleading")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, MainScreen)
        assert on_disk(review_db, "c-drones")["status"] == "misleading"


async def test_mouse_click_selects_and_wheel_scrolls(tmp_path: Path, review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=(150, 8)) as pilot:
        await pilot.click("#claims", offset=(10, 3))  # header line, then rows 0, 1, 2
        assert selected(app) == ORDER[2]
        claims = table(app)
        await pilot.mouse_down("#claims", offset=(10, 2))
        claims.scroll_to(y=3, animate=False, immediate=True)  # what the wheel does
        await pilot.pause()
        await pilot.click("#claims", offset=(10, 1))
        assert selected(app) == ORDER[3]


async def test_markup_in_articles_is_shown_literally_and_does_nothing(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        index = ORDER.index("c-markup")
        for _ in range(index):
            await pilot.press("j")
        assert selected(app) == "c-markup"
        claim_text = detail_text(app, "claim")
        assert MARKUP_CLAIM in claim_text
        assert "[i]Anonymous[/i]" in claim_text and "[link=https://x]web[/link]" in claim_text
        sources = detail_text(app, "sources")
        assert "[@click=app.quit]Evil Outlet[/]" in sources
        assert "Local report [bold]with markup[/bold]" in sources
        assert any("[bold red]Officials[/]" in line for line in table_lines(app))
        for line, text in enumerate(main_screen(app).detail_pane.plain_lines):
            for marker in ("[bold red]", "[@click", "[link=", "Evil Outlet"):
                if marker in text:  # click on the markup itself: a live link would end the app here
                    await pilot.click("#detail", offset=(text.index(marker) + 3, line))
        await pilot.pause()
        assert not app._exit and app.is_running


async def test_a_stored_status_survives_without_a_clean_exit(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        # Read while the app is still running, from another connection: committed, not waiting for exit.
        assert on_disk(review_db, "c-drones")["status"] == "false"


async def test_refresh_key_shows_changes_from_another_process(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j")
        other = sqlite3.connect(review_db)
        other.execute("UPDATE reviews SET status = 'false', note = 'from elsewhere' WHERE claim_id = 'c-blame'")
        other.commit()
        other.close()
        await pilot.press("r")
        assert table(app).view.row(2).status == "false"
        assert "from elsewhere" in detail_text(app, "claim")
        assert f"3 / {len(CLAIMS)} reviewed" in header(app)
        assert selected(app) == "c-blame"


async def test_auto_refresh_polls_the_database(review_db: Path) -> None:
    app = make_app(review_db, poll_seconds=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "s")  # filter: true
        assert table(app).row_count == 1
        other = sqlite3.connect(review_db)
        other.execute("UPDATE reviews SET status = 'true' WHERE claim_id IN ('c-ban', 'c-drones')")
        other.commit()
        other.close()
        await pilot.pause(0.5)
        assert table(app).row_count == 3
        assert f"4 / {len(CLAIMS)} reviewed" in header(app)


async def test_narrow_terminal_stacks_the_panes(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=(90, 40)) as pilot:
        await pilot.pause()
        assert main_screen(app).has_class("narrow")
        detail = app.screen.query_one("#detail")
        assert detail.region.y > table(app).region.y
        assert "Russia shot down" in table_lines(app)[1]


def test_bad_database_is_a_one_line_error(tmp_path: Path) -> None:
    from workbench.errors import DatabaseError

    foreign = tmp_path / "notes.txt"
    foreign.write_text("not a database", encoding="utf-8")
    with pytest.raises(DatabaseError, match="not an SQLite database"):
        make_app(foreign)


async def test_keys_typed_ahead_after_slash_go_to_the_search_box(review_db: Path) -> None:
    from textual import events

    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        # All queued at once, as when a person types faster than the app draws: none may act on the table.
        for key, character in [("slash", "/"), ("e", "e"), ("t", "t"), ("x", "x"), ("enter", "\r")]:
            app.post_message(events.Key(key, character))
        await pilot.pause(0.3)
        assert isinstance(app.screen, MainScreen)  # "e" did not open the export dialog
        assert main_screen(app).view.search == "etx"
        assert on_disk(review_db, "c-drones")["status"] == "unreviewed"
        assert app.focused is table(app)


def test_core_reserved_keys_cover_every_review_binding() -> None:
    """config.py cannot import the UI, so it keeps its own list of taken keys: it must not fall behind the UI's."""
    from workbench.config import RESERVED_UI_KEYS
    from workbench.ui.keys import APP_BINDINGS, NAVIGATION_BINDINGS, REVIEW_BINDINGS

    bound = {
        key.strip()
        for binding in [*NAVIGATION_BINDINGS, *REVIEW_BINDINGS, *APP_BINDINGS]
        for key in binding.key.split(",")
    }
    assert bound - set(RESERVED_UI_KEYS) == set()


def test_source_counts_fit_the_three_cells_of_the_src_column() -> None:
    from workbench.ui.widgets.claims_table import SOURCES_WIDTH, compact_count

    cases = {0: "0", 7: "7", 999: "999", 1000: "1k", 2263: "2k", 99_999: "99k", 250_000: ".2M", 3_400_000: "3M"}
    assert {count: compact_count(count) for count in cases} == cases
    assert all(len(compact_count(10**power + offset)) <= SOURCES_WIDTH for power in range(12) for offset in (-1, 0))


async def test_the_claim_index_a_bulk_load_left_out_is_built_again_for_the_reviewer(review_db: Path) -> None:
    def indexed() -> bool:
        with contextlib.closing(sqlite3.connect(review_db)) as conn:
            found = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'idx_mentions_claim_id'").fetchone()
        return found is not None

    assert indexed()
    app = make_app(review_db, poll_seconds=0.1)
    async with app.run_test(size=SIZE) as pilot:
        other = sqlite3.connect(review_db)
        other.execute("DROP INDEX idx_mentions_claim_id")  # what a bulk load in another process commits
        other.commit()
        other.close()
        for _ in range(50):
            await pilot.pause(0.1)
            if indexed():
                break
        assert indexed()
        await pilot.press("j")
        assert selected(app) == ORDER[1]
