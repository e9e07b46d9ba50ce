"""A small, fixed review database for the UI and claims-view tests and snapshots.

Written row by row (not through extraction), so the content never changes when the extractor improves, and
with fixed timestamps, so snapshots are byte-for-byte stable. One article carries Rich/Textual markup in its
text, outlet and claimant: it must always be shown literally.

Two articles report one strike with different figures, two spellings of a name and a hedge ("alleged"): claim
c-strike is flagged with three discrepancies. c-blame and c-denial are linked as contradicting each other. The flag
and link rows are written here too (spans computed from the text), so the UI's view of them never depends on the
detectors' tuning; tests/test_ui_review.py checks the detectors agree.
"""

from __future__ import annotations

import json
from pathlib import Path

from workbench.ingest import SORT_KEY_DOCUMENT_STRIDE
from workbench.store import open_store

FIXED_TIME = "2024-05-04T09:30:00.000Z"
REVIEWER = "ana"
MARKUP_CLAIM = "[bold red]Officials[/] said [@click=app.quit]nothing[/] was damaged."

# (title, outlet, sentences)
DOCUMENTS: list[tuple[str, str | None, list[str]]] = [
    (
        "Kremlin says it downed two drones",
        "Wire Service",
        [
            "Russia said it shot down two drones over the Kremlin on Wednesday.",
            "The Kremlin said Putin was not in the building at the time.",
            "Officials blamed Ukraine for the attack without giving evidence.",
            "Kyiv denied any involvement in the incident.",
            "The Victory Day parade on May 9 will go ahead, a spokesman said.",
        ],
    ),
    (
        "Moscow drone incident: what we know",
        "Daily Ledger",
        [
            "Russia said on Wednesday that two drones were shot down over the Kremlin.",
            "Dmitry Peskov said Putin was working at his residence outside Moscow.",
            "Drone flights over Moscow have been banned since the incident, the mayor said.",
            "Ukraine said it had nothing to do with the attack.",
        ],
    ),
    (
        "Local report [bold]with markup[/bold]",
        "[@click=app.quit]Evil Outlet[/]",
        [
            "A local paper repeated the claims.",
            MARKUP_CLAIM,
            "It gave no source for the figures.",
        ],
    ),
    (
        "Irpin hit overnight",
        "Morning Post",
        [
            "Mykhailo Podolyak said 12 people were killed in the strike on Irpin.",
            "Rescue work went on into the morning.",
        ],
    ),
    (
        "Irpin strike: what officials say",
        "City Herald",
        [
            "Mykhailo Podoliak said 14 people were killed in the alleged strike on Irpin.",
            "The mayor asked residents to stay indoors.",
        ],
    ),
]

# (claim id, text, claimant, channel, checkworthiness, [(document index, sentence index, quoted span or None)])
CLAIMS: list[tuple[str, str, str | None, str | None, float, list[tuple[int, int, str | None]]]] = [
    (
        "c-drones",
        "Russia shot down two drones over the Kremlin on Wednesday",
        "Russia",
        "statement",
        0.91,
        [(0, 0, "shot down two drones over the Kremlin"), (1, 0, "two drones were shot down over the Kremlin")],
    ),
    ("c-absent", "Putin was not in the building at the time", "the Kremlin", "statement", 0.72, [(0, 1, None)]),
    ("c-blame", "Ukraine was behind the attack", "Officials", None, 0.66, [(0, 2, "blamed Ukraine for the attack")]),
    (
        "c-denial",
        "Kyiv had no involvement in the incident",
        "Kyiv",
        None,
        0.58,
        [(0, 3, None), (1, 3, "it had nothing to do with the attack")],
    ),
    ("c-parade", "The Victory Day parade on May 9 will go ahead", "a spokesman", "interview", 0.44, [(0, 4, None)]),
    ("c-residence", "Putin was working at his residence outside Moscow", "Dmitry Peskov", None, 0.81, [(1, 1, None)]),
    (
        "c-ban",
        "Drone flights over Moscow have been banned since the incident",
        "the mayor",
        "Telegram",
        0.77,
        [(1, 2, "Drone flights over Moscow have been banned since the incident")],
    ),
    ("c-repeat", "A local paper repeated the claims", None, None, 0.12, [(2, 0, None)]),
    ("c-markup", MARKUP_CLAIM, "[i]Anonymous[/i]", "[link=https://x]web[/link]", 0.63, [(2, 1, "nothing")]),
    ("c-nosource", "It gave no source for the figures", None, None, 0.35, [(2, 2, None)]),
    (
        "c-strike",
        "12 people were killed in the strike on Irpin",
        "Mykhailo Podolyak",
        "Telegram",
        0.88,
        [(3, 0, "12 people were killed in the strike on Irpin"), (4, 0, "14 people were killed in the alleged strike")],
    ),
]

# Flags of c-strike: (kind, summary, [(document index, sentence index, differing text, normalised value)]).
DISCREPANCIES: list[tuple[str, str, str, list[tuple[int, int, str, str]]]] = [
    ("c-strike", "number", "numbers differ: 12 vs 14", [(3, 0, "12", "12"), (4, 0, "14", "14")]),
    (
        "c-strike",
        "spelling",
        "names spelled differently: Podoliak / Podolyak",
        [(3, 0, "Podolyak", "Podolyak"), (4, 0, "Podoliak", "Podoliak")],
    ),
    ("c-strike", "hedging", "hedged in some sources only: alleged in 1 of 2 sources", [(4, 0, "alleged", "alleged")]),
]
# (claim a, claim b, score, shared words, the claim whose wording negates)
CONTRADICTIONS: list[tuple[str, str, float, list[str], str]] = [
    ("c-blame", "c-denial", 1.0, ["attack", "ukraine"], "c-denial"),
]

# Reviews present before any test acts (claim id, status, note).
INITIAL_REVIEWS: dict[str, tuple[str, str]] = {
    "c-absent": ("true", "Confirmed by two outlets."),
    "c-repeat": ("not_checkworthy", ""),
}


def build_review_db(path: Path) -> Path:
    """Create the fixed database at `path`; returns the path."""
    with open_store(path) as store, store.write():
        conn = store.conn
        sentence_offsets: dict[tuple[int, int], tuple[str, int, str]] = {}
        for number, (title, outlet, sentences) in enumerate(DOCUMENTS):
            document_id = f"d{number}"
            text = " ".join(sentences) + "\n"
            conn.execute(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [document_id, number + 1, f"article-{number}.txt", f"seeds/article-{number}.txt", title, outlet, text,
                 f"hash{number}", FIXED_TIME],
            )  # fmt: skip
            offset = 0
            for index, sentence in enumerate(sentences):
                conn.execute(
                    "INSERT INTO sentences VALUES (?, ?, ?, ?, ?, ?)",
                    [f"{document_id}:{index}", document_id, index, offset, offset + len(sentence), sentence],
                )
                sentence_offsets[(number, index)] = (document_id, offset, sentence)
                offset += len(sentence) + 1
        for claim_id, text, claimant, channel, score, sources in CLAIMS:
            first_document, first_sentence, _ = sources[0]
            first_start = sentence_offsets[(first_document, first_sentence)][1]
            conn.execute(
                "INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [claim_id, text, claimant, channel, score, len(sources), len({s[0] for s in sources}),
                 (first_document + 1) * SORT_KEY_DOCUMENT_STRIDE + first_start, FIXED_TIME, FIXED_TIME],
            )  # fmt: skip
            for document_number, sentence_number, quoted in sources:
                document_id, sentence_start, sentence = sentence_offsets[(document_number, sentence_number)]
                span_start = sentence.index(quoted) if quoted else 0
                span_end = span_start + len(quoted) if quoted else len(sentence)
                conn.execute(
                    "INSERT INTO mentions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [f"m-{claim_id}-{document_number}", claim_id, document_id, f"{document_id}:{sentence_number}",
                     sentence_start + span_start, sentence_start + span_end, sentence[span_start:span_end], text,
                     claimant, channel, score, FIXED_TIME],
                )  # fmt: skip
            status, note = INITIAL_REVIEWS.get(claim_id, ("unreviewed", ""))
            reviewed = status != "unreviewed" or note
            conn.execute(
                "INSERT INTO reviews VALUES (?, ?, ?, ?, ?, ?)",
                [claim_id, status, note, "bob" if reviewed else None, FIXED_TIME if reviewed else None, FIXED_TIME],
            )
        for claim_id, kind, summary, differing in DISCREPANCIES:
            spans = []
            for document_number, sentence_number, written, value in differing:
                document_id, sentence_start, sentence = sentence_offsets[(document_number, sentence_number)]
                start = sentence_start + sentence.index(written)
                mention_id = f"m-{claim_id}-{document_number}"
                spans.append(
                    {"mention_id": mention_id, "document_id": document_id, "start": start,
                     "end": start + len(written), "text": written, "value": value}
                )  # fmt: skip
            conn.execute(
                "INSERT INTO discrepancies (claim_id, kind, summary, spans, detected_at) VALUES (?, ?, ?, ?, ?)",
                [claim_id, kind, summary, json.dumps(spans), FIXED_TIME],
            )
        for claim_a, claim_b, score, shared, negated in CONTRADICTIONS:
            conn.execute(
                "INSERT INTO contradictions VALUES (?, ?, ?, ?, ?)",
                [claim_a, claim_b, score, json.dumps({"shared": shared, "negated": negated}), FIXED_TIME],
            )
    return path


def claim_order() -> list[str]:
    """Claim ids in document order (the default sort)."""
    return [claim[0] for claim in CLAIMS]
