"""A batch of new articles into a store that already holds many: what a monitoring desk pays every time it adds
today's articles to a growing store.

    .venv/bin/python benchmarks/bench_incremental.py [--sizes 1000,10000] [--batches 5,100] [--rounds 3]
                                                     [--seed 0] [--workdir DIR]

For each store size S (articles), the store is built once by ingesting `generate_corpus(S, seed)` (kept under
--workdir as bench-incremental-S-SEED.db and reused while it holds S articles), and the batches are
`generate_corpus(B, seed + 1000)` and `generate_corpus(B, seed + 2000)`: more reports of the same stories, none of
them stored yet. Each round copies the store (not timed) and ingests the first batch into the copy, then the next
batch into the same copy, twice in turn:

* `ingest_paths` in a child process, which also times its parts by wrapping them: loading the grouping index from
  the store (`load_matcher`), the files themselves, and the end of the run (`Ingester.finish`: the discrepancy flags
  of every claim the batch touched and every contradiction link);
* `python -m workbench ingest FOLDER --db COPY`, end to end as a user runs it (the interpreter and imports included).

The first batch after a full ingest is the first run to load the grouping index from the store, so it reads every
passage and keeps what it folded (`index_wordings`); each later batch reads that back and only the passages stored
since. A desk adding batches all day pays the first once.

Prints the median round of each (store size, batch, first or next) and every round's figure, then a BENCH_JSON
line. There is no target in the issue for this; the figures show what a batch costs as the store grows.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_ingest import fresh_database, stored_documents, timed, write_corpus

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
BATCH_SEED_OFFSET = 1000


def _positive_ints(parser: argparse.ArgumentParser, text: str, option: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        values = []
    if not values or any(value <= 0 for value in values):
        parser.error(f"{option} wants positive whole numbers, comma-separated, not {text!r}")
    return values


def base_store(workdir: Path, size: int, seed: int) -> Path:
    """The store of `size` articles the batches go into (built once, in a child process, and reused)."""
    path = workdir / f"bench-incremental-{size}-{seed}.db"
    if stored_documents(path) == size:
        return path
    print(f"building the store of {size:,} articles (once) ...", flush=True)
    seconds = run_cli(fresh_database(path), write_corpus(workdir, size, seed))
    print(f"  built in {seconds:.1f} s", flush=True)
    return path


# -- the child: ingest_paths with its parts timed ------------------------------------------------------------------


def child(database: Path, folder: Path) -> None:
    sys.path.insert(0, str(REPO_ROOT))  # this checkout's workbench, whichever one is installed
    import workbench.ingest as ingest
    from workbench.store import open_store

    parts: dict[str, float] = {"index": 0.0, "end of run": 0.0}
    ingest.load_matcher = timed(ingest.load_matcher, parts, "index")
    ingest.Ingester.finish = timed(ingest.Ingester.finish, parts, "end of run")
    with open_store(database) as store:
        started = time.perf_counter()
        report = ingest.ingest_paths(store, [folder])
        total = time.perf_counter() - started
        claims = store.conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0]
        documents = store.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    print(
        "BENCH_CHILD "
        + json.dumps(
            {
                "total": total,
                "index": parts["index"],
                "end_of_run": parts["end of run"],
                "files": total - parts["index"] - parts["end of run"],
                "added": len(report.added),
                "claims": claims,
                "documents": documents,
            }
        )
    )


def run_child(database: Path, folder: Path) -> dict:
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", str(database), str(folder)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"bench_incremental.py: the ingest child failed: {result.stderr.strip()[-500:]}")
    line = next(line for line in result.stdout.splitlines() if line.startswith("BENCH_CHILD "))
    return json.loads(line.removeprefix("BENCH_CHILD "))


def run_cli(database: Path, folder: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "workbench", "ingest", str(folder), "--db", str(database)],
        cwd=REPO_ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


BATCHES = ("first", "next")


def measure(base: Path, batches: tuple[Path, Path], rounds: int, workdir: Path) -> dict[str, dict]:
    """Per batch ("first", then "next" into the same copy): the median round's child figures, every round's child
    total and every round's CLI seconds."""
    copy = workdir / f"bench-incremental-copy-{os.getpid()}.db"
    children: dict[str, list[dict]] = {which: [] for which in BATCHES}
    clis: dict[str, list[float]] = {which: [] for which in BATCHES}
    try:
        for _ in range(rounds):
            for runner in ("child", "cli"):
                shutil.copyfile(base, fresh_database(copy))
                for which, batch in zip(BATCHES, batches, strict=True):
                    if runner == "child":
                        children[which].append(run_child(copy, batch))
                    else:
                        clis[which].append(run_cli(copy, batch))
    finally:
        fresh_database(copy)
    measured = {}
    for which in BATCHES:
        runs = children[which]
        median = sorted(runs, key=lambda figures: figures["total"])[(len(runs) - 1) // 2]
        measured[which] = {"child": median, "rounds": [figures["total"] for figures in runs], "cli": clis[which]}
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="articles in the store, comma-separated")
    parser.add_argument("--batches", default="5,100", help="articles in a batch, comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")))
    parser.add_argument("--child", nargs=2, metavar=("DB", "FOLDER"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(Path(arguments.child[0]), Path(arguments.child[1]))
        return
    sizes = _positive_ints(parser, arguments.sizes, "--sizes")
    batches = _positive_ints(parser, arguments.batches, "--batches")
    if arguments.rounds < 1:
        parser.error(f"--rounds wants 1 or more, not {arguments.rounds}")
    workdir: Path = arguments.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for size in sizes:
        base = base_store(workdir, size, arguments.seed)
        for batch_size in batches:
            folders = (
                write_corpus(workdir, batch_size, arguments.seed + BATCH_SEED_OFFSET),
                write_corpus(workdir, batch_size, arguments.seed + 2 * BATCH_SEED_OFFSET),
            )
            for which, measured in measure(base, folders, arguments.rounds, workdir).items():
                child_figures = measured["child"]
                results.append({"store": size, "batch": batch_size, "which": which, **measured})
                print(
                    f"{size:>7,} stored + {batch_size:>4} new articles, {which:<5} batch: ingest_paths"
                    f" {child_figures['total']:6.2f} s (index {child_figures['index']:.2f} s, files"
                    f" {child_figures['files']:.2f} s, end of run {child_figures['end_of_run']:.2f} s);"
                    f" CLI {statistics.median(measured['cli']):6.2f} s"
                )
                print(
                    "    every round: ingest_paths "
                    + " / ".join(f"{seconds:.2f}" for seconds in measured["rounds"])
                    + " s; CLI "
                    + " / ".join(f"{seconds:.2f}" for seconds in measured["cli"])
                    + " s",
                    flush=True,
                )
    print("BENCH_JSON " + json.dumps(results))


if __name__ == "__main__":
    main()
