"""Grouping the same claim across sources.

The ingest pipeline keeps one ClaimMatcher per run: it is loaded with every existing claim's mentions, then
asked, for each newly extracted claim, which existing claim (if any) it restates. Matching must stay
near-linear in the number of claims (blocking, no all-pairs).
"""

from __future__ import annotations


class ClaimMatcher:
    def __init__(self) -> None:
        self._by_text: dict[str, str] = {}

    def add(self, claim_id: str, text: str, claimant: str | None, document_id: str) -> None:
        """Register one mention of `claim_id` (several mentions per claim are allowed)."""
        self._by_text.setdefault(text.casefold(), claim_id)

    def match(self, text: str, claimant: str | None, document_id: str) -> str | None:
        """Return the id of the existing claim that `text` restates, or None for a new claim."""
        return self._by_text.get(text.casefold())
