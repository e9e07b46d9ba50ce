"""The `C` screen: verdicts another reviewer's database disagrees with (from `workbench merge OTHER.db`).

Each open conflict shows the claim, this database's verdict and reviewer, the other one and where it came from.
A status key settles the highlighted conflict on that status (ours, theirs or another); enter shows the claim.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from workbench import reviewers
from workbench.errors import WorkbenchError
from workbench.store import in_list_chunks
from workbench.ui.keys import CONFLICT_BINDINGS, add_bindings, resolve_bindings
from workbench.ui.widgets.claims_table import StatusLook

if TYPE_CHECKING:
    from workbench.ui.app import WorkbenchApp

CLAIM_WIDTH = 60


class ConflictsScreen(ModalScreen[str | None]):
    """Returns the claim id to select (enter), or None. Settled conflicts are on disk at once."""

    BINDINGS = CONFLICT_BINDINGS

    def __init__(self, looks: Mapping[str, StatusLook]) -> None:
        super().__init__()
        self.looks = looks
        self.conflicts: list[reviewers.Conflict] = []
        self.texts: dict[str, str] = {}
        self.settled = 0
        add_bindings(self, resolve_bindings(self.workbench.config.statuses))

    @property
    def workbench(self) -> WorkbenchApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(id="conflicts-dialog", classes="dialog"):
            yield Static(Text("Reviewer conflicts", style="bold"), classes="dialog-title")
            yield DataTable(id="conflicts-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="conflicts-empty")
            yield Static(
                Text("a status key settles the highlighted conflict · enter shows the claim · escape closes", "dim"),
                classes="dialog-hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#conflicts-table", DataTable)
        table.add_columns("Claim", "Here", "By", "Other", "By", "From")
        self.reload()
        table.focus()

    def label(self, status: str) -> Text:
        look = self.looks.get(status) or StatusLook(status, "white")
        return Text(look.label, style="bold")

    def reload(self) -> None:
        store = self.workbench.store
        self.conflicts = reviewers.list_conflicts(store, state="open")
        ids = sorted({conflict.claim_id for conflict in self.conflicts})
        self.texts = {}
        for chunk, placeholders in in_list_chunks(ids):
            self.texts.update(
                store.conn.execute(f"SELECT id, text FROM claims WHERE id IN ({placeholders})", chunk).fetchall()
            )
        table = self.query_one("#conflicts-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        for conflict in self.conflicts:
            claim = Text(" ".join(self.texts.get(conflict.claim_id, conflict.claim_id).split()), no_wrap=True)
            claim.truncate(CLAIM_WIDTH, overflow="ellipsis")
            table.add_row(
                claim,
                self.label(conflict.local_status),
                Text(conflict.local_reviewer or "—"),
                self.label(conflict.other_status),
                Text(conflict.other_reviewer),
                Text(Path(conflict.source_db).name, style="dim"),
                key=str(conflict.id),
            )
        if self.conflicts:
            table.move_cursor(row=min(cursor, len(self.conflicts) - 1))
        table.display = bool(self.conflicts)
        empty = "" if self.conflicts else "No open conflicts: every imported verdict agrees or is settled."
        self.query_one("#conflicts-empty", Static).update(Text(empty, style="italic dim"))

    def highlighted(self) -> reviewers.Conflict | None:
        table = self.query_one("#conflicts-table", DataTable)
        if not self.conflicts or not 0 <= table.cursor_row < len(self.conflicts):
            return None
        return self.conflicts[table.cursor_row]

    def action_resolve(self, status: str) -> None:
        conflict = self.highlighted()
        if conflict is None:
            self.notify("No conflict selected.", severity="warning", markup=False)
            return
        try:
            reviewers.resolve_conflict(
                self.workbench.store,
                conflict.id,
                status,
                reviewer=self.workbench.reviewer,
                statuses=self.workbench.config.status_names,
            )
        except WorkbenchError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.settled += 1
        self.notify(f"Settled on {self.label(status).plain}.", markup=False)
        self.reload()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        # The table takes enter for itself; selecting a row means the same as the show-claim key.
        event.stop()
        self.action_show_claim()

    def action_show_claim(self) -> None:
        conflict = self.highlighted()
        self.dismiss(conflict.claim_id if conflict else None)

    def action_close(self) -> None:
        self.dismiss(None)
