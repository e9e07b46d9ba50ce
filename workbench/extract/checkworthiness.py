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
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).with_name("checkworthiness_model.json.gz")
MODEL_FORMAT = 1

# scikit-learn's default token pattern and the whitespace normalisation its char_wb analyzer applies.
_SKLEARN_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_SKLEARN_WHITESPACE_RUN = re.compile(r"\s\s+")

_DIGIT = re.compile(r"\d")
_PERCENT = re.compile(r"%|\bper ?cent\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
_MONEY_OR_MAGNITUDE = re.compile(r"[$€£]|\b(?:million|billion|trillion|thousands?|hundreds?|dozens?)\b", re.I)
_COMPARATIVE = re.compile(
    r"\b(?:more|less|fewer|higher|lower|increased?|decreased?|rose|fell|doubled?|tripled?|most|least|largest|"
    r"smallest|biggest|first|record|than|percent|average|rate|times)\b",
    re.IGNORECASE,
)
_REPORTING = re.compile(r"\b(?:said|says|told|according|announced|reported|claimed)\b", re.IGNORECASE)
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


def hand_features(sentence: str) -> list[float]:
    """Features the n-gram model sees poorly: presence of figures, dates, names and the sentence's form.

    Shared by training and inference so both compute exactly the same values.
    """
    words = sentence.split()
    word_count = len(words)
    capitalised_inside = sum(1 for word in words[1:] if word[:1].isupper())
    return [
        1.0 if _DIGIT.search(sentence) else 0.0,
        1.0 if _PERCENT.search(sentence) else 0.0,
        1.0 if _YEAR.search(sentence) else 0.0,
        1.0 if _MONEY_OR_MAGNITUDE.search(sentence) else 0.0,
        1.0 if _COMPARATIVE.search(sentence) else 0.0,
        1.0 if _REPORTING.search(sentence) else 0.0,
        1.0 if _FIRST_PERSON_OPINION.search(sentence) else 0.0,
        1.0 if sentence.rstrip().rstrip("\"'\u201d\u2019").endswith("?") else 0.0,
        min(word_count, 60) / 60.0,
        capitalised_inside / word_count if word_count else 0.0,
    ]


def word_ngrams(sentence: str, ngram_range: tuple[int, int]) -> list[str]:
    """scikit-learn's `analyzer="word"` with default settings (lowercase, token pattern, n-grams)."""
    tokens = _SKLEARN_TOKEN.findall(sentence.lower())
    low, high = ngram_range
    grams: list[str] = tokens[:] if low == 1 else []
    for n in range(max(low, 2), high + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def char_wb_ngrams(sentence: str, ngram_range: tuple[int, int]) -> list[str]:
    """scikit-learn's `analyzer="char_wb"` (lowercased, words padded with one space each side)."""
    text = _SKLEARN_WHITESPACE_RUN.sub(" ", sentence.lower())
    low, high = ngram_range
    grams: list[str] = []
    append = grams.append
    for word in text.split():
        padded = " " + word + " "
        length = len(padded)
        for n in range(low, high + 1):
            if length <= n:
                append(padded)  # a short word counts once, as scikit-learn does
                break
            for offset in range(length - n + 1):
                append(padded[offset : offset + n])
    return grams


@dataclass(frozen=True, slots=True)
class _TfidfBlock:
    """One fitted TfidfVectorizer (sublinear tf, smooth idf, l2 norm) with its slice of the coefficients."""

    analyzer: str
    ngram_range: tuple[int, int]
    # term -> (idf * coefficient, idf); plain floats in one dict: a sentence has only a few hundred n-grams, where
    # dict lookups beat building numpy arrays.
    terms: dict[str, tuple[float, float]]

    def score(self, sentence: str) -> float:
        """This block's contribution to the decision function: coef . l2_normalise(sublinear_tf * idf)."""
        grams = (
            word_ngrams(sentence, self.ngram_range)
            if self.analyzer == "word"
            else char_wb_ngrams(sentence, self.ngram_range)
        )
        terms = self.terms
        dot = 0.0
        squared_norm = 0.0
        log = math.log
        for gram, count in Counter(grams).items():
            weights = terms.get(gram)
            if weights is None:
                continue
            term_frequency = 1.0 + log(count) if count > 1 else 1.0
            dot += term_frequency * weights[0]
            value = term_frequency * weights[1]
            squared_norm += value * value
        if squared_norm == 0.0:
            return 0.0
        return dot / math.sqrt(squared_norm)


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
            vocabulary: list[str] = block["vocabulary"]
            weighted = (idf * coefficients).tolist()
            self.blocks.append(
                _TfidfBlock(
                    analyzer=block["analyzer"],
                    ngram_range=(int(block["ngram_range"][0]), int(block["ngram_range"][1])),
                    terms=dict(zip(vocabulary, zip(weighted, idf.tolist(), strict=True), strict=True)),
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
# sentences verbatim across outlets: a score is a pure function of the text, so it is computed once.
SCORE_CACHE_SIZE = 16384


@lru_cache(maxsize=SCORE_CACHE_SIZE)
def _default_probability(sentence: str) -> float:
    return default_model().probability(sentence)


# The training sentences (ClaimBuster transcripts) use ASCII quotes and apostrophes; news copy uses typographic
# ones, which would otherwise be unknown characters to the model ("hasn’t" scored 0.07, "hasn't" 0.24).
_TYPOGRAPHIC_TO_ASCII = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


def score_sentences(sentences: Sequence[str]) -> list[float]:
    """Probability (0..1, threshold 0.5) that each sentence is a check-worthy factual claim."""
    return [_default_probability(sentence.translate(_TYPOGRAPHIC_TO_ASCII)) for sentence in sentences]
