"""Grouping quality under the grouping index's claim cap (`ClaimMatcher(max_claims=...)`), on synthetic truth.

    .venv/bin/python benchmarks/bench_index_cap.py [--articles 3000] [--caps 100000000,1500,600] [--seed 0]

Extracts `generate_corpus_with_truth(N)` once, then groups it with one matcher per cap the way ingest does (each
document's mentions under one checkpoint, so a full index shrinks between documents) and prints, per cap, the
matching time, the claims held and evicted, and the synthetic truth's pair recall and wrong-merge rate. The
evaluation compares every pair of mentions of a fact, so it grows with the square of the corpus: 3,000 articles
take a few minutes, 10,000 far longer.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus import generate_corpus_with_truth  # noqa: E402

from workbench.evaluation import GoldMention, GoldSet, evaluate  # noqa: E402
from workbench.extract import extract_claims, split_sentences  # noqa: E402
from workbench.match import ClaimMatcher  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--caps", default="100000000,1500,600", help="comma-separated claim caps")
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    articles, truth = generate_corpus_with_truth(arguments.articles, arguments.seed)
    extracted = [(name, extract_claims(text, split_sentences(text))) for name, text in articles]
    gold = GoldSet(tuple(GoldMention(t.fact, t.document, t.start, t.end) for t in truth), ())
    for cap in (int(value) for value in arguments.caps.split(",") if value.strip()):
        matcher = ClaimMatcher(max_claims=cap)
        output: list[tuple[str, int, int, str]] = []
        started = time.perf_counter()
        for name, claims in extracted:
            with matcher.rollback_on_error():
                for claim in claims:
                    claim_id = matcher.match(claim.text, claim.claimant, name) or f"{name}:{claim.start}-{claim.end}"
                    matcher.add(claim_id, claim.text, claim.claimant, name)
                    output.append((name, claim.start, claim.end, claim_id))
        seconds = time.perf_counter() - started
        held = len(matcher._claim_recency)  # noqa: SLF001 - the figure this benchmark is about
        groups = len({claim_id for *_, claim_id in output})
        print(
            f"cap {cap}: grouping {seconds:.1f} s, {held} claims held, {matcher.evicted_claims} evicted, "
            f"{groups} groups",
            flush=True,
        )
        for line in evaluate(gold, output).lines()[3:6]:
            print("   ", line, flush=True)


if __name__ == "__main__":
    main()
