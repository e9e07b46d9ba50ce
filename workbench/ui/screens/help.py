"""The `?` screen: every key, read from the live binding table, so remapped keys show as they really are."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from workbench.ui.keys import SECTIONS, section_of

HELP_CLOSE_BINDINGS = [
    Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
]


@dataclass(frozen=True, slots=True)
class HelpRow:
    section: str
    keys: str
    description: str
    tooltip: str


def help_rows(app: App, active: Mapping[str, ActiveBinding], extra: Iterable[Binding] = ()) -> list[HelpRow]:
    """One row per binding id (all its keys together), grouped in the order of keys.SECTIONS."""
    keys_by_id: dict[str, list[str]] = {}
    bindings_by_id: dict[str, Binding] = {}
    for active_binding in active.values():
        binding = active_binding.binding
        binding_id = binding.id or ("app.palette" if binding.action == "command_palette" else None)
        if binding_id is None:
            continue
        bindings_by_id.setdefault(binding_id, binding)
        keys_by_id.setdefault(binding_id, []).append(app.get_key_display(binding))
    for binding in extra:
        if binding.id:
            bindings_by_id.setdefault(binding.id, binding)
            keys_by_id.setdefault(binding.id, []).append(app.get_key_display(binding))
    order = list(SECTIONS.values())
    rows = [
        HelpRow(
            section=_section(binding_id),
            keys=join_keys(keys_by_id[binding_id]),
            description="Command palette" if binding.action == "command_palette" else binding.description,
            tooltip=binding.tooltip,
        )
        for binding_id, binding in bindings_by_id.items()
    ]
    return sorted(rows, key=lambda row: order.index(row.section) if row.section in order else len(order))


def join_keys(keys: list[str]) -> str:
    """Letter keys first (what people type), then named keys, without repeats: "j / ↓"."""
    unique = list(dict.fromkeys(keys))
    return " / ".join(sorted(unique, key=lambda key: not (len(key) == 1 and key.isascii())))


def _section(binding_id: str) -> str:
    if binding_id.startswith("note."):
        return "Note editor"
    return section_of(binding_id)


class HelpScreen(ModalScreen[None]):
    BINDINGS = HELP_CLOSE_BINDINGS

    def __init__(self, rows: list[HelpRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Static(self._table(), id="help-table")
            yield Static(Text("escape, q or ? to close", style="dim"), classes="dialog-hint")

    def _table(self) -> Table:
        table = Table(title="Keys", box=None, show_header=False, padding=(0, 2, 0, 0), expand=True)
        table.add_column("keys", style="bold", no_wrap=True, min_width=14)
        table.add_column("what", no_wrap=True, min_width=20)
        table.add_column("more", style="dim", ratio=1)
        current_section = None
        for row in self.rows:
            if row.section != current_section:
                if current_section is not None:
                    table.add_row("", "", "")
                table.add_row(Text(row.section, style="bold underline"), "", "")
                current_section = row.section
            table.add_row(Text(row.keys), Text(row.description), Text(row.tooltip))
        return table
