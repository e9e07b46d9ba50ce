"""Build a workbench database with N synthetic claims, fast, for UI benchmarks and manual testing at scale.

    .venv/bin/python benchmarks/synthetic_db.py /tmp/big.db 100000

The rows follow the real schema (documents, sentences, claims, mentions, reviews) and go in through
`open_store`, so migrations, FTS triggers and indexes are the real ones. Content is deterministic for a given
N and seed: claims are made-up sentences, 1-3 sources each, a share of them already reviewed.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from pathlib import Path

from workbench.ingest import SORT_KEY_DOCUMENT_STRIDE
from workbench.store import open_store

SENTENCES_PER_DOCUMENT = 25
FIXED_TIME = "2024-05-03T12:00:00.000Z"
OUTLETS = ["Daily Ledger", "Morning Post", "Wire Service", "City Herald", "Evening Star", "Global Times Review"]
CLAIMANTS = [None, "the ministry", "Dmitry Peskov", "a spokesperson", "the mayor", "police", "Serhiy Nykyforov"]
CHANNELS = [None, "statement", "Telegram", "press conference", "interview"]
SUBJECTS = ["The ministry", "Officials", "The mayor", "Two drones", "The company", "Police", "The report", "Witnesses"]
VERBS = ["said", "reported", "denied", "confirmed", "estimated", "claimed", "announced", "warned"]
OBJECTS = [
    "that {n} people were evacuated from the district",
    "that the attack happened at {h}:{m:02d} local time",
    "that spending rose by {n} percent last year",
    "that {n} drones were shot down over the region",
    "that the bridge would reopen within {n} days",
    "that turnout reached {n} percent in the capital",
    "that prices fell for the {n}th month in a row",
    "that the building was empty when it was hit",
]
STATUS_CHOICES = ["true", "false", "misleading", "unverifiable", "not_checkworthy"]


def make_sentence(rng: random.Random) -> str:
    obj = rng.choice(OBJECTS).format(n=rng.randint(2, 950), h=rng.randint(0, 23), m=rng.randint(0, 59))
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {obj}."


def build(path: Path, claim_count: int, *, seed: int = 7, reviewed_share: float = 0.3) -> Path:
    """Create `path` (which must not exist) with `claim_count` claims; returns the path."""
    if path.exists():
        raise SystemExit(f"{path} already exists; remove it or pick another path")
    rng = random.Random(seed)
    document_count = max(3, -(-claim_count // SENTENCES_PER_DOCUMENT))
    with open_store(path) as store:
        conn = store.conn
        conn.execute("PRAGMA synchronous = OFF")
        with store.write():
            documents: list[tuple] = []
            sentences: list[tuple] = []
            sentence_spans: dict[tuple[int, int], tuple[str, int, int, str]] = {}
            for seq in range(1, document_count + 1):
                document_id = f"d{seq:08d}"
                parts: list[str] = []
                offset = 0
                headline = make_sentence(rng).rstrip(".")
                for idx in range(SENTENCES_PER_DOCUMENT):
                    text = make_sentence(rng)
                    sentence_spans[(seq, idx)] = (document_id, offset, offset + len(text), text)
                    sentences.append((f"{document_id}:{idx}", document_id, idx, offset, offset + len(text), text))
                    parts.append(text)
                    offset += len(text) + 1
                body = " ".join(parts)
                documents.append(
                    (
                        document_id,
                        seq,
                        f"{seq:06d}.txt",
                        f"synthetic/{seq:06d}.txt",
                        headline,
                        OUTLETS[seq % len(OUTLETS)],
                        body,
                        hashlib.sha256(f"{seed}:{seq}".encode()).hexdigest(),
                        FIXED_TIME,
                    )
                )
            conn.executemany("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", documents)
            conn.executemany("INSERT INTO sentences VALUES (?, ?, ?, ?, ?, ?)", sentences)
            claims: list[tuple] = []
            mentions: list[tuple] = []
            reviews: list[tuple] = []
            for number in range(claim_count):
                seq, idx = divmod(number, SENTENCES_PER_DOCUMENT)
                seq += 1
                document_id, start, end, text = sentence_spans[(seq, idx)]
                claim_id = f"c{number:012d}"
                claimant = rng.choice(CLAIMANTS)
                channel = rng.choice(CHANNELS) if claimant else None
                score = round(rng.random(), 4)
                source_documents = [seq]
                for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
                    source_documents.append(rng.randint(1, document_count))
                source_documents = sorted(set(source_documents))
                for source_seq in source_documents:
                    source_document, source_start, source_end, _ = sentence_spans[(source_seq, idx)]
                    mentions.append(
                        (
                            f"m{number:012d}{source_seq:08d}",
                            claim_id,
                            source_document,
                            f"{source_document}:{idx}",
                            source_start,
                            source_end,
                            text,
                            text,
                            claimant,
                            channel,
                            score,
                            FIXED_TIME,
                        )
                    )
                claims.append(
                    (
                        claim_id,
                        text,
                        claimant,
                        channel,
                        score,
                        len(source_documents),
                        len(source_documents),
                        seq * SORT_KEY_DOCUMENT_STRIDE + start,
                        FIXED_TIME,
                        FIXED_TIME,
                    )
                )
                reviewed = rng.random() < reviewed_share
                reviews.append(
                    (
                        claim_id,
                        rng.choice(STATUS_CHOICES) if reviewed else "unreviewed",
                        "",
                        "bench" if reviewed else None,
                        FIXED_TIME if reviewed else None,
                        FIXED_TIME,
                    )
                )
            conn.executemany("INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", claims)
            conn.executemany("INSERT INTO mentions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", mentions)
            conn.executemany("INSERT INTO reviews VALUES (?, ?, ?, ?, ?, ?)", reviews)
        conn.execute("ANALYZE")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("claims", type=int)
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args()
    started = time.perf_counter()
    build(arguments.path, arguments.claims, seed=arguments.seed)
    print(f"{arguments.path}: {arguments.claims} claims in {time.perf_counter() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
