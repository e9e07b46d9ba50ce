"""The main screen: claims table, detail pane, header line, search box, footer; every reviewer action.

Every change goes through `workbench.review` (one transaction with a history row) and the screen then re-reads
what it shows from SQLite, so it never shows a change that is not on disk. Changes by other processes show up
on `r` and by themselves: `PRAGMA data_version` is polled every couple of seconds, which costs microseconds.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input

from workbench import corrections, review, reviewers
from workbench.claims_view import (
    ALL_CLAIMS,
    FLAGGED,
    REVIEW_FILTERS,
    ClaimFilter,
    ClaimsView,
    SortOrder,
    status_filters,
)
from workbench.errors import WorkbenchError
from workbench.store import Store, open_store
from workbench.ui.keys import REVIEW_BINDINGS, add_bindings, status_bindings
from workbench.ui.screens.confirm import ConfirmScreen
from workbench.ui.screens.conflicts import ConflictsScreen
from workbench.ui.screens.corrections import ClaimPicker, EditClaimScreen, PassagePicker
from workbench.ui.screens.export import ExportDialog
from workbench.ui.screens.history import HistoryScreen
from workbench.ui.screens.note import NoteEditor
from workbench.ui.widgets.claims_table import ClaimsTable, StatusLook
from workbench.ui.widgets.detail import DetailPane
from workbench.ui.widgets.header import HeaderState, StatusHeader

if TYPE_CHECKING:
    from workbench.ui.app import WorkbenchApp

POLL_SECONDS = 2.0
SEARCH_DEBOUNCE_SECONDS = 0.12
NARROW_WIDTH = 120


class MainScreen(Screen[None]):
    BINDINGS = REVIEW_BINDINGS

    def __init__(self, store: Store, *, poll_seconds: float = POLL_SECONDS) -> None:
        super().__init__()
        self.store = store
        self.poll_seconds = poll_seconds
        config = self.workbench.config
        add_bindings(self, status_bindings(config.statuses))
        self.looks = {status.name: StatusLook(status.label, status.color) for status in config.statuses}
        self.filters: list[ClaimFilter] = [
            *status_filters([(status.name, status.label) for status in config.statuses]),
            *REVIEW_FILTERS,
        ]
        self.view = ClaimsView(store, required_signoffs=config.required_signoffs)
        self._data_version = store.data_version()
        self._search_timer: Timer | None = None
        self._detail_claim: str | None = None
        self._detail_pending = False
        self._came_from: str | None = None  # the claim a contradiction jump left, so L goes on to the next link

    @property
    def workbench(self) -> WorkbenchApp:
        return self.app  # type: ignore[return-value]

    # -- layout ------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusHeader(id="header")
        with Horizontal(id="panes"):
            with Vertical(id="list-pane"):
                yield ClaimsTable(self.view, self.looks, id="claims")
                yield Input(placeholder="search claims and claimants…", id="search")
            yield DetailPane(self.looks, id="detail")
        yield Footer(compact=True)

    @property
    def table(self) -> ClaimsTable:
        return self.query_one("#claims", ClaimsTable)

    @property
    def search_input(self) -> Input:
        return self.query_one("#search", Input)

    def on_mount(self) -> None:
        self.table.focus()
        self.show_all(0)
        if self.poll_seconds > 0:
            self.set_interval(self.poll_seconds, self.poll_for_changes)

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW_WIDTH, "narrow")

    # -- showing -----------------------------------------------------------------------------------------

    def refresh_header(self) -> None:
        self.query_one("#header", StatusHeader).show_state(
            HeaderState(
                database=self.store.path.name,
                reviewer=self.workbench.reviewer,
                progress=self.view.progress(fresh=False),
                shown=self.view.count,
                filter_label=self.view.claim_filter.label,
                sort_label=self.view.sort.label,
                search=self.view.search,
                read_only=self.store.readonly,
            )
        )

    @property
    def detail_pane(self) -> DetailPane:
        return self.query_one("#detail", DetailPane)

    def refresh_detail(self) -> None:
        """Re-read the selected claim's detail from disk and show it."""
        row = self.table.current_row
        self._detail_claim = row.id if row else None
        self.detail_pane.show(self.view.detail(row.id) if row else None)

    @on(ClaimsTable.CursorMoved)
    def on_cursor_moved(self, event: ClaimsTable.CursorMoved) -> None:
        # Actions that change data refresh the detail themselves; this covers moving to another claim (keys,
        # mouse, a verdict moving on). The detail waits for the frame that shows the table's change: the cursor
        # (and a stored verdict) reach the screen first, and keys held down draw the detail once per frame.
        if event.claim_id != self._detail_claim and not self._detail_pending:
            self._detail_pending = True
            self.call_after_refresh(self._show_pending_detail)

    def _show_pending_detail(self) -> None:
        self._detail_pending = False
        row = self.table.current_row
        if (row.id if row else None) != self._detail_claim:
            self.refresh_detail()

    def show_all(self, cursor: int | None = None) -> None:
        """Redraw table rows, header and detail after the data changed, selecting `cursor` (default: same)."""
        self.table.rows_changed(cursor)
        self.refresh_header()
        self.refresh_detail()

    def show_changed(self, claim_id: str, cursor: int | None = None) -> None:
        """After our own change to `claim_id`: fix the view's membership, redraw rows, header and detail."""
        self.view.claim_changed(claim_id)
        self.show_all(cursor)

    def reload_from_disk(self) -> None:
        """Re-read everything (another process changed the file), keeping the selected claim if still shown."""
        selected = self.table.current_row
        cursor = self.table.cursor
        self.view.reload()
        if selected is not None:
            found = self.view.index_of(selected.id)
            cursor = found if found is not None else cursor
        self.show_all(cursor)

    def poll_for_changes(self) -> None:
        version = self.store.data_version()
        if version != self._data_version:
            self._data_version = version
            if not self.store.readonly and not self.store.has_passages_by_claim_index():
                self.build_claim_index(self.store.path)
            self.reload_from_disk()

    @work(thread=True, exclusive=True, group="claim-index")
    def build_claim_index(self, db_path: Path) -> None:
        # A bulk load in another process left the index of a claim's passages out (workbench.store): meanwhile each
        # claim shown reads every passage (0.1-0.35 s at 40,000 articles). A reviewer waiting comes first: a
        # connection of this thread's own builds it as any writable open does, and the load goes on with it.
        with contextlib.suppress(WorkbenchError):
            open_store(db_path).close()

    def tell(self, message: str, *, severity: str = "information") -> None:
        # markup=False: messages carry file paths and claim text, which must never be read as markup.
        self.notify(message, severity=severity, markup=False)  # type: ignore[arg-type]

    # -- reviewing ---------------------------------------------------------------------------------------

    def action_set_status(self, status: str) -> None:
        row = self.table.current_row
        if row is None:
            self.tell("No claim selected.", severity="warning")
            return
        cursor = self.table.cursor
        config = self.workbench.config
        try:
            changes = review.set_status(
                self.store, row.id, status, reviewer=self.workbench.reviewer, statuses=config.status_names
            )
            # Two sign-offs required: the same verdict from a second reviewer changes nothing, so it is a sign-off.
            signed = not changes and config.required_signoffs > 1
            if signed and not reviewers.sign_off(self.store, row.id, reviewer=self.workbench.reviewer):
                self.tell(f"You already signed off {config.status(status).label} on this claim.")
                signed = False
        except WorkbenchError as error:
            self.tell(str(error), severity="error")
            return
        if signed:
            agreeing = self.view.sign_off_count(row.id)
            final = "final" if agreeing >= config.required_signoffs else "not final yet"
            self.tell(
                f"Signed off: {agreeing} of {config.required_signoffs} agree on {config.status(status).label}, {final}."
            )
        count = self.view.count
        self.view.claim_changed(row.id, (row.status, status) if changes else None)
        # Move on to the next claim: one down, unless the claim just left the view (a status filter), in which
        # case the next claim has already moved up into this position.
        still_here = self.view.claim_id_at(cursor) == row.id
        if still_here and self.view.count == count:
            # Only this row changed: repaint its line and the header now; the next claim's detail follows in the
            # next frame, so the stored verdict is on screen first (see on_cursor_moved).
            self.table.row_changed(cursor, cursor + 1)
            self.refresh_header()
            if self.table.cursor == cursor:  # the last claim: nowhere to move on to, so show its new status
                self.refresh_detail()
        else:
            self.show_all(cursor if not still_here else cursor + 1)

    def action_edit_note(self) -> None:
        row = self.table.current_row
        if row is None:
            self.tell("No claim selected.", severity="warning")
            return
        detail = self.view.detail(row.id)
        current_note = detail.note if detail else ""

        def save(note: str | None) -> None:
            if note is None or note == current_note:
                return
            try:
                review.set_note(self.store, row.id, note, reviewer=self.workbench.reviewer)
            except WorkbenchError as error:
                self.tell(str(error), severity="error")
                return
            self.show_changed(row.id)
            self.tell("Note saved.")

        self.app.push_screen(NoteEditor(row.text, current_note), save)

    def action_undo(self) -> None:
        try:
            change = review.undo_last(self.store, reviewer=self.workbench.reviewer)
        except WorkbenchError as error:
            self.tell(str(error), severity="error")
            return
        if change is None:
            self.tell(f"Nothing to undo for {self.workbench.reviewer}.", severity="warning")
            return
        undone_action = getattr(change, "action", "") or change.field
        if undone_action in ("status", "note"):
            self.view.claim_changed(change.claim_id)
        else:
            self.view.reload()  # a merge, split or edit undone: claims may have appeared or gone
        index = self.view.index_of(change.claim_id)
        self.show_all(index)
        if undone_action == "status":
            what = f"status back to {self.workbench.config.status(change.new_value or 'unreviewed').label}"
        elif undone_action == "note":
            what = "note restored"
        else:
            what = f"{undone_action} reverted"
        where = "" if index is not None else " (the claim is not in the current view)"
        self.tell(f"Undone: {what}{where}.")

    # -- corrections: merge, split, edit; history ---------------------------------------------------------

    def action_merge_claim(self) -> None:
        row = self.table.current_row
        if row is None:
            self.tell("No claim selected.", severity="warning")
            return
        self.run_merge(row.id, row.text, row.source_count)

    @work(exclusive=True, group="correction-dialog")
    async def run_merge(self, claim_id: str, claim_text: str, source_count: int) -> None:
        target = await self.app.push_screen_wait(
            ClaimPicker(
                "Merge this claim into another: pick the claim it belongs with",
                claim_text,
                lambda query: corrections.find_merge_targets(self.store, query, exclude=claim_id),
            )
        )
        if target is None:
            return
        sources = f"{source_count} source{'s' if source_count != 1 else ''}"
        question = (
            f"Merge “{claim_text}” ({sources}) into “{target['text']}”?\n\n"
            "Its sources join the other claim, which keeps its own verdict; z undoes it."
        )
        if not await self.app.push_screen_wait(ConfirmScreen(question, yes_label="Merge")):
            self.tell("Merge cancelled.")
            return
        self.apply_correction(
            lambda: corrections.merge_claims(self.store, claim_id, str(target["id"]), reviewer=self.workbench.reviewer),
            f"Merged: its {sources} now belong to “{target['text']}”; z undoes it.",
        )

    def action_split_source(self) -> None:
        row = self.table.current_row
        if row is None:
            self.tell("No claim selected.", severity="warning")
            return
        passages = corrections.claim_mentions(self.store, row.id)
        if len(passages) < 2:
            self.tell("This claim has a single source passage: there is nothing to split off.", severity="warning")
            return
        self.run_split(row.text, passages)

    @work(exclusive=True, group="correction-dialog")
    async def run_split(self, claim_text: str, passages: list[dict]) -> None:
        mention_id = await self.app.push_screen_wait(
            PassagePicker(
                f"Split which source passage off into a claim of its own? ({len(passages)} passages)", passages
            )
        )
        if mention_id is None:
            return
        passage = next(passage for passage in passages if passage["id"] == mention_id)
        question = (
            f"Take the passage “{passage['quote']}” ({passage['file_name']}) out of “{claim_text}” into a claim of its"
            " own?\n\nz undoes it."
        )
        if not await self.app.push_screen_wait(ConfirmScreen(question, yes_label="Split")):
            self.tell("Split cancelled.")
            return
        self.apply_correction(
            lambda: corrections.split_mention(self.store, mention_id, reviewer=self.workbench.reviewer),
            f"Split off: the passage from {passage['file_name']} is now a claim of its own (selected); z undoes it.",
        )

    def action_edit_claim(self) -> None:
        row = self.table.current_row
        if row is None:
            self.tell("No claim selected.", severity="warning")
            return

        def save(edited: tuple[str, str] | None) -> None:
            if edited is None:
                return
            text, claimant = edited
            try:
                results = corrections.edit_claim(
                    self.store, row.id, reviewer=self.workbench.reviewer, text=text, claimant=claimant
                )
            except WorkbenchError as error:
                self.tell(str(error), severity="error")
                return
            if not results:
                self.tell("Nothing changed.")
                return
            self.after_correction(row.id)
            edited_fields = [result.description.split()[1] for result in results]  # "edited text of …"
            fields = " and ".join("wording" if name == "text" else name for name in edited_fields)
            self.tell(f"Edited the {fields}; z undoes it.")

        self.app.push_screen(EditClaimScreen(row.text, row.claimant), save)

    def apply_correction(self, correct: Callable[[], corrections.CorrectionResult], done: str) -> None:
        try:
            result = correct()
        except WorkbenchError as error:
            self.tell(str(error), severity="error")
            return
        self.after_correction(result.claim_id)
        self.tell(done)

    def after_correction(self, claim_id: str) -> None:
        """Claims may have appeared, gone or changed wording: re-read the view and select `claim_id`."""
        self._data_version = self.store.data_version()
        self.view.reload()
        index = self.view.index_of(claim_id)
        self.show_all(index if index is not None else self.table.cursor)

    def action_history(self) -> None:
        row = self.table.current_row
        if row is None:
            self.tell("No claim selected.", severity="warning")
            return
        self.app.push_screen(HistoryScreen(row.id, row.text, corrections.claim_history(self.store, row.id)))

    # -- several reviewers -------------------------------------------------------------------------------

    def action_conflicts(self) -> None:
        if not reviewers.list_conflicts(self.store, state="open"):
            self.tell("No open reviewer conflicts (workbench merge OTHER.db brings in another reviewer's verdicts).")
            return

        def closed(claim_id: str | None) -> None:
            self._data_version = self.store.data_version()
            self.view.reload()  # settled conflicts changed statuses and the conflicts filter
            index = self.view.index_of(claim_id) if claim_id else None
            if claim_id and index is None:
                self.tell("That claim is not in the current view; s or D changes the filter.", severity="warning")
            self.show_all(index)

        self.app.push_screen(ConflictsScreen(self.looks), closed)

    # -- moving ------------------------------------------------------------------------------------------

    def action_follow_contradiction(self, index: int | None = None) -> None:
        """Jump to a claim linked as contradicting this one: `index` (a click) or the next link after the claim
        the last jump came from (so L, L goes there and back, and on to the next link when there are several)."""
        row = self.table.current_row
        detail = self.view.detail(row.id) if row else None
        links = [link.other_claim_id for link in detail.contradictions] if detail else []
        if row is None or not links:
            self.tell("No claim is linked as contradicting this one.", severity="warning")
            return
        if index is None:
            index = (links.index(self._came_from) + 1) % len(links) if self._came_from in links else 0
        target = links[min(max(index, 0), len(links) - 1)]
        self._came_from = row.id
        self.select_claim(target)

    def select_claim(self, claim_id: str) -> None:
        """Select a claim, widening the view to all claims when the current filter or search hides it."""
        found = self.view.index_of(claim_id)
        if found is None:
            self.view.claim_filter = ALL_CLAIMS
            self.view.search = ""
            self.search_input.value = ""
            self.search_input.display = False
            self.view.reload()
            found = self.view.index_of(claim_id)
            self.tell("Showing all claims, so the linked claim is in the list.")
            self.show_all(found)
            return
        self.table.move_cursor(found)

    def action_next_unreviewed(self) -> None:
        self._jump_unreviewed(forward=True)

    def action_previous_unreviewed(self) -> None:
        self._jump_unreviewed(forward=False)

    def _jump_unreviewed(self, *, forward: bool) -> None:
        cursor = self.table.cursor
        found = self.view.next_unreviewed(cursor) if forward else self.view.previous_unreviewed(cursor)
        if found is None:
            self.tell("No unreviewed claim in this view.")
            return
        if found == cursor:
            self.tell("No other unreviewed claim in this view.")
            return
        if (forward and found < cursor) or (not forward and found > cursor):
            self.tell("Wrapped around to the other end of the list.")
        self.table.move_cursor(found)

    # -- the view: filter, sort, search, refresh -----------------------------------------------------

    def _rebuild_view(self) -> None:
        selected = self.table.current_row
        self.view.reload()
        index = self.view.index_of(selected.id) if selected else None
        self.show_all(index if index is not None else 0)

    def action_cycle_filter(self) -> None:
        names = [claim_filter.name for claim_filter in self.filters]
        current = names.index(self.view.claim_filter.name) if self.view.claim_filter.name in names else -1
        self.view.claim_filter = self.filters[(current + 1) % len(self.filters)]
        self._rebuild_view()

    def action_toggle_flagged(self) -> None:
        self.view.claim_filter = ALL_CLAIMS if self.view.claim_filter == FLAGGED else FLAGGED
        self._rebuild_view()
        if self.view.claim_filter == FLAGGED and self.view.count == 0:
            self.tell("No claim is flagged: the sources of every claim agree.")

    def action_cycle_sort(self) -> None:
        self.view.sort = SortOrder(self.view.sort).next()
        self._rebuild_view()

    def action_refresh(self) -> None:
        self._data_version = self.store.data_version()
        self.reload_from_disk()
        self.tell("Reloaded from disk.")

    def action_search(self) -> None:
        search = self.search_input
        search.display = True
        # Focus now, not on the next message (what `focus()` does): keys typed right after "/" are already
        # queued and must reach the search box, not trigger verdicts or the export dialog.
        self.set_focus(search, scroll_visible=False)

    def action_clear_search(self) -> None:
        search = self.search_input
        had_search = bool(self.view.search or search.value)
        search.display = False
        self.set_focus(self.table, scroll_visible=False)
        if had_search:
            search.value = ""  # posts Input.Changed, which reloads the view without a search

    @on(Input.Changed, "#search")
    def on_search_changed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        # Wait for a pause in typing: one FTS query per burst of keys, not per key.
        self._search_timer = self.set_timer(SEARCH_DEBOUNCE_SECONDS, lambda: self.apply_search(event.value))

    def apply_search(self, text: str) -> None:
        self._search_timer = None
        if text == self.view.search:
            return
        self.view.search = text
        self._rebuild_view()

    @on(Input.Submitted, "#search")
    def on_search_submitted(self, event: Input.Submitted) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self.apply_search(event.value)
        if not event.value:
            self.search_input.display = False
        self.set_focus(self.table, scroll_visible=False)

    # -- export ------------------------------------------------------------------------------------

    def action_export(self) -> None:
        self.run_export_dialog()

    @work(exclusive=True, group="export-dialog")
    async def run_export_dialog(self) -> None:
        path = await self.app.push_screen_wait(ExportDialog(self.workbench.default_export_path))
        if path is None:
            return
        overwrite = False
        if path.exists():
            overwrite = await self.app.push_screen_wait(ConfirmScreen(f"{path} already exists. Overwrite it?"))
            if not overwrite:
                self.tell("Export cancelled; the existing file was kept.")
                return
        self.export_verdicts(self.store.path, path, overwrite)

    @work(thread=True, exclusive=True, group="export")
    def export_verdicts(self, db_path: Path, path: Path, overwrite: bool) -> None:
        # A worker thread never touches the UI's connection: it opens its own, read-only.
        from workbench import export

        try:
            with open_store(db_path, readonly=True) as store:
                count = export.write_file(store, "csv", path, statuses=None, force=overwrite)
        except (WorkbenchError, OSError) as error:
            self.app.call_from_thread(self.tell, f"Export failed: {error}", severity="error")
            return
        self.app.call_from_thread(self.tell, f"Exported {count} claims to {path}.")
