"""Plain data shared by every layer (no Textual, no database handles)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_STATUSES: tuple[str, ...] = (
    "unreviewed",
    "true",
    "false",
    "misleading",
    "unverifiable",
    "not_checkworthy",
)
UNREVIEWED = "unreviewed"


@dataclass(frozen=True, slots=True)
class SentenceSpan:
    """A sentence of a document, as character offsets into the stored document text."""

    index: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ExtractedClaim:
    """One claim found in one sentence of one document.

    `start`/`end` are the verbatim span in the document text (the part of the sentence that carries the
    claim, or the whole sentence); `text` is the claim as a reader should see it, attribution frame removed.
    """

    sentence_index: int
    start: int
    end: int
    text: str
    claimant: str | None
    channel: str | None
    checkworthiness: float
