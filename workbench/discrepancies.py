"""Where the sources of one claim disagree, and which claims contradict each other.

Discrepancies are found per claim by comparing the sentences its passages come from: numbers, dates, names
spelled differently (transliterations such as Podolyak/Podoliak), different claimants, and hedging words
("alleged", "reportedly", ...) in some sources but not in others. They are stored in `discrepancies` (one row
per claim and kind, with the differing spans of each source as document offsets), refreshed after ingest,
regroup and every correction, so a UI filters flagged claims with plain SQL:

    WHERE c.id IN (SELECT claim_id FROM discrepancies)

Contradictions are pairs of claims from different documents where one asserts what the other negates ("Ukraine
was behind the attack" / "Ukraine has nothing to do with the attack"), stored as links in `contradictions`.
Both detectors are plain rules: cheap, explainable, offline; the reviewer decides.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from itertools import combinations
from typing import NamedTuple

from workbench.store import Store, utc_now

DISCREPANCY_KINDS = ("number", "date", "spelling", "claimant", "hedging")
DISCREPANCY_LABELS = {
    "number": "numbers differ",
    "date": "dates differ",
    "spelling": "names spelled differently",
    "claimant": "attributed to different people",
    "hedging": "hedged in some sources only",
}
FLAGGED_CLAIMS_SQL = "SELECT claim_id FROM discrepancies"

HEDGE_WORDS = (
    "alleged",
    "allegedly",
    "reportedly",
    "claimed",
    "so-called",
    "purported",
    "purportedly",
    "supposedly",
    "unconfirmed",
    "unverified",
)
_HEDGE = re.compile(r"\b(?:" + "|".join(re.escape(word) for word in HEDGE_WORDS) + r")\b", re.IGNORECASE)

_MONTHS = {
    name: index
    for index, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = (
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DATE_PATTERNS = (
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b"),
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}"),
    re.compile(r"\b(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"),
    re.compile(r"\b(?P<year>(?:19|20)\d{2})\b"),
)
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "dozen": 12,
    "pair": 2,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "thousand": 1000,
    "million": 1_000_000,
}
_NUMBER = re.compile(
    r"(?<![\w.])(?P<digits>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(?P<scale>million|billion|thousand|%|percent)?"
    r"|\b(?P<word>" + "|".join(_NUMBER_WORDS) + r")\b",
    re.IGNORECASE,
)
_SCALES = {"million": 1_000_000, "billion": 1_000_000_000, "thousand": 1000}
_NAME_TOKEN = re.compile(r"[^\W\d_][\w\u2019'-]*", re.UNICODE)
_POSSESSIVE = re.compile(r"[\u2019']s?$")


def _word_set(*texts: str) -> frozenset[str]:
    return frozenset(" ".join(texts).split())


# Capitalised words that start sentences or are too common to be names told apart by spelling.
_NOT_NAMES = _word_set(
    "the they then them there these this that those their what when where which while with would will were"
    " from have here into after before about over under again some most more many much such than also"
)


@dataclass(frozen=True, slots=True)
class SourceText:
    """One source passage of a claim, with the sentence it comes from (offsets into the document text)."""

    mention_id: str
    document_id: str
    sentence_start: int
    sentence: str
    claimant: str | None = None


@dataclass(frozen=True, slots=True)
class Span:
    """A differing span of one source, as offsets into its document's text."""

    mention_id: str
    document_id: str
    start: int
    end: int
    text: str
    value: str


@dataclass(frozen=True, slots=True)
class Discrepancy:
    claim_id: str
    kind: str
    summary: str
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Highlight:
    """A span to emphasise inside `SourceView.sentence` (offsets relative to the sentence)."""

    start: int
    end: int
    kind: str
    value: str


@dataclass(frozen=True, slots=True)
class SourceView:
    """One column of the side-by-side discrepancy view."""

    mention_id: str
    document_id: str
    file_name: str
    outlet: str | None
    sentence_start: int
    sentence: str
    highlights: tuple[Highlight, ...]


@dataclass(frozen=True, slots=True)
class Contradiction:
    claim_id: str
    other_claim_id: str
    other_text: str
    score: float
    shared_words: tuple[str, ...]
    negated_side: str  # the claim id whose wording negates


@dataclass(frozen=True, slots=True)
class _Feature:
    kind: str
    value: str
    start: int  # relative to the sentence
    end: int
    text: str


# ---------------------------------------------------------------------------------------------------------------
# Discrepancies within one claim


def detect_discrepancies(claim_id: str, sources: Sequence[SourceText]) -> list[Discrepancy]:
    """Every kind of disagreement among `sources` (empty when there are fewer than two)."""
    if len(sources) < 2:
        return []
    found: list[Discrepancy] = []
    features = {source.mention_id: _features(source.sentence) for source in sources}
    for kind in ("number", "date"):
        discrepancy = _value_discrepancy(claim_id, kind, sources, features)
        if discrepancy:
            found.append(discrepancy)
    for detector in (_spelling_discrepancy, _claimant_discrepancy, _hedging_discrepancy):
        discrepancy = detector(claim_id, sources)
        if discrepancy:
            found.append(discrepancy)
    return found


# Wire copy repeats sentences verbatim across outlets, so a big claim's sources share a few sentences: each is
# parsed once (the results are tuples of frozen records, safe to share). Claims are examined one at a time, so a
# small cache catches the repeats within a claim.
SENTENCE_CACHE_SIZE = 1024


@lru_cache(maxsize=SENTENCE_CACHE_SIZE)
def _features(sentence: str) -> tuple[_Feature, ...]:
    features: list[_Feature] = []
    taken: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(sentence):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            groups = match.groupdict()
            if groups.get("month") and groups.get("day"):
                value = f"{_MONTHS[groups['month'].lower().rstrip('.')]:02d}-{int(groups['day']):02d}"
                kind = "date:day"
            elif groups.get("weekday"):
                value, kind = groups["weekday"].lower(), "date:weekday"
            else:
                value, kind = groups["year"], "date:year"
            taken.append((match.start(), match.end()))
            features.append(_Feature(kind, value, match.start(), match.end(), match.group(0)))
    for match in _NUMBER.finditer(sentence):
        if any(match.start() < end and start < match.end() for start, end in taken):
            continue
        value = _number_value(match)
        if value is None:
            continue
        end = match.end()
        text = match.group(0).rstrip()
        features.append(_Feature("number", value, match.start(), match.start() + len(text), text))
        taken.append((match.start(), end))
    return tuple(features)


def _number_value(match: re.Match[str]) -> str | None:
    if match.group("word"):
        word = match.group("word").lower()
        if word == "one":
            return None  # "one official", "no one": a pronoun far more often than a count
        return str(_NUMBER_WORDS[word])
    digits = float(match.group("digits").replace(",", ""))
    scale = (match.group("scale") or "").lower()
    if scale in ("%", "percent"):
        return f"{digits:g}%"
    return f"{digits * _SCALES.get(scale, 1):g}"


def _value_discrepancy(
    claim_id: str, kind: str, sources: Sequence[SourceText], features: dict[str, Sequence[_Feature]]
) -> Discrepancy | None:
    """Numbers (or dates of one granularity) differ when two sources each state a value the other lacks.

    Sources are compared by their distinct sets of values, not pairwise: a claim restated by a thousand outlets
    mostly states one or two sets, and a source's values that some other source lacks (while stating one of its
    own) are flagged, as a comparison of every pair would flag them.
    """
    kinds = ("number",) if kind == "number" else ("date:day", "date:weekday", "date:year")
    spans: dict[tuple[str, int], Span] = {}
    for granularity in kinds:
        # Sources quoting one sentence share its parsed features (one cached tuple): their values are taken once.
        of_features: dict[int, frozenset[str]] = {}
        values: dict[str, frozenset[str]] = {}
        for source in sources:
            own_features = features[source.mention_id]
            own = of_features.get(id(own_features))
            if own is None:
                own = of_features[id(own_features)] = frozenset(f.value for f in own_features if f.kind == granularity)
            values[source.mention_id] = own
        stated = {own for own in values.values() if own}
        if len(stated) < 2:
            continue
        differing: dict[frozenset[str], set[str]] = {}
        for own in stated:
            for other in stated:
                if own - other and other - own:
                    differing.setdefault(own, set()).update(own - other)
        if not differing:
            continue
        for source in sources:
            flagged = differing.get(values[source.mention_id])
            if not flagged:
                continue
            for feature in features[source.mention_id]:
                if feature.kind == granularity and feature.value in flagged:
                    spans[(source.mention_id, feature.start)] = _span(source, feature)
    if not spans:
        return None
    ordered = _ordered_spans(sources, spans.values())
    summary = f"{DISCREPANCY_LABELS[kind]}: " + " vs ".join(_per_source_values(sources, ordered))
    return Discrepancy(claim_id, kind, summary, ordered)


def _spelling_discrepancy(claim_id: str, sources: Sequence[SourceText]) -> Discrepancy | None:
    """Names with one spelling-blind skeleton but two spellings, each used by a source that lacks the other.

    Linear in the names of the claim's sources (grouped by skeleton), so a claim with hundreds of sources is cheap.
    """
    occurrences: dict[str, dict[str, list[tuple[SourceText, int, int, str]]]] = defaultdict(lambda: defaultdict(list))
    spellings_of: dict[str, set[str]] = {}
    for source in sources:
        names = _names(source.sentence)
        spellings_of[source.mention_id] = {token.casefold() for token, _, _ in names}
        for token, start, end in names:
            skeleton = name_skeleton(token)
            if len(skeleton) >= 2:
                occurrences[skeleton][token.casefold()].append((source, start, end, token))
    spans: dict[tuple[str, int], Span] = {}
    pairs: set[tuple[str, str]] = set()
    for spellings in occurrences.values():
        for first, second in combinations(sorted(spellings), 2):
            if abs(len(first) - len(second)) > 1:
                continue
            # both spellings in one source is not a disagreement between sources
            only_first = [item for item in spellings[first] if second not in spellings_of[item[0].mention_id]]
            only_second = [item for item in spellings[second] if first not in spellings_of[item[0].mention_id]]
            if not only_first or not only_second:
                continue
            pairs.add((min(only_first[0][3], only_second[0][3]), max(only_first[0][3], only_second[0][3])))
            for source, start, end, token in only_first + only_second:
                spans[(source.mention_id, start)] = _span_at(source, start, end, token)
    if not spans:
        return None
    summary = f"{DISCREPANCY_LABELS['spelling']}: " + ", ".join(f"{a} / {b}" for a, b in sorted(pairs))
    return Discrepancy(claim_id, "spelling", summary, _ordered_spans(sources, spans.values()))


@lru_cache(maxsize=SENTENCE_CACHE_SIZE)
def _names(sentence: str) -> tuple[tuple[str, int, int], ...]:
    tokens: list[tuple[str, int, int]] = []
    for match in _NAME_TOKEN.finditer(sentence):
        token = _POSSESSIVE.sub("", match.group(0))
        if len(token) >= 4 and token[0].isupper() and token.casefold() not in _NOT_NAMES:
            tokens.append((token, match.start(), match.start() + len(token)))
    return tuple(tokens)


@lru_cache(maxsize=65536)
def name_skeleton(name: str) -> str:
    """A spelling-blind key: 'Podolyak' and 'Podoliak' -> 'pdlk', 'Nykyforov' and 'Nikiforov' -> 'nkfrv'."""
    folded = "".join(char for char in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(char))
    folded = re.sub(r"[^a-z]", "", folded)
    for written, sound in (("kh", "h"), ("ck", "k"), ("ph", "f"), ("w", "v"), ("y", "i"), ("j", "i")):
        folded = folded.replace(written, sound)
    if not folded:
        return ""
    skeleton = folded[0] + re.sub(r"[aeiou]", "", folded[1:])
    return re.sub(r"(.)\1+", r"\1", skeleton)


def _claimant_discrepancy(claim_id: str, sources: Sequence[SourceText]) -> Discrepancy | None:
    attributed = [source for source in sources if source.claimant and source.claimant.strip()]
    distinct: list[str] = []
    seen: set[str] = set()
    for source in attributed:
        claimant = source.claimant or ""
        if claimant in seen:
            continue  # a name seen before is in `distinct`, or the same person as one there: nothing changes
        seen.add(claimant)
        if not any(_same_person(claimant, known) for known in distinct):
            distinct.append(claimant)
    if len(distinct) < 2:
        return None
    spans: list[Span] = []
    for source in attributed:
        claimant = source.claimant or ""
        folded = source.sentence.casefold()
        position = folded.find(claimant.casefold())
        if position < 0:
            last_name = claimant.split()[-1]
            position = folded.find(last_name.casefold())
            claimant_text = last_name if position >= 0 else claimant
        else:
            claimant_text = claimant
        start = max(position, 0)
        end = start + len(claimant_text) if position >= 0 else start
        spans.append(
            Span(
                source.mention_id,
                source.document_id,
                source.sentence_start + start,
                source.sentence_start + end,
                source.sentence[start:end],
                claimant,
            )
        )
    summary = f"{DISCREPANCY_LABELS['claimant']}: " + " vs ".join(distinct)
    return Discrepancy(claim_id, "claimant", summary, tuple(spans))


def _same_person(first: str, second: str) -> bool:
    """'Peskov' and 'Dmitry Peskov' (or 'Podolyak' and 'Mykhailo Podoliak') name the same person."""
    first_tokens = [name_skeleton(token) for token in first.split() if token[:1].isupper()]
    second_tokens = [name_skeleton(token) for token in second.split() if token[:1].isupper()]
    if not first_tokens or not second_tokens:
        return first.casefold() == second.casefold()
    shorter, longer = sorted((first_tokens, second_tokens), key=len)
    return set(shorter) <= set(longer)


@lru_cache(maxsize=SENTENCE_CACHE_SIZE)
def _hedges(sentence: str) -> tuple[tuple[int, int, str], ...]:
    return tuple((match.start(), match.end(), match.group(0).lower()) for match in _HEDGE.finditer(sentence))


def _hedging_discrepancy(claim_id: str, sources: Sequence[SourceText]) -> Discrepancy | None:
    hedges = {source.mention_id: _hedges(source.sentence) for source in sources}
    hedged = [source for source in sources if hedges[source.mention_id]]
    if not hedged or len(hedged) == len(sources):
        return None
    spans = tuple(
        _span_at(source, start, end, word) for source in hedged for start, end, word in hedges[source.mention_id]
    )
    words = sorted({span.value for span in spans})
    summary = f"{DISCREPANCY_LABELS['hedging']}: {', '.join(words)} in {len(hedged)} of {len(sources)} sources"
    return Discrepancy(claim_id, "hedging", summary, spans)


_SPAN_FIELDS = tuple(field.name for field in fields(Span))


def _span_fields(span: Span) -> dict[str, object]:
    """`dataclasses.asdict` of a span (same keys, same order) without its recursive deep copy of plain values."""
    return {name: getattr(span, name) for name in _SPAN_FIELDS}


def _span(source: SourceText, feature: _Feature) -> Span:
    return Span(
        source.mention_id,
        source.document_id,
        source.sentence_start + feature.start,
        source.sentence_start + feature.end,
        feature.text,
        feature.value,
    )


def _span_at(source: SourceText, start: int, end: int, value: str) -> Span:
    return Span(
        source.mention_id,
        source.document_id,
        source.sentence_start + start,
        source.sentence_start + end,
        source.sentence[start:end],
        value,
    )


def _ordered_spans(sources: Sequence[SourceText], spans: Iterable[Span]) -> tuple[Span, ...]:
    order = {source.mention_id: index for index, source in enumerate(sources)}
    return tuple(sorted(spans, key=lambda span: (order[span.mention_id], span.start)))


def _per_source_values(sources: Sequence[SourceText], spans: Sequence[Span]) -> list[str]:
    by_source: dict[str, list[str]] = defaultdict(list)
    for span in spans:
        if span.text not in by_source[span.mention_id]:
            by_source[span.mention_id].append(span.text)
    return [", ".join(by_source[source.mention_id]) for source in sources if by_source[source.mention_id]]


# ---------------------------------------------------------------------------------------------------------------
# Stored flags


def load_sources(store: Store, claim_id: str) -> list[SourceText]:
    """The passages of a claim with their sentences, in document order."""
    # The passage's own span stands in for a missing sentence; it is cut out in SQL (substr counts characters, as
    # Python slicing does) so a claim with thousands of passages never loads thousands of whole articles.
    rows = store.conn.execute(
        """
        SELECT m.id, m.document_id, m.claimant, m.start, s.start AS s_start, s.text AS s_text,
               CASE WHEN s.text IS NULL OR s.start > m.start
                    THEN substr(d.text, m.start + 1, max(m."end" - m.start, 0)) END AS quote
        FROM mentions m JOIN documents d ON d.id = m.document_id
        LEFT JOIN sentences s ON s.id = m.sentence_id
        WHERE m.claim_id = ? ORDER BY d.seq, m.start
        """,
        [claim_id],
    )
    sources = []
    for mention_id, document_id, claimant, start, sentence_start, sentence, quote in rows:
        if quote is None:
            start = sentence_start
        else:
            sentence = quote
        sources.append(SourceText(mention_id, document_id, start, sentence, claimant))
    return sources


def refresh_discrepancies(store: Store, claim_ids: Iterable[str] | None = None) -> int:
    """Recompute the stored flags of the given claims (all claims if None); returns how many flags now exist."""
    with store.write():
        if claim_ids is None:
            store.conn.execute("DELETE FROM discrepancies")
            ids = [row[0] for row in store.conn.execute("SELECT id FROM claims WHERE source_count != 1")]
        else:
            ids = sorted(set(claim_ids))
            for offset in range(0, len(ids), 500):
                chunk = ids[offset : offset + 500]
                store.conn.execute(f"DELETE FROM discrepancies WHERE claim_id IN ({','.join('?' * len(chunk))})", chunk)
        now = utc_now()
        for claim_id in ids:
            sources = load_sources(store, claim_id)
            for discrepancy in detect_discrepancies(claim_id, sources):
                store.conn.execute(
                    "INSERT INTO discrepancies (claim_id, kind, summary, spans, detected_at) VALUES (?, ?, ?, ?, ?)",
                    [
                        claim_id,
                        discrepancy.kind,
                        discrepancy.summary,
                        json.dumps([_span_fields(span) for span in discrepancy.spans], ensure_ascii=False),
                        now,
                    ],
                )
        return int(store.conn.execute("SELECT COUNT(*) FROM discrepancies").fetchone()[0])


def claim_discrepancies(store: Store, claim_id: str) -> list[Discrepancy]:
    """The stored flags of one claim, in DISCREPANCY_KINDS order."""
    rows = store.conn.execute("SELECT kind, summary, spans FROM discrepancies WHERE claim_id = ?", [claim_id])
    found = [
        Discrepancy(claim_id, row[0], row[1], tuple(Span(**span) for span in json.loads(row[2] or "[]")))
        for row in rows
    ]
    return sorted(found, key=lambda item: DISCREPANCY_KINDS.index(item.kind))


def flagged_claims(store: Store, kind: str | None = None) -> list[dict]:
    """Flagged claims in document order: id, text, claimant, status and their flags' kinds and summaries."""
    sql = """
        SELECT c.id, c.text, c.claimant, COALESCE(r.status, 'unreviewed') AS status,
               group_concat(x.kind, ',') AS kinds, group_concat(x.summary, char(10)) AS summaries
        FROM claims c JOIN discrepancies x ON x.claim_id = c.id LEFT JOIN reviews r ON r.claim_id = c.id
    """
    params: list[object] = []
    if kind is not None:
        sql += " WHERE x.kind = ?"
        params.append(kind)
    sql += " GROUP BY c.id ORDER BY c.sort_key, c.id"
    return [dict(row) for row in store.conn.execute(sql, params)]


def side_by_side(store: Store, claim_id: str) -> list[SourceView]:
    """Each source sentence of a claim with the differing spans marked, for the detail pane's side-by-side view."""
    sources = load_sources(store, claim_id)
    flags = claim_discrepancies(store, claim_id)
    documents = {
        row[0]: (row[1], row[2])
        for row in store.conn.execute(
            "SELECT d.id, d.file_name, d.outlet FROM documents d WHERE d.id IN"
            " (SELECT document_id FROM mentions WHERE claim_id = ?)",
            [claim_id],
        )
    }
    views = []
    for source in sources:
        highlights = sorted(
            (
                Highlight(span.start - source.sentence_start, span.end - source.sentence_start, flag.kind, span.value)
                for flag in flags
                for span in flag.spans
                if span.mention_id == source.mention_id and span.end > span.start
            ),
            key=lambda highlight: (highlight.start, highlight.end),
        )
        file_name, outlet = documents.get(source.document_id, ("", None))
        views.append(
            SourceView(
                source.mention_id,
                source.document_id,
                file_name,
                outlet,
                source.sentence_start,
                source.sentence,
                tuple(highlights),
            )
        )
    return views


# ---------------------------------------------------------------------------------------------------------------
# Contradictions between claims

_NEGATION_PHRASE = re.compile(r"\b(?:has|have|had)?\s*(?:“|\")?nothing to do(?:”|\")?\s+with\b", re.IGNORECASE)
_NEGATION_CUES = _word_set(
    "not no never nothing none nobody neither nor cannot deny denies denied denying denial dismissed rejected",
    "refuted",
)
_RESPONSIBILITY = "⟨responsible⟩"
_RESPONSIBILITY_WORDS = _word_set(
    "behind blame blamed blames blaming accuse accuses accused accusing responsible responsibility involvement"
    " involved orchestrated perpetrated attributed"
)
_SYNONYMS = {
    "kyiv": "ukraine",
    "kiev": "ukraine",
    "ukrainian": "ukraine",
    "ukrainians": "ukraine",
    "assault": "attack",
    "incident": "attack",
    "strike": "attack",
    "moscow": "russia",
    "russian": "russia",
}
_PLACE_NAMES = frozenset({"ukraine", "russia"})  # what "kyiv" and "moscow" stand for, even written lowercase
_STOPWORDS = _word_set(
    """a an the and or but if of to in on at by for with from into onto over under about as is are was were be been
    being has have had do does did will would shall should can could may might must that this these those there
    their its it he she they we you i his her our your them him us who whom which what when where while than then
    so also just only even still yet any some all each other such very said says say told tell added stated
    according statement claim claims time one after before since during because out up off again further
    once here why how both few more most own same too"""
) | frozenset(HEDGE_WORDS)
_CLAUSE_BREAK = re.compile(r"[,;:\u2014\u2013()]|\s(?:but|while|whereas|however|although)\s", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?", re.UNICODE)
MIN_SHARED_WORDS = 2
MIN_OVERLAP = 0.6  # shared words / words of the shorter clause (weighted by rarity)
MIN_COVERAGE = 0.25  # shared words / words of the longer clause (weighted)
MAX_WORD_CLAIMS = 200  # words in more claims than this are too common to pair claims on


@dataclass(frozen=True, slots=True)
class _Clause:
    claim_id: str
    negated: bool
    words: frozenset[str]
    cue: str
    names: frozenset[str]  # the words written capitalised mid-clause (named people, places, bodies)


def clauses(claim_id: str, text: str) -> list[_Clause]:
    """The clauses of a claim as (polarity, content words); a negation cue flips its clause's polarity."""
    found: list[_Clause] = []
    normalised = _NEGATION_PHRASE.sub(
        f" not {_RESPONSIBILITY} ", text.replace("n\u2019t", " not").replace("n't", " not")
    )
    for part in _CLAUSE_BREAK.split(normalised):
        words: set[str] = set()
        names: set[str] = set()
        cues: list[str] = []
        for match in _WORD.finditer(part):
            word = _POSSESSIVE.sub("", match.group(0).casefold())
            capitalised = match.group(0)[0].isupper()
            if word in _NEGATION_CUES:
                cues.append(word)
                if word.startswith("den"):
                    words.add(_RESPONSIBILITY)  # "denied involvement": a denial is about responsibility
                continue
            if word in _RESPONSIBILITY_WORDS:
                words.add(_RESPONSIBILITY)
                continue
            if word in _STOPWORDS or len(word) < 3:
                continue
            word = _SYNONYMS.get(word, word)
            if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
                word = _SYNONYMS.get(word[:-1], word[:-1])
            words.add(word)
            if capitalised or word in _PLACE_NAMES:
                names.add(word)
        if _RESPONSIBILITY in part:
            words.add(_RESPONSIBILITY)
        if len(words) >= MIN_SHARED_WORDS:
            found.append(_Clause(claim_id, bool(cues), frozenset(words), cues[0] if cues else "", frozenset(names)))
    return found


class _KeptClause(NamedTuple):
    """A clause as the whole-corpus pass keeps it: its words as a tuple of strings shared across clauses (in the
    order of the clause's own set). Tens of thousands of clauses are held at once, and their sets, with a copy of
    every word each, were most of the pass's memory; sets are rebuilt only for the pairs actually compared."""

    claim_id: str
    negated: bool
    words: tuple[str, ...]
    cue: str
    names: tuple[str, ...]


def find_contradictions(
    claims: Iterable[tuple[str, str]], documents: dict[str, set[str]]
) -> list[tuple[str, str, float, dict]]:
    """Pairs (claim a < claim b, score, evidence) of claims from different documents with opposite polarity.

    `claims` is (claim id, text), read once (a cursor will do); `documents` maps claim id to the documents of its
    passages. Candidates come from an inverted index of content words (common words skipped), so this stays
    near-linear.
    """
    shared_words: dict[str, str] = {}
    all_clauses: list[_KeptClause] = []
    claim_count = 0
    for claim_id, text in claims:
        claim_count += 1
        for clause in clauses(claim_id, text):
            all_clauses.append(
                _KeptClause(
                    clause.claim_id,
                    clause.negated,
                    tuple(shared_words.setdefault(word, word) for word in clause.words),
                    clause.cue,
                    tuple(shared_words.setdefault(name, name) for name in clause.names),
                )
            )
    del shared_words
    postings: dict[str, list[int]] = defaultdict(list)
    for index, clause in enumerate(all_clauses):
        for word in clause.words:
            postings[word].append(index)
    claims_per_word = {word: len({all_clauses[i].claim_id for i in indexes}) for word, indexes in postings.items()}
    claim_count = max(claim_count, 1)
    weights = {word: math.log(1 + claim_count / count) for word, count in claims_per_word.items()}
    asserting = {
        word: [i for i in indexes if not all_clauses[i].negated]
        for word, indexes in postings.items()
        if claims_per_word[word] <= MAX_WORD_CLAIMS
    }
    del postings
    best: dict[tuple[str, str], tuple[float, dict]] = {}
    # One negating clause at a time: only its own candidate counts are held, never every pair of the corpus.
    # Pairs are weighed in clause order, so which of two equal scores supplies the evidence is fixed.
    for negated in all_clauses:
        if not negated.negated:
            continue
        shared_counts: Counter[int] = Counter()
        for word in negated.words:
            for asserted_index in asserting.get(word, ()):
                if all_clauses[asserted_index].claim_id != negated.claim_id:
                    shared_counts[asserted_index] += 1
        for asserted_index in sorted(shared_counts):
            if shared_counts[asserted_index] < MIN_SHARED_WORDS:
                continue
            asserted = all_clauses[asserted_index]
            if not _different_documents(
                documents.get(negated.claim_id, set()), documents.get(asserted.claim_id, set())
            ):
                continue
            shared = frozenset(negated.words) & frozenset(asserted.words)
            if not shared & frozenset(negated.names + asserted.names):
                continue  # the two must be about the same named someone or something
            # Words weighted by rarity: sharing the story's topic words ("attack", "Kremlin") alone proves little.
            shorter, longer = sorted((_weight(negated.words, weights), _weight(asserted.words, weights)))
            overlap, coverage = _weight(shared, weights) / shorter, _weight(shared, weights) / longer
            if overlap < MIN_OVERLAP or coverage < MIN_COVERAGE:
                continue
            key = tuple(sorted((negated.claim_id, asserted.claim_id)))
            score = round((overlap + coverage) / 2, 3)
            if key not in best or best[key][0] < score:  # type: ignore[index]
                evidence = {
                    "shared": sorted(word for word in shared if word != _RESPONSIBILITY),
                    "negated": negated.claim_id,
                    "cue": negated.cue,
                }
                best[key] = (score, evidence)  # type: ignore[index]
    return [(a, b, score, evidence) for (a, b), (score, evidence) in sorted(best.items())]


def _weight(words: Iterable[str], weights: dict[str, float]) -> float:
    return sum(weights.get(word, 1.0) for word in words) or 1.0


def _different_documents(first: set[str], second: set[str]) -> bool:
    return any(a != b for a in first for b in second)


# A claim's shown text is its first passage's wording; other outlets' wordings of it can carry the contradiction
# ("Russia blamed the attempt on Ukraine without providing evidence" / "The Kremlin blamed the alleged attack on
# Ukraine" against "Kyiv had nothing to do with the alleged incident"). A few distinct wordings per claim suffice.
MAX_WORDINGS_PER_CLAIM = 4


def _claim_wordings(store: Store) -> list[tuple[str, str]]:
    """(claim id, text) for each claim's shown text and up to MAX_WORDINGS_PER_CLAIM - 1 other passage wordings."""
    wordings: list[tuple[str, str]] = []
    seen: dict[str, set[str]] = {}
    for claim_id, text in store.conn.execute("SELECT id, text FROM claims ORDER BY sort_key, id"):
        seen[claim_id] = {text}
        wordings.append((claim_id, text))
    for claim_id, text in store.conn.execute(
        "SELECT claim_id, claim_text FROM mentions WHERE claim_text IS NOT NULL ORDER BY claim_id, rowid"
    ):
        known = seen.get(claim_id)
        if known is None or text in known or len(known) >= MAX_WORDINGS_PER_CLAIM:
            continue
        known.add(text)
        wordings.append((claim_id, text))
    return wordings


def refresh_contradictions(store: Store) -> int:
    """Recompute every contradiction link from the claims' current wording; returns how many there are."""
    with store.write():
        claims = _claim_wordings(store)
        # Two claims qualify when some passage of one comes from a document other than some passage of the other:
        # only a claim's single document, or that it has several, matters. Its first and last document tell that,
        # so memory stays per claim, not per passage.
        documents = {
            claim_id: {first, last}
            for claim_id, first, last in store.conn.execute(
                "SELECT claim_id, MIN(document_id), MAX(document_id) FROM mentions GROUP BY claim_id"
            )
        }
        found = find_contradictions(claims, documents)
        store.conn.execute("DELETE FROM contradictions")
        now = utc_now()
        store.conn.executemany(
            "INSERT INTO contradictions (claim_a, claim_b, score, evidence, detected_at) VALUES (?, ?, ?, ?, ?)",
            [(a, b, score, json.dumps(evidence, ensure_ascii=False), now) for a, b, score, evidence in found],
        )
    return len(found)


def contradictions_for(store: Store, claim_id: str) -> list[Contradiction]:
    """The claims linked to `claim_id` as contradicting it, strongest first."""
    rows = store.conn.execute(
        """
        SELECT x.claim_a, x.claim_b, x.score, x.evidence, c.text
        FROM contradictions x JOIN claims c ON c.id = CASE WHEN x.claim_a = ? THEN x.claim_b ELSE x.claim_a END
        WHERE x.claim_a = ? OR x.claim_b = ? ORDER BY x.score DESC
        """,
        [claim_id, claim_id, claim_id],
    )
    found = []
    for row in rows:
        evidence = json.loads(row[3] or "{}")
        other = row[1] if row[0] == claim_id else row[0]
        found.append(
            Contradiction(
                claim_id, other, row[4], row[2], tuple(evidence.get("shared", ())), evidence.get("negated", "")
            )
        )
    return found


def all_contradictions(store: Store) -> list[dict]:
    """Every contradiction link with both claims' text, strongest first."""
    rows = store.conn.execute(
        """
        SELECT x.claim_a, a.text AS text_a, x.claim_b, b.text AS text_b, x.score, x.evidence
        FROM contradictions x JOIN claims a ON a.id = x.claim_a JOIN claims b ON b.id = x.claim_b
        ORDER BY x.score DESC, a.sort_key
        """
    )
    return [dict(row) | {"evidence": json.loads(row["evidence"] or "{}")} for row in rows]
