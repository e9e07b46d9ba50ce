"""The selected claim in full: the claim and its review, where its sources disagree, the claims that contradict
it, then every source passage with context.

The pane is a column of sections; each takes the `ClaimDetail` and returns what to draw (or None to be left out).
A later feature adds a section to `DetailPane.SECTIONS` without touching the others. Every piece of article text
goes in as `rich.text.Text`, never as markup, so "[bold red]" or "[@click=app.quit]" in an article is shown
literally and does nothing.

The pane draws on Textual's line API (like the claims table): `show()` renders the sections to lines once, and
a new claim only repaints the pane. A pane made of Static widgets re-laid out the whole screen on every claim,
which was most of the time a status key took to show (benchmarks/bench_ui.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from workbench.claims_view import ClaimDetail, SourcePassage
from workbench.discrepancies import DISCREPANCY_LABELS, SourceView
from workbench.ui.widgets.claims_table import StatusLook

FLAG = "⚑"
# One colour per kind of discrepancy: the summary line and the differing spans in the sentences share it.
KIND_STYLES: dict[str, str] = {
    "number": "bold black on yellow",
    "date": "bold black on cyan",
    "spelling": "bold black on orchid",
    "claimant": "bold black on green",
    "hedging": "bold black on dark_orange",
}
KIND_NAMES: dict[str, str] = {
    "number": "Number",
    "date": "Date",
    "spelling": "Spelling",
    "claimant": "Claimant",
    "hedging": "Hedging",
}


class DetailSection(Protocol):
    """One part of the detail pane: what to draw for a claim, or None to leave the section out."""

    name: str

    def render_detail(self, detail: ClaimDetail) -> RenderableType | None: ...


class ClaimSection:
    """The whole claim, who made it and how, where its review stands (sign-offs, conflicts), and the note."""

    name = "claim"

    def __init__(self, looks: Mapping[str, StatusLook]) -> None:
        self._looks = looks

    def _look(self, status: str) -> StatusLook:
        return self._looks.get(status) or StatusLook(status, "white")

    def render_detail(self, detail: ClaimDetail) -> Text:
        claim = detail.claim
        look = self._look(claim.status)
        body = Text()
        body.append(claim.text, style="bold")
        body.append("\n\n")
        body.append("Claimant  ", style="dim")
        body.append(claim.claimant or "not attributed", style="" if claim.claimant else "italic dim")
        body.append("\nChannel   ", style="dim")
        body.append(claim.channel or "—")
        body.append("\nStatus    ", style="dim")
        body.append(f" {look.label} ", style=f"bold reverse {look.color}" if _is_color(look.color) else "bold")
        if detail.reviewer:
            # An unreviewed claim with a reviewer was set back (or undone) by them: say so, not "reviewed by".
            who = "last changed by" if claim.status == "unreviewed" else "by"
            body.append(f"  {who} {detail.reviewer}", style="dim")
        if detail.reviewed_at:
            body.append(f" at {detail.reviewed_at.replace('T', ' ')[:16]} UTC", style="dim")
        if detail.sign_off is not None:
            body.append("\nSign-off  ", style="dim")
            body.append_text(self._sign_off(detail))
        for conflict in detail.conflicts:
            body.append("\nConflict  ", style="bold red")
            body.append(f"{conflict.other_reviewer} says ")
            body.append(self._look(conflict.other_status).label, style="bold")
            body.append(f", {conflict.local_reviewer or 'this database'} says ")
            body.append(self._look(conflict.local_status).label, style="bold")
            body.append("  (C to settle)", style="dim")
        body.append("\nSources   ", style="dim")
        body.append(f"{claim.source_count} passage{'s' if claim.source_count != 1 else ''}")
        body.append(f" in {claim.document_count} article{'s' if claim.document_count != 1 else ''}")
        if claim.flagged:
            body.append(f"  {FLAG} they disagree", style="bold yellow")
        body.append("\nScore     ", style="dim")
        body.append(f"check-worthiness {claim.checkworthiness:.2f}")
        body.append(f"\nId        {claim.id}", style="dim")
        body.append("\n\nNote", style="bold")
        body.append("\n")
        if detail.note:
            body.append(detail.note)
        else:
            body.append("none — press n to write one", style="italic dim")
        return body

    def _sign_off(self, detail: ClaimDetail) -> Text:
        sign_off = detail.sign_off
        assert sign_off is not None
        line = Text()
        if detail.claim.status == "unreviewed":
            line.append(f"no verdict yet ({sign_off.required} reviewers must agree)", style="dim")
            return line
        agreeing = sorted(name for name, status in sign_off.verdicts.items() if status == detail.claim.status)
        if sign_off.final:
            line.append(" final ", style="bold reverse green")
        else:
            line.append(f"{sign_off.agreeing} of {sign_off.required} sign-offs", style="bold yellow")
        if agreeing:
            line.append(f"  {', '.join(agreeing)}", style="dim")
        others = sorted(f"{name}: {self._look(status).label}" for name, status in sign_off.verdicts.items())
        differing = [entry for entry in others if entry.split(": ", 1)[0] not in agreeing]
        if differing:
            line.append(f"  (differs: {'; '.join(differing)})", style="dim")
        return line


class DiscrepancySection:
    """Where the sources disagree: each flagged kind, then the differing values of every source side by side,
    then each source's sentence with the differing spans marked in the kind's colour."""

    name = "discrepancies"

    def render_detail(self, detail: ClaimDetail) -> RenderableType | None:
        if not detail.discrepancies:
            return None
        kinds = [flag.kind for flag in detail.discrepancies]
        heading = Text()
        heading.append(f"{FLAG} Sources disagree ({len(kinds)})", style="bold yellow")
        for flag in detail.discrepancies:
            heading.append("\n")
            heading.append(f" {KIND_NAMES.get(flag.kind, flag.kind)} ", style=KIND_STYLES.get(flag.kind, "reverse"))
            heading.append(" ")
            heading.append(flag.summary or DISCREPANCY_LABELS.get(flag.kind, flag.kind))
        values = Table(box=None, padding=(0, 1, 0, 0), show_edge=False, expand=True, header_style="bold")
        values.add_column("Source", no_wrap=True, overflow="ellipsis", max_width=24, ratio=2)
        for kind in kinds:
            values.add_column(KIND_NAMES.get(kind, kind), overflow="fold", ratio=1)
        sentences = Text()
        for number, view in enumerate(detail.side_by_side, 1):
            cells: list[Text] = [Text(f"{number}. {view.outlet or view.file_name}")]
            for flag in detail.discrepancies:
                # As written in this source (a claimant may be named outside the quoted sentence, so not sliced from
                # it); from the view, not the flag: a flag stores the spans of its first sources only.
                written = list(dict.fromkeys(text for kind, text in view.written if kind == flag.kind))
                style = KIND_STYLES.get(flag.kind, "")
                cells.append(Text(", ".join(written), style=style) if written else Text("—", style="dim"))
            values.add_row(*cells)
            sentences.append("\n" if number > 1 else "")
            sentences.append(f"{number}. ", style="bold")
            sentences.append_text(_marked_sentence(view))
        if len(detail.side_by_side) < detail.source_total:
            sentences.append("\n")
            sentences.append_text(_not_shown(detail.source_total - len(detail.side_by_side)))
        return _stack([heading, values, sentences])


class ContradictsSection:
    """Claims from other sources that assert the opposite; L (or a click) jumps to one."""

    name = "contradictions"

    def render_detail(self, detail: ClaimDetail) -> Text | None:
        if not detail.contradictions:
            return None
        body = Text()
        body.append(f"Contradicts ({len(detail.contradictions)})", style="bold red")
        body.append("  L or click to jump", style="dim")
        for index, link in enumerate(detail.contradictions):
            body.append("\n→ ", style="bold red")
            # Our own action with an index, never text from the article: nothing in a claim can become an action.
            body.append(
                link.other_text, style=Style(underline=True, meta={"@click": f"screen.follow_contradiction({index})"})
            )
            if link.shared_words:
                body.append(f"  (shared: {', '.join(link.shared_words[:6])})", style="dim")
        return body


class SourcesSection:
    """Every passage the claim came from: outlet and headline, the sentence with the claim span highlighted,
    and a sentence of context on either side."""

    name = "sources"

    def render_detail(self, detail: ClaimDetail) -> Text:
        body = Text()
        body.append(f"Sources ({max(detail.source_total, len(detail.sources)):,})", style="bold")
        if not detail.sources:
            body.append("\nNo source passage is linked to this claim.", style="italic dim")
        for number, source in enumerate(detail.sources, 1):
            body.append("\n\n")
            body.append_text(source_heading(number, source))
            body.append("\n")
            body.append_text(source_passage(source))
        if detail.sources_not_shown:
            body.append("\n\n")
            body.append_text(_not_shown(detail.sources_not_shown))
        return body


def _not_shown(count: int) -> Text:
    return Text(
        f"… and {count:,} more passages, not shown here (`workbench export --format json` lists every one)",
        style="italic dim",
    )


def source_heading(number: int, source: SourcePassage) -> Text:
    heading = Text()
    heading.append(f"{number}. ", style="bold")
    if source.outlet:
        heading.append(source.outlet, style="bold")
        heading.append(" — ")
    heading.append(source.title or source.file_name, style="italic")
    heading.append(f"  ({source.file_name})", style="dim")
    return heading


def source_passage(source: SourcePassage) -> Text:
    passage = Text()
    if source.before:
        passage.append(source.before.strip(), style="dim")
        passage.append(" ")
    sentence = source.sentence
    passage.append(sentence[: source.span_start])
    passage.append(sentence[source.span_start : source.span_end], style="bold reverse")
    passage.append(sentence[source.span_end :])
    if source.after:
        passage.append(" ")
        passage.append(source.after.strip(), style="dim")
    return passage


def _marked_sentence(view: SourceView) -> Text:
    text = Text(view.sentence)
    for highlight in view.highlights:
        start, end = max(highlight.start, 0), min(highlight.end, len(view.sentence))
        if end > start:
            text.stylize(KIND_STYLES.get(highlight.kind, "reverse"), start, end)
    return text


def _stack(parts: Sequence[RenderableType]) -> Table:
    """Renderables one under the other with a blank line between (a grid: it takes whatever width it is given)."""
    grid = Table.grid(expand=True)
    grid.add_column()
    for number, part in enumerate(parts):
        if number:
            grid.add_row("")
        grid.add_row(part)
    return grid


def _is_color(name: str) -> bool:
    from rich.color import Color, ColorParseError

    try:
        Color.parse(name)
    except ColorParseError:
        return False
    return True


class DetailPane(ScrollView, can_focus=False):
    """A scrolling column of detail sections; `show()` hands the claim to each and draws what they return."""

    DEFAULT_CSS = """
    DetailPane {
        overflow-x: hidden;
        overflow-y: scroll;  /* always there: a scrollbar appearing would re-lay out the screen */
    }
    """

    def __init__(self, looks: Mapping[str, StatusLook], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.sections: list[DetailSection] = [
            ClaimSection(looks),
            DiscrepancySection(),
            ContradictsSection(),
            SourcesSection(),
        ]
        self.detail: ClaimDetail | None = None
        self._drawn: dict[str, RenderableType] = {}
        self._lines: list[Strip] = []
        self._lines_width = -1

    def show(self, detail: ClaimDetail | None) -> None:
        """Draw `detail` (None: nothing selected), scrolled to the top, repainting only this pane."""
        self.detail = detail
        self._drawn = {}
        if detail is not None:
            for section in self.sections:
                drawn = section.render_detail(detail)
                if drawn is not None:
                    self._drawn[section.name] = drawn
        self._lines_width = -1
        self._layout_lines()
        self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()

    def section_text(self, name: str) -> str:
        """What a section shows, as plain text (for tests and the pty checks): '' when it is left out."""
        drawn = self._drawn.get(name)
        if drawn is None:
            return ""
        if isinstance(drawn, Text):
            return drawn.plain
        lines = self.app.console.render_lines(drawn, self.app.console.options.update_width(max(self._width(), 20)))
        return "\n".join("".join(segment.text for segment in line).rstrip() for line in lines)

    @property
    def plain_lines(self) -> list[str]:
        return ["".join(segment.text for segment in strip).rstrip() for strip in self._lines]

    def _width(self) -> int:
        return self.scrollable_content_region.width

    def _layout_lines(self) -> None:
        """Render every shown section at the pane's width into lines, and size the scrollable area to them."""
        width = self._width()
        if width <= 0:
            self._lines = []
            return
        console = self.app.console
        options = console.options.update(width=width, highlight=False, markup=False)
        lines: list[Strip] = []
        if self.detail is None:
            lines.append(Strip([Segment("No claim selected.", Style(italic=True))]))
        for number, drawn in enumerate(self._drawn.values()):
            if number:
                lines.append(Strip.blank(width))
            lines.extend(Strip(line) for line in console.render_lines(drawn, options, pad=False))
        base = self.rich_style
        self._lines = [line.adjust_cell_length(width).apply_style(base) for line in lines]
        self._lines_width = width
        size = Size(width, len(lines))
        if size != self.virtual_size:
            # Not the reactive's setter: that re-lays out the whole screen. The scrollbar is always shown, so only
            # it and this pane need repainting.
            self.set_reactive(DetailPane.virtual_size, size)
            self._scroll_update(size)

    def on_resize(self, event: events.Resize) -> None:
        if self._width() != self._lines_width:
            self._layout_lines()
            self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self._width()
        if self._lines_width != width:
            self._layout_lines()
        index = round(self.scroll_y) + y
        if 0 <= index < len(self._lines):
            return self._lines[index]
        return Strip.blank(width, self.rich_style)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines_width = -1  # a theme change recolours the background: draw the lines again
