"""The `h` screen: the audit trail of one claim (who changed what, from what to what, when), oldest first.

Rows come from `corrections.claim_history`, which also lists merges and splits that moved passages into the claim.
Values are shown as plain text; the highlighted row's full values are spelled out under the table.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from workbench.ui.keys import CLOSE_BINDINGS

VALUE_WIDTH = 34
ACTION_NAMES = {
    "status": "status",
    "note": "note",
    "merge": "merged",
    "split": "split off",
    "edit": "edited",
    "undo": "undo",
    "resolve": "settled conflict",
    "signoff": "signed off",
    "import": "imported",
    "import_agree": "imported (agrees)",
    "import_conflict": "imported (conflict)",
}


def when(at: str | None) -> str:
    return (at or "").replace("T", " ")[:16]


def short(value: str | None, width: int = VALUE_WIDTH) -> Text:
    if value is None or value == "":
        return Text("—", style="dim")
    text = Text(" ".join(value.split()), no_wrap=True, overflow="ellipsis")
    text.truncate(width, overflow="ellipsis")
    return text


class HistoryScreen(ModalScreen[None]):
    BINDINGS = CLOSE_BINDINGS

    def __init__(self, claim_id: str, claim_text: str, rows: list[dict]) -> None:
        super().__init__()
        self.claim_id = claim_id
        self.claim_text = claim_text
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="history-dialog", classes="dialog"):
            title = Text("History of ", style="bold")
            title.append(self.claim_text, style="bold italic")
            title.append(f"  ({self.claim_id})", style="dim")
            yield Static(title, classes="dialog-title")
            if self.rows:
                yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="history-full")
            else:
                yield Static(Text("No change recorded for this claim yet.", style="italic dim"))
            yield Static(Text("escape, q or h to close", style="dim"), classes="dialog-hint")

    def on_mount(self) -> None:
        if not self.rows:
            return
        table = self.query_one("#history-table", DataTable)
        table.add_columns("When (UTC)", "Who", "Action", "Field", "From", "", "To")
        for row in self.rows:
            action = ACTION_NAMES.get(row["action"], row["action"])
            undone = row.get("undone_by") is not None
            table.add_row(
                Text(when(row["at"])),
                Text(row["reviewer"] or "—"),
                Text(action + (" (undone)" if undone else ""), style="strike dim" if undone else ""),
                Text(row["field"] or ""),
                short(row["old_value"]),
                Text("→", style="dim"),
                short(row["new_value"]),
                key=str(row["id"]),
            )
        table.move_cursor(row=len(self.rows) - 1)  # the latest change first in view
        table.focus()

    @on(DataTable.RowHighlighted, "#history-table")
    def show_full_values(self, event: DataTable.RowHighlighted) -> None:
        row = next((row for row in self.rows if str(row["id"]) == event.row_key.value), None)
        if row is None:
            return
        full = Text()
        full.append("From  ", style="dim")
        full.append(row["old_value"] or "—")
        full.append("\nTo    ", style="dim")
        full.append(row["new_value"] or "—")
        self.query_one("#history-full", Static).update(full)

    def action_close(self) -> None:
        self.dismiss(None)
