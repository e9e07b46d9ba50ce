"""Check-worthiness scoring: how much a sentence looks like a factual claim worth checking.

The model is a logistic regression over word 1-2-gram TF-IDF, character 2-5-gram TF-IDF (within word boundaries)
and a few hand features (numbers, percentages, years, money, capitalised names, comparatives, question marks),
trained with `benchmarks/train_checkworthiness.py` using scikit-learn. The fitted vocabulary, document
frequencies, coefficients and a Platt-scaling sigmoid are exported to `checkworthiness_model.json.gz`, and
inference here re-implements scikit-learn's analyzers with the standard library and numpy only, so scikit-learn
is a training extra and not a runtime dependency (tests check the two agree).

Training data: the ClaimBuster dataset, from Fatma Arslan, Naeemul Hassan, Chengkai Li and Mark Tremayne,
"A Benchmark Dataset of Check-worthy Factual Claims", Proceedings of the International AAAI Conference on Web and
Social Media (ICWSM) 2020 (arXiv:2004.14425); the sentences (U.S. presidential debates) come from
https://github.com/utaresearch/claimbuster-spotter (`data/two_class/train.json`), released under GPL-3.0.
"""

from __future__ import annotations

import gzip
import json
import math
import operator
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).with_name("checkworthiness_model.json.gz")
MODEL_FORMAT = 1

# scikit-learn's default token pattern.
_SKLEARN_TOKEN = re.compile(r"(?u)\b\w\w+\b")

_DIGIT = re.compile(r"\d")
_PERCENT = re.compile(r"%|\bper ?cent\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
_MAGNITUDE_WORDS = frozenset(
    {"million", "billion", "trillion", "thousand", "thousands", "hundred", "hundreds", "dozen", "dozens"}
)
_COMPARATIVE_WORDS = frozenset(
    {
        "more",
        "less",
        "fewer",
        "higher",
        "lower",
        "increase",
        "increased",
        "decrease",
        "decreased",
        "rose",
        "fell",
        "double",
        "doubled",
        "triple",
        "tripled",
        "most",
        "least",
        "largest",
        "smallest",
        "biggest",
        "first",
        "record",
        "than",
        "percent",
        "average",
        "rate",
        "times",
    }
)
_REPORTING_WORDS = frozenset({"said", "says", "told", "according", "announced", "reported", "claimed"})


def _any_of_words(words: frozenset[str]) -> str:
    return r"\b(?:" + "|".join(sorted(words)) + r")\b"


# One list of words each, for the patterns (any text) and for the set lookups of `hand_features` (ASCII text).
_MONEY_OR_MAGNITUDE = re.compile(r"[$€£]|" + _any_of_words(_MAGNITUDE_WORDS), re.IGNORECASE)
_COMPARATIVE = re.compile(_any_of_words(_COMPARATIVE_WORDS), re.IGNORECASE)
_REPORTING = re.compile(_any_of_words(_REPORTING_WORDS), re.IGNORECASE)
_FIRST_PERSON_OPINION = re.compile(
    r"\b(?:I think|I believe|I feel|I want|I'm going to|I will|we will|we're going to|we must|we need|let me|"
    r"thank you)\b",
    re.IGNORECASE,
)

HAND_FEATURE_NAMES: tuple[str, ...] = (
    "has_digit",
    "has_percent",
    "has_year",
    "has_money_or_magnitude",
    "has_comparative",
    "has_reporting_verb",
    "first_person_opinion",
    "is_question",
    "length",
    "capitalised_ratio",
)


# The single-word patterns above match exactly when a maximal run of word characters, lower-cased, is one of their
# words (the sets above): \w and \b mark the same runs, and under IGNORECASE only ASCII letters and four look-alikes
# (dotted and dotless i, long s, Kelvin sign) match ASCII letters. So without the look-alikes a run matches a word
# only if it is all ASCII, and its lower case is then the word. A set lookup per word is several times cheaper than
# scanning the sentence with an alternation that has no literal prefix for the regex engine to skip to.
_WORD_RUN = re.compile(r"\w+")
_ASCII_LOOKALIKE = re.compile("[\u0130\u0131\u017f\u212a]")
# Every phrase of _FIRST_PERSON_OPINION starts with one of these words, so the pattern needs searching only when
# one of them is in the sentence.
_OPINION_LEADS = frozenset({"i", "we", "let", "thank"})


# In ASCII text the regex \w is [0-9A-Za-z_]: mapping every other byte to a space and splitting on whitespace gives
# the maximal word runs (\w+) in a few C passes, three times faster than the regex engine's findall.
_ASCII_NON_WORD_TO_SPACE = bytes(
    code if code < 128 and (chr(code).isalnum() or chr(code) == "_") else ord(" ") for code in range(256)
)


def _ascii_word_runs(text: str) -> list[str]:
    """`_WORD_RUN.findall(text)` for an ASCII `text`."""
    return text.encode("ascii").translate(_ASCII_NON_WORD_TO_SPACE).decode("ascii").split()


_FIRST_CHARACTER = operator.itemgetter(0)


def hand_features(sentence: str) -> list[float]:
    """Features the n-gram model sees poorly: presence of figures, dates, names and the sentence's form.

    Shared by training and inference so both compute exactly the same values.
    """
    words = sentence.split()
    word_count = len(words)
    # str.split never gives an empty word, so every word has a first character.
    capitalised_inside = sum(map(str.isupper, map(_FIRST_CHARACTER, words[1:])))
    has_digit = _DIGIT.search(sentence) is not None
    # A year starts with the digit 1 or 2: without any digit there is none to search for.
    has_year = has_digit and _YEAR.search(sentence) is not None
    ascii_text = sentence.isascii()
    if ascii_text or _ASCII_LOOKALIKE.search(sentence) is None:
        lowered = sentence.lower()
        # Lower-casing a whole non-ASCII text could join or split runs (a combining dot after "I"); run by run it
        # cannot.
        runs = set(_ascii_word_runs(lowered)) if ascii_text else {run.lower() for run in _WORD_RUN.findall(sentence)}
        # "percent" and "per cent" both contain "cent".
        has_percent = "%" in sentence or ("cent" in lowered and _PERCENT.search(sentence) is not None)
        has_money = (
            "$" in sentence
            or (not ascii_text and ("\u20ac" in sentence or "\u00a3" in sentence))
            or not runs.isdisjoint(_MAGNITUDE_WORDS)
        )
        has_comparative = not runs.isdisjoint(_COMPARATIVE_WORDS)
        has_reporting = not runs.isdisjoint(_REPORTING_WORDS)
        has_opinion = not runs.isdisjoint(_OPINION_LEADS) and _FIRST_PERSON_OPINION.search(sentence) is not None
    else:
        has_percent = _PERCENT.search(sentence) is not None
        has_money = _MONEY_OR_MAGNITUDE.search(sentence) is not None
        has_comparative = _COMPARATIVE.search(sentence) is not None
        has_reporting = _REPORTING.search(sentence) is not None
        has_opinion = _FIRST_PERSON_OPINION.search(sentence) is not None
    return [
        1.0 if has_digit else 0.0,
        1.0 if has_percent else 0.0,
        1.0 if has_year else 0.0,
        1.0 if has_money else 0.0,
        1.0 if has_comparative else 0.0,
        1.0 if has_reporting else 0.0,
        1.0 if has_opinion else 0.0,
        1.0 if sentence.rstrip().rstrip("\"'\u201d\u2019").endswith("?") else 0.0,
        min(word_count, 60) / 60.0,
        capitalised_inside / word_count if word_count else 0.0,
    ]


def _word_tokens(sentence: str) -> list[str]:
    """scikit-learn's default preprocessing and tokenisation (lowercase, token pattern)."""
    lowered = sentence.lower()
    # The token pattern picks the word runs of two characters or more.
    if lowered.isascii():
        return [run for run in _ascii_word_runs(lowered) if len(run) > 1]
    return _SKLEARN_TOKEN.findall(lowered)


def _token_tuples(tokens: list[str], n: int) -> Iterator[tuple[str, ...]]:
    # The n-grams are the tuples of n consecutive tokens: zipping shifted copies (shorter and shorter, so not
    # strict) gives them without a Python loop.
    return zip(*(tokens[shift:] for shift in range(n)), strict=False)


def word_ngrams(sentence: str, ngram_range: tuple[int, int]) -> list[str]:
    """scikit-learn's `analyzer="word"` with default settings (lowercase, token pattern, n-grams)."""
    tokens = _word_tokens(sentence)
    low, high = ngram_range
    grams: list[str] = tokens[:] if low == 1 else []
    for n in range(max(low, 2), high + 1):
        grams.extend(map(" ".join, _token_tuples(tokens, n)))
    return grams


# Words recur far more than sentences do: a sentence's char n-grams are mostly those of words seen before, so the
# char block keeps each word's n-grams, as an array of numbers in its vocabulary. An entry is about 0.3 KB (an array
# of ~20 int64 plus its header), so 2048 words take under 1 MB.
CHAR_GRAM_CACHE_SIZE = 2048


def _word_char_grams(word: str, low: int, high: int) -> tuple[str, ...]:
    padded = " " + word + " "
    length = len(padded)
    grams: list[str] = []
    for n in range(low, high + 1):
        if length <= n:
            grams.append(padded)  # a short word counts once, as scikit-learn does
            break
        grams.extend(padded[offset : offset + n] for offset in range(length - n + 1))
    return tuple(grams)


def char_wb_ngrams(sentence: str, ngram_range: tuple[int, int]) -> list[str]:
    """scikit-learn's `analyzer="char_wb"` (lowercased, words padded with one space each side)."""
    low, high = ngram_range
    grams: list[str] = []
    extend = grams.extend
    # scikit-learn first squeezes whitespace runs to one space; splitting on whitespace gives the same words anyway.
    for word in sentence.lower().split():
        extend(_word_char_grams(word, low, high))
    return grams


class _TfidfBlock:
    """One fitted TfidfVectorizer (sublinear tf, smooth idf, l2 norm) with its slice of the coefficients."""

    def __init__(
        self,
        analyzer: str,
        ngram_range: tuple[int, int],
        vocabulary: list[str],
        idf: np.ndarray,
        coefficients: np.ndarray,
    ) -> None:
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.term_ids = {term: index for index, term in enumerate(vocabulary)}
        # The word n-grams of two words or more, keyed by their words: looking up the tuples of consecutive tokens
        # saves joining each into a string (tokens hold no spaces, so both keys name the same n-gram). The words
        # share the unigrams' strings; the bigrams of the shipped model take about 1.5 MB.
        self._ngram_ids: dict[tuple[str, ...], int] = {}
        # Each block keeps its weights in the form its scoring reads, only that one (both processes of a run load
        # the model at start-up).
        if analyzer == "word":
            unigrams = {term: term for term in self.term_ids if " " not in term}
            self._ngram_ids = {
                tuple(unigrams.get(word, word) for word in term.split(" ")): index
                for term, index in self.term_ids.items()
                if " " in term
            }
            # A sentence has a few dozen word n-grams, where indexing plain float lists beats building numpy arrays.
            self.weighted: list[float] = (idf * coefficients).tolist()
            self.idf: list[float] = idf.tolist()
            self.idf_squared: list[float] = [value * value for value in self.idf]
        else:
            # A sentence has ~450 char n-grams (~300 distinct), where a Counter and a Python loop over them cost
            # three times what sorting and summing them in numpy does.
            self._weighted_array = idf * coefficients
            self._idf_array = np.asarray(idf, dtype=np.float64)
        # Looked up once per word, not once per sentence: the lookups were most of the block's time. The n-grams
        # outside the vocabulary weigh nothing, so they are left out.
        self._known_char_terms = lru_cache(maxsize=CHAR_GRAM_CACHE_SIZE)(self._look_up_char_terms)

    def _look_up_char_terms(self, word: str) -> np.ndarray:
        low, high = self.ngram_range
        grams = _word_char_grams(word, low, high)
        terms = np.fromiter((term for term in map(self.term_ids.get, grams) if term is not None), dtype=np.intp)
        terms.flags.writeable = False  # shared by every sentence with the word
        return terms

    def known_terms(self, sentence: str) -> list[int]:
        """The numbers of the sentence's n-grams that are in the vocabulary, in text order."""
        if self.analyzer == "word":
            # word_ngrams' n-grams, in its order.
            tokens = _word_tokens(sentence)
            low, high = self.ngram_range
            terms = [term for term in map(self.term_ids.get, tokens) if term is not None] if low == 1 else []
            for n in range(max(low, 2), high + 1):
                terms += [term for term in map(self._ngram_ids.get, _token_tuples(tokens, n)) if term is not None]
            return terms
        return self._known_char_term_array(sentence).tolist()

    def _known_char_term_array(self, sentence: str) -> np.ndarray:
        # The words char_wb_ngrams pads and cuts up. np.concatenate always returns a new array (even of one word),
        # so callers may sort it in place without touching the cached arrays.
        words = sentence.lower().split()
        if not words:
            return np.empty(0, dtype=np.intp)
        return np.concatenate(list(map(self._known_char_terms, words)))

    def score(self, sentence: str) -> float:
        """This block's contribution to the decision function: coef . l2_normalise(sublinear_tf * idf)."""
        if self.analyzer == "word":
            return self._score_word_terms(sentence)
        return self._score_char_terms(sentence)

    def _score_word_terms(self, sentence: str) -> float:
        # The terms are summed in order of first occurrence, as a Counter of the n-gram strings would give them.
        counts = Counter(self.known_terms(sentence))
        weighted, idf, idf_squared = self.weighted, self.idf, self.idf_squared
        dot = 0.0
        squared_norm = 0.0
        for term, count in counts.items():
            if count == 1:
                # A term frequency of 1.0 leaves both products unchanged, bit for bit.
                dot += weighted[term]
                squared_norm += idf_squared[term]
            else:
                term_frequency = 1.0 + math.log(count)
                dot += term_frequency * weighted[term]
                value = term_frequency * idf[term]
                squared_norm += value * value
        if squared_norm == 0.0:
            return 0.0
        return dot / math.sqrt(squared_norm)

    def _score_char_terms(self, sentence: str) -> float:
        terms = self._known_char_term_array(sentence)
        size = terms.size
        if size == 0:
            return 0.0
        # Sorted, equal terms are adjacent: each run is one distinct term, its length the term's count. (The sums
        # below run in numpy's order, not the text's: the last bits differ from a sequential sum, ~1e-15.)
        terms.sort()
        run_starts = np.empty(size + 1, dtype=np.bool_)
        run_starts[0] = run_starts[size] = True
        np.not_equal(terms[1:], terms[:-1], out=run_starts[1:size])
        boundaries = np.flatnonzero(run_starts)
        distinct = terms[boundaries[:-1]]
        counts = boundaries[1:] - boundaries[:-1]
        term_frequency = 1.0 + np.log(counts)
        values = term_frequency * self._idf_array[distinct]
        squared_norm = float(values @ values)
        if squared_norm == 0.0:
            return 0.0
        return float(term_frequency @ self._weighted_array[distinct]) / math.sqrt(squared_norm)


class CheckworthinessModel:
    """Numpy-only inference for the exported model; `decision_function` equals scikit-learn's."""

    def __init__(self, payload: dict) -> None:
        if payload.get("format") != MODEL_FORMAT:
            raise ValueError(f"unsupported check-worthiness model format {payload.get('format')!r}")
        self.blocks: list[_TfidfBlock] = []
        for block in payload["blocks"]:
            document_count = int(block["n_documents"])
            document_frequency = np.asarray(block["document_frequency"], dtype=np.float64)
            # Smooth idf, exactly as TfidfTransformer(smooth_idf=True) computes it.
            idf = np.log((1.0 + document_count) / (1.0 + document_frequency)) + 1.0
            coefficients = np.asarray(block["coefficients"], dtype=np.float64)
            self.blocks.append(
                _TfidfBlock(
                    analyzer=block["analyzer"],
                    ngram_range=(int(block["ngram_range"][0]), int(block["ngram_range"][1])),
                    vocabulary=block["vocabulary"],
                    idf=idf,
                    coefficients=coefficients,
                )
            )
        self.hand_coefficients = np.asarray(payload["hand_coefficients"], dtype=np.float64)
        self.intercept = float(payload["intercept"])
        self.platt_slope = float(payload["platt"]["slope"])
        self.platt_intercept = float(payload["platt"]["intercept"])
        self.metadata: dict = payload.get("metadata", {})

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> CheckworthinessModel:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return cls(json.load(handle))

    def decision_function(self, sentence: str) -> float:
        total = self.intercept + float(np.dot(self.hand_coefficients, hand_features(sentence)))
        for block in self.blocks:
            total += block.score(sentence)
        return total

    def probability(self, sentence: str) -> float:
        """Platt-scaled probability that the sentence is a check-worthy factual claim (0.5 = decision line)."""
        logit = self.platt_slope * self.decision_function(sentence) + self.platt_intercept
        if logit >= 0:
            return 1.0 / (1.0 + math.exp(-logit))
        exponential = math.exp(logit)
        return exponential / (1.0 + exponential)


@lru_cache(maxsize=1)
def default_model() -> CheckworthinessModel:
    """The shipped model, loaded once per process (about 0.5 s)."""
    return CheckworthinessModel.load()


# Extraction scores each sentence once per clause and once more for its statement part, and wire copy repeats
# sentences verbatim across outlets: a score is a pure function of the text, so it is computed once. The cache is
# keyed by the text as given (a repeat costs one lookup, not a quote conversion too); a typographic and an ASCII
# copy of one text are two entries with the same score. An entry is about 0.3 KB (the sentence and a float), so
# 16384 take about 5 MB.
SCORE_CACHE_SIZE = 16384


@lru_cache(maxsize=SCORE_CACHE_SIZE)
def _default_probability(sentence: str) -> float:
    return default_model().probability(_ascii_quotes(sentence))


# The training sentences (ClaimBuster transcripts) use ASCII quotes and apostrophes; news copy uses typographic
# ones, which would otherwise be unknown characters to the model ("hasn’t" scored 0.07, "hasn't" 0.24).
def _ascii_quotes(sentence: str) -> str:
    # str.translate looks every character up in the table; five str.replace calls give the same string in a
    # fraction of the time, and ASCII text (most of it) has none of the characters at all.
    if sentence.isascii():
        return sentence
    return (
        sentence.replace("\u2019", "'")
        .replace("\u2018", "'")
        .replace("\u201c", '"')
        .replace("\u201d", '"')
        .replace("\u00a0", " ")
    )


def score_sentences(sentences: Sequence[str]) -> list[float]:
    """Probability (0..1, threshold 0.5) that each sentence is a check-worthy factual claim."""
    return list(map(_default_probability, sentences))
