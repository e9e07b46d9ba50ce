"""Export speed and memory on a large database: seconds and peak RSS per format, through the real CLI.

    .venv/bin/python benchmarks/bench_export.py [--claims 100000] [--mentions-per-claim 2] [--keep DIR]

Builds a synthetic database in the real schema (opened with `open_store`, rows inserted with sqlite-utils
`insert_all`): `--claims` claims spread over 1,000 documents, each quoted by about `--mentions-per-claim`
passages, with a mix of verdicts, notes with commas, quotes, newlines and emoji, and cells starting with
formula characters. Then runs `python -m workbench export --format F -o FILE` once per format in a fresh
process and prints wall-clock seconds, the child's peak RSS (its VmHWM, sampled) and the output size.
Target: csv for 100k claims in under 5 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from procstat import peak_rss_kb

from workbench.export import EXPORT_FORMATS
from workbench.store import open_store, utc_now

DOCUMENT_COUNT = 1_000
STATUS_MIX = ("unreviewed",) * 5 + ("true", "false", "misleading", "unverifiable", "not_checkworthy")
NOTES = (
    "",
    "Checked against the ministry's statement, which says otherwise.",
    'Source: "official figures", 2023; see thread\nsecond line of the note 🙂',
    '=HYPERLINK("http://example.com")',
)
WORDS = [
    "the",
    "minister",
    "said",
    "drone",
    "attack",
    "kremlin",
    "moscow",
    "ukraine",
    "official",
    "figures",
    "percent",
    "night",
    "residence",
    "spokesman",
    "denied",
    "reported",
    "according",
    "to",
    "sources",
]


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()


def build_database(path: Path, claim_count: int, mentions_per_claim: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    now = utc_now()
    with open_store(path) as store, store.write() as db:
        document_texts = [sentence(rng, 400) for _ in range(DOCUMENT_COUNT)]
        db["documents"].insert_all(
            (
                {
                    "id": f"d{index:05d}",
                    "seq": index,
                    "file_name": f"{index:05d}_article.txt",
                    "source_path": f"/corpus/{index:05d}_article.txt",
                    "title": f"Report {index} on the drone incident",
                    "outlet": rng.choice(["Bloomberg", "AP", "Reuters", None]),
                    "text": text,
                    "content_hash": f"hash{index:05d}",
                    "ingested_at": now,
                }
                for index, text in enumerate(document_texts)
            ),
            batch_size=500,
        )

        def claims() -> Iterator[dict]:
            for index in range(claim_count):
                text = sentence(rng, 14)
                if index % 97 == 0:
                    text = "-" + text  # a claim a spreadsheet would take for a formula
                yield {
                    "id": f"c{index:07d}",
                    "text": text,
                    "claimant": rng.choice(["Dmitry Peskov", "Serhiy Nykyforov", "@kremlin", None]),
                    "channel": rng.choice(["said", "told reporters", None]),
                    "checkworthiness": round(rng.random(), 4),
                    "source_count": mentions_per_claim,
                    "document_count": mentions_per_claim,
                    "sort_key": index,
                    "created_at": now,
                    "updated_at": now,
                }

        def mentions() -> Iterator[dict]:
            for index in range(claim_count):
                for copy in range(mentions_per_claim):
                    document = rng.randrange(DOCUMENT_COUNT)
                    start = rng.randrange(0, 2000)
                    end = start + 80
                    yield {
                        "id": f"m{index:07d}_{copy}",
                        "claim_id": f"c{index:07d}",
                        "document_id": f"d{document:05d}",
                        "sentence_id": None,
                        "start": start,
                        "end": end,
                        "quote": document_texts[document][start:end],
                        "claim_text": None,
                        "claimant": None,
                        "channel": None,
                        "checkworthiness": None,
                        "created_at": now,
                    }

        def reviews() -> Iterator[dict]:
            for index in range(claim_count):
                status = rng.choice(STATUS_MIX)
                reviewed = status != "unreviewed"
                yield {
                    "claim_id": f"c{index:07d}",
                    "status": status,
                    "note": rng.choice(NOTES) if reviewed else "",
                    "reviewer": "ana" if reviewed else None,
                    "reviewed_at": now if reviewed else None,
                    "updated_at": now,
                }

        db["claims"].insert_all(claims(), batch_size=1000)
        db["mentions"].insert_all(mentions(), batch_size=1000)
        db["reviews"].insert_all(reviews(), batch_size=1000)


def run_export(db_path: Path, export_format: str, output: Path) -> tuple[float, float, int]:
    """Seconds, peak RSS in MB and output bytes of one `workbench export` process."""
    command = [sys.executable, "-m", "workbench", "export", "--db", str(db_path), "--format", export_format]
    started = time.perf_counter()
    process = subprocess.Popen([*command, "-o", str(output), "--force"], stderr=subprocess.PIPE)
    # The child's own high-water mark, sampled while it runs: its wait4 ru_maxrss would start at this process's RSS
    # (Linux carries the parent's over at exec), and this process has just built the database.
    peak_kb = 0
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        peak_kb = max(peak_kb, peak_rss_kb(process.pid))
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    error = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"export --format {export_format} failed: {error.strip()}")
    return seconds, (peak_kb or usage.ru_maxrss) / 1024, output.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--mentions-per-claim", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="Build the database and exports in this folder.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        db_path = folder / "bench_export.db"
        for leftover in folder.glob("bench_export.db*"):
            leftover.unlink()
        started = time.perf_counter()
        build_database(db_path, args.claims, args.mentions_per_claim)
        print(
            f"built {args.claims:,} claims, ~{args.claims * args.mentions_per_claim:,} mentions, "
            f"{DOCUMENT_COUNT:,} documents in {time.perf_counter() - started:.1f} s"
        )
        print(f"{'format':<12} {'seconds':>8} {'peak RSS MB':>12} {'output MB':>10}")
        for export_format in EXPORT_FORMATS:
            output = folder / f"export.{export_format}"
            seconds, peak_mb, size = run_export(db_path, export_format, output)
            print(f"{export_format:<12} {seconds:>8.2f} {peak_mb:>12.1f} {size / 1_048_576:>10.1f}")


if __name__ == "__main__":
    main()
