"""Evaluation metrics, and the whole pipeline measured on the hand-annotated seeds."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from types import ModuleType

import pytest

from workbench.evaluation import EvaluationReport, GoldMention, GoldSet, evaluate, locate_gold, run_in_memory

REPO = Path(__file__).resolve().parents[1]
GOLD_PATH = REPO / "tests" / "gold" / "seeds_gold.json"


def small_gold() -> GoldSet:
    return GoldSet(
        mentions=(
            GoldMention("g1", "a", 0, 10),
            GoldMention("g1", "b", 0, 10),
            GoldMention("g1", "c", 0, 10),
            GoldMention("g2", "a", 20, 30),
            GoldMention("g2", "b", 20, 30),
        ),
        boilerplate=(("a", 50, 60),),
    )


def test_metrics_on_a_hand_computed_example() -> None:
    output = [
        ("a", 2, 8, "x"),  # g1 in a
        ("b", 0, 10, "x"),  # g1 in b, grouped with a: 1 of 3 g1 pairs
        ("c", 0, 5, "y"),  # g1 in c, alone
        ("a", 20, 30, "z"),  # g2 in a
        ("b", 25, 40, "x"),  # g2 in b, wrongly grouped with the g1 mentions
        ("a", 40, 45, "w"),  # not a gold mention
        ("a", 55, 58, "v"),  # inside boilerplate
    ]
    report = evaluate(small_gold(), output)
    assert report.gold_mentions == 5
    assert report.mention_recall == 1.0
    assert report.mention_precision == pytest.approx(5 / 7)
    assert report.cross_source_pairs == 4  # g1: ab, ac, bc; g2: ab
    assert report.cross_source_pair_recall == pytest.approx(1 / 4)
    assert report.grouped_gold_pairs == 3  # x: (a,b), (a,b'), (b,b')
    assert report.wrong_merge_rate == pytest.approx(2 / 3)
    assert report.boilerplate_claims == 1


def test_missing_mentions_are_reported() -> None:
    report = evaluate(small_gold(), [("a", 0, 10, "x")])
    assert report.mention_recall == pytest.approx(1 / 5)
    assert len(report.missed) == 4
    assert report.cross_source_pair_recall == 0.0
    assert report.wrong_merge_rate == 0.0


def test_gold_quotes_must_exist() -> None:
    payload = {"claims": [{"id": "g", "mentions": [["a", "not in the text"]]}]}
    with pytest.raises(ValueError, match="not found"):
        locate_gold(payload, {"a": "some other text"})


def seed_texts(clean: bool) -> dict[str, str]:
    payload = json.loads(GOLD_PATH.read_text(encoding="utf-8"))
    texts = {}
    for name in payload["documents"]:
        raw = (REPO / "seeds" / name).read_text(encoding="utf-8")
        if clean:
            from workbench.ingest import clean_text

            texts[name] = clean_text(raw)
        else:
            texts[name] = unicodedata.normalize("NFKC", raw)
    return texts


def seeds_report(clean: bool) -> EvaluationReport:
    documents = seed_texts(clean)
    gold = locate_gold(json.loads(GOLD_PATH.read_text(encoding="utf-8")), documents)
    return evaluate(gold, run_in_memory(sorted(documents.items())))


@pytest.fixture(scope="module")
def cleaned_report() -> EvaluationReport:
    return seeds_report(clean=True)


def test_seed_claim_mentions_are_found(cleaned_report: EvaluationReport) -> None:
    assert cleaned_report.mention_recall >= 0.95
    assert cleaned_report.mention_precision >= 0.75


def test_seed_grouping_makes_few_wrong_merges(cleaned_report: EvaluationReport) -> None:
    assert cleaned_report.wrong_merge_rate <= 0.05


def test_seed_grouping_reaches_the_cross_source_target(cleaned_report: EvaluationReport) -> None:
    assert cleaned_report.cross_source_pair_recall >= 0.85


@pytest.mark.parametrize("clean", [True, False], ids=["cleaned", "raw"])
def test_no_claims_from_boilerplate_even_without_cleaning(clean: bool) -> None:
    report = seeds_report(clean)
    assert report.boilerplate_claims == 0
    if not clean:
        # The raw texts still contain the furniture, so the check is not vacuous.
        documents = seed_texts(clean=False)
        gold = locate_gold(json.loads(GOLD_PATH.read_text(encoding="utf-8")), documents)
        assert len(gold.boilerplate) >= 15


def test_two_mentions_of_one_claim_in_the_first_document_group() -> None:
    text = (
        "Putin was not in the Kremlin at the time of the attack, his spokesman, Dmitry Peskov, said.\n\n"
        "Kremlin spokesman Dmitry Peskov told RIA Novosti that Putin was not in the Kremlin at the time of the attack."
    )
    output = run_in_memory([("only.txt", text)])
    assert len(output) == 2
    assert output[0][3] == output[1][3]


def test_synthetic_truth_puts_each_claim_over_its_own_part_of_the_sentence(benchmark_corpus: ModuleType) -> None:
    articles, truth = benchmark_corpus.generate_corpus_with_truth(40, seed=3)
    texts = dict(articles)
    gold = json.loads(GOLD_PATH.read_text(encoding="utf-8"))
    quotes = {claim["id"]: [unicodedata.normalize("NFKC", q) for _, q in claim["mentions"]] for claim in gold["claims"]}
    checked = 0
    for mention in truth:
        span = texts[mention.document][mention.start : mention.end]
        assert span.strip(), mention
        claim_id, _, changes = mention.fact.partition("|")
        if claim_id in quotes and not changes:
            # Reworded only by synonym swaps: the span is one of the claim's quotes, give or take a swapped word.
            words = set(span.split())
            assert any(len(words & set(quote.split())) >= 0.6 * len(quote.split()) for quote in quotes[claim_id])
            checked += 1
    assert checked > 50
    # A quote shorter than its sentence gives a span shorter than the sentence: the "news that drew denials ..."
    # tail of the assassination sentence is outside the claim.
    spans = [texts[m.document][m.start : m.end] for m in truth if m.fact == "assassination_attempt"]
    assert spans and any(span.endswith("Putin") for span in spans)
    assert not any("news that drew" in span for span in spans)
