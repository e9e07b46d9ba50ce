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

import itertools
import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

from workbench.kept import code_digest, string_set
from workbench.store import Store, in_list_chunks, utc_now

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


def _initial_first(alternatives: Iterable[str], ignore_case: bool = False) -> str:
    """`\\b(?:alternative|...)` for regex alternatives each starting with an ASCII letter, written to start with a set
    of characters it consumes: the engine then skips in C to the next character of the set, which it does not for a
    lookahead guard for the initials (how these patterns were first sped up). The set is the initials (in both cases
    when ignoring case, and then every non-ASCII character too: IGNORECASE matches 's' to 'ſ', 'k' to the Kelvin
    sign...; taking them all keeps the matches exact without listing the folds, and they are rare in text);
    `(?<!\\w.)` is then the `\\b` before the initial, and a lookbehind for the initial picks the alternatives it
    starts, in their given order. Over the 1k corpus' sentences the hedge pattern takes 4.5 -> 3.6 us a sentence,
    the weekday and day-month ones 2.1 -> 1.1 us."""
    by_initial: dict[str, list[str]] = {}
    for alternative in alternatives:
        initial = alternative[0].lower() if ignore_case else alternative[0]
        by_initial.setdefault(initial, []).append(alternative[1:])
    rests = "|".join(f"(?<={initial})(?:{'|'.join(rest)})" for initial, rest in by_initial.items())
    if not ignore_case:
        return rf"[{''.join(by_initial)}](?<!\w.)(?:{rests})"
    initials = "".join(initial + initial.upper() for initial in by_initial)
    return rf"[{initials}\x80-\U0010ffff](?<!\w.)(?i:{rests})"


def _whole_words(words: Iterable[str]) -> str:
    """`\\b(?:word|word|...)\\b` for `words` (each starting with an ASCII letter) matched ignoring case."""
    return _initial_first((re.escape(word) for word in words), ignore_case=True) + r"\b"


_HEDGE = re.compile(_whole_words(HEDGE_WORDS))

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
# The names of _MONTHS, capitalised (as regex alternatives).
_MONTH_NAMES = (
    *("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November"),
    *("December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sept?", "Oct", "Nov", "Dec"),
)
_MONTH = rf"(?P<month>{'|'.join(_MONTH_NAMES)})\.?"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DATE_PATTERNS = (
    re.compile(rf"(?P<month>{_initial_first(_MONTH_NAMES)})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b"),
    # \b(?P<day>\d{1,2}): the pattern starts with the digit it consumes, for the engine to skip ahead to one in C
    re.compile(rf"(?P<day>\d(?<!\w\d)\d?)(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}"),
    re.compile(rf"(?P<weekday>{_initial_first(day.capitalize() for day in _WEEKDAYS)})\b"),
    re.compile(r"(?P<year>[12](?<!\w.)(?:(?<=1)9|(?<=2)0)\d{2})\b"),  # \b(?P<year>(?:19|20)\d{2})\b, likewise
)
# All the date patterns but the weekdays' read a day or year in digits, and the weekday names (matched as written) all
# end in "day": three sentences in four of the corpora's have no digit, and are searched for weekdays alone, if any.
_WEEKDAY_DATE = _DATE_PATTERNS[2]
_DIGIT = re.compile(r"\d")
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
# A number in digits, with its scale ("5 million"), as (?<![\w.])(?P<digits>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)...
# starting with the digit it consumes (the engine skips ahead to one in C); numbers in words are `_NUMBER_WORD`'s.
_NUMBER_DIGITS = re.compile(
    r"(?P<digits>\d(?<![\w.]\d)(?:\d{0,2}(?:,\d{3})+|\d*(?:\.\d+)?))\s*(?P<scale>million|billion|thousand|%|percent)?",
    re.IGNORECASE,
)
# "one" is no count ("one official", "no one": a pronoun far more often), and is not looked for: a word is a whole run
# of letters, so leaving one out changes no other match (and takes the number-word pattern 6.3 -> 5.6 us a sentence).
_COUNTED_WORDS = tuple(word for word in _NUMBER_WORDS if word != "one")
_NUMBER_WORD = re.compile(f"(?P<word>{_whole_words(_COUNTED_WORDS)})")
_SCALES = {"million": 1_000_000, "billion": 1_000_000_000, "thousand": 1000}
# A name token runs from a letter over letters, digits, underscores, apostrophes and hyphens (as the pattern
# [^\W\d_][\w\u2019'-]* finds them), and only a capitalised one can be a name. Most tokens start with a lowercase
# ASCII letter, and finding each to turn it down in Python took half of `_names`: this pattern starts only at an
# uppercase ASCII or a non-ASCII character (a set the engine skips to in C, which it does not for a set of
# categories such as \W), one that is a letter and does not follow one, and only a token of four characters or more
# (a name has four letters at least; any later start in a shorter one leaves it shorter still). `_names` then turns
# down the rare start that follows a digit, underscore, apostrophe or hyphen with a letter before them in the run
# ("pro-Russian": a token starts at its first letter only), or that is not uppercase ("été").
_CAPITALISED_TOKEN = re.compile(r"[A-Z\x80-\U0010ffff](?<=[^\W\d_])(?<![^\W\d_].)[\w\u2019'-]{3,}")
# The characters besides letters that a token runs on (and the digits, \d, which is str.isdecimal).
_TOKEN_JOINERS = "_\u2019'-"
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
    # (kind, value as this source writes it) for each of its differing spans, a claimant named outside the quoted
    # sentence too: what the stored (capped) spans cannot give for every source.
    written: tuple[tuple[str, str], ...] = ()


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

# A claim restated by thousands of outlets has thousands of differing spans (the largest claim of a 20k-article
# corpus: 19,869 passages, 14,660 claimant spans, a 2.5 MB row). A stored flag keeps the first of them in document
# order, at most MAX_SPANS_PER_VALUE per distinct value and MAX_SPANS in all: twenty passages of a value show a
# reviewer how and where it was written, and 200 spans (about 30 KB of JSON) keep a row cheap to parse each time
# the detail pane shows the claim. A flag under the caps is stored whole. The summary counts every source, and
# side_by_side marks each source from its own sentence, so what a reviewer sees never depends on the caps.
MAX_SPANS_PER_VALUE = 20
MAX_SPANS = 200
# A claim streams past once; each distinct value (a set of numbers, a set of spellings, a claimant, ...) holds its
# first MAX_SPANS_PER_VALUE sources, all the capped list can take from it, so memory follows the distinct values,
# not the passages (the 20k corpus' largest claim has under 40 of each kind). A claim with a flood of distinct
# values stops holding sources here: its stored spans are then a sample, while its summary still counts them all.
MAX_HELD_SOURCES = 2000
# Wordings of one claim whose repeats a scan counts (a few MB at most, for a claim with no repeats at all).
MAX_TRACKED_WORDINGS = 4096
# A capped number or date flag names its most stated values with their counts instead of every source's values.
MAX_SUMMARY_VALUES = 10

_GRANULARITIES = {"number": ("number",), "date": ("date:day", "date:weekday", "date:year")}


# Kept scans are only as good as the detectors that gathered them: one kept by other code is read again.
FLAG_STATE_FORMAT = code_digest(Path(__file__))
# A claim with this many passages or more keeps its scan's state in `flag_states`, so the next run that adds
# passages to it reads only those instead of all of them again (a story's main claim gains passages from every
# batch of articles). Below it, reading the claim again costs about what reading the state back does.
FLAG_STATE_MIN_SOURCES = 64


def _whole_number(value: object) -> int:
    if type(value) is not int:
        raise TypeError(f"not a whole number: {value!r}")
    return value


def _stated_json(key: tuple[str, frozenset[str]]) -> list[Any]:
    return [key[0], sorted(key[1])]


def _stated_from_json(value: object) -> tuple[str, frozenset[str]]:
    if not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], str):
        raise TypeError(f"not a key: {value!r}")
    return value[0], string_set(value[1])


def _source_json(source: SourceText, sentences: dict[str, int]) -> list[Any]:
    """A source as JSON, its sentence as a number in `sentences` (added if new): held sources repeat a few
    sentences (the largest state of a 10,000-article store held 538 sources of 129 sentences)."""
    sentence = sentences.setdefault(source.sentence, len(sentences))
    return [source.mention_id, source.document_id, source.sentence_start, sentence, source.claimant]


def _source_from_json(value: object, sentences: list[str]) -> SourceText:
    if not isinstance(value, list) or len(value) != 5:
        raise TypeError(f"not a source: {value!r}")
    mention_id, document_id, start, sentence, claimant = value
    if not (isinstance(mention_id, str) and isinstance(document_id, str)):
        raise TypeError(f"not a source: {value!r}")
    if claimant is not None and not isinstance(claimant, str):
        raise TypeError(f"not a claimant: {claimant!r}")
    if not 0 <= _whole_number(sentence) < len(sentences):
        raise ValueError(f"no sentence {sentence!r}")
    return SourceText(mention_id, document_id, _whole_number(start), sentences[sentence], claimant)


def detect_discrepancies(claim_id: str, sources: Iterable[SourceText]) -> list[Discrepancy]:
    """Every kind of disagreement among `sources` (empty when there are fewer than two), read once, in order."""
    return _scanned(sources).discrepancies(claim_id)


_Key = TypeVar("_Key", bound=Hashable)
# The key of a number, date or spelling detector: (granularity or name skeleton, the values or spellings of it that
# one source states).
_Stated = tuple[str, frozenset[str]]


class _Detector(Generic[_Key]):
    """One kind of discrepancy, decided in one pass over a claim's sources from per-distinct-value aggregates.

    `add` files each source under its keys (what it states: a set of numbers, the spellings of a name, ...; the
    scan reads them for all detectors at once, `_sentence_keys`), counting the sources of each key and holding its
    first MAX_SPANS_PER_VALUE as examples. `decide` then works from the keys and their counts alone, and `spans_of`
    gives the differing spans of any one source: those of the held examples are stored, those of every shown source
    are marked side by side.
    """

    kind = ""

    def __init__(self) -> None:
        self.counts: dict[_Key, int] = {}
        self.examples: dict[_Key, list[int]] = {}

    def add(
        self, index: int, source: SourceText, keys: Iterable[_Key], hold: Callable[[int, SourceText], bool]
    ) -> None:
        counts = self.counts
        for key in keys:
            count = counts.get(key, 0)
            if not count:
                self.first_seen(key, index, source)
            counts[key] = count + 1
            # Later sources of a key are past its cap: every source of a flagged key has a span of its values.
            if count < MAX_SPANS_PER_VALUE and hold(index, source):
                self.examples.setdefault(key, []).append(index)

    def first_seen(self, key: _Key, index: int, source: SourceText) -> None:
        """A hook for what a detector notes about the first source of a key."""

    # A key as JSON and back (the keys of the base class are strings; subclasses with set keys override both).
    @staticmethod
    def _key_json(key: Any) -> Any:  # noqa: ANN401 - each detector's own key type
        return key

    @staticmethod
    def _key_from_json(value: Any) -> Any:  # noqa: ANN401
        if not isinstance(value, str):
            raise TypeError(f"not a key: {value!r}")
        return value

    def state(self) -> dict[str, Any]:
        """What `add` gathered, as JSON values: with `restore`, a later scan goes on from here (`decide` and what it
        derives are left out: they are worked out again after the last source)."""
        key_json = self._key_json
        return {
            "counts": [[key_json(key), count] for key, count in self.counts.items()],
            "examples": [[key_json(key), indexes] for key, indexes in self.examples.items()],
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Take back a `state()`; raises (TypeError, ValueError, KeyError) on anything malformed."""
        key_from_json = self._key_from_json
        self.counts = {key_from_json(key): _whole_number(count) for key, count in state["counts"]}
        self.examples = {
            key_from_json(key): [_whole_number(index) for index in indexes] for key, indexes in state["examples"]
        }

    def decide(self, total: int) -> bool:
        """Whether the sources disagree; called once, after the last source."""
        raise NotImplementedError

    def flagged(self, key: _Key) -> bool:
        """Whether the sources of `key` have differing spans (once decided)."""
        return True

    def spans_of(self, source: SourceText) -> list[Span]:
        """The differing spans of one source (once decided), in sentence order."""
        raise NotImplementedError

    def cap_value(self, span: Span) -> str:
        """The distinct value a span counts against MAX_SPANS_PER_VALUE. Every source of a flagged key has a span of
        each of its values, so a key's held first MAX_SPANS_PER_VALUE sources hold all the capped list can take."""
        return span.value

    def summary(self, spans: Sequence[Span], complete: bool, total: int) -> str:
        """`spans`: those of the held examples, in order (every span when `complete`); `total`: the sources."""
        raise NotImplementedError

    def discrepancy(self, claim_id: str, total: int, held: dict[int, SourceText]) -> Discrepancy:
        keys = [key for key in self.counts if self.flagged(key)]
        indexes = sorted({index for key in keys for index in self.examples.get(key, ())})
        spans = [span for index in indexes for span in self.spans_of(held[index])]
        kept = _capped(spans, self.cap_value)
        complete = len(kept) == len(spans) and all(self.counts[key] == len(self.examples.get(key, ())) for key in keys)
        return Discrepancy(claim_id, self.kind, self.summary(spans, complete, total), tuple(kept))


def _capped(spans: Sequence[Span], cap_value: Callable[[Span], str]) -> list[Span]:
    kept: list[Span] = []
    per_value: Counter[str] = Counter()
    for span in spans:
        value = cap_value(span)
        if per_value[value] < MAX_SPANS_PER_VALUE:
            per_value[value] += 1
            kept.append(span)
            if len(kept) == MAX_SPANS:
                break
    return kept


class _Scan:
    """Every detector over one pass of a claim's sources; holds no more than MAX_HELD_SOURCES of them.

    `feed` reads sources in order and may be called again with the ones that came later (a claim's passages are
    stored in document order, and new documents come after the stored ones): a scan restored from its `state`
    and fed the passages stored since decides exactly as one fed every passage from the start.
    """

    def __init__(self) -> None:
        self.detectors: dict[str, _Detector[Any]] = {
            "number": _ValueDetector("number"),
            "date": _ValueDetector("date"),
            "spelling": _SpellingDetector(),
            "claimant": _ClaimantDetector(),
            "hedging": _HedgingDetector(),
        }
        self.held: dict[int, SourceText] = {}
        self.total = 0
        # A source alone disagrees with nothing, so the first is read only once a second one comes: a claim of one
        # passage (a third of the claims of a 1,000-article run, each its own sentence) costs no sentence analysis.
        self.first: SourceText | None = None
        self.kinds: set[str] = set()

    def feed(self, sources: Iterable[SourceText]) -> None:
        detectors, hold = self.detectors, self._hold
        claimant = detectors["claimant"]

        # A wording (sentence and claimant) met MAX_SPANS_PER_VALUE times has every key it files at its examples'
        # cap, and a key's count only grows: from then on a detector's add could only count it, so its sources
        # just add to the counts of the keys it holds (most passages of a big claim: they repeat a few wordings).
        # (Kept for this call only: a restored scan meets its wordings anew, which `add` counts the same way.)
        counted: dict[tuple[str, str | None], list[tuple[dict[Any, int], Hashable]]] = {}
        times_met: dict[tuple[str, str | None], int] = {}

        def add(index: int, source: SourceText) -> None:
            wording = (source.sentence, source.claimant)
            keys_to_count = counted.get(wording)
            if keys_to_count is not None:
                for counts, key in keys_to_count:
                    counts[key] += 1
                return
            found = _sentence_keys(source.sentence)
            for kind, keys in found:
                detectors[kind].add(index, source, keys, hold)
            named = bool(source.claimant and source.claimant.strip())
            if named:
                claimant.add(index, source, (source.claimant,), hold)
            met = times_met.get(wording, 0) + 1
            if met < MAX_SPANS_PER_VALUE:
                if met > 1 or len(times_met) < MAX_TRACKED_WORDINGS:
                    times_met[wording] = met
                return
            del times_met[wording]
            keys_to_count = [(detectors[kind].counts, key) for kind, keys in found for key in keys]
            if named:
                keys_to_count.append((claimant.counts, source.claimant))
            counted[wording] = keys_to_count

        # Every ingest runs this loop once per passage, and passages repeat a few wordings: one cache look-up gives
        # the keys of all the detectors that read only the sentence, and a detector without keys is not called.
        first = self.first
        index = self.total - 1
        for index, source in enumerate(sources, self.total):
            if index == 0:
                first = source
                continue
            if index == 1 and first is not None:
                add(0, first)
                first = None
            add(index, source)
        self.total = index + 1
        self.first = first

    def decide(self) -> None:
        """Once the last source is in."""
        self.kinds = {kind for kind, found in self.detectors.items() if self.total >= 2 and found.decide(self.total)}

    def _hold(self, index: int, source: SourceText) -> bool:
        if index not in self.held:
            if len(self.held) >= MAX_HELD_SOURCES:
                return False
            self.held[index] = source
        return True

    def discrepancies(self, claim_id: str) -> list[Discrepancy]:
        return [
            detector.discrepancy(claim_id, self.total, self.held)
            for kind, detector in self.detectors.items()
            if kind in self.kinds
        ]

    def spans_of(self, kind: str, source: SourceText) -> list[Span]:
        return self.detectors[kind].spans_of(source) if kind in self.kinds else []

    def state(self) -> str:
        """What the scan gathered, as JSON (before or after `decide`, which adds nothing to it)."""
        sentences: dict[str, int] = {}
        first = None if self.first is None else _source_json(self.first, sentences)
        held = [[index, *_source_json(source, sentences)] for index, source in self.held.items()]
        return json.dumps(
            {
                "format": FLAG_STATE_FORMAT,
                "total": self.total,
                "sentences": list(sentences),
                "first": first,
                "held": held,
                "detectors": {kind: detector.state() for kind, detector in self.detectors.items()},
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def restored(cls, text: str) -> _Scan | None:
        """The scan `state()` gave, or None if `text` is not one this code wrote (another version, or damaged)."""
        try:
            state = json.loads(text)
            if not isinstance(state, dict) or state.get("format") != FLAG_STATE_FORMAT:
                return None
            scan = cls()
            scan.total = _whole_number(state["total"])
            sentences = state["sentences"]
            if not isinstance(sentences, list) or not all(isinstance(sentence, str) for sentence in sentences):
                return None
            scan.first = None if state["first"] is None else _source_from_json(state["first"], sentences)
            scan.held = {_whole_number(index): _source_from_json(source, sentences) for index, *source in state["held"]}
            detector_states = state["detectors"]
            if set(detector_states) != set(scan.detectors):
                return None
            for kind, detector in scan.detectors.items():
                detector.restore(detector_states[kind])
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):  # JSONDecodeError: a ValueError
            return None
        if (scan.first is None) != (scan.total != 1):
            return None
        return scan


def _scanned(sources: Iterable[SourceText]) -> _Scan:
    scan = _Scan()
    scan.feed(sources)
    scan.decide()
    return scan


# Wire copy repeats sentences verbatim across outlets, so a big claim's sources share a few sentences: each is
# parsed once (the results are tuples of frozen records, safe to share). Claims are examined one at a time, so a
# small cache catches the repeats within a claim.
SENTENCE_CACHE_SIZE = 1024


@lru_cache(maxsize=SENTENCE_CACHE_SIZE)
def _features(sentence: str) -> tuple[_Feature, ...]:
    features: list[_Feature] = []
    taken: list[tuple[int, int]] = []
    has_digit = _DIGIT.search(sentence) is not None
    has_day = "day" in sentence
    for pattern in _DATE_PATTERNS:
        if not (has_day if pattern is _WEEKDAY_DATE else has_digit):
            continue
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
    # Numbers in digits and in words, in order, as one pattern of both would find them: a word is dropped inside
    # the scale of a number before it ("5 million"), and they overlap no other way (words are whole runs of letters).
    numbers: Iterable[re.Match[str]] = _NUMBER_WORD.finditer(sentence)
    if has_digit:
        numbers = sorted([*_NUMBER_DIGITS.finditer(sentence), *numbers], key=re.Match.start)
    number_end = 0
    for match in numbers:
        if match.start() < number_end:
            continue
        number_end = match.end()
        if any(match.start() < end and start < match.end() for start, end in taken):
            continue
        text = match.group(0).rstrip()
        features.append(_Feature("number", _number_value(match), match.start(), match.start() + len(text), text))
        taken.append((match.start(), match.end()))
    return tuple(features)


# IGNORECASE matches a few non-ASCII letters for ASCII ones ("fıve" with a dotless i, "ſix" with a long s, the Kelvin
# sign for k), which lower() leaves as they are: folded first, such a word reads as the number it was matched as.
_IGNORECASE_FOLDS = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def _number_value(match: re.Match[str]) -> str:
    if match.re is _NUMBER_WORD:
        return str(_NUMBER_WORDS[match.group("word").translate(_IGNORECASE_FOLDS).lower()])
    digits = float(match.group("digits").replace(",", ""))
    scale = (match.group("scale") or "").translate(_IGNORECASE_FOLDS).lower()
    if scale in ("%", "percent"):
        return f"{digits:g}%"
    return f"{digits * _SCALES.get(scale, 1):g}"


class _ValueDetector(_Detector[_Stated]):
    """Numbers (or dates of one granularity) differ when two sources each state a value the other lacks.

    Sources are compared by their distinct sets of values, not pairwise: a claim restated by a thousand outlets
    mostly states one or two sets, and a source's values that some other source lacks (while stating one of its
    own) are flagged, as a comparison of every pair would flag them. A key is (granularity, set of values).
    """

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.granularities = _GRANULARITIES[kind]
        self.differing: dict[_Stated, frozenset[str]] = {}

    _key_json = staticmethod(_stated_json)
    _key_from_json = staticmethod(_stated_from_json)

    def decide(self, total: int) -> bool:
        for granularity in self.granularities:
            stated = [values for kind, values in self.counts if kind == granularity]
            for own in stated:
                for other in stated:
                    if own - other and other - own:
                        key = (granularity, own)
                        self.differing[key] = self.differing.get(key, frozenset()) | (own - other)
        return bool(self.differing)

    def flagged(self, key: _Stated) -> bool:
        return key in self.differing

    def spans_of(self, source: SourceText) -> list[Span]:
        stated = dict(_stated(source.sentence))  # the other kind's granularities are never among `differing`
        spans = [
            _span(source, feature)
            for feature in _features(source.sentence)
            if feature.kind in stated and feature.value in self.differing.get((feature.kind, stated[feature.kind]), ())
        ]
        return sorted(spans, key=lambda span: span.start)

    def summary(self, spans: Sequence[Span], complete: bool, total: int) -> str:
        label = DISCREPANCY_LABELS[self.kind]
        if complete:
            return f"{label}: " + " vs ".join(_per_source_values(spans))
        # Too many sources to name each one's values: each differing value with how many sources state it.
        sources_of: Counter[str] = Counter()
        for key, values in self.differing.items():
            for value in values:
                sources_of[value] += self.counts[key]
        written: dict[str, str] = {}
        for span in spans:
            written.setdefault(span.value, span.text)
        first = {value: position for position, value in enumerate(written)}
        ranked = sorted(sources_of, key=lambda value: (-sources_of[value], first.get(value, len(first)), value))
        listed = " vs ".join(
            f"{written.get(value, value)} in {sources_of[value]}" for value in ranked[:MAX_SUMMARY_VALUES]
        )
        more = len(ranked) - MAX_SUMMARY_VALUES
        return f"{label}: {listed}{f' and {more} other values' if more > 0 else ''} of {total} sources"


@lru_cache(maxsize=SENTENCE_CACHE_SIZE)
def _stated(sentence: str) -> tuple[_Stated, ...]:
    """(granularity, its values) for each granularity of number or date a sentence states."""
    features = _features(sentence)
    if not features:
        return ()
    values: dict[str, set[str]] = {}
    for feature in features:
        values.setdefault(feature.kind, set()).add(feature.value)
    return tuple((kind, frozenset(own)) for kind, own in values.items())


class _SpellingDetector(_Detector[_Stated]):
    """Names with one spelling-blind skeleton but two spellings, each used by a source that lacks the other.

    A key is (skeleton, the spellings of it one source uses), so a claim with thousands of sources is decided from
    the few spelling sets they use.
    """

    kind = "spelling"

    def __init__(self) -> None:
        super().__init__()
        self.first: dict[_Stated, tuple[int, dict[str, str]]] = {}  # a key's first source: index, tokens as written
        self.differing: dict[_Stated, set[str]] = {}
        self.pairs: set[tuple[str, str]] = set()

    _key_json = staticmethod(_stated_json)
    _key_from_json = staticmethod(_stated_from_json)

    def state(self) -> dict[str, Any]:
        state = super().state()
        state["first"] = [[_stated_json(key), index, written] for key, (index, written) in self.first.items()]
        return state

    def restore(self, state: dict[str, Any]) -> None:
        super().restore(state)
        self.first = {}
        for key, index, written in state["first"]:
            if not isinstance(written, dict) or not all(isinstance(value, str) for value in written.values()):
                raise TypeError(f"not spellings: {written!r}")
            self.first[_stated_from_json(key)] = (_whole_number(index), written)

    def first_seen(self, key: _Stated, index: int, source: SourceText) -> None:
        written: dict[str, str] = {}
        for token, _, _ in _names(source.sentence):
            if name_skeleton(token) == key[0]:
                written.setdefault(token.casefold(), token)
        self.first[key] = (index, written)

    def decide(self, total: int) -> bool:
        by_skeleton: dict[str, list[_Stated]] = defaultdict(list)
        for key in self.counts:
            by_skeleton[key[0]].append(key)
        for keys in by_skeleton.values():
            for first, second in combinations(sorted(frozenset().union(*(own for _, own in keys))), 2):
                if abs(len(first) - len(second)) > 1:
                    continue
                # both spellings in one source is not a disagreement between sources
                only_first = [key for key in keys if first in key[1] and second not in key[1]]
                only_second = [key for key in keys if second in key[1] and first not in key[1]]
                if not only_first or not only_second:
                    continue
                written = (self._first_written(only_first, first), self._first_written(only_second, second))
                self.pairs.add((min(written), max(written)))
                for key in only_first:
                    self.differing.setdefault(key, set()).add(first)
                for key in only_second:
                    self.differing.setdefault(key, set()).add(second)
        return bool(self.pairs)

    def _first_written(self, keys: Sequence[_Stated], spelling: str) -> str:
        """`spelling` as the first source using it (among those of `keys`) first writes it."""
        return min((self.first[key] for key in keys), key=lambda first: first[0])[1][spelling]

    def flagged(self, key: _Stated) -> bool:
        return key in self.differing

    def spans_of(self, source: SourceText) -> list[Span]:
        own = dict(_spellings(source.sentence))
        spans = []
        for token, start, end in _names(source.sentence):
            skeleton = name_skeleton(token)
            if token.casefold() in self.differing.get((skeleton, own.get(skeleton)), ()):
                spans.append(_span_at(source, start, end, token))
        return spans

    def cap_value(self, span: Span) -> str:
        return span.value.casefold()

    def summary(self, spans: Sequence[Span], complete: bool, total: int) -> str:
        return f"{DISCREPANCY_LABELS['spelling']}: " + ", ".join(f"{a} / {b}" for a, b in sorted(self.pairs))


@lru_cache(maxsize=SENTENCE_CACHE_SIZE)
def _spellings(sentence: str) -> tuple[_Stated, ...]:
    """(skeleton, the spellings of it the sentence uses, casefolded) for each name of two or more consonants."""
    spellings: dict[str, set[str]] = {}
    for token, _, _ in _names(sentence):
        skeleton = name_skeleton(token)
        if len(skeleton) >= 2:
            own = spellings.get(skeleton)
            if own is None:
                spellings[skeleton] = {token.casefold()}
            else:
                own.add(token.casefold())
    return tuple([(skeleton, frozenset(own)) for skeleton, own in spellings.items()])


@lru_cache(maxsize=SENTENCE_CACHE_SIZE)
def _names(sentence: str) -> tuple[tuple[str, int, int], ...]:
    """The capitalised name tokens of four letters or more (a possessive cut off) but common words, with their
    offsets."""
    tokens: list[tuple[str, int, int]] = []
    for match in _CAPITALISED_TOKEN.finditer(sentence):
        written = match.group()
        if not written[0].isupper():
            continue
        start = match.start()
        before = sentence[start - 1] if start else " "
        if (before in _TOKEN_JOINERS or before.isdecimal()) and not _starts_token(sentence, start):
            continue
        # _POSSESSIVE cut by hand: a final apostrophe, or one and an "s"
        if written[-1] in "\u2019'":
            token = written[:-1]
        elif written[-1] == "s" and written[-2:-1] in ("\u2019", "'"):
            token = written[:-2]
        else:
            token = written
        if len(token) >= 4 and token.casefold() not in _NOT_NAMES:
            tokens.append((token, start, start + len(token)))
    return tuple(tokens)


def _starts_token(sentence: str, start: int) -> bool:
    """Whether the letter at `start` is the first of its run of token characters (a name token starts there)."""
    index = start - 1
    while index >= 0 and (sentence[index] in _TOKEN_JOINERS or sentence[index].isdecimal()):
        index -= 1
    # what stops the walk is a letter (the alphanumeric characters but \d's) or no token character
    return index < 0 or not sentence[index].isalnum()


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


class _ClaimantDetector(_Detector[str]):
    """Sources attributing the claim to people who are not the same person; a key is a claimant as written."""

    kind = "claimant"

    def __init__(self) -> None:
        super().__init__()
        self.distinct: list[str] = []

    def state(self) -> dict[str, Any]:
        state = super().state()
        state["distinct"] = self.distinct
        return state

    def restore(self, state: dict[str, Any]) -> None:
        super().restore(state)
        self.distinct = [self._key_from_json(name) for name in state["distinct"]]

    def first_seen(self, key: str, index: int, source: SourceText) -> None:
        # a name seen before is in `distinct`, or the same person as one there: only a new name can add to it
        if not any(_same_person(key, known) for known in self.distinct):
            self.distinct.append(key)

    def decide(self, total: int) -> bool:
        return len(self.distinct) >= 2

    def spans_of(self, source: SourceText) -> list[Span]:
        claimant = source.claimant or ""
        if not claimant.strip():
            return []
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
        return [
            Span(
                source.mention_id,
                source.document_id,
                source.sentence_start + start,
                source.sentence_start + end,
                source.sentence[start:end],
                claimant,
            )
        ]

    def summary(self, spans: Sequence[Span], complete: bool, total: int) -> str:
        return f"{DISCREPANCY_LABELS['claimant']}: " + " vs ".join(self.distinct)


def _same_person(first: str, second: str) -> bool:
    """'Peskov' and 'Dmitry Peskov' (or 'Podolyak' and 'Mykhailo Podoliak') name the same person."""
    first_tokens = [name_skeleton(token) for token in first.split() if token[:1].isupper()]
    second_tokens = [name_skeleton(token) for token in second.split() if token[:1].isupper()]
    if not first_tokens or not second_tokens:
        return first.casefold() == second.casefold()
    shorter, longer = sorted((first_tokens, second_tokens), key=len)
    return set(shorter) <= set(longer)


@lru_cache(maxsize=SENTENCE_CACHE_SIZE)
def _sentence_keys(sentence: str) -> tuple[tuple[str, tuple[Hashable, ...]], ...]:
    """(kind, keys) for each detector that reads only the sentence and finds keys in it: numbers, dates, spellings
    and hedging words."""
    found: list[tuple[str, tuple[Hashable, ...]]] = []
    # Most sentences state no number or date and use no hedging word: they cost a test each.
    stated = _stated(sentence)
    if stated:
        for kind in ("number", "date"):
            keys = tuple([key for key in stated if key[0] in _GRANULARITIES[kind]])
            if keys:
                found.append((kind, keys))
    spellings = _spellings(sentence)
    if spellings:
        found.append(("spelling", spellings))
    hedges = _hedges(sentence)
    if hedges:
        found.append(("hedging", (frozenset([word for _, _, word in hedges]),)))
    return tuple(found)


@lru_cache(maxsize=SENTENCE_CACHE_SIZE)
def _hedges(sentence: str) -> tuple[tuple[int, int, str], ...]:
    return tuple([(match.start(), match.end(), match.group(0).lower()) for match in _HEDGE.finditer(sentence)])


class _HedgingDetector(_Detector[frozenset[str]]):
    """Hedging words in some sources but not in others; a key is the set of hedging words of one source."""

    kind = "hedging"

    @staticmethod
    def _key_json(key: frozenset[str]) -> list[str]:
        return sorted(key)

    @staticmethod
    def _key_from_json(value: Any) -> frozenset[str]:  # noqa: ANN401 - checked here
        return string_set(value)

    def decide(self, total: int) -> bool:
        return 0 < sum(self.counts.values()) < total

    def spans_of(self, source: SourceText) -> list[Span]:
        return [_span_at(source, start, end, word) for start, end, word in _hedges(source.sentence)]

    def summary(self, spans: Sequence[Span], complete: bool, total: int) -> str:
        words = ", ".join(sorted(frozenset[str]().union(*self.counts)))
        return f"{DISCREPANCY_LABELS['hedging']}: {words} in {sum(self.counts.values())} of {total} sources"


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


def _per_source_values(spans: Sequence[Span]) -> list[str]:
    """Each source's differing values as written, in order (`spans` are in source order)."""
    by_source: dict[str, list[str]] = {}
    for span in spans:
        written = by_source.setdefault(span.mention_id, [])
        if span.text not in written:
            written.append(span.text)
    return [", ".join(written) for written in by_source.values()]


# ---------------------------------------------------------------------------------------------------------------
# Stored flags


# The passages of a claim stored after a given one (rowid), with their sentences, in document order.
# The passage's own span stands in for a missing sentence; it is cut out in SQL (substr counts characters, as Python
# slicing does) so a claim with thousands of passages never loads thousands of whole articles. Only then is the
# document's row read at all (a subquery, not a join: a join reads it for every passage). Passages are stored in
# document order (documents by seq, each one's passages by start), so rowid order is document order and the
# claim_id index (which ends in the rowid) yields it, from any rowid on, without a sort.
_SOURCES_SQL = """
    SELECT m.rowid, m.id, m.document_id, m.claimant, m.start, s.start AS s_start, s.text AS s_text,
           CASE WHEN s.text IS NULL OR s.start > m.start
                THEN (SELECT substr(d.text, m.start + 1, max(m."end" - m.start, 0))
                      FROM documents d WHERE d.id = m.document_id) END AS quote
    FROM mentions m LEFT JOIN sentences s ON s.id = m.sentence_id
    WHERE m.claim_id = ? AND m.rowid > ? ORDER BY m.rowid
"""


def _sources_after(store: Store, claim_id: str, after: int, last: list[int]) -> Iterator[SourceText]:
    """The passages of a claim stored after rowid `after`, in document order; `last[0]` is set to the latest read."""
    for rowid, mention_id, document_id, claimant, start, sentence_start, sentence, quote in store.conn.execute(
        _SOURCES_SQL, [claim_id, after]
    ):
        last[0] = rowid
        if quote is None:
            start = sentence_start
        else:
            sentence = quote
        yield SourceText(mention_id, document_id, start, sentence, claimant)


def iter_sources(store: Store, claim_id: str) -> Iterator[SourceText]:
    """The passages of a claim with their sentences, in document order, as the cursor reads them."""
    return _sources_after(store, claim_id, 0, [0])


def load_sources(store: Store, claim_id: str) -> list[SourceText]:
    """The passages of a claim with their sentences, in document order."""
    return list(iter_sources(store, claim_id))


# A stored flag, as written to the discrepancies table: (claim id, kind, summary, spans as JSON).
FlagRow = tuple[str, str, str, str]
# A claim's kept scan, as written to the flag_states table: (claim id, the rowid of the last passage it read, the
# scan's state as JSON).
FlagState = tuple[str, int, str]
# A stored contradiction link: (claim a, claim b, score, evidence as JSON).
ContradictionRow = tuple[str, str, float, str]


def _claim_scan(store: Store, claim_id: str) -> tuple[_Scan, int]:
    """The claim's scan over all its stored passages, decided, and the rowid of the last one.

    Goes on from the claim's kept state when it still holds: written by this code, and the claim's passages up to
    its last rowid are as many as it read. Passages only move between claims by a correction, which drops the
    kept states of the claims it touches (`forget_flag_states`); the count also catches passages that left the
    claim or joined it below that rowid any other way (short of as many leaving as joining). Passages stored
    since are then all there is to read.
    """
    conn = store.conn
    scan: _Scan | None = None
    through = 0
    kept = conn.execute("SELECT through_rowid, state FROM flag_states WHERE claim_id = ?", [claim_id]).fetchone()
    if kept is not None and type(kept[0]) is int and isinstance(kept[1], str):
        scan = _Scan.restored(kept[1])
        if scan is not None:
            through = kept[0]
            read = conn.execute(
                "SELECT COUNT(*) FROM mentions WHERE claim_id = ? AND rowid <= ?", [claim_id, through]
            ).fetchone()[0]
            if read != scan.total:
                scan, through = None, 0
    if scan is None:
        scan = _Scan()
    last = [through]
    scan.feed(_sources_after(store, claim_id, through, last))
    scan.decide()
    return scan, last[0]


def iter_flag_rows(
    store: Store, claim_ids: Iterable[str], kept_states: list[FlagState] | None = None
) -> Iterator[FlagRow]:
    """The flags the claims' stored passages raise, claim by claim, as stored; only reads (any connection will do).

    Each claim's passages stream from the cursor through the detectors, so memory stays the same whether a claim
    has ten passages or twenty thousand; a claim with a kept state (`flag_states`) reads only the passages stored
    after it. Given `kept_states`, the state of each claim of FLAG_STATE_MIN_SOURCES passages or more is added to
    it, for `store_flags` to keep.
    """
    for claim_id in claim_ids:
        scan, through = _claim_scan(store, claim_id)
        for discrepancy in scan.discrepancies(claim_id):
            spans = json.dumps([_span_fields(span) for span in discrepancy.spans], ensure_ascii=False)
            yield claim_id, discrepancy.kind, discrepancy.summary, spans
        if kept_states is not None and scan.total >= FLAG_STATE_MIN_SOURCES:
            kept_states.append((claim_id, through, scan.state()))


def store_flags(
    store: Store, claim_ids: Sequence[str], rows: Iterable[FlagRow], states: Sequence[FlagState] | None = None
) -> None:
    """Replace the stored flags of `claim_ids` with `rows`, inside the caller's write transaction; given `states`
    (what `iter_flag_rows` kept, once `rows` are read), they replace the kept states of `claim_ids` too."""
    for chunk, placeholders in in_list_chunks(claim_ids):
        store.conn.execute(f"DELETE FROM discrepancies WHERE claim_id IN ({placeholders})", chunk)
    now = utc_now()
    store.conn.executemany(
        "INSERT INTO discrepancies (claim_id, kind, summary, spans, detected_at) VALUES (?, ?, ?, ?, ?)",
        ((*row, now) for row in rows),
    )
    if states is not None:
        forget_flag_states(store, claim_ids)
        store.conn.executemany(
            "INSERT OR REPLACE INTO flag_states (claim_id, through_rowid, state) VALUES (?, ?, ?)", states
        )


def forget_flag_states(store: Store, claim_ids: Iterable[str] | None) -> None:
    """Drop the kept scans of `claim_ids` (of every claim if None): for a change that moves passages between
    claims, inside its write transaction. Their next flags read all their passages again."""
    if claim_ids is None:
        store.conn.execute("DELETE FROM flag_states")
        return
    for chunk, placeholders in in_list_chunks(sorted(set(claim_ids))):
        store.conn.execute(f"DELETE FROM flag_states WHERE claim_id IN ({placeholders})", chunk)


def refresh_discrepancies(store: Store, claim_ids: Iterable[str] | None = None) -> int:
    """Recompute the stored flags of the given claims (all claims if None: every passage read again, no kept scan
    used); returns how many flags now exist."""
    states: list[FlagState] = []
    with store.write():
        if claim_ids is None:
            store.conn.execute("DELETE FROM discrepancies")
            forget_flag_states(store, None)
            ids = [row[0] for row in store.conn.execute("SELECT id FROM claims WHERE source_count != 1")]
            store_flags(store, [], iter_flag_rows(store, ids, states), states)
        else:
            ids = sorted(set(claim_ids))
            store_flags(store, ids, iter_flag_rows(store, ids, states), states)
        return int(store.conn.execute("SELECT COUNT(*) FROM discrepancies").fetchone()[0])


def claim_discrepancies(store: Store, claim_id: str) -> list[Discrepancy]:
    """The stored flags of one claim, in DISCREPANCY_KINDS order (each with at most MAX_SPANS spans)."""
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


def side_by_side(store: Store, claim_id: str, limit: int | None = None) -> list[SourceView]:
    """Each source sentence of a claim (the first `limit`, all if None) with the differing spans marked, for the
    detail pane's side-by-side view.

    The stored flags say which kinds to mark; their spans are capped, so each source's own spans come from its
    sentence, by the detectors decided over all the claim's sources (streamed, so a claim of any size costs the
    same memory; a big claim's kept scan saves reading them again: 0.34 -> 0.006 s for the largest claim of a
    10,000-article store).
    """
    flags = claim_discrepancies(store, claim_id)
    scan = _claim_scan(store, claim_id)[0] if flags else None
    sources = list(itertools.islice(iter_sources(store, claim_id), limit))
    document_ids = sorted({source.document_id for source in sources})
    documents: dict[str, tuple[str, str | None]] = {}
    for chunk, placeholders in in_list_chunks(document_ids):
        for row in store.conn.execute(
            f"SELECT id, file_name, outlet FROM documents WHERE id IN ({placeholders})", chunk
        ):
            documents[row[0]] = (row[1], row[2])
    views = []
    for source in sources:
        spans = [(flag.kind, span) for flag in flags for span in scan.spans_of(flag.kind, source)] if scan else []
        highlights = sorted(
            (
                Highlight(span.start - source.sentence_start, span.end - source.sentence_start, kind, span.value)
                for kind, span in spans
                if span.end > span.start
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
                tuple((kind, span.text or span.value) for kind, span in spans),
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


# What a word of a claim is to its clause, by its spelling as written.
_CUE, _DENIAL_CUE, _RESPONSIBILITY_WORD, _SKIPPED, _CONTENT_WORD, _NAME = range(6)
# A story's claims repeat a few thousand spellings: each is analysed once (case, possessive, synonym, plural), then
# looked up (clauses of a 40,000-article store: 50 -> 20 us a claim text). An entry is about 0.25 KB.
CLAUSE_WORD_CACHE_SIZE = 16384


@lru_cache(maxsize=CLAUSE_WORD_CACHE_SIZE)
def _clause_word(spelling: str) -> tuple[int, str]:
    """(what the word is, the cue or content word it files)."""
    word = _POSSESSIVE.sub("", spelling.casefold())
    if word in _NEGATION_CUES:
        return (_DENIAL_CUE if word.startswith("den") else _CUE), word
    if word in _RESPONSIBILITY_WORDS:
        return _RESPONSIBILITY_WORD, _RESPONSIBILITY
    if word in _STOPWORDS or len(word) < 3:
        return _SKIPPED, word
    word = _SYNONYMS.get(word, word)
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = _SYNONYMS.get(word[:-1], word[:-1])
    return (_NAME if spelling[0].isupper() or word in _PLACE_NAMES else _CONTENT_WORD), word


def clauses(claim_id: str, text: str) -> list[_Clause]:
    """The clauses of a claim as (polarity, content words); a negation cue flips its clause's polarity."""
    found: list[_Clause] = []
    normalised = text.replace("n\u2019t", " not").replace("n't", " not")
    # The phrase holds " to do", which no other letter matches case-insensitively: the test spares most texts the
    # search (5.6 us a claim text at 40,000 articles), which has no fixed start to look for.
    if " to do" in normalised.lower():
        normalised = _NEGATION_PHRASE.sub(f" not {_RESPONSIBILITY} ", normalised)
    for part in _CLAUSE_BREAK.split(normalised):
        words: set[str] = set()
        names: set[str] = set()
        cues: list[str] = []
        for kind, word in map(_clause_word, _WORD.findall(part)):
            if kind >= _CONTENT_WORD:
                words.add(word)
                if kind == _NAME:
                    names.add(word)
            elif kind == _RESPONSIBILITY_WORD:
                words.add(_RESPONSIBILITY)
            elif kind <= _DENIAL_CUE:
                cues.append(word)
                if kind == _DENIAL_CUE:
                    words.add(_RESPONSIBILITY)  # "denied involvement": a denial is about responsibility
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


def _claim_wordings_and_documents(store: Store) -> tuple[list[tuple[str, str]], dict[str, set[str]]]:
    """(claim id, text) for each claim's shown text and up to MAX_WORDINGS_PER_CLAIM - 1 other passage wordings; and
    each claim's first and last document (by id), which tell whether its passages come from one document or more.

    Both come from the grouping index's kept wordings (`index_wordings`, one row per distinct wording in the order
    of their first passages, with its first and last document) and the passages stored since they were kept: a run
    that adds a batch to a large store reads its own passages, not every one (1.1 s of 1.6 at 40,000 articles).
    Without kept wordings (or if they no longer hold) every passage is read once, in storage order (NOT INDEXED:
    walking the claim_id index would look each passage up in the table, at random), and grouped here: a claim holds
    at most MAX_WORDINGS_PER_CLAIM texts and two document ids, so memory stays per claim, not per passage. Two GROUP
    BY scans, each sorting the rows, cost more: 0.90 s of CPU at 10,000 articles with them, 0.69 s this way.
    """
    shown = [(row[0], row[1]) for row in store.conn.execute("SELECT id, text FROM claims ORDER BY sort_key, id")]
    folded = _kept_claim_wordings(store, shown)
    if folded is None:
        folded = {claim_id: [text] for claim_id, text in shown}, {}
        _fold_claim_passages(store, 0, *folded)
    texts, extremes = folded
    # The other wordings after every shown text, claim by claim in id order.
    wordings = shown + [(claim_id, text) for claim_id in sorted(texts) for text in texts[claim_id][1:]]
    return wordings, {claim_id: set(known) for claim_id, known in extremes.items()}


# Each claim's texts (its shown one first) and its first and last document id (None: none named).
_ClaimTexts = dict[str, list[str]]
_ClaimDocuments = dict[str, list[str | None]]


def _kept_claim_wordings(store: Store, shown: list[tuple[str, str]]) -> tuple[_ClaimTexts, _ClaimDocuments] | None:
    """The claims' texts and documents from the kept wordings and the passages stored since; None if there are none
    or they do not count the passages the store holds (see `workbench.ingest._kept_wordings`)."""
    texts: _ClaimTexts = {claim_id: [text] for claim_id, text in shown}
    extremes: _ClaimDocuments = {}
    counted = through = 0
    for claim_id, text, passages, lowest, highest, last_rowid in store.conn.execute(
        "SELECT claim_id, text, passages, lowest_document_id, highest_document_id, last_rowid FROM index_wordings"
        " ORDER BY position"
    ):
        if not (
            type(claim_id) is str
            and type(text) is str
            and type(passages) is int
            and passages > 0
            and type(last_rowid) is int
            and (lowest is None or type(lowest) is str)
            and (highest is None or type(highest) is str)
        ):
            return None
        counted += passages
        through = max(through, last_rowid)
        known = extremes.get(claim_id)
        if known is None:
            extremes[claim_id] = [lowest, highest]
        else:
            if lowest is not None and (known[0] is None or lowest < known[0]):
                known[0] = lowest
            if highest is not None and (known[1] is None or highest > known[1]):
                known[1] = highest
        claim_texts = texts.get(claim_id)
        if claim_texts is not None and len(claim_texts) < MAX_WORDINGS_PER_CLAIM and text not in claim_texts:
            claim_texts.append(text)
    if not counted:
        return None
    read = _fold_claim_passages(store, through, texts, extremes)
    if counted + read != store.conn.execute("SELECT COUNT(*) FROM mentions").fetchone()[0]:
        return None
    return texts, extremes


def _fold_claim_passages(store: Store, after: int, texts: _ClaimTexts, extremes: _ClaimDocuments) -> int:
    """Fold the passages stored after rowid `after` into the claims' texts and documents; returns how many."""
    read = 0
    for claim_id, text, document_id in store.conn.execute(
        "SELECT claim_id, claim_text, document_id FROM mentions NOT INDEXED WHERE rowid > ? ORDER BY rowid", [after]
    ):
        read += 1
        known = extremes.get(claim_id)
        if known is None:
            extremes[claim_id] = [document_id, document_id]
        elif document_id is not None:
            low, high = known
            if low is None or document_id < low:
                known[0] = document_id
            if high is None or document_id > high:
                known[1] = document_id
        claim_texts = texts.get(claim_id)
        # A claim's wordings in the order of their first passages (storage order).
        if (
            text is not None
            and claim_texts is not None
            and len(claim_texts) < MAX_WORDINGS_PER_CLAIM
            and text not in claim_texts
        ):
            claim_texts.append(text)
    return read


def contradiction_rows(store: Store) -> list[ContradictionRow]:
    """Every contradiction link the claims' current wording makes, as stored; only reads (any connection will do)."""
    # Two claims qualify when some passage of one comes from a document other than some passage of the other:
    # only a claim's single document, or that it has several, matters. Its first and last document tell that.
    claims, documents = _claim_wordings_and_documents(store)
    found = find_contradictions(claims, documents)
    return [(a, b, score, json.dumps(evidence, ensure_ascii=False)) for a, b, score, evidence in found]


def store_contradictions(store: Store, rows: Sequence[ContradictionRow]) -> None:
    """Replace every stored contradiction link with `rows`, inside the caller's write transaction."""
    store.conn.execute("DELETE FROM contradictions")
    now = utc_now()
    store.conn.executemany(
        "INSERT INTO contradictions (claim_a, claim_b, score, evidence, detected_at) VALUES (?, ?, ?, ?, ?)",
        [(*row, now) for row in rows],
    )


def refresh_contradictions(store: Store) -> int:
    """Recompute every contradiction link from the claims' current wording; returns how many there are."""
    with store.write():
        rows = contradiction_rows(store)
        store_contradictions(store, rows)
    return len(rows)


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
