"""Scoring extraction and grouping against a hand-made gold set (pure functions, no I/O, no database).

Gold format (see tests/gold/seeds_gold.json): claims, each with mentions given as (document file name, verbatim
substring of the sentence that carries the claim), plus boilerplate lines that must never yield a claim.
Pipeline output is a list of (document file name, start, end, claim id) with offsets into the same texts.

A pipeline mention *hits* a gold mention when their character spans overlap in the same document. Figures:
  * mention recall: gold mentions hit by at least one pipeline mention;
  * mention precision: pipeline mentions that hit at least one gold mention;
  * cross-source pair recall: pairs of gold mentions of the same gold claim in *different* documents whose
    pipeline mentions received the same claim id;
  * wrong-merge rate: among pairs of pipeline mentions given the same claim id where both hit gold mentions,
    the share whose gold claims differ;
  * boilerplate claims: pipeline mentions overlapping a boilerplate line (0 expected).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from workbench.extract import extract_claims, split_sentences
from workbench.match import ClaimMatcher

PipelineMention = tuple[str, int, int, str]  # (document file name, start, end, claim id)


@dataclass(frozen=True, slots=True)
class GoldMention:
    claim_id: str
    document: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class GoldSet:
    mentions: tuple[GoldMention, ...]
    boilerplate: tuple[tuple[str, int, int], ...]  # (document, start, end) spans present in the texts


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    gold_mentions: int
    pipeline_mentions: int
    mention_recall: float
    mention_precision: float
    cross_source_pairs: int
    cross_source_pair_recall: float
    grouped_gold_pairs: int
    wrong_merge_rate: float
    boilerplate_claims: int
    missed: tuple[GoldMention, ...]
    wrong_merges: tuple[tuple[PipelineMention, PipelineMention], ...]

    def lines(self) -> list[str]:
        return [
            f"gold mentions                 {self.gold_mentions}",
            f"pipeline mentions             {self.pipeline_mentions}",
            f"mention recall                {self.mention_recall:.3f}",
            f"mention precision             {self.mention_precision:.3f}",
            f"cross-source pairs grouped    {self.cross_source_pair_recall:.3f} of {self.cross_source_pairs}",
            f"wrong merges                  {self.wrong_merge_rate:.3f} of {self.grouped_gold_pairs} grouped pairs",
            f"claims from boilerplate       {self.boilerplate_claims}",
        ]


def locate_gold(payload: Mapping, documents: Mapping[str, str]) -> GoldSet:
    """Turn the gold file's verbatim substrings into spans of `documents` (file name -> text).

    Gold mentions must be found (a typo in the gold file is an error, not a silent miss); boilerplate lines that
    are absent (stripped by cleaning) are simply skipped.
    """
    mentions: list[GoldMention] = []
    for claim in payload["claims"]:
        for document, quote in claim["mentions"]:
            text = documents[document]
            position = text.find(quote)
            if position < 0:
                raise ValueError(f"gold mention of {claim['id']!r} not found in {document}: {quote[:60]!r}")
            mentions.append(GoldMention(claim["id"], document, position, position + len(quote)))
    boilerplate: list[tuple[str, int, int]] = []
    for document, line in payload.get("boilerplate", []):
        text = documents.get(document, "")
        position = text.find(line)
        if position >= 0:
            boilerplate.append((document, position, position + len(line)))
    return GoldSet(tuple(mentions), tuple(boilerplate))


def _overlaps(start_a: int, end_a: int, start_b: int, end_b: int) -> bool:
    return start_a < end_b and start_b < end_a


def evaluate(gold: GoldSet, output: Sequence[PipelineMention]) -> EvaluationReport:
    """Compare pipeline mentions with the gold set (see the module docstring for the definitions)."""
    gold_by_document: dict[str, list[GoldMention]] = defaultdict(list)
    for mention in gold.mentions:
        gold_by_document[mention.document].append(mention)

    hits: dict[PipelineMention, list[GoldMention]] = {}
    claim_ids_of_gold: dict[GoldMention, set[str]] = defaultdict(set)
    for pipeline_mention in output:
        document, start, end, claim_id = pipeline_mention
        matched = [g for g in gold_by_document.get(document, []) if _overlaps(start, end, g.start, g.end)]
        hits[pipeline_mention] = matched
        for gold_mention in matched:
            claim_ids_of_gold[gold_mention].add(claim_id)

    found = [mention for mention in gold.mentions if claim_ids_of_gold.get(mention)]
    precise = [mention for mention in output if hits[mention]]

    pairs = 0
    grouped_pairs = 0
    by_gold_claim: dict[str, list[GoldMention]] = defaultdict(list)
    for mention in gold.mentions:
        by_gold_claim[mention.claim_id].append(mention)
    for mentions in by_gold_claim.values():
        for first, second in combinations(mentions, 2):
            if first.document == second.document:
                continue
            pairs += 1
            if claim_ids_of_gold.get(first, set()) & claim_ids_of_gold.get(second, set()):
                grouped_pairs += 1

    by_pipeline_claim: dict[str, list[PipelineMention]] = defaultdict(list)
    for mention in output:
        if hits[mention]:
            by_pipeline_claim[mention[3]].append(mention)
    grouped_gold_pairs = 0
    wrong: list[tuple[PipelineMention, PipelineMention]] = []
    for mentions in by_pipeline_claim.values():
        for first, second in combinations(mentions, 2):
            grouped_gold_pairs += 1
            first_claims = {g.claim_id for g in hits[first]}
            second_claims = {g.claim_id for g in hits[second]}
            if not first_claims & second_claims:
                wrong.append((first, second))

    boilerplate_claims = sum(
        1
        for document, start, end, _ in output
        for b_document, b_start, b_end in gold.boilerplate
        if document == b_document and _overlaps(start, end, b_start, b_end)
    )
    return EvaluationReport(
        gold_mentions=len(gold.mentions),
        pipeline_mentions=len(output),
        mention_recall=len(found) / len(gold.mentions) if gold.mentions else 1.0,
        mention_precision=len(precise) / len(output) if output else 1.0,
        cross_source_pairs=pairs,
        cross_source_pair_recall=grouped_pairs / pairs if pairs else 1.0,
        grouped_gold_pairs=grouped_gold_pairs,
        wrong_merge_rate=len(wrong) / grouped_gold_pairs if grouped_gold_pairs else 0.0,
        boilerplate_claims=boilerplate_claims,
        missed=tuple(mention for mention in gold.mentions if not claim_ids_of_gold.get(mention)),
        wrong_merges=tuple(wrong),
    )


def run_in_memory(documents: Iterable[tuple[str, str]], matcher: ClaimMatcher | None = None) -> list[PipelineMention]:
    """Split, extract and group documents the way ingest does, without a database.

    Like ingest, each claim joins the matcher as soon as it is assigned (so a later claim of the same document can
    group with it), and a new claim takes an id derived from its first mention.
    """
    matcher = matcher if matcher is not None else ClaimMatcher()
    output: list[PipelineMention] = []
    for name, text in documents:
        for claim in extract_claims(text, split_sentences(text)):
            claim_id = matcher.match(claim.text, claim.claimant, name) or f"{name}:{claim.start}-{claim.end}"
            matcher.add(claim_id, claim.text, claim.claimant, name)
            output.append((name, claim.start, claim.end, claim_id))
    return output


@dataclass(frozen=True, slots=True)
class PairResult:
    label: str  # "same" or "different"
    first: str
    second: str
    grouped: bool


def paraphrase_pair_results(payload: Mapping) -> list[PairResult]:
    """For each hand-made pair: does the matcher, holding the first text among background claims, group the
    second text with it (queried from another document)? See tests/gold/paraphrase_pairs.json."""
    results: list[PairResult] = []
    for pair in payload["pairs"]:
        matcher = ClaimMatcher()
        for number, text in enumerate(payload.get("background", [])):
            matcher.add(f"background-{number}", text, None, f"background-{number}")
        matcher.add("first", pair["first"], pair.get("first_claimant"), "document-a")
        grouped = matcher.match(pair["second"], pair.get("second_claimant"), "document-b") == "first"
        results.append(PairResult(pair["label"], pair["first"], pair["second"], grouped))
    return results


def pair_figures(results: Sequence[PairResult]) -> tuple[int, int, int, int]:
    """(same pairs grouped, same pairs, different pairs grouped, different pairs)."""
    same = [result for result in results if result.label == "same"]
    different = [result for result in results if result.label == "different"]
    return (
        sum(result.grouped for result in same),
        len(same),
        sum(result.grouped for result in different),
        len(different),
    )
