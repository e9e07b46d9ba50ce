"""Pilot tests of the review app's corrections, audit trail, discrepancies, contradictions and several reviewers,
against a real SQLite file (what is on disk is checked through a separate connection)."""

from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input
from ui_data import CLAIMS, build_review_db, claim_order

from workbench import reviewers
from workbench.config import Config
from workbench.discrepancies import detect_discrepancies, find_contradictions, load_sources
from workbench.review import set_status
from workbench.store import open_store
from workbench.ui.app import WorkbenchApp, create_app
from workbench.ui.screens.confirm import ConfirmScreen
from workbench.ui.screens.conflicts import ConflictsScreen
from workbench.ui.screens.corrections import ClaimPicker, EditClaimScreen, PassagePicker
from workbench.ui.screens.help import HelpScreen
from workbench.ui.screens.history import HistoryScreen
from workbench.ui.screens.main import MainScreen

SIZE = (150, 40)
ORDER = claim_order()
SEARCH_PAUSE = 0.3  # longer than the pickers' typing debounce


@pytest.fixture
def review_db(tmp_path: Path) -> Path:
    return build_review_db(tmp_path / "review.db")


def make_app(db_path: Path, reviewer: str = "ana", config: Config | None = None) -> WorkbenchApp:
    return create_app(db_path, reviewer, config, poll_seconds=0)


def query(db_path: Path, sql: str, *params: object) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def main_screen(app: WorkbenchApp) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen), type(screen)
    return screen


def selected(app: WorkbenchApp) -> str | None:
    row = main_screen(app).table.current_row
    return row.id if row else None


async def select(pilot, app: WorkbenchApp, claim_id: str) -> None:  # noqa: ANN001 - textual's Pilot
    await pilot.press("g", *["j"] * ORDER.index(claim_id))
    assert selected(app) == claim_id


def detail_text(app: WorkbenchApp, section: str) -> str:
    return main_screen(app).detail_pane.section_text(section)


# -- corrections -------------------------------------------------------------------------------------------------


async def test_merge_picks_the_target_by_search_confirms_and_z_undoes_it(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "c-absent")
        await pilot.press("M")
        assert isinstance(app.screen, ClaimPicker)
        assert app.focused is app.screen.query_one(Input)
        await pilot.press(*"putin working")
        await pilot.pause(SEARCH_PAUSE)
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmScreen)
        question = app.screen.question
        assert "Putin was not in the building" in question and "Putin was working at his residence" in question
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert query(review_db, "SELECT claim_id FROM mentions WHERE id = 'm-c-absent-0'") == [("c-residence",)]
        assert query(review_db, "SELECT id FROM claims WHERE id = 'c-absent'") == []
        assert selected(app) == "c-residence"
        assert main_screen(app).table.row_count == len(CLAIMS) - 1
        assert "2 passages" in detail_text(app, "claim")
        await pilot.press("z")
        await pilot.pause()
        assert query(review_db, "SELECT claim_id FROM mentions WHERE id = 'm-c-absent-0'") == [("c-absent",)]
        # the merged claim comes back with its verdict and note
        assert query(review_db, "SELECT status, note FROM reviews WHERE claim_id = 'c-absent'") == [
            ("true", "Confirmed by two outlets.")
        ]
        assert main_screen(app).table.row_count == len(CLAIMS)


async def test_merge_cancelled_at_the_picker_or_the_question_changes_nothing(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("M", *"kyiv")
        await pilot.pause(SEARCH_PAUSE)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        await pilot.press("M", *"kyiv")
        await pilot.pause(SEARCH_PAUSE)
        await pilot.press("down", "enter")  # from the box into the list, then pick
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert query(review_db, "SELECT COUNT(*) FROM corrections") == [(0,)]
        assert query(review_db, "SELECT COUNT(*) FROM claims") == [(len(CLAIMS),)]


async def test_split_takes_the_chosen_passage_into_its_own_claim(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "c-drones")
        await pilot.press("X")
        assert isinstance(app.screen, PassagePicker)
        await pilot.press("down", "enter")  # the second passage (Daily Ledger)
        assert isinstance(app.screen, ConfirmScreen)
        assert "two drones were shot down over the Kremlin" in app.screen.question
        await pilot.press("y")
        await pilot.pause()
        moved_to = query(review_db, "SELECT claim_id FROM mentions WHERE id = 'm-c-drones-1'")[0][0]
        assert moved_to != "c-drones"
        assert query(review_db, "SELECT source_count FROM claims WHERE id = 'c-drones'") == [(1,)]
        assert selected(app) == moved_to
        assert main_screen(app).table.row_count == len(CLAIMS) + 1


async def test_split_of_a_single_source_claim_is_refused(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "c-absent")
        await pilot.press("X")
        assert isinstance(app.screen, MainScreen)
        assert query(review_db, "SELECT COUNT(*) FROM corrections") == [(0,)]


async def test_edit_wording_and_claimant_saves_with_ctrl_s_and_shows_in_history(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "c-blame")
        await pilot.press("W")
        assert isinstance(app.screen, EditClaimScreen)
        await pilot.press(*" in May", "tab")  # typing adds to the wording: nothing is selected to be replaced
        await pilot.press("ctrl+u", *"Russian officials")  # ctrl+u clears the claimant box
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert query(review_db, "SELECT text, claimant FROM claims WHERE id = 'c-blame'") == [
            ("Ukraine was behind the attack in May", "Russian officials")
        ]
        assert "Ukraine was behind the attack in May" in detail_text(app, "claim")
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        table = app.screen.query_one(DataTable)
        rows = [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]
        assert [row[2] for row in rows] == ["edited", "edited"]
        assert rows[0][1] == "ana" and rows[0][3] == "text" and rows[1][3] == "claimant"
        assert rows[1][4] == "Officials" and rows[1][6] == "Russian officials"
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_edit_escape_cancels(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("W", *"xyz", "escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert query(review_db, "SELECT text FROM claims WHERE id = 'c-drones'") == [(CLAIMS[0][1],)]


async def test_history_lists_status_note_and_undo_with_who_and_when(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "k", "z", "h")
        assert isinstance(app.screen, HistoryScreen)
        table = app.screen.query_one(DataTable)
        rows = [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]
        assert [row[2] for row in rows] == ["status (undone)", "undo"]
        assert rows[0][4:] == ["unreviewed", "→", "false"] and rows[1][4:] == ["false", "→", "unreviewed"]
        assert all(row[1] == "ana" and row[0][:2] == "20" for row in rows)
        await pilot.press("h")  # h closes it too
        assert isinstance(app.screen, MainScreen)


async def test_a_verdict_on_the_last_claim_shows_in_its_detail(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("G", "f")
        await pilot.pause()
        assert selected(app) == ORDER[-1]
        assert "False" in detail_text(app, "claim").split("Status", 1)[1].splitlines()[0]


# -- discrepancies and contradictions -----------------------------------------------------------------------------


def test_the_test_data_flags_are_what_the_detectors_find(review_db: Path) -> None:
    with open_store(review_db) as store:
        found = {flag.kind for flag in detect_discrepancies("c-strike", load_sources(store, "c-strike"))}
        stored = {row[0] for row in store.conn.execute("SELECT kind FROM discrepancies WHERE claim_id = 'c-strike'")}
        claims = [(row[0], row[1]) for row in store.conn.execute("SELECT id, text FROM claims ORDER BY sort_key")]
        documents: dict[str, set[str]] = {}
        for claim_id, document_id in store.conn.execute("SELECT claim_id, document_id FROM mentions"):
            documents.setdefault(claim_id, set()).add(document_id)
        links = {(a, b) for a, b, _score, _evidence in find_contradictions(claims, documents)}
    assert found == stored == {"number", "spelling", "hedging"}
    assert ("c-blame", "c-denial") in links


async def test_flagged_claim_shows_the_differing_spans_side_by_side(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "c-strike")
        shown = detail_text(app, "discrepancies")
        assert "Sources disagree (3)" in shown
        lines = shown.splitlines()
        morning = next(line for line in lines if "Morning Post" in line)
        herald = next(line for line in lines if "City Herald" in line)
        assert "12" in morning and "Podolyak" in morning and "—" in morning  # no hedge in this source
        assert "14" in herald and "Podoliak" in herald and "alleged" in herald
        assert "⚑" in main_screen(app).table.render_line(ORDER.index("c-strike") + 1).text
        await pilot.press("k")
        assert detail_text(app, "discrepancies") == ""  # an unflagged claim has no such section


async def test_d_shows_only_flagged_claims_and_back(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("D")
        screen = main_screen(app)
        assert screen.view.claim_filter.name == "flagged"
        assert screen.table.row_count == 1 and selected(app) == "c-strike"
        await pilot.press("D")
        assert screen.view.claim_filter.name == "all" and screen.table.row_count == len(CLAIMS)
        assert selected(app) == "c-strike"  # the selected claim stays selected


async def test_contradicting_claims_are_linked_and_l_or_a_click_jumps(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "c-blame")
        assert "Kyiv had no involvement in the incident" in detail_text(app, "contradictions")
        await pilot.press("L")
        assert selected(app) == "c-denial"
        assert "Ukraine was behind the attack" in detail_text(app, "contradictions")
        await pilot.press("L")
        assert selected(app) == "c-blame"
        pane = main_screen(app).detail_pane
        line = next(number for number, text in enumerate(pane.plain_lines) if text.startswith("→ Kyiv"))
        await pilot.click("#detail", offset=(6, line))  # the pane's padding, then the link
        await pilot.pause()
        assert selected(app) == "c-denial"
        await pilot.press("g", "L")  # c-drones has no link: a notice, no move
        assert selected(app) == "c-drones"


async def test_jumping_to_a_linked_claim_outside_the_filter_widens_the_view(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "c-blame")
        await pilot.press("t")  # c-blame true; c-denial stays unreviewed
        for _ in range(main_screen(app).filters.index(next(f for f in main_screen(app).filters if f.name == "true"))):
            await pilot.press("s")
        assert main_screen(app).view.claim_filter.name == "true"
        await select_in_view(pilot, app, "c-blame")
        await pilot.press("L")
        assert selected(app) == "c-denial" and main_screen(app).view.claim_filter.name == "all"


async def select_in_view(pilot, app: WorkbenchApp, claim_id: str) -> None:  # noqa: ANN001 - textual's Pilot
    index = main_screen(app).view.index_of(claim_id)
    assert index is not None
    await pilot.press("g", *["j"] * index)
    assert selected(app) == claim_id


# -- several reviewers --------------------------------------------------------------------------------------------


def other_reviewers_db(review_db: Path, tmp_path: Path) -> Path:
    """A copy of the database where bob said c-parade is true and c-drones false; locally ana said both false."""
    other = tmp_path / "bob.db"
    shutil.copy(review_db, other)
    with open_store(other) as store:
        set_status(store, "c-parade", "true", reviewer="bob")
        set_status(store, "c-drones", "false", reviewer="bob")
    with open_store(review_db) as store:
        set_status(store, "c-parade", "false", reviewer="ana")
        set_status(store, "c-drones", "false", reviewer="ana")
        reviewers.merge_reviews(store, other)
    return other


async def test_conflicts_screen_lists_disagreements_and_a_status_key_settles_one(
    review_db: Path, tmp_path: Path
) -> None:
    other_reviewers_db(review_db, tmp_path)
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "c-parade")
        assert "Conflict  bob says True, ana says False" in detail_text(app, "claim")
        await pilot.press("C")
        assert isinstance(app.screen, ConflictsScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1  # c-drones agreed: no conflict
        cells = [str(cell) for cell in table.get_row_at(0)]
        assert cells[:5] == ["The Victory Day parade on May 9 will go ahead", "False", "ana", "True", "bob"]
        await pilot.press("t")  # settle on theirs
        await pilot.pause()
        assert query(review_db, "SELECT status, reviewer FROM reviews WHERE claim_id = 'c-parade'") == [("true", "ana")]
        assert query(review_db, "SELECT state, resolved_status FROM review_conflicts") == [("resolved", "true")]
        assert table.row_count == 0
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        assert main_screen(app).table.current_row.status == "true"  # type: ignore[union-attr]
        assert "Conflict" not in detail_text(app, "claim")
        await pilot.press("C")  # nothing left: a notice, no screen
        assert isinstance(app.screen, MainScreen)


async def test_conflicts_filter_and_enter_selects_the_claim(review_db: Path, tmp_path: Path) -> None:
    other_reviewers_db(review_db, tmp_path)
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("C", "enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and selected(app) == "c-parade"
        screen = main_screen(app)
        while screen.view.claim_filter.name != "conflicts":
            await pilot.press("s")
        assert screen.table.row_count == 1 and selected(app) == "c-parade"


async def test_two_sign_offs_make_a_verdict_final(review_db: Path) -> None:
    config = Config(required_signoffs=2)
    app = make_app(review_db, "ana", config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "k")
        assert "1 of 2 sign-offs" in detail_text(app, "claim")
        await pilot.press("t")  # the same reviewer again: no second sign-off
        await pilot.press("k")
        assert "1 of 2 sign-offs" in detail_text(app, "claim")
    with open_store(review_db) as store:
        assert not reviewers.is_final(store, "c-drones", 2)
    app = make_app(review_db, "bob", config)
    async with app.run_test(size=SIZE) as pilot:
        assert "1 of 2 sign-offs" in detail_text(app, "claim")
        await pilot.press("t")  # bob agrees: status unchanged, a sign-off recorded, and on to the next claim
        assert selected(app) == ORDER[1]
        await pilot.press("k")
        assert "final" in detail_text(app, "claim") and "ana, bob" in detail_text(app, "claim")
    with open_store(review_db) as store:
        assert reviewers.is_final(store, "c-drones", 2)
    assert query(review_db, "SELECT action FROM review_history WHERE reviewer = 'bob'") == [("signoff",)]


# -- keys are discoverable ----------------------------------------------------------------------------------------


async def test_help_and_palette_list_the_new_keys(review_db: Path) -> None:
    app = make_app(review_db)
    async with app.run_test(size=(150, 60)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        by_description = {row.description: row.keys for row in app.screen.rows}
        for description, key in [
            ("Merge", "M"),
            ("Split off", "X"),
            ("Edit", "W"),
            ("History", "h"),
            ("Flagged", "D"),
            ("Conflicts", "C"),
            ("Contradicting claim", "L"),
        ]:
            assert by_description.get(description) == key, description
        await pilot.press("escape")
        commands = main_screen(app)
        from workbench.ui.commands import WorkbenchCommands

        provider = WorkbenchCommands(commands, None)  # type: ignore[arg-type]
        titles = {title for title, _help, _node, _action in provider._commands()}
        assert {"Merge", "Split off", "Edit", "History", "Flagged", "Conflicts"} <= titles


async def test_stepping_past_the_bottom_scrolls_a_third_of_the_view(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    from synthetic_db import build

    db_path = tmp_path / "many.db"
    build(db_path, 200)
    app = make_app(db_path)
    async with app.run_test(size=(150, 30)) as pilot:
        table = main_screen(app).table
        rows = table.visible_rows
        await pilot.press(*["j"] * rows)  # one past the last visible row
        step = rows // 3
        assert table.cursor == rows and round(table.scroll_y) == step
        assert table.cursor - round(table.scroll_y) == rows - step  # the next claims are visible below the cursor
        await pilot.press(*["k"] * (rows - step + 1))  # one above the top
        assert round(table.scroll_y) == 0


def test_the_values_table_shows_a_source_past_the_stored_span_cap(tmp_path: Path) -> None:
    # A flag stores the spans of its first sources only; the detail pane's table must still fill every source's row.
    from rich.console import Console
    from test_discrepancies import _claim_in_store

    from workbench.claims_view import ClaimsView
    from workbench.discrepancies import MAX_SPANS_PER_VALUE, refresh_discrepancies
    from workbench.ui.widgets.detail import DiscrepancySection

    hedged = MAX_SPANS_PER_VALUE + 5
    sentences = ["Drones hit the alleged depot near Kalynivka."] * hedged + ["Drones hit the depot near Kalynivka."]
    with open_store(tmp_path / "capped.db") as store:
        _claim_in_store(store, "c-wire", sentences)
        refresh_discrepancies(store, ["c-wire"])
        detail = ClaimsView(store).detail("c-wire")
    assert detail is not None
    console = Console(width=200, record=True)
    console.print(DiscrepancySection().render_detail(detail))
    rows = {line.split(".", 1)[0].strip(): line for line in console.export_text().splitlines() if "Outlet" in line}
    assert "alleged" in rows[str(hedged)]  # the last hedged source, past the cap
    assert "—" in rows[str(hedged + 1)]  # the unhedged one


def test_the_detail_of_a_claim_with_many_passages_shows_the_first_and_counts_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console
    from test_discrepancies import _claim_in_store

    from workbench import claims_view
    from workbench.discrepancies import refresh_discrepancies
    from workbench.ui.widgets.detail import DiscrepancySection, SourcesSection

    monkeypatch.setattr(claims_view, "DETAIL_SOURCES_SHOWN", 4)
    # Hedged only in the last sources, past the ones shown: the flag still comes from all of them.
    sentences = ["Drones hit the depot near Kalynivka."] * 9 + ["Drones hit the alleged depot near Kalynivka."] * 3
    with open_store(tmp_path / "many.db") as store:
        _claim_in_store(store, "c-wire", sentences)
        refresh_discrepancies(store, ["c-wire"])
        detail = claims_view.ClaimsView(store).detail("c-wire")
    assert detail is not None
    assert [flag.kind for flag in detail.discrepancies] == ["hedging"]
    assert len(detail.sources) == len(detail.side_by_side) == 4 and detail.source_total == 12
    assert [source.document_id for source in detail.sources] == [f"c-wire-d{number}" for number in range(4)]
    rendered = {}
    for section in (SourcesSection(), DiscrepancySection()):
        console = Console(width=200, record=True)
        console.print(section.render_detail(detail))
        rendered[section.name] = console.export_text()
        assert "… and 8 more passages, not shown here" in rendered[section.name], section.name
    assert rendered["sources"].startswith("Sources (12)")
