"""The claims list: a virtual table on Textual's line API that reads only the rows on screen from SQLite.

A DataTable holding 100,000 rows takes ~20 s to settle (NOTES.md); this widget's cost does not depend on the
number of claims. Its virtual height is the row count, `render_line` asks the `ClaimsView` for one row (served
from a small page cache), and the first line is a fixed column header.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from rich.color import ColorParseError
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from workbench.claims_view import ClaimRow, ClaimsView
from workbench.ui.keys import NAVIGATION_BINDINGS

HEADER_LINES = 1
CLAIMANT_WIDTH = 18
SOURCES_WIDTH = 3
SCORE_WIDTH = 4
BADGE_MAX_WIDTH = 12
MARKS_WIDTH = 2  # ⚑ the sources disagree, ✎ a note
STRIP_CACHE_SIZE = 400


@dataclass(frozen=True, slots=True)
class StatusLook:
    """How a status is drawn: its label and colour (from the team's scale in workbench.toml)."""

    label: str
    color: str


class ClaimsTable(ScrollView, can_focus=True):
    """Claims of the current view, one per line, with a cursor. Posts `CursorMoved` when the selection changes."""

    BINDINGS = NAVIGATION_BINDINGS

    COMPONENT_CLASSES = {
        "claims-table--header",
        "claims-table--cursor",
        "claims-table--cursor-blurred",
        "claims-table--muted",
        "claims-table--empty",
    }

    DEFAULT_CSS = """
    ClaimsTable {
        overflow-x: hidden;
        overflow-y: scroll;
    }
    ClaimsTable > .claims-table--header { text-style: bold; background: $panel; color: $text; }
    ClaimsTable > .claims-table--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    ClaimsTable > .claims-table--cursor-blurred { background: $block-cursor-blurred-background; }
    ClaimsTable > .claims-table--muted { color: $text-muted; }
    ClaimsTable > .claims-table--empty { color: $text-muted; text-style: italic; }
    """

    class CursorMoved(Message):
        """The selected claim changed (claim_id is None when the view is empty)."""

        def __init__(self, table: ClaimsTable, index: int, claim_id: str | None) -> None:
            super().__init__()
            self.table = table
            self.index = index
            self.claim_id = claim_id

    def __init__(
        self,
        view: ClaimsView,
        looks: Mapping[str, StatusLook],
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._view = view
        self._looks = dict(looks)
        self._badge_width = min(max((len(look.label) for look in looks.values()), default=8), BADGE_MAX_WIDTH) + 2
        self._cursor = 0
        self._announced: tuple[int, str | None] | None = None
        # Drawn rows by (row values, width, cursor style): a repaint reuses them, and any change to a row's data
        # gives a new key, so a stale strip is never shown.
        self._strips: OrderedDict[tuple[ClaimRow, int, str], Strip] = OrderedDict()
        self.empty_message = "No claims in this view."

    # -- state ----------------------------------------------------------------------------------------------

    @property
    def view(self) -> ClaimsView:
        return self._view

    @property
    def cursor(self) -> int:
        return self._cursor

    @property
    def current_row(self) -> ClaimRow | None:
        return self._view.row(self._cursor)

    @property
    def row_count(self) -> int:
        return self._view.count

    @property
    def visible_rows(self) -> int:
        return max(self.scrollable_content_region.height - HEADER_LINES, 1)

    def set_view(self, view: ClaimsView, cursor: int = 0) -> None:
        """Show another view (filter, search or sort changed), selecting row `cursor`."""
        self._view = view
        self.rows_changed(cursor)

    def rows_changed(self, cursor: int | None = None) -> None:
        """The view's rows or membership changed: resize, redraw, and select `cursor` (default: same place)."""
        self.virtual_size = Size(self.scrollable_content_region.width, self._view.count + HEADER_LINES)
        self.move_cursor(self._cursor if cursor is None else cursor, announce_always=True)
        self.refresh()

    def row_changed(self, index: int, cursor: int) -> None:
        """One row's data changed (same rows in the view): repaint that line only, then select `cursor`."""
        self.refresh_line(index + HEADER_LINES)
        self.move_cursor(cursor)

    def move_cursor(self, index: int, *, announce_always: bool = False) -> None:
        count = self._view.count
        previous = self._cursor
        self._cursor = min(max(index, 0), max(count - 1, 0))
        top = round(self.scroll_y)
        self._scroll_cursor_into_view()
        if round(self.scroll_y) == top:
            # Only the two cursor lines changed; a scroll repaints everything by itself.
            self.refresh_line(previous + HEADER_LINES)
            self.refresh_line(self._cursor + HEADER_LINES)
        claim_id = self._view.claim_id_at(self._cursor) if count else None
        announcement = (self._cursor, claim_id)
        if announce_always or announcement != self._announced:
            self._announced = announcement
            self.post_message(self.CursorMoved(self, self._cursor, claim_id))

    def _scroll_cursor_into_view(self) -> None:
        top = round(self.scroll_y)
        rows = self.visible_rows
        # Stepping one row past the edge scrolls by a third of the view, not one line: the reviewer sees the next
        # claims coming, and a scroll (which repaints every row) happens once per third of a page, not on every
        # verdict. A jump further away just brings the cursor into view.
        step = max(rows // 3, 1) if rows > 6 else 1
        if self._cursor < top:
            target = self._cursor - step + 1 if self._cursor == top - 1 else self._cursor
            self.scroll_to(y=max(target, 0), animate=False, immediate=True)
        elif self._cursor >= top + rows:
            target = self._cursor - rows + step if self._cursor == top + rows else self._cursor - rows + 1
            self.scroll_to(y=target, animate=False, immediate=True)

    # -- actions (bound in keys.NAVIGATION_BINDINGS) --------------------------------------------------------

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_cursor_first(self) -> None:
        self.move_cursor(0)

    def action_cursor_last(self) -> None:
        self.move_cursor(self._view.count - 1)

    def action_page_down(self) -> None:
        self.scroll_to(y=self.scroll_y + self.visible_rows, animate=False, immediate=True)
        self.move_cursor(self._cursor + self.visible_rows)

    def action_page_up(self) -> None:
        self.scroll_to(y=max(self.scroll_y - self.visible_rows, 0), animate=False, immediate=True)
        self.move_cursor(self._cursor - self.visible_rows)

    # -- mouse -------------------------------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < HEADER_LINES:
            return
        index = round(self.scroll_y) + offset.y - HEADER_LINES
        if index < self._view.count:
            self.move_cursor(index)

    # -- drawing -----------------------------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self._view.count + HEADER_LINES)
        self._scroll_cursor_into_view()

    def on_focus(self) -> None:
        self.refresh_line(self._cursor + HEADER_LINES)

    def on_blur(self) -> None:
        self.refresh_line(self._cursor + HEADER_LINES)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()  # a theme change recolours everything

    def _column_widths(self, width: int) -> tuple[int, int, int]:
        """(text, claimant, score) widths: the claim text takes what the fixed columns leave."""
        claimant = CLAIMANT_WIDTH if width >= 70 else 0
        score = SCORE_WIDTH if width >= 50 else 0
        cells = 3 + (claimant > 0) + 1 + (score > 0)  # badge, marks, text, claimant, sources, score
        spaces = 1 + cells  # a leading space, then one after every cell
        fixed = self._badge_width + MARKS_WIDTH + claimant + SOURCES_WIDTH + score + spaces
        return max(width - fixed, 8), claimant, score

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y < HEADER_LINES:
            return self._header_strip(width, base)
        index = round(self.scroll_y) + y - HEADER_LINES
        if self._view.count == 0:
            if index == 0:
                style = base + self.get_component_rich_style("claims-table--empty")
                return Strip([Segment(f" {self.empty_message}".ljust(width)[:width], style)], width)
            return Strip.blank(width, base)
        row = self._view.row(index)
        if row is None:
            return Strip.blank(width, base)
        cursor_class = ""
        if index == self._cursor:
            # The cursor colours are the row's base, so a status badge keeps its own colours on top of them.
            cursor_class = "claims-table--cursor" if self.has_focus else "claims-table--cursor-blurred"
            base = base + self.get_component_rich_style(cursor_class)
        key = (row, width, cursor_class)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = self._row_strip(row, width, base)
            if len(self._strips) > STRIP_CACHE_SIZE:
                self._strips.popitem(last=False)
        return strip

    def _cells_to_strip(self, cells: list[Text], width: int, base: Style) -> Strip:
        line = Text(" ", no_wrap=True, end="")
        for cell in cells:
            line.append_text(cell)
            line.append(" ")
        segments = list(line.render(self.app.console, end=""))
        return Strip(segments).adjust_cell_length(width).apply_style(base)

    def _header_strip(self, width: int, base: Style) -> Strip:
        style = self.get_component_rich_style("claims-table--header")
        text_width, claimant_width, score_width = self._column_widths(width)
        cells = [
            _fit("Status", self._badge_width),
            _fit("", MARKS_WIDTH),
            _fit("Claim", text_width),
            _fit("Claimant", claimant_width),
            _fit("Src", SOURCES_WIDTH, right=True),
            _fit("CW", score_width, right=True),
        ]
        return self._cells_to_strip([cell for cell in cells if cell.cell_len], width, base).apply_style(style)

    def _row_strip(self, row: ClaimRow, width: int, base: Style) -> Strip:
        look = self._looks.get(row.status) or StatusLook(row.status, "white")
        text_width, claimant_width, score_width = self._column_widths(width)
        # Foreground only: the row's base (normal or cursor) decides the background of every cell.
        muted = Style(color=self.get_component_rich_style("claims-table--muted").color)
        badge = _fit(look.label, self._badge_width - 2)
        badge.pad_left(1)
        badge.pad_right(1)
        badge.stylize(_badge_style(look.color, reviewed=row.status != "unreviewed"))
        # Article text is plain text: Text(...) never parses markup, so "[bold]" in a claim stays literal.
        cells = [
            badge,
            _marks(row, muted),
            _fit(row.text, text_width),
            _fit(row.claimant or "—", claimant_width, style=None if row.claimant else muted),
            _fit(compact_count(row.source_count), SOURCES_WIDTH, right=True),
            _fit(f"{row.checkworthiness:.2f}", score_width, right=True, style=muted),
        ]
        return self._cells_to_strip([cell for cell in cells if cell.cell_len], width, base)


def compact_count(count: int) -> str:
    """A passage count in the three cells of the Src column: 999, 2k (2,263), 99k, .2M (250,000), 3M.

    A story quoted by thousands of outlets would otherwise show "22…"; the detail pane gives the exact figure.
    """
    if count < 1000:
        return str(count)
    if count < 100_000:
        return f"{count // 1000}k"
    if count < 1_000_000:
        return f".{count // 100_000}M"
    return f"{min(count // 1_000_000, 99)}M"


def _marks(row: ClaimRow, muted: Style) -> Text:
    marks = Text(no_wrap=True, end="")
    marks.append("⚑" if row.flagged else " ", style="bold yellow")
    marks.append("✎" if row.has_note else " ", style=muted)
    return marks


def _badge_style(color: str, *, reviewed: bool) -> Style:
    try:
        if reviewed:
            return Style(bgcolor=color, color="black" if color not in {"blue", "red", "magenta"} else "white")
        return Style(color=color)
    except ColorParseError:  # an unknown colour name in a team's config must not break drawing
        return Style()


def _fit(value: str, width: int, *, right: bool = False, style: Style | str | None = None) -> Text:
    """`value` as exactly `width` cells of plain text, cut with an ellipsis when too long."""
    if width <= 0:
        return Text("")
    text = Text(" ".join(value.split()), no_wrap=True, overflow="ellipsis", end="", style=style or "")
    text.truncate(width, overflow="ellipsis")
    if right:
        text.pad_left(width - text.cell_len)
    else:
        text.pad_right(width - text.cell_len)
    return text
