"""Full-text search latency in the review UI at 100,000 claims, through the same calls the UI makes as you type.

    .venv/bin/python benchmarks/bench_search.py [--claims 100000] [--runs 3] [--workdir DIR]

The database is built once with benchmarks/synthetic_db.py (deterministic) under --workdir. For each query the
clock covers what `MainScreen.apply_search` does after the typing pause: set `ClaimsView.search`, `reload()`
(the FTS5 MATCH plus the ordered rowids of the view), `index_of()` the claim that was selected, then read the
first screenful of rows (`page(0, 45)`), which is what the table draws. Queries mix whole words, phrases,
claimant names, numbers and the 1-3 letter prefixes a person has typed before the pause. Each query runs --runs
times in a row; its median counts. Printed: per query (matches, ms), then median / p95 / max over queries, for the
default view (all claims, document order) and for the "unreviewed" filter sorted by check-worthiness.
Target: under 100 ms at 100k claims.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
SCREEN_ROWS = 45
QUERIES = (
    "m",
    "mi",
    "min",
    "ministry",
    "d",
    "dr",
    "dro",
    "drones",
    "drones shot",
    "t",
    "th",
    "the",
    "pe",
    "pes",
    "peskov",
    "dmitry peskov",
    "nykyforov",
    "evac",
    "evacuated district",
    "percent",
    "turnout capital",
    "bridge reopen",
    "spending rose",
    "local time",
    "prices fell month",
    "building empty",
    "mayor warned",
    "police confirmed",
    "45",
    "950 people",
    "zzz",
)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * share), len(ordered) - 1)]


def database_for(workdir: Path, claims: int) -> Path:
    sys.path.insert(0, str(HERE))
    from synthetic_db import build

    path = workdir / f"bench-search-{claims}.db"
    if not path.exists():
        started = time.perf_counter()
        build(path, claims)
        print(f"  built {path} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def time_search(view: object, text: str, runs: int) -> tuple[int, float]:
    """(matches, median seconds) of one search as the UI applies it."""
    from workbench.claims_view import ClaimsView

    assert isinstance(view, ClaimsView)
    timings: list[float] = []
    matches = 0
    for _ in range(runs):
        view.search = ""
        view.reload()
        selected = view.row(0)
        started = time.perf_counter()
        view.search = text
        view.reload()
        if selected is not None:
            view.index_of(selected.id)
        rows = view.page(0, SCREEN_ROWS)
        timings.append(time.perf_counter() - started)
        matches = view.count
        assert len(rows) == min(matches, SCREEN_ROWS)
    return matches, statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")))
    arguments = parser.parse_args()
    sys.path.insert(0, str(REPO_ROOT))
    from workbench.claims_view import ClaimsView, SortOrder, status_filter
    from workbench.models import UNREVIEWED
    from workbench.store import open_store

    path = database_for(arguments.workdir, arguments.claims)
    views = {
        "all, document order": {},
        "unreviewed, by check-worthiness": {
            "claim_filter": status_filter(UNREVIEWED),
            "sort": SortOrder.CHECKWORTHINESS,
        },
    }
    summary: dict[str, dict[str, float]] = {}
    with open_store(path):
        pass  # a database cached by an older version gets its schema upgraded before the read-only runs
    with open_store(path, readonly=True) as store:
        print(f"{arguments.claims} claims; median of {arguments.runs} runs per query, in ms")
        print(f"{'query':<22} " + " ".join(f"{name:>34}" for name in views))
        per_view: dict[str, list[float]] = {name: [] for name in views}
        for query in QUERIES:
            cells = []
            for name, options in views.items():
                view = ClaimsView(store, **options)
                matches, seconds = time_search(view, query, arguments.runs)
                per_view[name].append(seconds)
                cells.append(f"{matches:>10} matches {seconds * 1000:>9.1f} ms")
            print(f"{query!r:<22} " + " ".join(f"{cell:>34}" for cell in cells))
        for name, timings in per_view.items():
            figures = {
                "median_ms": statistics.median(timings) * 1000,
                "p95_ms": percentile(timings, 0.95) * 1000,
                "max_ms": max(timings) * 1000,
            }
            summary[name] = figures
            print(
                f"{name}: median {figures['median_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms, "
                f"max {figures['max_ms']:.1f} ms over {len(timings)} queries"
            )
    print("target: FTS search < 100 ms at 100k claims")
    print("BENCH_JSON " + json.dumps({"claims": arguments.claims, "views": summary}))


if __name__ == "__main__":
    main()
