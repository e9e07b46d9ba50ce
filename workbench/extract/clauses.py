"""Splitting a statement into its coordinated assertions.

News sentences often join two checkable assertions: "The drones were disabled and crashed without causing injuries
or damage", "It blamed the attack on Ukraine but said that no one was hurt", "Moscow accuses Kyiv of the attacks,
but the Ukrainian authorities do not claim them". A fact-checker lists each separately, and another outlet usually
reports only one of them, so grouping needs them apart. Only the boundaries below are split, and only when both
sides look like assertions of their own (a verb and a few words each), so a sentence is not shredded into fragments.

All offsets are relative to the text passed in; every span is a verbatim substring.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_CLAUSE_WORDS = 4

# "..., but ..." and "... but said (that) ...": the second part is a separate assertion. A "but" inside a quotation
# opened and not closed before it belongs to the quote and is split the same way (the speaker said both).
_BUT_SAID = re.compile(r",?\s+but\s+(?:also\s+)?(?:said|says|added|adds|insisted|stressed|noted)(?:\s+that)?\s+")
_COMMA_BUT = re.compile(r",\s+but\s+(?:also\s+)?")
_COMMA_WHILE = re.compile(r",\s+(?:while|whereas|although|though)\s+")
# "... without causing injuries or damage": a negative outcome stated alongside the event.
_WITHOUT_OUTCOME = re.compile(r",?\s+(?=without\s+(?:causing|leaving|resulting\s+in|any)\s+)")
# "X did A, blaming B on C": a participle of speaking or blaming after a comma is a second assertion by the same
# subject. Other participles ("..., killing thousands", "..., sending debris crashing") describe the first assertion's
# outcome and stay with it. The past tense lets the claim read on its own ("Russia blamed B on C").
SPEECH_PARTICIPLES: dict[str, str] = {
    "blaming": "blamed",
    "accusing": "accused",
    "saying": "said",
    "claiming": "claimed",
    "insisting": "insisted",
    "warning": "warned",
    "adding": "added",
    "denying": "denied",
    "urging": "urged",
    "vowing": "vowed",
    "threatening": "threatened",
    "describing": "described",
}
_PARTICIPLE_TAIL = re.compile(rf",\s+(?=(?:{'|'.join(SPEECH_PARTICIPLES)})\s)")
# "X said A and suggested B": a second speech act of the same subject.
SPEECH_VERBS_PAST = frozenset(
    [
        "suggested",
        "warned",
        "insisted",
        "denied",
        "accused",
        "vowed",
        "urged",
        "claimed",
        "stressed",
        "threatened",
        "promised",
        "called",
        "demanded",
        "added",
        "said",
    ]
)
_AND_SPEECH_VERB = re.compile(rf"\s+and\s+(?=(?:{'|'.join(sorted(SPEECH_VERBS_PAST))})\s)")
# "X happened, news that drew denials from Kyiv": a comment on how the first assertion was received, not part of it.
_RECEPTION_TAIL = re.compile(
    r",\s+(?:news|a claim|claims|an accusation|accusations|an allegation|allegations)\s+that\s+"
)
# "If drones have already crashed near Moscow, this is the first time ...": an "if" clause stating what has
# already happened concedes a fact rather than posing a condition, so both halves are assertions.
_FACTUAL_IF = re.compile(r"\s*if\s+(?=[^,]{0,120}\balready\b[^,]*,\s)", re.IGNORECASE)
_VERB = re.compile(
    r"\b(?:is|are|was|were|be|been|has|have|had|will|would|can|could|did|does|do|"
    r"[a-z]{2,}(?:ed|es|en|ew|ung|ought|ook|ade|ent|ave|ame|ose|oke|ot|ept|ang|ank|ore|ode|ote)|causing|leaving|"
    + "|".join(SPEECH_PARTICIPLES)
    + r")\b"
)


@dataclass(frozen=True, slots=True)
class Clause:
    start: int
    end: int
    # The subject of the first clause is also the speaker of this one ("X blamed A but said B": X said B).
    continues_subject: bool


def split_clauses(text: str, start: int, end: int) -> list[Clause]:
    """The assertions of `text[start:end]`, in order; the whole range when nothing should be split.

    A factual "If X has already ..., Y" gives X and Y; a trailing comment on how the assertion was received
    ("..., news that drew denials") is left out.
    """
    concession = _FACTUAL_IF.match(text, start, end)
    if concession is not None:
        comma = text.find(", ", concession.end(), end)
        if comma != -1 and _is_assertion(text[concession.end() : comma]) and _is_assertion(text[comma + 2 : end]):
            return [
                *_split_sentence_clauses(text, concession.end(), _trim_end(text, concession.end(), comma)),
                *split_clauses(text, comma + 2, end),
            ]
    tail = _RECEPTION_TAIL.search(text, start, end)
    if tail is not None and _is_assertion(text[start : tail.start()]):
        end = _trim_end(text, start, tail.start())
    return _split_sentence_clauses(text, start, end)


# The boundaries, in order of precedence, whether the second part continues the first one's subject, and a word or
# mark every match of the pattern contains: most sentences lack it, and looking for it is several times cheaper
# than the regex engine trying the pattern at every character.
_CLAUSE_BOUNDARIES: tuple[tuple[re.Pattern[str], bool, str], ...] = (
    (_BUT_SAID, True, "but"),
    (_WITHOUT_OUTCOME, False, "without"),
    (_COMMA_BUT, False, "but"),
    (_COMMA_WHILE, False, ","),
    (_PARTICIPLE_TAIL, True, ","),
    (_AND_SPEECH_VERB, True, "and"),
)


def _split_sentence_clauses(text: str, start: int, end: int) -> list[Clause]:
    for pattern, continues_subject, required in _CLAUSE_BOUNDARIES:
        if text.find(required, start, end) == -1:
            continue
        for boundary in pattern.finditer(text, start, end):
            first_end = _trim_end(text, start, boundary.start())
            second_start = _skip_opening_marks(text, boundary.end(), end)
            second_end = _trim_end(text, second_start, end)
            if _is_assertion(text[start:first_end]) and _is_assertion(text[second_start:second_end]):
                rest = _split_sentence_clauses(text, second_start, second_end)
                first = Clause(start, first_end, False)
                if continues_subject:
                    rest = [Clause(clause.start, clause.end, True) for clause in rest]
                return [first, *rest]
    return [Clause(start, end, False)]


def _is_assertion(fragment: str) -> bool:
    words = fragment.split()
    return len(words) >= MIN_CLAUSE_WORDS and _VERB.search(fragment.casefold()) is not None


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in ' ,;:\u201d"':
        end -= 1
    return end


def _skip_opening_marks(text: str, start: int, end: int) -> int:
    while start < end and text[start] in ' \u201c"':
        start += 1
    return start
