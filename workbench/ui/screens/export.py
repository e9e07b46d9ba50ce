"""Asks where to export the verdicts; returns the path (or None when cancelled)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from workbench.ui.keys import DIALOG_BINDINGS


class ExportDialog(ModalScreen[Path | None]):
    BINDINGS = DIALOG_BINDINGS

    def __init__(self, default_path: Path) -> None:
        super().__init__()
        self.default_path = default_path

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog", classes="dialog"):
            yield Static(Text("Export every verdict as CSV", style="bold"), classes="dialog-title")
            yield Input(str(self.default_path), id="export-path", select_on_focus=False)
            yield Static(Text("enter export · escape cancel", style="dim"), id="export-hint", classes="dialog-hint")

    def on_mount(self) -> None:
        path_input = self.query_one("#export-path", Input)
        path_input.focus()
        path_input.cursor_position = len(path_input.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not value:
            self.query_one("#export-hint", Static).update(Text("Give a file path, or escape to cancel.", style="red"))
            return
        self.dismiss(Path(value).expanduser())

    def action_cancel(self) -> None:
        self.dismiss(None)
