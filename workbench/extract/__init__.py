"""Claim extraction: sentence splitting, claim detection, attribution, check-worthiness.

Public interface used by the ingest pipeline:
    split_sentences(text) -> list[SentenceSpan]
    extract_claims(text, sentences) -> list[ExtractedClaim]
"""

from __future__ import annotations

import re

from workbench.models import ExtractedClaim, SentenceSpan

_SENTENCE_END = re.compile(r"(?<=[.!?\u201d\"])\s+(?=[A-Z\u201c\"])|\n+")


def split_sentences(text: str) -> list[SentenceSpan]:
    spans: list[SentenceSpan] = []
    position = 0
    for match in _SENTENCE_END.finditer(text):
        _append_span(text, position, match.start(), spans)
        position = match.end()
    _append_span(text, position, len(text), spans)
    return spans


def _append_span(text: str, start: int, end: int, spans: list[SentenceSpan]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(SentenceSpan(len(spans), start, end))


def extract_claims(text: str, sentences: list[SentenceSpan]) -> list[ExtractedClaim]:
    claims: list[ExtractedClaim] = []
    for sentence in sentences:
        sentence_text = text[sentence.start : sentence.end]
        if len(sentence_text.split()) < 6 or sentence_text.rstrip().endswith("?"):
            continue
        claims.append(
            ExtractedClaim(
                sentence_index=sentence.index,
                start=sentence.start,
                end=sentence.end,
                text=sentence_text,
                claimant=None,
                channel=None,
                checkworthiness=0.5,
            )
        )
    return claims
