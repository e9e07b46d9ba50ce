"""Dialogs for fixing the machine's grouping by hand: pick the claim to merge into, pick the passage to split
off, edit a claim's wording and claimant. Each returns what was picked (or None); the main screen asks for
confirmation and calls `workbench.corrections`.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from workbench.ui.keys import EDIT_CLAIM_BINDINGS, PICKER_BINDINGS

SEARCH_DEBOUNCE_SECONDS = 0.12


def claim_choice(row: dict) -> Text:
    """One claim as a choice: its text, then claimant, sources and status, dim (all plain text)."""
    prompt = Text(" ".join(str(row["text"]).split()))
    prompt.append(f"\n  {row.get('claimant') or 'not attributed'}", style="dim")
    count = int(row.get("source_count") or 0)
    prompt.append(f" · {count} source{'s' if count != 1 else ''} · {row.get('status', '')}", style="dim")
    return prompt


class ClaimPicker(ModalScreen[dict | None]):
    """Search-as-you-type over claims; returns the chosen claim's row (from `search`) or None."""

    BINDINGS = PICKER_BINDINGS

    def __init__(self, title: str, claim_text: str, search: Callable[[str], list[dict]]) -> None:
        super().__init__()
        self.title_text = title
        self.claim_text = claim_text
        self.search = search
        self._rows: dict[str, dict] = {}
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-dialog", classes="dialog"):
            yield Static(Text(self.title_text, style="bold"), classes="dialog-title")
            yield Static(Text(self.claim_text, style="italic"), id="picker-claim")
            yield Input(placeholder="type words of the other claim, or its id", id="picker-search")
            yield OptionList(id="picker-choices")
            yield Static(Text("type to search · ↓ to the list · enter picks · escape cancels", style="dim"))
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#picker-search", Input).focus()

    @on(Input.Changed, "#picker-search")
    def on_search_changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        # One query per pause in typing, not per key.
        self._timer = self.set_timer(SEARCH_DEBOUNCE_SECONDS, lambda: self.show_matches(event.value))

    def show_matches(self, query: str) -> None:
        self._timer = None
        rows = self.search(query)
        self._rows = {str(row["id"]): row for row in rows}
        choices = self.query_one("#picker-choices", OptionList)
        choices.clear_options()
        choices.add_options([Option(claim_choice(row), id=str(row["id"])) for row in rows])
        if rows:
            choices.highlighted = 0

    @on(Input.Submitted, "#picker-search")
    def on_search_submitted(self, event: Input.Submitted) -> None:
        if self._timer is not None:  # enter before the pause: search now
            self._timer.stop()
            self.show_matches(event.value)
        choices = self.query_one("#picker-choices", OptionList)
        if choices.option_count == 0:
            self.notify("No claim matches; type other words.", severity="warning", markup=False)
            return
        option = choices.get_option_at_index(choices.highlighted or 0)
        self.dismiss(self._rows.get(option.id or ""))

    @on(OptionList.OptionSelected, "#picker-choices")
    def on_choice(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._rows.get(event.option.id or ""))

    def action_focus_choices(self) -> None:
        choices = self.query_one("#picker-choices", OptionList)
        if choices.option_count:
            choices.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)


class PassagePicker(ModalScreen[str | None]):
    """Choose one of a claim's source passages; returns its mention id or None."""

    BINDINGS = PICKER_BINDINGS

    def __init__(self, title: str, passages: list[dict]) -> None:
        super().__init__()
        self.title_text = title
        self.passages = passages

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-dialog", classes="dialog"):
            yield Static(Text(self.title_text, style="bold"), classes="dialog-title")
            yield OptionList(
                *(Option(passage_choice(passage), id=str(passage["id"])) for passage in self.passages),
                id="picker-choices",
            )
            yield Static(Text("↑↓ choose · enter picks · escape cancels", style="dim"))
        yield Footer()

    def on_mount(self) -> None:
        choices = self.query_one("#picker-choices", OptionList)
        choices.highlighted = 0
        choices.focus()

    @on(OptionList.OptionSelected, "#picker-choices")
    def on_choice(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_focus_choices(self) -> None:
        self.query_one("#picker-choices", OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)


def passage_choice(passage: dict) -> Text:
    prompt = Text(" ".join(str(passage.get("quote") or "").split()))
    prompt.append(f"\n  {passage.get('title') or passage.get('file_name')}", style="dim")
    prompt.append(f" ({passage.get('file_name')})", style="dim")
    return prompt


class EditClaimScreen(ModalScreen[tuple[str, str] | None]):
    """The claim's wording and claimant in two boxes; returns (text, claimant) on ctrl+s, None on escape."""

    BINDINGS = EDIT_CLAIM_BINDINGS

    def __init__(self, text: str, claimant: str | None) -> None:
        super().__init__()
        self.text = text
        self.claimant = claimant or ""

    def compose(self) -> ComposeResult:
        with Vertical(id="edit-dialog", classes="dialog"):
            yield Static(Text("Edit the claim", style="bold"), classes="dialog-title")
            yield Static(Text("Wording", style="dim"))
            # Not selected on focus: a reviewer fixing one word must not wipe the claim by typing it.
            yield Input(self.text, id="edit-text", select_on_focus=False)
            yield Static(Text("Claimant (empty: not attributed)", style="dim"))
            yield Input(self.claimant, id="edit-claimant", select_on_focus=False)
            yield Static(Text("ctrl+s save · enter next / save · escape cancel", style="dim"), classes="dialog-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#edit-text", Input).focus()

    @on(Input.Submitted, "#edit-text")
    def on_text_submitted(self) -> None:
        self.query_one("#edit-claimant", Input).focus()

    @on(Input.Submitted, "#edit-claimant")
    def on_claimant_submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        text = self.query_one("#edit-text", Input).value
        if not text.strip():
            self.notify("The wording cannot be empty.", severity="warning", markup=False)
            return
        self.dismiss((text, self.query_one("#edit-claimant", Input).value))

    def action_cancel(self) -> None:
        self.dismiss(None)
