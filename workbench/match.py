"""Grouping the same claim across sources.

The ingest pipeline keeps one ClaimMatcher per run: it is loaded with every existing claim's mentions, then
asked, for each newly extracted claim, which existing claim (if any) it restates. Matching must stay
near-linear in the number of claims (blocking, no all-pairs).

How a match is decided:
  0. A verbatim repeat (the same text and claimant as a mention already added to an indexed claim) joins that claim
     at once: wire copy repeats sentences across outlets, and scoring would give the identical wording the top score.
  1. Normalise: strip diacritics, casefold, fold transliteration variants (y -> i, doubled letters -> single, so
     Podolyak/Podoliak, Nykyforov/Nikiforov, Zelenskyy/Zelensky agree), light suffix stemming, number words to
     digits ("two", "a pair of" -> 2), and drop stop words and hedges ("alleged", "so-called"). The claim frame's
     predicate classes with their polarity join the keys ("!deny", "!injure-"), so wordings that assert the same
     thing in other words ("didn't attack" / "has nothing to do with") share keys.
  2. Block: an inverted index from each content key to the mentions containing it, holding at most
     MAX_POSTINGS_PER_CLAIM distinct wordings per claim (so a story's keys do not fill up as outlets repeat it);
     only keys with few enough postings (<= MAX_POSTING) are used to find candidates, the rarest first, and at
     most MAX_CANDIDATES mentions (ranked by the idf mass they share with the query) are scored.
  3. Score each candidate mention: idf-weighted Dice and overlap coefficient of content keys, rapidfuzz
     token-set ratio of the key strings; the last two are damped by the length ratio so a short caption does
     not match every long sentence containing its words. Same claimant (by folded surname) adds a bonus.
     Numbers that disagree (both sides have numbers, none shared: "May 9" vs "May 3") veto the match. A predicate
     held with opposite polarity ("banned" / "lifted the ban") damps the score; a different kind of action or an
     event against a pattern ("a string of attacks") subtracts from it.
  4. A claim that already has a mention from the same document (including claims matched earlier for the
     document being ingested) needs a near-identical score: an outlet repeating itself is usually saying
     something different in a second sentence.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple, cast

try:
    # Counter.update's loop in C, without the Python wrapper around it (its isinstance check against Mapping was a
    # tenth of `add`, which runs for every mention).
    from collections import _count_elements  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - a Python without it

    def _count_elements(counts: dict[str, int], keys: Iterable[str]) -> None:
        for key in keys:
            counts[key] = counts.get(key, 0) + 1


from rapidfuzz import fuzz

from workbench.extract import frames as frames_module
from workbench.extract.frames import ClaimFrame, claim_frame, countries_in, fold
from workbench.kept import code_digest, string_set

MATCH_THRESHOLD = 0.48
SAME_DOCUMENT_THRESHOLD = 0.6
DICE_WEIGHT = 0.4
OVERLAP_WEIGHT = 0.35
TOKEN_SET_WEIGHT = 0.25
# Sentences that share names and places but little of what they say about them are damped.
MIN_PREDICATE_AGREEMENT = 0.2
WEAK_PREDICATE_FACTOR = 0.75
SAME_CLAIMANT_BONUS = 0.12
DIFFERENT_CLAIMANT_PENALTY = 0.08
MAX_CANDIDATES = 25
MAX_POSTING = 250
# A key's posting list keeps at most this many mentions per claim (the first distinct wordings): a story repeated by
# hundreds of outlets then costs a key a handful of postings, not one per repeat, so its keys stay under MAX_POSTING
# and later restatements still find it. Scoring takes each claim's best mention, so more repeats add little.
MAX_POSTINGS_PER_CLAIM = 8
CANDIDATE_SHARE_CUTOFF = 0.4
# The index holds at most this many claims: past it, the claims mentioned least recently leave it (in batches, down to
# INDEX_EVICTION_TARGET of the cap), so a run's memory is bounded whatever the corpus size. News is time-local: a
# claim no outlet repeated in the last few thousand claims' worth of copy is rarely restated, and if it is, the
# restatement is matched against the claims still held, usually starting a claim of its own (a split group).
MAX_INDEXED_CLAIMS = 5000
INDEX_EVICTION_TARGET = 0.9
# idf counts the mentions of every key seen, and news keeps bringing new ones (figures, names, places): past this
# many keys, the rarest that no indexed mention carries are forgotten (the oldest first among equally rare ones, down
# to INDEX_EVICTION_TARGET of the cap), so the counts too stay bounded on a corpus or a store of any size. A
# forgotten key that comes back counts from zero: its idf, already the highest, rises by at most ln(its count + 1).
# About 140 bytes a key: 100,000 keys take about 14 MB. (The synthetic 40k-article corpus has about 1,600 keys.)
MAX_COUNTED_KEYS = 100_000
# Wire copy repeats sentences verbatim across outlets: a wording (text, claimant) already added to an indexed claim
# joins that claim again without scoring candidates. Scoring would agree: an identical wording reaches the highest
# score any candidate can (every component at its maximum, no conflict, no clash), above both thresholds; only exact
# ties, or a claim the blocking keys no longer find, could go elsewhere, and "the same sentence, the same claim" is
# the answer a reviewer expects there. At most this many wordings are remembered (about 300 bytes each).
MAX_REMEMBERED_WORDINGS = 16384
# Postings are consulted for at most this many of a query's rarest keys.
MAX_BLOCKING_KEYS = 8
# Predicate agreement above which differing names mean a substituted name, not a paraphrase.
SUBSTITUTION_PREDICATE_AGREEMENT = 0.8
POLARITY_MISMATCH_FACTOR = 0.75
# Frame (action class, polarity, party) agreement and disagreement, added to the lexical score.
FRAME_AGREEMENT_BONUS = 0.15
FRAME_CLASH_PENALTY = 0.3
# What an upper bound of a score (ClaimMatcher._score) adds for the rounding of its own arithmetic.
_BOUND_MARGIN = 1e-9
# best_match's score for a claim whose candidates were not scored, as none could qualify.
_NEVER_QUALIFIES = -math.inf

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# A capitalised word, or an acronym, not inside a word: r"(?<![\w'])([A-Z][\w'\-]*[a-z][\w'\-]*|[A-Z]{2,})". The
# look-behind comes after the capital (widened to cover it), so the pattern starts with a character set and the
# regex engine skips ahead to capitals instead of trying every position: half the time, the same matches.
_CAPITALISED_WORD = re.compile(r"([A-Z](?<![\w'][A-Z])(?:[\w'\-]*[a-z][\w'\-]*|[A-Z]+))")
_STOP_WORD_TEXT = """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it its itself just me more most my myself nor of off
    on once only or other our ours ourselves out over own same she should so some such than that the their theirs
    them themselves then there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours yourself yourselves said says say saying told
    tell tells added adds according claimed claims claim statement reported reportedly alleged allegedly
    so-called called however purported stated announced declared
    meanwhile still even already earlier later wednesday tuesday monday thursday friday
    saturday sunday overnight night day today yesterday ago last since may might must shall would
    often frequently repeatedly regularly routinely usually"""
_STOP_WORDS = frozenset(_STOP_WORD_TEXT.split())
# "May" is a month far more often than a modal in news copy, but both readings are unhelpful for matching.
_NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "pair": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "dozen": "12",
    "hundred": "100",
    "thousand": "1000",
    "million": "1000000",
    "first": "1st",
    "second": "2nd",
    "third": "3rd",
}
_NOT_COUNTS = frozenset({"1st", "2nd", "3rd"})
# A small paraphrase lexicon for news reporting: words that outlets use interchangeably for the same fact map to
# one concept key. Kept deliberately generic (no event-specific entries) and small; extend with evidence.
_CONCEPTS: dict[str, str] = {
    **dict.fromkeys(
        [
            "averted",
            "averts",
            "foiled",
            "foils",
            "disabled",
            "disables",
            "downed",
            "intercepted",
            "neutralised",
            "neutralized",
            "repelled",
            "thwarted",
        ],
        "=disable",
    ),
    **dict.fromkeys(["assassinate", "assassinated", "assassination", "assassinations"], "=assassinate"),
    **dict.fromkeys(
        ["hurt", "injured", "injuries", "injury", "casualties", "casualty", "wounded", "victims"], "=injury"
    ),
    **dict.fromkeys(
        ["retaliate", "retaliation", "retaliatory", "countermeasures", "reprisal", "reprisals"], "=retaliate"
    ),
    **dict.fromkeys(
        ["ban", "bans", "banned", "banning", "prohibit", "prohibited", "prohibition", "prohibits", "outlawed"], "=ban"
    ),
    **dict.fromkeys(["accuse", "accused", "accuses", "accusing", "blame", "blamed", "blames", "blaming"], "=blame"),
    **dict.fromkeys(["warning", "warnings", "notice", "forewarning", "heads-up"], "=warning"),
    **dict.fromkeys(
        ["cautiously", "carefully", "caution", "skeptical", "sceptical", "skepticism", "scepticism"], "=caution"
    ),
    **dict.fromkeys(["deny", "denied", "denies", "denial", "denials", "notinvolved"], "=deny"),
    **dict.fromkeys(["kill", "killed", "kills", "killing", "dead", "deaths", "died"], "=kill"),
    **dict.fromkeys(
        ["rise", "rose", "risen", "increase", "increased", "grew", "multiplied", "surged", "jumped"], "=increase"
    ),
    **dict.fromkeys(["fall", "fell", "fallen", "decrease", "decreased", "declined", "dropped", "plunged"], "=decrease"),
    **dict.fromkeys(["parade", "parades"], "=parade"),
    **dict.fromkeys(
        [
            "attack",
            "attacks",
            "attacked",
            "attacking",
            "assault",
            "assaults",
            "strike",
            "strikes",
            "targeting",
            "targeted",
            "raid",
            "raids",
        ],
        "=attack",
    ),
    **dict.fromkeys(["drone", "drones", "uav", "uavs"], "=drone"),
    **dict.fromkeys(["demand", "demanded", "demands", "urge", "urged", "urges"], "=demand"),
    **dict.fromkeys(["video", "videos", "footage", "clip", "clips"], "=video"),
    **dict.fromkeys(["explode", "exploded", "exploding", "explosion", "explosions", "blast", "blasts"], "=explode"),
    # Metonymy in foreign news: the capital stands for the country ("Kyiv said" = "Ukraine said").
    **dict.fromkeys(["kyiv", "kiev", "ukraine", "ukrainian", "ukrainians"], "=ukraine"),
    **dict.fromkeys(["moscow", "russia", "russian", "russians"], "=russia"),
    **dict.fromkeys(["us", "u.s", "usa", "america", "american", "americans", "washington"], "=us"),
}
_CONCEPT_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\battempt(?:ed)? on (?:the |his |her )?life\b"), " assassination "),
    (re.compile(r"\bshot down\b|\bbrought down\b|\btaken down\b"), " downed "),
    (re.compile(r"\bunited states\b|\bu\.s\.(?=\W|$)"), " us "),
    (re.compile(r"\b(?:nothing to do with|not involved|no involvement|not behind)\b"), " notinvolved "),
    (re.compile(r"\bgo ahead\b|\bremain in place\b|\bas planned\b"), " goahead "),
    (re.compile(r"\bunmanned aerial vehicles?\b"), " drones "),
    (re.compile(r"\bcalled for\b|\bcalls for\b"), " demanded "),
    (re.compile(r"\btold reporters\b"), " said "),
    (re.compile(r"\bden(?:y|ied|ies)(?: any)?(?: \w+)? (?:involvement|responsibility|role)\b"), " notinvolved "),
    (re.compile(r"\bnot responsible\b"), " notinvolved "),
    (re.compile(r"\bwith a (?:\w+ )*(?:grain|pinch|shaker) of salt\b"), " cautiously "),
    (re.compile(r"\bno one\b"), " nobody "),
)
# Most wordings hold none of the phrases: one scan for any of them stands in for a substitution pass per phrase (and
# where none matches, the passes change nothing, whatever they would have put in for each other).
_ANY_CONCEPT_PHRASE = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in _CONCEPT_PHRASES))
# Text every match of each phrase pattern holds (one of): where none is in the text, the pattern's substitution pass
# would change nothing and is skipped (a substring test instead of a regex scan).
_CONCEPT_PHRASE_CUES: tuple[tuple[str, ...], ...] = (
    ("attempt",),
    (" down",),
    ("united states", "u.s."),
    ("no",),
    ("go ahead", "in place", "as planned"),
    ("unmanned",),
    ("call",),
    ("told reporters",),
    ("den",),
    ("not responsible",),
    (" of salt",),
    ("no one",),
)
# Proper names and places weigh less than the predicate: two sentences about Putin and the Kremlin are not the
# same claim unless they also say the same thing about them.
ENTITY_WEIGHT = 0.6
_GENERIC_CLAIMANT_WORDS = frozenset(
    {
        "presidency",
        "presidential",
        "press",
        "service",
        "officials",
        "official",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "ministry",
        "government",
        "office",
        "authorities",
        "military",
        "analysts",
        "sources",
        "head",
        "state",
        "of",
    }
)
_CLAIMANT_CONCEPTS = {"kremlin": "=russia"}
_PLACES = frozenset({"=ukraine", "=russia", "=us"})
_PLACES_AS_ENTITIES = True
_WEEKDAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})
# Polarity: "X attended" and "X did not attend" share every content word but assert opposite things.
_NEGATORS = frozenset(
    {
        "not",
        "no",
        "never",
        "nothing",
        "none",
        "nobody",
        "neither",
        "nor",
        "without",
        "cannot",
        "deny",
        "denied",
        "denies",
        "denial",
        "denials",
        "didn't",
        "doesn't",
        "don't",
        "isn't",
        "wasn't",
        "weren't",
        "aren't",
        "hasn't",
        "haven't",
        "hadn't",
        "won't",
        "can't",
        "couldn't",
        "wouldn't",
        "shouldn't",
        "unaffected",
        "rejected",
        "refused",
    }
)
# The fixed vocabulary in one table, each word with what it is, in the order a wording's words are tried (a concept,
# a number word, a weekday, a stop word): one lookup per word. Words not in it are digits, one letter or content.
_CONCEPT_WORD, _NUMBER_WORD, _WEEKDAY_WORD, _STOP = "concept", "number", "weekday", "stop"
_VOCABULARY: dict[str, tuple[str, str]] = {
    **{word: (_STOP, word) for word in _STOP_WORDS},
    **{word: (_WEEKDAY_WORD, word) for word in _WEEKDAYS},
    **{word: (_NUMBER_WORD, number) for word, number in _NUMBER_WORDS.items()},
    **{word: (_CONCEPT_WORD, concept) for word, concept in _CONCEPTS.items()},
}
_NEGATION = re.compile(r"\b(?:" + "|".join(re.escape(word) for word in sorted(_NEGATORS)) + r")\b|n't\b")
# "First Last": two to four capitalised words; `_is_person_name` rejects titles, places and organisations.
# (Written as r"(?<![\w'\-])((?:[A-Z][a-z'\-]+ ){1,3}([A-Z][a-z'\-]{2,}))\b", with the look-behind after the first
# capital for the same reason as _CAPITALISED_WORD's.)
_FULL_NAME = re.compile(r"([A-Z](?<![\w'\-][A-Z])[a-z'\-]+ (?:[A-Z][a-z'\-]+ ){0,2}([A-Z][a-z'\-]{2,}))\b")
# Capitalised words that make a phrase an organisation, place, title or event rather than a person's name.
_NOT_NAME_WORD_TEXT = """president prime minister secretary speaker spokesman spokeswoman adviser chief head general
    minister foreign defence defense state states united kingdom house lower upper senate parliament duma palace square
    street day news agency service services press presidency government ministry office council committee court
    army forces force military navy federation republic union nations group party city region republic north south
    east west northern southern eastern western central national international european world war great new
    victory red white black times post journal television tv radio media telegram twitter facebook instagram
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
    september october november december"""
_NOT_NAME_WORDS = frozenset(_NOT_NAME_WORD_TEXT.split())


def fold_name(word: str) -> str:
    """Transliteration-insensitive key: "Zelenskyy" and "Zelensky" -> "zelenski", "Podolyak" -> "podoliak"."""
    return fold(word)  # the claim frames' folding: the two must agree


# Claim wordings share most of their words: a word's key is worked out once. An entry is about 200 bytes.
WORD_KEY_CACHE_SIZE = 16384


@lru_cache(maxsize=WORD_KEY_CACHE_SIZE)
def _word_key(word: str) -> str:
    """A content word's key: stemmed, then folded for transliteration."""
    return fold_name(_stem(word))


def _stem(word: str) -> str:
    for suffix in ("ings", "ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix) and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


@dataclass(frozen=True, slots=True)
class _Features:
    keys: frozenset[str]
    numbers: frozenset[str]
    entities: frozenset[str]
    claimant_keys: frozenset[str]
    key_string: str
    # Folded surnames of people named in full ("Vyacheslav Volodin"), in the text or as the claimant.
    people: frozenset[str]
    weekdays: frozenset[str]
    negated: bool
    frame: ClaimFrame
    # Blocking keys from the frame: (predicate class, polarity, country or name), so paraphrases sharing no rare
    # word but the same action about the same party still meet as candidates.
    frame_keys: frozenset[str]
    # Derived once per claim text rather than once per compared pair: the index keys (keys | frame_keys), the
    # frame's predicate classes and the parties it is about (countries, the claimant's country, names).
    blocking_keys: frozenset[str]
    frame_classes: frozenset[str]
    frame_parties: frozenset[str]
    # Hashed once: every add looks its wording up in the claim's set of posted wordings, and the generated hash
    # would walk all the fields above each time. (String hashes differ between processes: __reduce__ rebuilds it.)
    value_hash: int = field(compare=False, repr=False)

    def __hash__(self) -> int:
        return self.value_hash

    def __reduce__(self) -> tuple[Callable[..., _Features], tuple]:
        # Rebuilt, not restored: the hash must be the receiving process's own.
        return _features_from_values, tuple(getattr(self, name) for name in _FEATURE_VALUE_FIELDS)


def _frame_parties(frame: ClaimFrame) -> frozenset[str]:
    return frame.countries | frame.claimant_countries | frame.names


_QUOTE_MARKS = re.compile(r"[\u201c\u201d\u201e\u00ab\u00bb\"]")


# Ingest asks for a claim's features twice (match, then add), and wire copy repeats sentences verbatim across
# outlets. _Features is immutable, so mentions of the same (text, claimant) share one instance.
FEATURE_CACHE_SIZE = 8192


# Features the preparation worker computed for the document being ingested (see `features_given`): the cache takes
# one instead of computing it when it misses.
_given_features: dict[tuple[str, str | None], _Features] = {}


@contextmanager
def features_given(given: Iterable[tuple[str, str | None, _Features]]) -> Iterator[None]:
    """Let the features computed elsewhere (by the preparation worker) stand in for computing them here.

    Features are a pure function of (text, claimant), so a given one is exactly what this process would compute;
    only the time differs. Held for one document: what its matching did not ask for is dropped afterwards. Nested
    (the grouping index loaded while a document is ingested), the outer block's are held again after the inner one.
    """
    outer = dict(_given_features)
    _given_features.update(((text, claimant), features) for text, claimant, features in given)
    try:
        yield
    finally:
        _given_features.clear()
        _given_features.update(outer)


@lru_cache(maxsize=FEATURE_CACHE_SIZE)
def _features(text: str, claimant: str | None) -> _Features:
    given = _given_features.pop((text, claimant), None) if _given_features else None
    return given if given is not None else compute_features(text, claimant)


def compute_features(text: str, claimant: str | None) -> _Features:
    """The matching features of a claim wording, computed afresh (`_features` caches): the preparation worker
    sends each wording's once, so a cache of its own would only hold memory. What the text alone decides is
    cached by text (`_text_features`): the same sentence comes back with another claimant."""
    known = _text_features(text)
    people = known.people
    frame = known.frame
    if claimant:
        claimant_keys, claimant_person, claimant_countries = _claimant_features(claimant)
        if claimant_person:
            people = people | {claimant_person}
        # The claimant enters the frame only as its countries (claim_frame: claimant_countries); the test
        # test_a_claimant_changes_only_the_frames_claimant_countries holds frames.py to that.
        frame = ClaimFrame(frame.predicates, frame.countries, frame.names, claimant_countries, frame.habitual)
        # The frame keys pair each predicate, with its polarity ("@attack+ukraine"), with each party: the text's,
        # and the claimant's other countries.
        parties = known.parties | claimant_countries
        frame_keys = known.frame_keys
        if extra_parties := claimant_countries - known.parties:
            predicates = known.predicate_prefixes
            frame_keys = frame_keys | frozenset(
                map(sys.intern, [predicate + party for predicate in predicates for party in extra_parties])
            )
    else:
        claimant_keys = _claimant_keys(claimant)
        parties, frame_keys = known.parties, known.frame_keys
    values = (
        known.keys,
        known.numbers,
        known.entities,
        claimant_keys,
        known.key_string,
        people,
        known.weekdays,
        known.negated,
        frame,
        frame_keys,
        known.keys | frame_keys,
        known.classes,
        parties,
    )
    return _Features(*values, hash(values))  # type: ignore[arg-type]  # the keys are interned already


# How many texts' share of the features is kept (`_text_features`), about 5 KB each (5 MB in all). Of the wordings
# whose text came before with another claimant, 863 of 875 (1k corpus) and 1920 of 2165 (10k) find it among the last
# 1024 texts.
TEXT_FEATURE_CACHE_SIZE = 1024
# Claimants recur far more than texts (46 among the 2,979 wordings of 1,000 articles).
CLAIMANT_CACHE_SIZE = 1024


@lru_cache(maxsize=CLAIMANT_CACHE_SIZE)
def _claimant_features(claimant: str) -> tuple[frozenset[str], str | None, frozenset[str]]:
    """A claimant's keys, the surname when it names a person, and its countries (as claim_frame finds them)."""
    return _claimant_keys(claimant), _person_key(claimant), countries_in(claimant)


class _TextFeatures(NamedTuple):
    """The part of a wording's features its text alone decides (its keys interned), and the frame of the text
    without a claimant, with what derives from it."""

    keys: frozenset[str]
    numbers: frozenset[str]
    entities: frozenset[str]
    key_string: str
    people: frozenset[str]
    weekdays: frozenset[str]
    negated: bool
    frame: ClaimFrame
    classes: frozenset[str]
    parties: frozenset[str]  # without a claimant's countries
    frame_keys: frozenset[str]  # the same
    predicate_prefixes: tuple[str, ...]  # of the frame keys: "@attack+" for a frame key "@attack+russia"


@lru_cache(maxsize=TEXT_FEATURE_CACHE_SIZE)
def _text_features(text: str) -> _TextFeatures:
    frame = claim_frame(text, None)
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'")
    entity_words = set(map(str.casefold, _CAPITALISED_WORD.findall(text)))
    people = {name for match in _FULL_NAME.finditer(text) if (name := _person_key(match.group(1)))}
    # Quotation marks inside a phrase ('has "nothing to do" with') must not hide the phrase from the lexicon.
    normalised = _QUOTE_MARKS.sub("", text.casefold())
    negated = _NEGATION.search(normalised) is not None
    if _ANY_CONCEPT_PHRASE.search(normalised):
        for (pattern, replacement), cues in zip(_CONCEPT_PHRASES, _CONCEPT_PHRASE_CUES, strict=True):
            if any(map(normalised.__contains__, cues)):
                normalised = pattern.sub(replacement, normalised)
    keys: set[str] = set()
    numbers: set[str] = set()
    entities: set[str] = set()
    weekdays: set[str] = set()
    vocabulary = _VOCABULARY.get
    for raw in _WORD.findall(normalised):
        word = raw[:-2] if raw.endswith("'s") else raw
        known = vocabulary(word)
        if known is None:
            if word.isdigit():
                numbers.add(word.lstrip("0") or "0")
                keys.add(word.lstrip("0") or "0")
            elif len(word) >= 2:
                key = _word_key(word)
                keys.add(key)
                if word in entity_words:
                    entities.add(key)
            continue
        kind, value = known
        if kind is _CONCEPT_WORD:
            keys.add(value)
            if value in _PLACES and word in entity_words and _PLACES_AS_ENTITIES:
                entities.add(value)
        elif kind is _NUMBER_WORD:
            if value not in _NOT_COUNTS:
                numbers.add(value)
            keys.add(value)
        elif kind is _WEEKDAY_WORD:
            weekdays.add(word)
    # What the claim asserts, with its polarity, as keys of its own: "didn't attack" and "has nothing to do with"
    # share the key of a denial, "no one was hurt" and "without causing injuries" that of an injury negated.
    keys.update(_predicate_keys(frame))
    interned_keys = frozenset(map(sys.intern, keys))
    parties = _frame_parties(frame)
    # The frame keys: each predicate, with its polarity, paired with each party ("@attack+ukraine").
    prefixes = tuple(f"@{name}{'-' if negated else '+'}" for name, negated in frame.predicates)
    return _TextFeatures(
        interned_keys,
        frozenset(numbers),
        frozenset(map(sys.intern, entities)),
        " ".join(sorted(keys)),
        frozenset(people),
        frozenset(weekdays),
        negated,
        frame,
        frame.classes,
        parties,
        frozenset(map(sys.intern, [prefix + party for prefix in prefixes for party in parties])),
        prefixes,
    )


def _features_from_values(*values: object) -> _Features:
    # The keys are interned: the same key in two wordings is then one str object, so the document-frequency counts
    # and the per-query idf find it by identity instead of comparing the characters of scattered copies: 3.39 -> 3.27 s
    # of the 10k replay, for about 3 us more per wording the preparation worker sends (8.7 -> 12 us to unpickle).
    interned = list(values)
    for index in _INTERNED_KEY_FIELDS:
        interned[index] = frozenset(map(sys.intern, cast(frozenset[str], values[index])))
    values = tuple(interned)
    return _Features(*values, hash(values))  # type: ignore[arg-type]


# The type, for the preparation worker's messages (its fields are this module's business).
MatchFeatures = _Features
_FEATURE_VALUE_FIELDS = tuple(item.name for item in fields(_Features) if item.name != "value_hash")
_INTERNED_KEY_FIELDS = tuple(
    _FEATURE_VALUE_FIELDS.index(name) for name in ("keys", "entities", "frame_keys", "blocking_keys")
)
# Each field's type, for reading features back from JSON (the annotations are strings here).
_FEATURE_FIELD_TYPES = tuple(item.type for item in fields(_Features) if item.name != "value_hash")


FEATURES_CODE = code_digest(Path(__file__), Path(frames_module.__file__ or ""))


def features_json(features: _Features) -> str:
    """A wording's features as JSON, tagged with the code that computed them, to keep in the store: reading them
    back (`features_from_json`) costs a fifth of computing them (24 against 130 us)."""
    values: list[object] = [FEATURES_CODE]
    for name in _FEATURE_VALUE_FIELDS:
        value = getattr(features, name)
        if isinstance(value, ClaimFrame):
            value = [
                sorted(value.predicates),
                sorted(value.countries),
                sorted(value.names),
                sorted(value.claimant_countries),
                value.habitual,
            ]
        elif isinstance(value, frozenset):
            value = sorted(value)
        values.append(value)
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def _frame_from_json(value: object) -> ClaimFrame:
    if type(value) is not list or len(value) != 5 or type(value[0]) is not list or type(value[4]) is not bool:
        raise TypeError("not a frame")
    predicates = []
    for predicate in value[0]:
        if type(predicate) is not list or len(predicate) != 2:
            raise TypeError("not a predicate")
        name, negated = predicate
        if type(name) is not str or type(negated) is not bool:
            raise TypeError("not a predicate")
        predicates.append((name, negated))
    return ClaimFrame(frozenset(predicates), string_set(value[1]), string_set(value[2]), string_set(value[3]), value[4])


def features_from_json(text: str) -> _Features | None:
    """The features `features_json` gave, or None if `text` is not what this code wrote (other code, damaged)."""
    try:
        values = json.loads(text)
        if type(values) is not list or len(values) != len(_FEATURE_VALUE_FIELDS) + 1 or values[0] != FEATURES_CODE:
            return None
        decoded: list[object] = []
        for kind, value in zip(_FEATURE_FIELD_TYPES, values[1:], strict=True):
            if kind == "frozenset[str]":
                decoded.append(string_set(value))
            elif kind == "ClaimFrame":
                decoded.append(_frame_from_json(value))
            elif (kind == "str" and type(value) is str) or (kind == "bool" and type(value) is bool):
                decoded.append(value)
            else:
                return None
    except (ValueError, TypeError):  # json.JSONDecodeError is a ValueError
        return None
    return _features_from_values(*decoded)


def _predicate_keys(frame: ClaimFrame) -> set[str]:
    return {
        f"!{name}{'-' if negated else ''}"
        for name, negated in frame.predicates
        if (name, negated) not in _TOPIC_PREDICATES
    }


def _person_key(phrase: str) -> str | None:
    """Folded surname of a "[Title] First Last" phrase, or None when the phrase does not look like a person."""
    words = phrase.split()
    while words and words[0].casefold() in _NOT_NAME_WORDS:
        words.pop(0)  # "President Volodymyr Zelensky" -> "Volodymyr Zelensky"
    return fold_name(words[-1]) if _is_person_name(" ".join(words)) else None


def _is_person_name(phrase: str) -> bool:
    """ "Vyacheslav Volodin" yes; "United States", "Russian Presidency", "Red Square" as far as can be told no."""
    words = phrase.replace("\u2019", "'").split()
    if not 2 <= len(words) <= 4 or not all(word[:1].isupper() for word in words):
        return False
    for word in words:
        folded = word.casefold().rstrip(".,;:")
        if folded in _NOT_NAME_WORDS or folded in _CONCEPTS or folded in _STOP_WORDS or folded in _WEEKDAYS:
            return False
    return True


def _claimant_keys(claimant: str | None) -> frozenset[str]:
    """Folded name words of a claimant, titles and generic role words removed; state bodies folded to their
    country ("Kremlin", "Moscow", "Russia" -> =russia)."""
    if not claimant:
        return frozenset()
    words = _WORD.findall(unicodedata.normalize("NFKC", claimant).replace("\u2019", "'").casefold())
    keys: set[str] = set()
    for word in words:
        if word in _STOP_WORDS or word in _GENERIC_CLAIMANT_WORDS:
            continue
        keys.add(_CLAIMANT_CONCEPTS.get(word) or _CONCEPTS.get(word) or fold_name(word))
    return frozenset(keys)


@dataclass(slots=True)
class _Mention:
    claim_id: str
    document_id: str
    features: _Features


class _Undo(NamedTuple):
    """What one `ClaimMatcher.add` changed beyond the counts: enough to take it back exactly.

    A named tuple, not a frozen dataclass: one is made for every passage a run adds, and building a frozen one
    (field by field through object.__setattr__) took 0.2 s of a 10,000-article ingest, three times this."""

    claim_id: str
    features: _Features
    repeats: int
    posted_keys: list[str] | None  # keys whose posting lists took the mention; None: the wording was not posted
    previous_document: str | None
    previous_recency: int | None
    previous_clock: int
    new_details: bool
    remembered_wording: bool  # the add made (text, claimant) a remembered wording of the claim


_new_undo = tuple.__new__


class ClaimMatcher:
    """Assigns each new claim mention to an existing claim that restates it, or to none.

    Memory grows with the claims and their distinct wordings, not with the mentions: a mention is kept only while
    it is in a posting list (at most MAX_POSTINGS_PER_CLAIM wordings per key and claim); a verbatim repeat or a
    wording past the cap adds only to counts. At most `max_claims` claims are held: the least recently mentioned
    leave first, so memory stays bounded on a corpus of any size (idf counts every mention seen). The same-document
    rule compares with the document of each claim's latest mention, which is "has a mention from this document" when
    each document's mentions are added together, as ingest, regroup and the evaluation do.
    """

    def __init__(
        self,
        threshold: float = MATCH_THRESHOLD,
        same_document_threshold: float = SAME_DOCUMENT_THRESHOLD,
        max_candidates: int = MAX_CANDIDATES,
        max_claims: int | None = None,
    ) -> None:
        max_claims = MAX_INDEXED_CLAIMS if max_claims is None else max_claims
        if max_claims < 1:
            raise ValueError(f"max_claims must be at least 1, not {max_claims}")
        self.threshold = threshold
        self.same_document_threshold = same_document_threshold
        self.max_candidates = max_candidates
        self.max_claims = max_claims
        # Every mention counts towards idf; only posted ones are kept, numbered in the order they came in (ranking
        # ties are broken by that order, so dropping the unposted ones in between changes no ranking). Keyed by
        # position, so evicting a claim's mentions leaves the others' positions as they were.
        self._mention_count = 0
        self._next_position = 0
        self._posted_mentions: dict[int, _Mention] = {}
        # Each key's posting list is a dict used as an insertion-ordered set of positions: _candidates copies it into
        # a set per query, and a dict hands over its stored hashes where a list's ints must each be read and hashed
        # (scattered in memory, those reads were the slowest line of matching).
        self._postings: dict[str, dict[int, None]] = defaultdict(dict)
        self._document_frequency: Counter[str] = Counter()
        self._claim_last_document: dict[str, str] = {}
        # When each claim was last mentioned, on a clock counting mentions: the least recent leave a full index first.
        self._clock = 0
        self._claim_recency: dict[str, int] = {}
        self.evicted_claims = 0
        self.forgotten_keys = 0  # idf counts dropped past MAX_COUNTED_KEYS
        self._keys_kept = 0  # how many counts the last pass over them kept
        self.verbatim_repeats = 0  # matches answered by a remembered wording, without scoring
        self._last_document: str | None = None  # of the latest add: eviction waits for a document boundary
        # The distinct (numbers, weekdays, people) of each claim's mentions: a new mention joins a claim only if it
        # agrees with all of them, so "two drones on May 3" cannot join a group through "drones" that already
        # holds "drones on May 9". Most mentions have none of these, so the lists stay tiny.
        self._claim_details: dict[str, list[_Features]] = defaultdict(list)
        # (text, claimant) -> the claim it was first added to, in insertion order (the oldest are forgotten first).
        self._wording_claims: dict[tuple[str, str | None], str] = {}
        # Claims matched for a document whose mentions are not added yet (ingest matches a whole document
        # before adding it), so the same-document rule also holds within the document being ingested.
        self._pending: dict[str, set[str]] = defaultdict(set)
        # Per claim: the wordings (feature sets) already in the postings, and how many postings each key holds for
        # it (kept only once a claim has MAX_POSTINGS_PER_CLAIM wordings: below that no key can be at the cap).
        self._claim_posted: dict[str, set[_Features]] = defaultdict(set)
        self._claim_key_postings: dict[str, Counter[str]] = {}
        # What each add changed, kept only while a checkpoint is held, so rollback undoes exactly those changes
        # (the mentions before the checkpoint are not kept to replay).
        self._checkpoints: list[int] = []
        self._unusable = False
        self._undo: list[_Undo] = []

    def __len__(self) -> int:
        return self._mention_count

    @property
    def claims_held(self) -> int:
        """Claims in the index now: at most `max_claims`, the least recently mentioned leave first."""
        return len(self._claim_recency)

    @property
    def wordings_held(self) -> int:
        """Wordings remembered for verbatim repeats: at most MAX_REMEMBERED_WORDINGS, the oldest are forgotten first."""
        return len(self._wording_claims)

    def add(
        self,
        claim_id: str,
        text: str,
        claimant: str | None,
        document_id: str,
        repeats: int = 1,
        last_seen: int | None = None,
    ) -> None:
        """Register one mention of `claim_id` (several mentions per claim are allowed).

        `repeats` > 1 registers that many verbatim mentions at once (loading a store: a repeat only counts).
        `last_seen` (loading a store) is the position of the claim's latest mention, which decides when it leaves
        a full index; by default the mention is the latest one.
        """
        self._check_usable()
        self._evict_between_documents(document_id)
        features = _features(text, claimant)
        self._mention_count += repeats
        if repeats == 1:
            _count_elements(self._document_frequency, features.blocking_keys)
        else:
            for key in features.blocking_keys:
                self._document_frequency[key] += repeats
        if self._wording_claims.get((text, claimant)) == claim_id:
            # A verbatim repeat of a wording this claim holds (most adds: wire copy). The add that remembered the
            # wording posted it (or found all its keys at the per-claim cap) and recorded its details, and while it
            # stands (a rollback undoes it before anything earlier; eviction forgets the wording with its claim)
            # _post would return None and the details would be known: 3.83 -> 3.44 s of the 10k replay.
            posted_keys = None
            new_details = remembered_wording = False
        else:
            posted_keys = self._post(claim_id, features, document_id)
            new_details = self._record_details(claim_id, features)
            remembered_wording = self._remember_wording(text, claimant, claim_id, features)
        self._note_mention(
            claim_id, features, document_id, repeats, last_seen, posted_keys, new_details, remembered_wording
        )

    def add_repeat(self, text: str, claimant: str | None, document_id: str) -> str | None:
        """`match` and then `add` in one step when the wording is a verbatim repeat the index remembers (most
        mentions of wire copy): the claim it joined, with the mention added; None, with nothing changed, otherwise
        (then `match` and `add` as usual). The same index and answer as the two calls: 2.5 -> 1.7 us a passage."""
        self._check_usable()
        self._evict_between_documents(document_id)
        remembered = self._claim_of_wording(text, claimant)
        if remembered is None:
            return None
        claim_id, features = remembered
        self.verbatim_repeats += 1
        self._mention_count += 1
        _count_elements(self._document_frequency, features.blocking_keys)
        # As `add` finds it: the wording is this claim's, so it posts nothing and records no details.
        self._note_mention(claim_id, features, document_id, 1, None, None, False, False)
        return claim_id

    def _note_mention(
        self,
        claim_id: str,
        features: _Features,
        document_id: str,
        repeats: int,
        last_seen: int | None,
        posted_keys: list[str] | None,
        new_details: bool,
        remembered_wording: bool,
    ) -> None:
        """The part of an add every mention shares: recency, the document last seen, and the undo record."""
        previous_document = self._claim_last_document.get(claim_id)
        self._claim_last_document[claim_id] = document_id
        previous_recency = self._claim_recency.get(claim_id)
        previous_clock = self._clock
        self._clock = self._clock + repeats if last_seen is None else max(self._clock, last_seen)
        self._claim_recency[claim_id] = self._clock if last_seen is None else last_seen
        self._pending.pop(document_id, None)
        if self._checkpoints:
            # _Undo(...) without the named tuple's Python-level __new__ (one a mention).
            self._undo.append(
                _new_undo(
                    _Undo,
                    (
                        claim_id,
                        features,
                        repeats,
                        posted_keys,
                        previous_document,
                        previous_recency,
                        previous_clock,
                        new_details,
                        remembered_wording,
                    ),
                )
            )
        self._last_document = document_id

    def _record_details(self, claim_id: str, features: _Features) -> bool:
        """Keep the mention's (numbers, weekdays, people) if the claim holds none like them; returns whether kept."""
        if not (features.numbers or features.weekdays or features.people):
            return False
        details = self._claim_details[claim_id]
        if any(_same_details(features, known) for known in details):
            return False
        details.append(features)
        return True

    def _remember_wording(self, text: str, claimant: str | None, claim_id: str, features: _Features) -> bool:
        """Remember which claim the wording went to, unless a claim already holds it (or it has no keys,
        and so never matches anything). Returns whether it was remembered."""
        wording = (text, claimant)
        if not features.keys or wording in self._wording_claims:
            return False
        self._wording_claims[wording] = claim_id
        return True

    def _claim_of_wording(self, text: str, claimant: str | None) -> tuple[str, _Features] | None:
        """The indexed claim this exact wording was added to, if its details still agree (MAX_REMEMBERED_WORDINGS),
        with the wording's features (looked up for the check, and what `add_repeat` adds)."""
        claim_id = self._wording_claims.get((text, claimant))  # evicting a claim forgets its wordings
        if claim_id is None:
            return None
        query = _features(text, claimant)
        if (query.numbers or query.weekdays or query.people) and _conflict_any(
            query, self._claim_details.get(claim_id, ())
        ):
            return None  # a wording without numbers, weekdays or people conflicts with nothing
        return claim_id, query

    def _post(self, claim_id: str, features: _Features, document_id: str) -> list[str] | None:
        """Add a mention to the postings of its keys, at most MAX_POSTINGS_PER_CLAIM per key and claim.

        Returns the keys whose posting lists took it (None: the wording was not taken, the postings are as before).
        """
        posted = self._claim_posted[claim_id]
        if features in posted:
            return None  # a verbatim repeat scores exactly as the wording already posted
        all_postings = self._postings
        if len(posted) < MAX_POSTINGS_PER_CLAIM:
            keys = features.blocking_keys
        else:
            counts = self._claim_key_postings.get(claim_id)
            if counts is None:
                counts = self._claim_key_postings[claim_id] = Counter(
                    key for known in posted for key in known.blocking_keys
                )
            keys = [key for key in features.blocking_keys if counts[key] < MAX_POSTINGS_PER_CLAIM]
            if not keys:
                return None
            counts.update(keys)
        posted.add(features)
        position = self._next_position
        appended: list[str] = []
        for key in keys:
            postings = all_postings[key]
            if len(postings) <= MAX_POSTING:
                postings[position] = None
                appended.append(key)
        if appended:
            self._posted_mentions[position] = _Mention(claim_id, document_id, features)
            self._next_position += 1
        return appended

    def _evict_between_documents(self, document_id: str) -> None:
        """Shrink a full index when a new document starts, unless a checkpoint is held (then `release` does it).

        Ingest holds a checkpoint per document and so evicts when its transaction ends; regroup and the evaluation
        hold none and evict here, at the same moment: after a document's last mention, before the next document's
        first match. The same mentions in the same order therefore group the same way on either path.
        """
        if document_id != self._last_document and not self._checkpoints:
            self._evict_if_full()

    def _evict_if_full(self) -> None:
        if len(self._claim_recency) > self.max_claims:
            self._evict_least_recent()
        if len(self._wording_claims) > MAX_REMEMBERED_WORDINGS:
            self._forget_wordings()
        # After a pass that could not get under the cap (the indexed mentions carry more keys than it), the next one
        # waits until as many keys have come again as a pass normally drops: not a sort of every count per document.
        keys_per_pass = MAX_COUNTED_KEYS - int(MAX_COUNTED_KEYS * INDEX_EVICTION_TARGET)
        if len(self._document_frequency) > max(MAX_COUNTED_KEYS, self._keys_kept + keys_per_pass):
            self._forget_rare_keys()

    def _forget_rare_keys(self) -> None:
        """Drop the counts of the rarest keys no posted mention carries, down to INDEX_EVICTION_TARGET of the cap.

        Only between documents, as eviction: the undo journal is empty then, so no rollback decrements a forgotten
        count. The keys of the indexed mentions keep their counts, so every key a candidate can share with a query
        is weighed as before."""
        counts = self._document_frequency
        excess = len(counts) - int(MAX_COUNTED_KEYS * INDEX_EVICTION_TARGET)
        postings = self._postings
        # A stable sort by count: among equally rare keys, the Counter's insertion order puts the oldest first.
        rarest = (key for key in sorted(counts, key=counts.__getitem__) if key not in postings)
        leaving = list(itertools.islice(rarest, excess))
        for key in leaving:
            del counts[key]
        self.forgotten_keys += len(leaving)
        self._keys_kept = len(counts)

    def _forget_wordings(self) -> None:
        """Drop the oldest remembered wordings, down to INDEX_EVICTION_TARGET of the cap.

        Only between documents, as eviction: a rollback then never has to bring a forgotten wording back.
        """
        wordings = self._wording_claims
        excess = len(wordings) - int(MAX_REMEMBERED_WORDINGS * INDEX_EVICTION_TARGET)
        for wording in list(itertools.islice(wordings, excess)):
            del wordings[wording]

    def _evict_least_recent(self) -> None:
        """Drop the least recently mentioned claims, down to INDEX_EVICTION_TARGET of the cap, in one pass.

        Only between documents (no checkpoint held), so the undo journal never refers to an evicted claim. Their
        mentions still count towards idf: the statistics describe the whole run, the index only what is recent.
        """
        keep = max(1, int(self.max_claims * INDEX_EVICTION_TARGET))
        recency = self._claim_recency
        # Insertion order is first-mention order, so ties in recency go to the claim first seen earlier.
        leaving = set(sorted(recency, key=recency.__getitem__)[: len(recency) - keep])
        touched_keys: set[str] = set()
        for claim_id in leaving:
            del recency[claim_id]
            self._claim_last_document.pop(claim_id, None)
            self._claim_details.pop(claim_id, None)
            self._claim_key_postings.pop(claim_id, None)
            for features in self._claim_posted.pop(claim_id, ()):
                touched_keys.update(features.blocking_keys)
        mentions = self._posted_mentions
        for key in touched_keys:
            postings = self._postings.get(key)
            if postings is None:
                continue
            kept = dict.fromkeys(position for position in postings if mentions[position].claim_id not in leaving)
            if kept:
                self._postings[key] = kept
            else:
                del self._postings[key]
        for position in [position for position, mention in mentions.items() if mention.claim_id in leaving]:
            del mentions[position]
        self._wording_claims = {
            wording: claim_id for wording, claim_id in self._wording_claims.items() if claim_id not in leaving
        }
        self.evicted_claims += len(leaving)

    def checkpoint(self) -> int:
        """A marker for `rollback`: the number of mentions held now. Held until `release` (changes are recorded)."""
        if not self._checkpoints:
            self._undo.clear()
        self._checkpoints.append(self._mention_count)
        return self._mention_count

    def _check_usable(self) -> None:
        if self._unusable:
            raise RuntimeError("the grouping index was interrupted mid-update; load a new matcher from the store")

    def release(self, checkpoint: int) -> None:
        """Give up a checkpoint that will not be rolled back to; with none held, changes are no longer recorded."""
        if checkpoint in self._checkpoints:
            self._checkpoints.remove(checkpoint)
        if not self._checkpoints:
            self._undo.clear()
            if not self._unusable:
                self._evict_if_full()

    def rollback(self, checkpoint: int) -> None:
        """Forget every mention added after `checkpoint` (a failed ingest transaction must not leave ids behind).

        The index ends up exactly as a matcher that never saw those mentions would hold it.
        """
        if checkpoint not in self._checkpoints:
            raise ValueError(f"checkpoint {checkpoint} is not held (taken with checkpoint(), not yet released)")
        while self._mention_count > checkpoint:
            self._undo_last(self._undo.pop())
        self._checkpoints = [held for held in self._checkpoints if held <= checkpoint]
        self._pending.clear()

    def _undo_last(self, undo: _Undo) -> None:
        self._mention_count -= undo.repeats
        claim_id, features = undo.claim_id, undo.features
        for key in features.blocking_keys:
            self._document_frequency[key] -= undo.repeats
            if not self._document_frequency[key]:
                del self._document_frequency[key]
        if undo.posted_keys is not None:
            posted = self._claim_posted[claim_id]
            posted.discard(features)
            if not posted:
                del self._claim_posted[claim_id]
            # Derived from the posted wordings, and rebuilt from them when next needed: dropping it is exact.
            self._claim_key_postings.pop(claim_id, None)
            for key in undo.posted_keys:
                postings = self._postings[key]
                postings.popitem()  # the last added: this mention's position
                if not postings:
                    del self._postings[key]
            if undo.posted_keys:
                self._next_position -= 1
                del self._posted_mentions[self._next_position]
        if undo.previous_document is None:
            del self._claim_last_document[claim_id]
        else:
            self._claim_last_document[claim_id] = undo.previous_document
        self._clock = undo.previous_clock
        if undo.previous_recency is None:
            del self._claim_recency[claim_id]
        else:
            self._claim_recency[claim_id] = undo.previous_recency
        if undo.remembered_wording:
            self._wording_claims.popitem()  # added last: forgetting happens only between documents
        if undo.new_details:
            details = self._claim_details[claim_id]
            details.pop()
            if not details:
                del self._claim_details[claim_id]

    @contextmanager
    def rollback_on_error(self) -> Iterator[None]:
        """Undo the mentions added inside the block if it raises."""
        checkpoint = self.checkpoint()
        try:
            yield
        except BaseException as error:
            try:
                self.rollback(checkpoint)
            except (IndexError, KeyError, ValueError):
                if isinstance(error, Exception):
                    raise
                # A ctrl+c (or SystemExit) can land inside add() between two updates, leaving the undo journal
                # out of step with the index. The run is ending: the index is marked unusable rather than
                # replacing the interrupt with a traceback of its own.
                self._unusable = True
            raise
        finally:
            self.release(checkpoint)

    def match(self, text: str, claimant: str | None, document_id: str) -> str | None:
        """Return the id of the existing claim that `text` restates, or None for a new claim."""
        self._check_usable()
        self._evict_between_documents(document_id)
        remembered = self._claim_of_wording(text, claimant)
        if remembered is not None:
            claim_id = remembered[0]
            self.verbatim_repeats += 1
        else:
            best = self.best_match(text, claimant, document_id)
            if best is None:
                return None
            claim_id = best[0]
        self._pending[document_id].add(claim_id)
        return claim_id

    def best_match(self, text: str, claimant: str | None, document_id: str) -> tuple[str, float] | None:
        """The best-scoring claim above the threshold and its score, without recording anything (a full index is
        first shrunk if this is a new document, as `add` would). `match` asks this only for wordings not seen before."""
        self._check_usable()
        self._evict_between_documents(document_id)
        query = _features(text, claimant)
        if not query.keys or not self._mention_count:
            return None
        best_by_claim: dict[str, float] = {}
        idf_cache: dict[str, float] = {}  # idf changes only on add(): compute each key once per query
        side = self._query_side(query, idf_cache)
        # Mentions of one (text, claimant) share a _Features instance (see _features), and the score depends on
        # nothing else: verbatim repeats among the candidates are scored once.
        score_by_features: dict[int, float] = {}
        # A claim whose details (numbers, weekdays, people) conflict with the query can never be the answer, so its
        # candidates are not scored at all; the claims left keep their order, so the choice is the same.
        # A query without details conflicts with nothing (about half of them): no claim is checked.
        # Per claim: the score it needs (the same-document rule), or None when its details conflict.
        needed_by_claim: dict[str, float | None] = {}
        claim_details = self._claim_details if query.numbers or query.weekdays or query.people else {}
        last_documents = self._claim_last_document
        pending = self._pending.get(document_id, ())
        threshold, same_document_threshold = self.threshold, self.same_document_threshold
        # The best qualifying score so far: a candidate whose score cannot reach it (nor its claim's threshold) is
        # not scored; its claim still takes its place in best_by_claim, with a score that never qualifies, so the
        # claims keep their order and the answer (ties included) is the one full scoring gives.
        leading = -math.inf
        mentions = self._posted_mentions
        for position in self._candidates(query, idf_cache):
            mention = mentions[position]
            claim_id = mention.claim_id
            if claim_id in needed_by_claim:
                needed = needed_by_claim[claim_id]
                if needed is None:
                    continue
            else:
                details = claim_details.get(claim_id)
                if details is not None and _conflict_any(query, details):
                    needed_by_claim[claim_id] = None
                    continue
                same_document = last_documents.get(claim_id) == document_id or claim_id in pending
                needed = needed_by_claim[claim_id] = same_document_threshold if same_document else threshold
            features = mention.features
            score = score_by_features.get(id(features))
            if score is None:
                # The claim's details agree with the query's, and so do those of each of its mentions (the claim
                # keeps a copy of every mention's details): the mention needs no conflict check of its own.
                score = self._score(side, features, needed if needed > leading else leading)
                if score is None:  # cannot qualify, nor beat the leader: a pruned score is not kept for others
                    best_by_claim.setdefault(claim_id, _NEVER_QUALIFIES)
                    continue
                score_by_features[id(features)] = score
            if score > best_by_claim.get(claim_id, _NEVER_QUALIFIES):
                best_by_claim[claim_id] = score
            if score >= needed and score > leading:
                leading = score
        best: tuple[str, float] | None = None
        for claim_id, score in best_by_claim.items():
            needed = needed_by_claim[claim_id]
            if needed is None or score < needed or (best is not None and score <= best[1]):
                continue
            best = (claim_id, score)
        return best

    def similarity(
        self, first: str, second: str, first_claimant: str | None = None, second_claimant: str | None = None
    ) -> float:
        """The match score of two claim texts under the current idf statistics (for tests and tuning)."""
        return self._similarity(_features(first, first_claimant), _features(second, second_claimant), {})

    def _idf(self, key: str) -> float:
        return math.log((self._mention_count + 2) / (self._document_frequency.get(key, 0) + 1)) + 1.0

    def _candidates(self, query: _Features, idf_cache: dict[str, float] | None = None) -> list[int]:
        postings = self._postings
        posting_of = postings.get
        # Rare by posting count, not mention count: a key of one big story is as selective as a key of a small one.
        # Ties broken by the key itself: set order varies with the hash seed, and grouping must not.
        rare_keys = sorted(
            [
                (len(posting), key)
                for key in query.blocking_keys
                if (posting := posting_of(key)) and len(posting) <= MAX_POSTING
            ]
        )[:MAX_BLOCKING_KEYS]
        if not rare_keys:
            return []
        if idf_cache is None:
            idf_cache = {}
        # A position's shared weight is the sum of the idf of the rare keys it carries, added in key order. Positions
        # carrying the same keys form one part with one sum, so the positions are partitioned by the keys they carry
        # with set algebra (C loops) instead of summing per position in Python. Each part: [positions, sum, index
        # of the first key that brought them in].
        parts: list[list] = []
        for key_index, (_, key) in enumerate(rare_keys):
            weight = idf_cache.get(key)
            if weight is None:
                weight = idf_cache[key] = self._idf(key)
            remaining = set(postings[key])
            for part in tuple(parts):
                positions = part[0]
                inside = positions & remaining
                if not inside:
                    continue
                remaining -= inside
                if len(inside) == len(positions):
                    part[1] += weight
                else:
                    positions -= inside
                    parts.append([inside, part[1] + weight, part[2]])
                if not remaining:
                    break
            if remaining:
                parts.append([remaining, 0.0 + weight, key_index])
        # The ranking Counter.most_common gave: the largest sums first, ties in first-seen order, i.e. by the first
        # key that brought a position in, then by position (postings are ascending).
        parts.sort(key=lambda part: (-part[1], part[2]))
        # Candidates sharing far less rare vocabulary than the best one cannot outscore it: skip their scoring. The
        # parts come in falling sums, so the first one under the cutoff ends the list.
        cutoff = parts[0][1] * CANDIDATE_SHARE_CUTOFF
        chosen: list[int] = []
        room = self.max_candidates
        part_index, part_count = 0, len(parts)
        while part_index < part_count and room > 0:
            positions, total, first_key_index = parts[part_index]
            if total < cutoff:
                break
            part_index += 1
            while part_index < part_count and parts[part_index][1] == total and parts[part_index][2] == first_key_index:
                positions = positions | parts[part_index][0]  # a tie across parts: merged into position order
                part_index += 1
            taken = sorted(positions)[:room]
            chosen += taken
            room -= len(taken)
        return chosen

    def _similarity(self, query: _Features, other: _Features, idf_cache: dict[str, float]) -> float:
        if _conflict(query, other):
            return 0.0
        return cast(float, self._score(self._query_side(query, idf_cache), other))  # no floor: never None

    def _query_side(self, query: _Features, idf_cache: dict[str, float]) -> _QuerySide:
        """What scoring needs of the query alone, worked out once for all its candidates."""
        weights: dict[str, float] = {}
        for key in query.keys:
            idf = idf_cache.get(key)
            if idf is None:
                idf = idf_cache[key] = self._idf(key)
            weights[key] = idf * ENTITY_WEIGHT if key in query.entities or key in _PLACES else idf
        predicates = query.keys - query.entities
        return _QuerySide(
            query,
            idf_cache,
            weights,
            math.fsum(weights.values()),
            predicates,
            math.fsum(map(weights.__getitem__, predicates)),
            frozenset(
                (name, not negated)
                for name, negated in query.frame.predicates
                if (name, not negated) not in query.frame.predicates
            ),
        )

    def _score(self, side: _QuerySide, other: _Features, floor: float = -math.inf) -> float | None:
        """The match score of the query and a wording whose details do not conflict (`_similarity` checks that),
        or None when it is certainly below `floor` (the caller has no use for a score it cannot reach)."""
        query = side.query
        common = query.keys & other.keys
        if not common:
            return 0.0
        query_keys, other_keys = query.keys, other.keys
        length_ratio = min(len(query_keys), len(other_keys)) / max(len(query_keys), len(other_keys))
        # Containment scores are trusted only between texts of comparable length.
        length_damping = min(1.0, 2.0 * length_ratio)
        claimants = 0
        if query.claimant_keys and other.claimant_keys:
            claimants = 1 if query.claimant_keys & other.claimant_keys else -1
        weight = side.weights.__getitem__
        # The shared weight as the query weighs its keys: exact, unless one of the keys is a name of the other only
        # (then the pair damps it, and the shared weight is smaller).
        shared = math.fsum(map(weight, common))
        if floor > -math.inf:
            # An upper bound of the score, from what is cheap to know: the shared weight at most as above; the
            # query's keys the other lacks weigh what they weigh on their own (the other's names are among its keys);
            # the other's own keys at least ENTITY_WEIGHT each (an idf is at least 1); the token set ratio at most 1;
            # no damping for weak predicate agreement. Dice and overlap grow with the shared weight and shrink with
            # the rest. Two thirds of the scores are left out here (1k replay: 12999 of 19394).
            query_rest = side.total - shared
            other_rest = ENTITY_WEIGHT * (len(other_keys) - len(common))
            lexical_bound = (
                DICE_WEIGHT * 2.0 * shared / (2.0 * shared + query_rest + other_rest)
                + OVERLAP_WEIGHT * shared / (shared + min(query_rest, other_rest)) * length_damping
                + TOKEN_SET_WEIGHT * length_damping
            )
            claimant_bound = SAME_CLAIMANT_BONUS if claimants > 0 else -DIFFERENT_CLAIMANT_PENALTY if claimants else 0.0
            # The margin covers the rounding of this arithmetic many times over.
            if lexical_bound + FRAME_AGREEMENT_BONUS + claimant_bound + _BOUND_MARGIN < floor:
                return None
        # Whether the frames clash in polarity (_holds_opposite), the query's part worked out once.
        other_frame = other.frame.predicates
        polarity_clash = not side.opposites.isdisjoint(other_frame) and _holds_opposite(side.opposites, other_frame)
        polarity_damped = query.negated != other.negated or polarity_clash
        frame_adjustment = _frame_adjustment(query, other, polarity_clash)
        if floor > -math.inf:
            factor = POLARITY_MISMATCH_FACTOR if polarity_damped else 1.0
            if lexical_bound * factor + frame_adjustment + claimant_bound + _BOUND_MARGIN < floor:
                return None
        idf_cache = side.idf_cache
        # A key weighs its idf, damped for the names of either side and for places; predicates are the keys that are
        # no name of either side. When the other wording names none of the query's plain keys (about 95% of pairs),
        # the query's keys weigh what they weigh on their own (`side`): only the other's keys are weighed per pair.
        # The sums are exact (fsum), so the same keys give the same floats whichever way they are grouped.
        if other.entities.isdisjoint(side.predicates):
            query_entities, other_entities = query.entities, other.entities
            # The other's keys: its predicates (names of neither side; places among them, damped), then its names.
            other_weights: list[float] = []
            name_weights: list[float] = []
            for key in other_keys:
                idf = idf_cache.get(key)
                if idf is None:
                    idf = idf_cache[key] = self._idf(key)
                if key in other_entities or key in query_entities:
                    name_weights.append(idf * ENTITY_WEIGHT)
                else:
                    other_weights.append(idf * ENTITY_WEIGHT if key in _PLACES else idf)
            query_weight = side.total
            predicate_total = side.predicate_total + math.fsum(other_weights)
            other_weights += name_weights
            other_weight = math.fsum(other_weights)
            # The query's predicates shared: none is a name of the other (the test above), so all are its predicates.
            shared_predicates = side.predicates & common
        else:
            entities = query.entities | other.entities
            weights: dict[str, float] = {}
            for key in query_keys | other_keys:
                idf = idf_cache.get(key)
                if idf is None:
                    idf = idf_cache[key] = self._idf(key)
                weights[key] = idf * ENTITY_WEIGHT if key in entities or key in _PLACES else idf
            weight = weights.__getitem__
            shared = math.fsum(map(weight, common))
            query_weight = math.fsum(map(weight, query_keys))
            other_weight = math.fsum(map(weight, other_keys))
            query_predicates = query_keys - entities
            other_predicates = other_keys - entities
            predicate_total = math.fsum(map(weight, query_predicates)) + math.fsum(map(weight, other_predicates))
            shared_predicates = query_predicates & other_predicates
        dice = 2.0 * shared / (query_weight + other_weight)
        # What is said about the entities must agree too, not only who and where: Dice over the other keys.
        predicate_dice = 2.0 * math.fsum(map(weight, shared_predicates)) / predicate_total if predicate_total else 0.0
        weak_predicates = predicate_dice < MIN_PREDICATE_AGREEMENT
        if (
            not weak_predicates
            and predicate_dice >= SUBSTITUTION_PREDICATE_AGREEMENT
            and (query.entities - other_keys)
            and (other.entities - query_keys)
        ):
            # The same thing said about different names ("drones over Moscow" / "drones over Lviv"): when the
            # wording agrees this closely, a name swapped for another is a different fact, not a paraphrase.
            return 0.0
        overlap = shared / min(query_weight, other_weight)
        if floor > -math.inf:
            # Everything known now but the token set ratio (at most 1), which is the dearest part to compute.
            lexical_bound = (
                DICE_WEIGHT * dice + OVERLAP_WEIGHT * overlap * length_damping + TOKEN_SET_WEIGHT * length_damping
            )
            if weak_predicates:
                lexical_bound *= WEAK_PREDICATE_FACTOR
            if lexical_bound * factor + frame_adjustment + claimant_bound + _BOUND_MARGIN < floor:
                return None
        if len(common) == len(query_keys) or len(common) == len(other_keys):
            token_set = 1.0  # the key strings' tokens are the keys: one set holds the other, and the ratio is 100
        else:
            token_set = fuzz.token_set_ratio(query.key_string, other.key_string) / 100.0
        score = (
            DICE_WEIGHT * dice
            + OVERLAP_WEIGHT * overlap * length_damping
            + TOKEN_SET_WEIGHT * token_set * length_damping
        )
        if weak_predicates:
            score *= WEAK_PREDICATE_FACTOR
        if polarity_damped:
            score *= POLARITY_MISMATCH_FACTOR
        score += frame_adjustment
        if claimants > 0:
            score += SAME_CLAIMANT_BONUS
        elif claimants:
            score -= DIFFERENT_CLAIMANT_PENALTY
        return score


class _QuerySide(NamedTuple):
    """The query's part of scoring, the same for each of its candidates (ClaimMatcher._query_side)."""

    query: _Features
    idf_cache: dict[str, float]  # the idf of each key met while scoring this query
    weights: dict[str, float]  # of the query's keys on their own: its names and places damped
    total: float
    predicates: frozenset[str]  # the query's keys that are none of its names
    predicate_total: float
    # The opposites of the frame predicates the query holds with one polarity only: ("attend", True) for "attended".
    opposites: frozenset[tuple[str, bool]]


_TOPIC_PREDICATES = frozenset({("attack", False)})


def _frame_adjustment(first_features: _Features, second_features: _Features, polarity_clash: bool) -> float:
    """Agreement of what the two claims assert: the same action with the same polarity about the same party is
    evidence of one claim even with little shared wording; an opposite polarity (`polarity_clash`, computed once by
    the caller), a different kind of action, or a one-off event against a habitual pattern is evidence of two."""
    first, second = first_features.frame, second_features.frame
    first_predicates, second_predicates = first.predicates, second.predicates
    if polarity_clash:
        return -FRAME_CLASH_PENALTY
    first_classes, second_classes = first_features.frame_classes, second_features.frame_classes
    if first_classes and second_classes and not first_classes & second_classes:
        return -FRAME_CLASH_PENALTY
    if first.habitual != second.habitual:
        return -FRAME_CLASH_PENALTY
    # "attack" is usually the topic of a story rather than what a sentence asserts about it: no evidence alone.
    shared = (first_predicates & second_predicates) - _TOPIC_PREDICATES
    if shared and first_features.frame_parties & second_features.frame_parties:
        return FRAME_AGREEMENT_BONUS * len(shared) / len(first_predicates | second_predicates)
    return 0.0


def _holds_opposite(opposites: frozenset[tuple[str, bool]], second: frozenset[tuple[str, bool]]) -> bool:
    """Whether two frames clash in polarity, given the opposites of the predicates the first holds with one polarity
    only: the second holds one of them with that polarity only. A clash is a class asserted with one polarity only
    on each side, and not the same one: "attended" / "did not attend", "banned" / "lifted the ban"; "denied any
    attack targeting X" holds the attack both ways and clashes with neither."""
    return any((name, not negated) not in second for name, negated in opposites & second)


def _conflict(query: _Features, other: _Features) -> bool:
    """Details that make two otherwise similar texts different facts: numbers, weekdays, the people named."""
    if query.numbers and other.numbers and not (query.numbers <= other.numbers or other.numbers <= query.numbers):
        return True  # "May 9" vs "May 3", "12 hours" vs "14 months"; "two drones" vs "two drones on May 3" agree
    if query.weekdays and other.weekdays and not (query.weekdays & other.weekdays):
        return True
    return bool(query.people and other.people and not (query.people & other.people))


def _conflict_any(query: _Features, known: Iterable[_Features]) -> bool:
    """Whether any of the `known` conflicts with the query (`_conflict`), in one loop: a claim's details are checked
    for every new wording that has details of its own."""
    numbers, weekdays, people = query.numbers, query.weekdays, query.people
    for other in known:
        if numbers and (other_numbers := other.numbers) and not (numbers <= other_numbers or other_numbers <= numbers):
            return True
        if weekdays and (other_weekdays := other.weekdays) and weekdays.isdisjoint(other_weekdays):
            return True
        if people and (other_people := other.people) and people.isdisjoint(other_people):
            return True
    return False


def _same_details(first: _Features, second: _Features) -> bool:
    return first.numbers == second.numbers and first.weekdays == second.weekdays and first.people == second.people
