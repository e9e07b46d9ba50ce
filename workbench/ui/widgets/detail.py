"""The selected claim in full: the claim and its review, then every source passage with context.

The pane is a column of sections; each takes the `ClaimDetail` and draws itself. A later feature (e.g. the
discrepancy flags between sources) adds a section here without touching the others. Every piece of article text
goes in as `rich.text.Text`, never as markup, so "[bold red]" or "[@click=app.quit]" in an article is shown
literally and does nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from workbench.claims_view import ClaimDetail, SourcePassage
from workbench.ui.widgets.claims_table import StatusLook


@runtime_checkable
class DetailSection(Protocol):
    def show_detail(self, detail: ClaimDetail | None) -> None: ...


class ClaimSection(Static):
    """The whole claim, who made it and how, and where its review stands."""

    def __init__(self, looks: Mapping[str, StatusLook], **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self._looks = looks

    def show_detail(self, detail: ClaimDetail | None) -> None:
        if detail is None:
            self.update(Text("No claim selected.", style="italic"))
            return
        claim = detail.claim
        look = self._looks.get(claim.status) or StatusLook(claim.status, "white")
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
        body.append("\nSources   ", style="dim")
        body.append(f"{claim.source_count} passage{'s' if claim.source_count != 1 else ''}")
        body.append(f" in {claim.document_count} article{'s' if claim.document_count != 1 else ''}")
        body.append("\nScore     ", style="dim")
        body.append(f"check-worthiness {claim.checkworthiness:.2f}")
        body.append(f"\nId        {claim.id}", style="dim")
        body.append("\n\nNote", style="bold")
        body.append("\n")
        if detail.note:
            body.append(detail.note)
        else:
            body.append("none — press n to write one", style="italic dim")
        self.update(body)


class SourcesSection(Static):
    """Every passage the claim came from: outlet and headline, the sentence with the claim span highlighted,
    and a sentence of context on either side."""

    def show_detail(self, detail: ClaimDetail | None) -> None:
        if detail is None:
            self.update("")
            return
        body = Text()
        body.append(f"Sources ({len(detail.sources)})", style="bold")
        if not detail.sources:
            body.append("\nNo source passage is linked to this claim.", style="italic dim")
        for number, source in enumerate(detail.sources, 1):
            body.append("\n\n")
            body.append_text(source_heading(number, source))
            body.append("\n")
            body.append_text(source_passage(source))
        self.update(body)


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


def _is_color(name: str) -> bool:
    from rich.color import Color, ColorParseError

    try:
        Color.parse(name)
    except ColorParseError:
        return False
    return True


class DetailPane(VerticalScroll):
    """A scrolling column of detail sections; `show()` hands the claim to each of them."""

    def __init__(self, looks: Mapping[str, StatusLook], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._looks = looks

    def compose(self) -> ComposeResult:
        yield ClaimSection(self._looks, id="claim-section", classes="detail-section")
        yield SourcesSection(id="sources-section", classes="detail-section")

    def show(self, detail: ClaimDetail | None) -> None:
        for child in self.children:
            if isinstance(child, DetailSection):
                child.show_detail(detail)
