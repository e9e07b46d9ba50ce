"""Claim extraction: sentence splitting, claim detection, attribution, check-worthiness.

Public interface used by the ingest pipeline:
    split_sentences(text) -> list[SentenceSpan]
    extract_claims(text, sentences) -> list[ExtractedClaim]

A claim is one sentence that asserts something checkable (an event, a number, an action, a statement attributed
to someone). Headings, captions, photo credits, page furniture, questions and sentences the check-worthiness
model rates as plainly non-factual are skipped. For attributed statements the claim text is the statement alone
("Putin was not in the Kremlin at the time of the attack"), with the claimant and channel kept separately, and
the span points at that statement inside the sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from workbench.extract.attribution import Attribution, parse_attribution
from workbench.extract.checkworthiness import score_sentences
from workbench.extract.clauses import SPEECH_PARTICIPLES, SPEECH_VERBS_PAST, Clause, split_clauses
from workbench.extract.splitter import split_sentences
from workbench.models import ExtractedClaim, SentenceSpan

__all__ = ["extract_claims", "split_sentences"]

# An unattributed sentence is kept when the model gives it (or its statement part) at least this probability. It is
# deliberately below the model's 0.5 decision line: the model was trained on debate transcripts, where news
# narration scores lower than it should, and a fact-checker would rather dismiss a weak claim than never see it.
# Statements attributed to someone are always kept: "did X say Y?" is checkable even when Y is an opinion, and
# the score still ranks them.
KEEP_THRESHOLD = 0.2
MIN_CLAIM_WORDS = 3

# Page furniture that ingest normally strips; repeated here so extraction never turns it into claims even on
# text that did not come through ingest.clean_text.
_BOILERPLATE = re.compile(
    r"""^(?:most\ read\ from\b | back\ to\ top | exit\ mobile\ version | source\ by\b | (?:©|\(c\)|copyright)\s*\d{4}
      | \(updates?\ with\b | consult\ our\ file\b | related\ (?:articles|stories|posts|news)\b | read\ (?:more|also)\b
      | see\ also\b | share\ (?:this|on)\b | click\ here\b | tap\ here\b | sign\ up\b | subscribe\b | advertisement\b
      | sponsored\b | we\ do\ not\ spam\b | about\ (?:the\ )?author\b | the\ latest\ news\ from\b | follow\ us\b
      | (?:photo|image|picture)s?\ ?(?:credit)?\s*:)""",
    re.IGNORECASE | re.VERBOSE,
)
# After these lines come other stories and pitches: nothing below them is the article.
_TRAILER_START = re.compile(
    r"""^(?:you\ may\ also\ like | related\ (?:articles|stories|posts|news) | more\ (?:stories|from)\b
      | recommended(?:\ for\ you)?\s*$ | want\ to\ get\b.*(?:email|inbox))""",
    re.IGNORECASE | re.VERBOSE,
)
_PHOTO_CREDIT = re.compile(
    r"^[A-Z][\w'\u2019.-]+(?:\s[A-Z][\w'\u2019.-]+){0,3}\s?/\s?"
    r"(?:AP|AFP|Reuters|Getty(?: Images)?|EPA|Sputnik|TASS|Bloomberg|Shutterstock|Anadolu|[A-Z][\w ]{1,30})$"
)
_TERMINAL_PUNCTUATION = (".", "!", "?", "\u201d", '"', "\u2019", ")", ":", ";")
_VERB_HINT = re.compile(
    r"\b(?:is|are|was|were|be|been|has|have|had|will|would|can|could|may|might|must|shall|should|did|does|do|"
    r"[a-z]{2,}(?:ed|es|s|en|ew|ung|ought|ook|ade|ent|ave|ame|ew|ose|oke|ot|ept|ang|ank|ore|ode|ote|ank))\b"
)
_PRONOUN_SUBJECT = re.compile(r"^(?:it|he|she|they)\s+(?!is\s+(?:not\s+)?(?:clear|unclear|possible|unknown))", re.I)
_SAYING = re.compile(r",[\u201d\"]?\s+(?:saying|adding)(?:\s+that)?\s+")
_AGENCY_REFERENCE = re.compile(r"^(?:the\s+)?(?:news\s+)?agency$", re.IGNORECASE)


@dataclass(slots=True)
class _DocumentContext:
    """What earlier sentences of the same document tell us about later ones."""

    last_claimant: str | None = None
    last_subject: str | None = None
    last_channel: str | None = None
    full_names: dict[str, str] | None = None

    def remember(self, claimant: str, subject: str | None, channel: str | None) -> None:
        self.last_claimant = claimant
        self.last_subject = subject or claimant
        if channel and not _AGENCY_REFERENCE.match(channel):
            self.last_channel = channel
        if self.full_names is None:
            self.full_names = {}
        parts = claimant.split()
        if len(parts) >= 2 and parts[0][:1].isupper():
            self.full_names.setdefault(parts[-1], claimant)

    def full_name(self, claimant: str) -> str:
        """ "Peskov" -> "Dmitry Peskov" once the full name appeared earlier in the document."""
        if self.full_names and " " not in claimant:
            return self.full_names.get(claimant, claimant)
        return claimant


# A named tuple, not a frozen dataclass: one is built per clause of every sentence (~21 per article), and a frozen
# dataclass sets its eight fields one by one through object.__setattr__ (1.5 us against 0.3 us).
class _Candidate(NamedTuple):
    sentence_index: int
    start: int
    end: int
    text: str
    claimant: str | None
    channel: str | None
    attributed: bool
    # The sentence as the model scores it (connectives removed).
    scored_sentence: str


@dataclass(frozen=True, slots=True)
class _Statement:
    """What one sentence's text says on its own, before the document's context resolves its speakers."""

    attribution: Attribution
    # A question, too short or verbless: no claim, though its speaker still counts as the document's latest.
    skipped: bool
    # The clauses of each statement part ("X did A, saying B" has two parts), as offsets into the sentence.
    parts: tuple[tuple[Clause, ...], ...]
    # Each clause's text without connectives, in the same shape as `parts`.
    clause_texts: tuple[tuple[str, ...], ...]
    scored_sentence: str


# What a sentence is, judged from its own text: the end of the article, page furniture, a heading when it ends its
# line (the line is the document's, so that part is checked per document), or text that may hold claims.
_TRAILER, _FURNITURE, _HEADING, _TEXT = range(4)


@dataclass(frozen=True, slots=True)
class _Sentence:
    kind: int
    # Only for _TEXT: a heading-like sentence that goes on on its line is analysed when it is met.
    statement: _Statement | None


# Wire copy repeats sentences verbatim across articles and outlets, and everything but speaker resolution depends
# on the sentence's text alone: that part is computed once per distinct text. An entry is about 700 bytes (the
# sentence, its attribution and clauses), so 8192 sentences take about 6 MB.
SENTENCE_CACHE_SIZE = 8192


@lru_cache(maxsize=SENTENCE_CACHE_SIZE)
def _sentence(sentence_text: str) -> _Sentence:
    stripped = sentence_text.strip()
    if _TRAILER_START.match(stripped):
        return _Sentence(_TRAILER, None)
    if _BOILERPLATE.match(stripped) or _PHOTO_CREDIT.match(stripped):
        return _Sentence(_FURNITURE, None)
    # A line without terminal punctuation is a headline, a section heading or a truncated teaser.
    if not stripped.endswith(_TERMINAL_PUNCTUATION) and len(stripped.split()) <= 30:
        return _Sentence(_HEADING, None)
    return _Sentence(_TEXT, _statement(sentence_text))


def _statement(sentence_text: str) -> _Statement:
    attribution = parse_attribution(sentence_text)
    core = sentence_text[attribution.core_start : attribution.core_end]
    skipped = (
        _is_question(core)
        or _is_question(sentence_text)
        or len(core.split()) < MIN_CLAIM_WORDS
        or not _VERB_HINT.search(core)
    )
    parts = (
        ()
        if skipped
        else tuple(
            tuple(split_clauses(sentence_text, part_start, part_end))
            for part_start, part_end in _statement_parts(sentence_text, attribution.core_start, attribution.core_end)
        )
    )
    clause_texts = tuple(
        tuple(_without_connectives(sentence_text[clause.start : clause.end]) for clause in clauses) for clauses in parts
    )
    return _Statement(attribution, skipped, parts, clause_texts, _without_connectives(sentence_text))


def _ends_line(text: str, sentence: SentenceSpan) -> bool:
    line_end = text.find("\n", sentence.end)
    return text[sentence.end : line_end if line_end != -1 else len(text)].strip() == ""


def extract_claims(text: str, sentences: list[SentenceSpan]) -> list[ExtractedClaim]:
    """Claims found in `text`, one at most per sentence, in document order."""
    context = _DocumentContext()
    candidates: list[_Candidate] = []
    for sentence in sentences:
        sentence_text = text[sentence.start : sentence.end]
        analysed = _sentence(sentence_text)
        statement = analysed.statement
        if statement is None:
            if analysed.kind == _TRAILER:
                break
            if analysed.kind == _FURNITURE or _ends_line(text, sentence):
                continue
            statement = _statement(sentence_text)
        attribution = statement.attribution
        claimant, channel, subject = _resolve_source(attribution, sentence_text, context)
        if statement.skipped:
            continue
        for clauses, clause_texts in zip(statement.parts, statement.clause_texts, strict=True):
            first = clauses[0]
            # A claimant found as the subject of the first clause ("Moscow accuses Kyiv ..., but the Ukrainian
            # authorities do not claim them") is not the speaker of the later ones; a frame ("..., Peskov said")
            # covers them all.
            subject_in_first = subject is not None and subject in sentence_text[first.start : first.end]
            for clause, clause_text in zip(clauses, clause_texts, strict=True):
                clause_start, clause_end = clause.start, clause.end
                clause_claimant, clause_channel, clause_subject = claimant, channel, subject
                if len(clauses) > 1 and (
                    claimant is None or (subject_in_first and clause is not first and not clause.continues_subject)
                ):
                    clause_start, clause_end, clause_claimant, clause_channel, clause_subject = _clause_source(
                        sentence_text, clause, first, channel, context
                    )
                    # The clause's own frame, if it has one, narrows the span.
                    clause_text = _without_connectives(sentence_text[clause_start:clause_end])
                # Positional arguments, in the fields' order: a named tuple built from keywords takes twice as long.
                candidates.append(
                    _Candidate(
                        sentence.index,
                        sentence.start + clause_start,
                        sentence.start + clause_end,
                        _readable_claim(clause_text, clause_subject, clause_claimant),
                        clause_claimant,
                        clause_channel,
                        clause_claimant is not None,
                        statement.scored_sentence,
                    )
                )
    # The model saw whole sentences in training, so the sentence is scored as well as the bare statement; the
    # higher of the two counts (reporting verbs and numbers in the frame are evidence of a factual claim).
    # Unframed sentences are scored once (their claim text is the sentence, bar punctuation).
    sentence_scores = score_sentences([candidate.scored_sentence for candidate in candidates]) if candidates else []
    framed = [index for index, candidate in enumerate(candidates) if candidate.attributed or candidate.channel]
    claim_scores = list(sentence_scores)
    framed_texts = [_without_connectives(candidates[i].text) for i in framed]
    for index, score in zip(framed, score_sentences(framed_texts), strict=True):
        claim_scores[index] = score
    claims: list[ExtractedClaim] = []
    for candidate, claim_score, sentence_score in zip(candidates, claim_scores, sentence_scores, strict=True):
        score = max(claim_score, sentence_score)
        if not candidate.attributed and score < KEEP_THRESHOLD:
            continue
        claims.append(
            ExtractedClaim(
                candidate.sentence_index,
                candidate.start,
                candidate.end,
                candidate.text,
                candidate.claimant,
                candidate.channel,
                score,
            )
        )
    return claims


# Discourse connectives link a sentence to its neighbours and say nothing about whether it is checkable; the model
# learnt them from debate speech, where "however" leads into opinion ("Kyiv hasn't taken responsibility, however."
# scored 0.09, without the connective 0.24).
# A leading connective is matched at the start only, and a trailing one can only follow the text's last comma
# (nothing but the word and closing marks come after it), so each is tried at its one place rather than a single
# alternation being tried at every character.
_LEADING_CONNECTIVE = re.compile(
    r"(?:however|meanwhile|still|moreover|nevertheless|nonetheless|in any case|of course),\s+", re.IGNORECASE
)
_TRAILING_CONNECTIVE = re.compile(r",\s+(?:however|though|meanwhile|nonetheless)(?=[.!]?[\u201d\"]?$)", re.IGNORECASE)


def _without_connectives(sentence: str) -> str:
    stripped = sentence.strip()
    # Both forms hold a comma, and most sentences have none.
    last_comma = stripped.rfind(",")
    if last_comma == -1:
        return stripped
    leading = _LEADING_CONNECTIVE.match(stripped)
    start = leading.end() if leading is not None else 0
    # The two never overlap: a trailing connective whose comma ends the leading one stays.
    trailing = _TRAILING_CONNECTIVE.match(stripped, last_comma) if last_comma >= start else None
    if trailing is None:
        return stripped[start:]
    # The closing marks after the connective stay.
    return stripped[start : trailing.start()] + stripped[trailing.end() :]


def _statement_parts(sentence_text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split "X did A, saying B" into A and B: two checkable statements by the same source."""
    saying = _SAYING.search(sentence_text, start, end)
    if saying is None or len(sentence_text[saying.end() : end].split()) < MIN_CLAIM_WORDS:
        return [(start, end)]
    first_end = saying.start()
    second_start = saying.end()
    # Keep offsets on real text: skip an opening quote mark of the second part.
    while second_start < end and sentence_text[second_start] in '\u201c"':
        second_start += 1
    second_end = end
    while second_end > second_start and sentence_text[second_end - 1] in '\u201d".,':
        second_end -= 1
    return [(start, first_end), (second_start, second_end)]


# A clause's own frame depends on its text alone, and the sentences whose clauses need one recur in every article
# repeating them. An entry is about 0.5 KB (the clause and its attribution), so 2048 take about 1 MB.
CLAUSE_ATTRIBUTION_CACHE_SIZE = 2048
_clause_attribution = lru_cache(maxsize=CLAUSE_ATTRIBUTION_CACHE_SIZE)(parse_attribution)


def _clause_source(
    sentence_text: str, clause: Clause, first: Clause, channel: str | None, context: _DocumentContext
) -> tuple[int, int, str | None, str | None, str | None]:
    """Span, claimant, channel and subject of one clause of a sentence that has no attribution of its own.

    "It blamed A but said B": B's speaker is the first clause's subject (a pronoun resolved from the document).
    "A, but one official said B": the clause carries its own attribution frame.
    """
    if clause.continues_subject:
        if _PRONOUN_SUBJECT.match(sentence_text[first.start : first.end]) and context.last_claimant is not None:
            return clause.start, clause.end, context.last_claimant, channel, context.last_subject
        return clause.start, clause.end, None, channel, None
    if clause is first:
        return clause.start, clause.end, None, channel, None
    attribution = _clause_attribution(sentence_text[clause.start : clause.end])
    if attribution.claimant is None:
        return clause.start, clause.end, None, channel, None
    claimant, clause_channel, subject = _resolve_source(attribution, sentence_text[clause.start : clause.end], context)
    return (
        clause.start + attribution.core_start,
        clause.start + attribution.core_end,
        claimant,
        clause_channel or channel,
        subject,
    )


def _is_question(fragment: str) -> bool:
    return fragment.rstrip().rstrip("\u201d\"\u2019' .").endswith("?")


def _resolve_source(
    attribution: Attribution, sentence_text: str, context: _DocumentContext
) -> tuple[str | None, str | None, str | None]:
    """Claimant, channel and subject phrase, with pronouns and "the statement" resolved from earlier sentences."""
    channel = attribution.channel
    if channel and _AGENCY_REFERENCE.match(channel) and context.last_channel:
        channel = context.last_channel  # "..., according to the agency." -> the agency named before
    if attribution.claimant is not None:
        claimant = context.full_name(attribution.claimant)
        context.remember(claimant, attribution.subject_phrase, channel)
        return claimant, channel, attribution.subject_phrase
    is_bare_quote = sentence_text.lstrip().startswith("\u201c") and sentence_text.rstrip().rstrip(".").endswith(
        "\u201d"
    )
    if (attribution.claimant_is_reference or is_bare_quote) and context.last_claimant is not None:
        # "he added", "it said", "the statement said", or a quotation continuing the previous speaker's words.
        return context.last_claimant, channel, context.last_subject
    return None, channel, None


# A claim's readable text depends on the clause and its resolved speaker alone, and both repeat with the sentences
# of wire copy: most clauses of a run are rewritten once. An entry is about 0.4 KB (three strings' references and
# the claim), so 8192 take about 3 MB.
READABLE_CLAIM_CACHE_SIZE = 8192


@lru_cache(maxsize=READABLE_CLAIM_CACHE_SIZE)
def _readable_claim(core: str, subject: str | None, speaker: str | None = None) -> str:
    """The claim as a reader should see it: pronoun subject replaced by the speaker, first letter capitalised."""
    claim = core.strip()
    first_word, _, rest = claim.partition(" ")
    lead = subject or speaker
    if lead and first_word.casefold() in SPEECH_PARTICIPLES:
        # A clause split off its sentence ("..., blaming the attack on Kyiv", "... and suggested B") reads on its
        # own once its subject is back in front of it.
        return f"{lead} {SPEECH_PARTICIPLES[first_word.casefold()]} {rest}"
    if lead and first_word in SPEECH_VERBS_PAST:
        return f"{lead} {claim}"
    if subject and _PRONOUN_SUBJECT.match(claim):
        pronoun_length = len(claim.split(" ", 1)[0])
        claim = subject + claim[pronoun_length:]
    if claim[:1].islower():
        claim = claim[0].upper() + claim[1:]
    return claim
