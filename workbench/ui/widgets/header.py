"""The top line: database, progress ("18 / 61 reviewed"), and how the list is filtered, searched and sorted."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

from workbench.claims_view import Progress


@dataclass(frozen=True, slots=True)
class HeaderState:
    database: str
    reviewer: str
    progress: Progress
    shown: int
    filter_label: str
    sort_label: str
    search: str
    read_only: bool = False


class StatusHeader(Widget):
    """One fixed line. Not a Static: a new text only repaints this line, it never re-lays out the screen."""

    DEFAULT_CSS = """
    StatusHeader { dock: top; height: 1; width: 1fr; background: $panel; color: $text; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.content = Text()

    def show_state(self, state: HeaderState) -> None:
        text = header_text(state)
        if text != self.content:
            self.content = text
            self.refresh()

    def render(self) -> Text:
        return self.content


def header_text(state: HeaderState) -> Text:
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(" workbench ", style="bold reverse")
    line.append(f" {state.database} ", style="bold")
    if state.read_only:
        line.append(" read-only ", style="bold reverse red")
    line.append("  ")
    progress = state.progress
    line.append(f"{progress.reviewed} / {progress.total} reviewed", style="bold")
    if progress.total:
        line.append(f" ({progress.reviewed * 100 // progress.total}%)", style="dim")
    line.append("  │  ", style="dim")
    line.append("filter: ", style="dim")
    line.append(state.filter_label, style="bold" if state.filter_label != "all" else "")
    line.append("  sort: ", style="dim")
    line.append(state.sort_label)
    if state.search:
        line.append("  search: ", style="dim")
        line.append(f"“{state.search}”", style="bold")
    if state.shown != progress.total or state.search:
        line.append(f"  ({state.shown} shown)", style="dim")
    line.append("  │  ", style="dim")
    line.append("reviewer: ", style="dim")
    line.append(state.reviewer)
    return line
