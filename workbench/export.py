"""Verdicts out of the store. Every format is built from `export_records`, one dict per claim."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from workbench.store import Store


def export_records(store: Store, statuses: Sequence[str] | None = None) -> Iterator[dict]:
    """Claims in document order with their review and every source passage (verbatim quote + offsets)."""
    where = ""
    params: list[object] = []
    if statuses:
        where = f"WHERE COALESCE(r.status, 'unreviewed') IN ({','.join('?' * len(statuses))})"
        params.extend(statuses)
    claims = store.conn.execute(
        f"""
        SELECT c.id, c.text, c.claimant, c.channel, c.checkworthiness,
               COALESCE(r.status, 'unreviewed') AS status, COALESCE(r.note, '') AS note,
               r.reviewer, r.reviewed_at
        FROM claims c LEFT JOIN reviews r ON r.claim_id = c.id
        {where}
        ORDER BY c.sort_key, c.id
        """,
        params,
    )
    source_cursor = store.conn.cursor()
    for row in claims:
        sources = [
            {
                "document": source[0],
                "title": source[1],
                "outlet": source[2],
                "quote": source[3],
                "start": source[4],
                "end": source[5],
            }
            for source in source_cursor.execute(
                """
                SELECT d.file_name, d.title, d.outlet, m.quote, m.start, m."end"
                FROM mentions m JOIN documents d ON d.id = m.document_id
                WHERE m.claim_id = ? ORDER BY d.seq, m.start
                """,
                [row["id"]],
            )
        ]
        yield {
            "id": row["id"],
            "text": row["text"],
            "claimant": row["claimant"],
            "channel": row["channel"],
            "status": row["status"],
            "note": row["note"],
            "reviewer": row["reviewer"],
            "reviewed_at": row["reviewed_at"],
            "checkworthiness": row["checkworthiness"],
            "sources": sources,
        }


def write_json(store: Store, out: TextIO, statuses: Sequence[str] | None = None) -> int:
    """Stream `{"claims": [...]}` without holding every claim in memory; returns the number written."""
    count = 0
    out.write('{"claims": [')
    for record in export_records(store, statuses):
        out.write(",\n  " if count else "\n  ")
        out.write(json.dumps(record, ensure_ascii=False))
        count += 1
    out.write("\n]}\n" if count else "]}\n")
    return count


FORMAT_WRITERS = {"json": write_json}


def write_format(
    store: Store, export_format: str, out: TextIO, statuses: Sequence[str] | None, org: str | None = None
) -> int:
    writer = FORMAT_WRITERS.get(export_format)
    if writer is None:
        from workbench.errors import InvalidValueError

        raise InvalidValueError(f"export format {export_format!r} is not available")
    return writer(store, out, statuses)


def write_file(
    store: Store,
    export_format: str,
    path: Path,
    statuses: Sequence[str] | None,
    org: str | None = None,
    force: bool = False,
) -> int:
    """Write to a temporary file beside `path`, then rename: a failed export never leaves half a file."""
    from workbench.errors import WorkbenchError

    if path.exists() and not force:
        raise WorkbenchError(f"{path} already exists; use --force to overwrite it")
    if not path.parent.exists():
        raise WorkbenchError(f"folder {path.parent} does not exist")
    temporary = path.with_name(f".{path.name}.partial")
    try:
        with temporary.open("w", encoding="utf-8", newline="") as out:
            count = write_format(store, export_format, out, statuses, org=org)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return count
