"""Extraction and grouping: quality on the hand-annotated seeds, and throughput on a synthetic corpus.

    .venv/bin/python benchmarks/bench_extract.py [--articles 1000] [--seed 0]
    .venv/bin/python benchmarks/bench_extract.py --fingerprint [--articles 1000] [--seed 0]

--fingerprint prints only hashes of the full pipeline output (document, start, end, claim text, claimant, channel,
checkworthiness rounded to 4 decimals as ingest stores it, claim id) for the seeds and for the synthetic corpus: a
speed-up must leave every hash unchanged. The exact-score hash (checkworthiness to the last bit) is printed too.

Quality: runs split -> extract -> match in memory over the three seeds (as ingest stores them: clean_text) and
prints mention recall/precision, cross-source pair recall, wrong-merge rate and claims from boilerplate against
tests/gold/seeds_gold.json; then again on the raw (uncleaned) seed texts, where only the extractor's own guards
keep page furniture out.

Throughput, on `generate_corpus(--articles)` (~20 sentences per article), in one process:
  (a) floor: split + store the sentences with sqlite-utils (`Database(path)["sentences"].insert_all(...)`);
  (b) pipeline: split + extract + score + group (ClaimMatcher, ingest's match-then-add order).
Prints both, in sentences per second, and the ratio (b)/(a) (target <= 10x).

Grouping quality off the seeds, against overfitting: on the same synthetic corpus, cross-source pair recall and
wrong merges against the generator's ground truth (`generate_corpus_with_truth`: each gold claim over its own part
of the sentence, and a person, place or number swapped inside that part is a different fact); and the hand-made
held-out pairs of tests/gold/paraphrase_pairs.json. Last, the matcher's memory (tracemalloc) holding every mention
of the corpus.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
import tracemalloc
import unicodedata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

from corpus import floor_sentence_rows, generate_corpus_with_truth  # noqa: E402
from sqlite_utils import Database  # noqa: E402

from workbench.evaluation import (  # noqa: E402
    GoldMention,
    GoldSet,
    evaluate,
    locate_gold,
    pair_figures,
    paraphrase_pair_results,
    run_in_memory,
)
from workbench.extract import extract_claims, split_sentences  # noqa: E402
from workbench.extract.checkworthiness import default_model  # noqa: E402
from workbench.match import ClaimMatcher, _features  # noqa: E402

GOLD_PATH = REPO_ROOT / "tests" / "gold" / "seeds_gold.json"
PAIRS_PATH = REPO_ROOT / "tests" / "gold" / "paraphrase_pairs.json"


def seed_quality() -> None:
    payload = json.loads(GOLD_PATH.read_text(encoding="utf-8"))
    raw_texts = {name: (REPO_ROOT / "seeds" / name).read_text(encoding="utf-8") for name in payload["documents"]}
    try:
        from workbench.ingest import clean_text
    except ImportError:  # pragma: no cover - ingest is another module's job
        clean_text = None
    variants: list[tuple[str, dict[str, str]]] = []
    if clean_text is not None:
        variants.append(("seeds, cleaned as ingest stores them", {n: clean_text(t) for n, t in raw_texts.items()}))
    raw_nfkc = {name: unicodedata.normalize("NFKC", text) for name, text in raw_texts.items()}
    variants.append(("seeds, raw NFKC text (no boilerplate stripping)", raw_nfkc))
    for title, documents in variants:
        gold = locate_gold(payload, documents)
        report = evaluate(gold, run_in_memory(sorted(documents.items())))
        print(f"== {title}")
        for line in report.lines():
            print("  " + line)


def time_floor(articles: list[tuple[str, str]], database_path: Path) -> tuple[int, float]:
    database = Database(database_path)
    started = time.perf_counter()
    count = 0
    for name, text in articles:
        rows = floor_sentence_rows(name, text)
        count += len(rows)
        database["sentences"].insert_all(rows, batch_size=500)
    return count, time.perf_counter() - started


def time_pipeline(articles: list[tuple[str, str]]) -> tuple[int, int, int, float, float, list, list]:
    """Total seconds for split + extract + score + group, and the part of it spent grouping."""
    matcher = ClaimMatcher()
    started = time.perf_counter()
    grouping_seconds = 0.0
    sentence_count = claim_count = 0
    output: list[tuple[str, int, int, str]] = []
    claims_seen: list = []
    for name, text in articles:
        spans = split_sentences(text)
        sentence_count += len(spans)
        claims = extract_claims(text, spans)
        claim_count += len(claims)
        grouping_started = time.perf_counter()
        for claim in claims:  # ingest's order: each claim joins the matcher as soon as it is assigned
            claim_id = matcher.match(claim.text, claim.claimant, name) or f"{name}:{claim.start}"
            matcher.add(claim_id, claim.text, claim.claimant, name)
            output.append((name, claim.start, claim.end, claim_id))
            claims_seen.append((claim_id, claim.text, claim.claimant, name))
        grouping_seconds += time.perf_counter() - grouping_started
    elapsed = time.perf_counter() - started
    groups = len({claim_id for *_, claim_id in output})
    return sentence_count, claim_count, groups, elapsed, grouping_seconds, output, claims_seen


def matcher_megabytes(claims: list) -> float:
    """Memory held by a matcher loaded with `claims` (tracemalloc, so run after the timings)."""
    # The matcher shares features through a module-level cache filled by the timing run: empty it, or the
    # features would be allocated before tracing starts and not counted.
    _features.cache_clear()
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    matcher = ClaimMatcher()
    for claim_id, text, claimant, document in claims:
        matcher.add(claim_id, text, claimant, document)
    held = tracemalloc.get_traced_memory()[0] - baseline
    tracemalloc.stop()
    del matcher
    return held / 1_048_576


def fingerprint_pipeline(documents: list[tuple[str, str]]) -> tuple[str, str, int]:
    """Hashes of everything the pipeline decides for `documents`, in ingest's order: (rounded, exact, mentions).

    The rounded hash uses checkworthiness to 4 decimals (what ingest stores); the exact one uses repr()."""
    matcher = ClaimMatcher()
    rounded_hash = hashlib.sha256()
    exact_hash = hashlib.sha256()
    mentions = 0
    for name, text in documents:
        for claim in extract_claims(text, split_sentences(text)):
            claim_id = matcher.match(claim.text, claim.claimant, name) or f"{name}:{claim.start}"
            matcher.add(claim_id, claim.text, claim.claimant, name)
            fields = (name, claim.start, claim.end, claim.text, claim.claimant, claim.channel, claim_id)
            rounded_hash.update(repr((*fields, round(claim.checkworthiness, 4))).encode("utf-8"))
            exact_hash.update(repr((*fields, claim.checkworthiness)).encode("utf-8"))
            mentions += 1
    return rounded_hash.hexdigest()[:16], exact_hash.hexdigest()[:16], mentions


def print_fingerprints(article_count: int, seed: int) -> None:
    payload = json.loads(GOLD_PATH.read_text(encoding="utf-8"))
    raw_texts = {name: (REPO_ROOT / "seeds" / name).read_text(encoding="utf-8") for name in payload["documents"]}
    inputs: list[tuple[str, list[tuple[str, str]]]] = [
        ("seeds, raw text", sorted(raw_texts.items())),
        ("seeds, raw NFKC", sorted((n, unicodedata.normalize("NFKC", t)) for n, t in raw_texts.items())),
    ]
    try:
        from workbench.ingest import clean_text
    except ImportError:  # pragma: no cover - ingest is another module's job
        clean_text = None
    if clean_text is not None:  # depends on ingest.clean_text too, which other work may change
        inputs.append(("seeds, ingest.clean_text", sorted((n, clean_text(t)) for n, t in raw_texts.items())))
    articles, _ = generate_corpus_with_truth(article_count, seed)
    inputs.append((f"corpus --articles {article_count} --seed {seed}", articles))
    for title, documents in inputs:
        rounded, exact, mentions = fingerprint_pipeline(documents)
        print(f"{title:40} {mentions:6d} mentions  rounded {rounded}  exact {exact}")


def paraphrase_pairs() -> None:
    results = paraphrase_pair_results(json.loads(PAIRS_PATH.read_text(encoding="utf-8")))
    same_grouped, same, different_grouped, different = pair_figures(results)
    print("== held-out hand-made pairs (tests/gold/paraphrase_pairs.json)")
    print(f"  same-claim pairs grouped      {same_grouped} of {same}")
    print(f"  different-claim pairs grouped {different_grouped} of {different}  (wrong merges)")
    for result in results:
        if result.grouped != (result.label == "same"):
            print(f"    {'missed' if result.label == 'same' else 'merged'}: {result.first!r} / {result.second!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fingerprint", action="store_true", help="print hashes of the pipeline output and exit")
    arguments = parser.parse_args()
    if arguments.fingerprint:
        print_fingerprints(arguments.articles, arguments.seed)
        return

    seed_quality()

    paraphrase_pairs()

    articles, truth = generate_corpus_with_truth(arguments.articles, arguments.seed)
    default_model()  # model loading is a one-off cost, not per-sentence throughput
    # The machine is shared: the floor is the best of three runs, each into a fresh database file.
    floor_runs = []
    for run in range(3):
        with tempfile.TemporaryDirectory() as directory:
            sentences, seconds = time_floor(articles, Path(directory) / f"floor{run}.db")
            floor_runs.append(seconds)
    floor_seconds = min(floor_runs)
    cpu_started = time.process_time()
    _, claims, groups, pipeline_seconds, grouping_seconds, output, claims_seen = time_pipeline(articles)
    pipeline_cpu = time.process_time() - cpu_started
    print(f"== throughput on {len(articles)} synthetic articles, {sentences} sentences")
    print(
        f"  (a) split + store (sqlite-utils insert_all)  {floor_seconds:7.2f} s  "
        f"{sentences / floor_seconds:9.0f} sentences/s  (best of {', '.join(f'{s:.2f}' for s in floor_runs)})"
    )
    print(
        f"  (b) split + extract + score + group          {pipeline_seconds:7.2f} s  "
        f"{sentences / pipeline_seconds:9.0f} sentences/s  ({claims} claims in {groups} groups; "
        f"{pipeline_cpu:.2f} s CPU)"
    )
    print(
        f"      of which grouping                        {grouping_seconds:7.2f} s; split + extract + score "
        f"{sentences / (pipeline_seconds - grouping_seconds):9.0f} sentences/s"
    )
    print(f"  ratio (b)/(a)                                {pipeline_seconds / floor_seconds:7.1f}x  (target <= 10x)")
    print(f"  matcher memory for {len(claims_seen)} mentions     {matcher_megabytes(claims_seen):7.1f} MB")

    gold = GoldSet(tuple(GoldMention(t.fact, t.document, t.start, t.end) for t in truth), ())
    report = evaluate(gold, output)
    print(f"== grouping on the same synthetic corpus against its ground truth ({len(truth)} fact mentions)")
    for line in report.lines()[3:6]:
        print("  " + line)


if __name__ == "__main__":
    main()
