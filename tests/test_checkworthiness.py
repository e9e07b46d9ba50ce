"""The shipped check-worthiness model: loads offline, ranks sensibly, and reproduces scikit-learn exactly."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from workbench.extract.checkworthiness import (
    MODEL_PATH,
    CheckworthinessModel,
    char_wb_ngrams,
    score_sentences,
    word_ngrams,
)

REPO = Path(__file__).resolve().parents[1]
# The project's shared data sits beside the repository (CI clones main next to shared/).
CLAIMBUSTER = REPO.parent / "shared" / "data" / "claimbuster" / "train.json"
SAMPLES = [
    "Unemployment fell to 3.5% in 2019.",
    "Thank you very much.",
    "We've  brought down   inflation, and I'm proud of it!",
    "Zelenskyy’s press officer said Kyiv had no information about the so-called night attacks.",
    "a",
    "",
]


def test_model_file_is_small_and_loads_with_numpy_only() -> None:
    assert MODEL_PATH.exists()
    assert MODEL_PATH.stat().st_size < 3_000_000
    model = CheckworthinessModel.load()
    assert model.blocks and model.metadata["training_sentences"] > 1000


def test_scores_are_probabilities_and_rank_facts_above_pleasantries() -> None:
    fact, pleasantry = score_sentences(["Unemployment fell to 3.5% in 2019.", "Thank you very much."])
    assert 0.0 <= pleasantry < 0.5 < fact <= 1.0
    assert all(0.0 <= score <= 1.0 for score in score_sentences(SAMPLES))


def test_ranking_on_more_pairs() -> None:
    factual = "The bill cost $1.5 trillion and added 17 new taxes."
    opinion = "I think we should all be proud of what we believe in."
    high, low = score_sentences([factual, opinion])
    assert high > low


def test_analyzers_match_scikit_learn() -> None:
    text_module = pytest.importorskip("sklearn.feature_extraction.text")
    word = text_module.TfidfVectorizer(ngram_range=(1, 2)).build_analyzer()
    char = text_module.TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    for sentence in SAMPLES:
        assert word_ngrams(sentence, (1, 2)) == word(sentence)
        assert char_wb_ngrams(sentence, (2, 5)) == char(sentence)


def _training_module():
    script = REPO / "benchmarks" / "train_checkworthiness.py"
    spec = importlib.util.spec_from_file_location("train_checkworthiness", script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not CLAIMBUSTER.exists(), reason="ClaimBuster training data not available")
def test_exported_model_reproduces_scikit_learn_probabilities(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    training = _training_module()
    records = json.loads(CLAIMBUSTER.read_text(encoding="utf-8"))
    # The file is sorted by label: every 8th record gives both classes in a small, fast sample.
    sample = records[::8]
    sentences = [record["text"] for record in sample]
    labels = np.array([record["label"] for record in sample])
    assert 0 < labels.sum() < len(labels)
    classifier = training.CheckworthinessClassifier().fit(sentences, labels, calibration_folds=3)
    payload = classifier.export(len(sentences), None)
    exported = CheckworthinessModel(json.loads(json.dumps(payload)))
    probe = [record["text"] for record in records[1::40]] + SAMPLES
    expected = classifier.predict_proba(probe)
    observed = np.array([exported.probability(sentence) for sentence in probe])
    np.testing.assert_allclose(observed, expected, atol=1e-4)


def test_char_ngrams_depend_on_the_range_and_are_a_fresh_list_each_time() -> None:
    # The range decides the n-grams, and callers get their own list.
    assert char_wb_ngrams("ab ab", (2, 3)) == [" a", "ab", "b ", " ab", "ab "] * 2
    grams = char_wb_ngrams("ab", (2, 5))
    assert grams == [" a", "ab", "b ", " ab", "ab ", " ab "]
    grams.append("zz")
    assert char_wb_ngrams("ab", (1, 1)) == [" ", "a", "b", " "]
    assert char_wb_ngrams("ab", (2, 5)) == [" a", "ab", "b ", " ab", "ab ", " ab "]


@pytest.mark.parametrize(
    "sentence",
    [
        "Prices rose 5% in 2019, officials said.",
        "Unemployment fell to 3.5 per cent, according to the report.",
        "Unemployment fell to 3.5 per  cent and the percentage is a rate-limited figure.",
        "I'm going to say thank you, and we will let me_know.",
        "Thousands of dollars: $5 million, first_time, Firstly, MOST, than2.",
        "Wir sagen: \u017faid and \u212aelvin, \u0130 think so, \u0131 think so.",
        "\u201cWe\u2019re going to win,\u201d he told reporters in 1999.",
        "Nothing here to see at all",
    ],
)
def test_hand_features_agree_with_their_patterns(sentence: str) -> None:
    from workbench.extract import checkworthiness

    # The ASCII shortcut must give exactly what the documented patterns give.
    patterns = [
        checkworthiness._DIGIT,
        checkworthiness._PERCENT,
        checkworthiness._YEAR,
        checkworthiness._MONEY_OR_MAGNITUDE,
        checkworthiness._COMPARATIVE,
        checkworthiness._REPORTING,
        checkworthiness._FIRST_PERSON_OPINION,
    ]
    expected = [1.0 if pattern.search(sentence) else 0.0 for pattern in patterns]
    assert checkworthiness.hand_features(sentence)[:7] == expected


def test_typographic_quotes_and_spaces_score_as_their_ascii_forms() -> None:
    curly, ascii_ = score_sentences(
        ["\u2018Kyiv\u2019 said\u00a0it \u201cwon\u201d 12 seats.", "'Kyiv' said it \"won\" 12 seats."]
    )
    assert curly == ascii_


def test_word_set_lookups_give_what_the_patterns_give_on_any_text() -> None:
    import random

    from workbench.extract import checkworthiness as module

    def by_patterns(sentence: str) -> list[float]:
        found = [
            module._PERCENT.search(sentence),  # noqa: SLF001
            module._MONEY_OR_MAGNITUDE.search(sentence),  # noqa: SLF001
            module._COMPARATIVE.search(sentence),  # noqa: SLF001
            module._REPORTING.search(sentence),  # noqa: SLF001
            module._FIRST_PERSON_OPINION.search(sentence),  # noqa: SLF001
        ]
        return [1.0 if match is not None else 0.0 for match in found]

    words = ["Million", "MORE", "said", "percent", "per cent", "I think", "we will", "thank you", "let me", "cent"]
    words += [
        "\u00e9t\u00e9",
        "stra\u00dfe",
        "\u03a3\u039f\u03a3",
        "\u01c5ok",
        "mill\u0131on",
        "\u0130 think",
        "fewe\u017f",
    ]
    words += [
        "\u212aILLED",
        "I\u0307",
        "mo\u0307re",
        "\u20ac5",
        "\u00a3",
        "$",
        "%",
        "'",
        "\u2014",
        "2023",
        "I'm going to",
    ]
    rng = random.Random(11)
    for _ in range(5000):
        sentence = "".join(rng.choice(words) + rng.choice([" ", "", "-", ", "]) for _ in range(rng.randint(1, 7)))
        features = module.hand_features(sentence)
        assert [features[1], *features[3:7]] == by_patterns(sentence), sentence


def test_ascii_word_runs_are_the_regex_word_runs() -> None:
    import string

    from workbench.extract import checkworthiness as module

    word_run, sklearn_token = module._WORD_RUN, module._SKLEARN_TOKEN  # noqa: SLF001
    texts = ["a_b c-d e.f 3.5% x", "  ", "", "I'm we're __init__ U.S. 12,000 $5bn"]
    # Every ASCII character, next to every other, at every place of a word.
    texts += [string.printable[index:] + string.printable[:index] for index in range(0, 100, 7)]
    for text in texts:
        assert module._ascii_word_runs(text) == word_run.findall(text)  # noqa: SLF001
        tokens = sklearn_token.findall(text.lower())
        assert word_ngrams(text, (1, 2)) == tokens + [" ".join(pair) for pair in zip(tokens, tokens[1:], strict=False)]


def test_known_word_terms_are_the_vocabulary_numbers_of_the_word_ngrams() -> None:
    model = CheckworthinessModel.load()
    block = next(block for block in model.blocks if block.analyzer == "word")
    known_bigrams = 0
    for sentence in [*SAMPLES, "The bill cost $1.5 trillion and added 17 new taxes.", "Zelenskyy\u2019s aide said no"]:
        grams = word_ngrams(sentence, block.ngram_range)
        expected = [block.term_ids[gram] for gram in grams if gram in block.term_ids]
        assert block.known_terms(sentence) == expected
        known_bigrams += sum(1 for gram in grams if " " in gram and gram in block.term_ids)
    assert known_bigrams > 0


def test_char_block_scores_as_the_tfidf_formula_term_by_term() -> None:
    import math
    from collections import Counter

    model = CheckworthinessModel.load()
    block = next(block for block in model.blocks if block.analyzer == "char_wb")
    sentences = [*SAMPLES, "The the THE theatre: 3.5% of 2019's $1.5 trillion", "aaaa aaaa aaaa aaaa aaaa aaaa"]
    for sentence in sentences:
        counts = Counter(
            block.term_ids[gram] for gram in char_wb_ngrams(sentence, block.ngram_range) if gram in block.term_ids
        )
        term_frequency = {term: 1.0 + math.log(count) for term, count in counts.items()}
        idf, weighted = block._idf_array, block._weighted_array  # noqa: SLF001 - the char block's weights
        norm = math.sqrt(sum((tf * idf[term]) ** 2 for term, tf in term_frequency.items()))
        dot = sum(tf * weighted[term] for term, tf in term_frequency.items())
        expected = dot / norm if norm else 0.0
        assert block.score(sentence) == pytest.approx(expected, rel=1e-12, abs=1e-12)
        # The cached per-word arrays are shared, so scoring must leave them as they were.
        assert block.score(sentence) == block.score(sentence)
