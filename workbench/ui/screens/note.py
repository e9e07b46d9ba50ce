"""The note editor: a multi-line text area over the main screen. ctrl+s saves, escape cancels."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static, TextArea

from workbench.ui.keys import NOTE_EDITOR_BINDINGS


class NoteEditor(ModalScreen[str | None]):
    """Returns the edited note, or None when cancelled."""

    BINDINGS = NOTE_EDITOR_BINDINGS

    def __init__(self, claim_text: str, note: str) -> None:
        super().__init__()
        self.claim_text = claim_text
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog", classes="dialog"):
            yield Static(Text("Note on this claim", style="bold"), classes="dialog-title")
            yield Static(Text(self.claim_text, style="italic"), id="note-claim")
            yield TextArea(self.note, id="note-text", soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
            yield Static(Text("ctrl+s save · escape cancel", style="dim"), classes="dialog-hint")
        yield Footer()

    def on_mount(self) -> None:
        editor = self.query_one("#note-text", TextArea)
        editor.focus()
        editor.move_cursor(editor.document.end)

    def action_save(self) -> None:
        self.dismiss(self.query_one("#note-text", TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)
