"""Reviewer actions on claims: status, note, undo. Each is one short transaction with a history row.

Shared by the TUI and `workbench set`, so both leave the same trail. Only the fields given change, which is
why a status set by one reviewer and a note written by another on the same claim both persist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from workbench.errors import InvalidValueError, NotFoundError
from workbench.models import DEFAULT_STATUSES
from workbench.store import Store, utc_now

REVIEW_FIELDS = ("status", "note")


@dataclass(frozen=True, slots=True)
class Change:
    claim_id: str
    field: str
    old_value: str | None
    new_value: str | None
    history_id: int
    action: str = ""  # for an undo: what was undone (status, note, merge, split, edit)


def validate_status(status: str, statuses: Sequence[str] = DEFAULT_STATUSES) -> str:
    if status not in statuses:
        raise InvalidValueError(f"unknown status {status!r}; expected one of: {', '.join(statuses)}")
    return status


def _current_review(store: Store, claim_id: str) -> tuple[str, str]:
    row = store.conn.execute(
        "SELECT r.status, r.note FROM claims c LEFT JOIN reviews r ON r.claim_id = c.id WHERE c.id = ?",
        [claim_id],
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no claim with id {claim_id!r}")
    return row[0] or "unreviewed", row[1] or ""


def update_review(
    store: Store,
    claim_id: str,
    *,
    reviewer: str,
    status: str | None = None,
    note: str | None = None,
    statuses: Sequence[str] = DEFAULT_STATUSES,
    action: str | None = None,
) -> list[Change]:
    """Change the given fields of one claim's review in one transaction; unchanged fields are not touched."""
    if status is not None:
        validate_status(status, statuses)
    changes: list[Change] = []
    with store.write():
        old_status, old_note = _current_review(store, claim_id)
        now = utc_now()
        updates: dict[str, str] = {}
        if status is not None and status != old_status:
            updates["status"] = status
        if note is not None and note != old_note:
            updates["note"] = note
        if not updates:
            return []
        store.conn.execute(
            "INSERT OR IGNORE INTO reviews (claim_id, status, note, updated_at) VALUES (?, 'unreviewed', '', ?)",
            [claim_id, now],
        )
        assignments = ", ".join(f"{name} = ?" for name in updates)
        store.conn.execute(
            f"UPDATE reviews SET {assignments}, reviewer = ?, reviewed_at = ?, updated_at = ? WHERE claim_id = ?",
            [*updates.values(), reviewer, now, now, claim_id],
        )
        for name, new_value in updates.items():
            old_value = old_status if name == "status" else old_note
            cursor = store.conn.execute(
                "INSERT INTO review_history (claim_id, action, field, old_value, new_value, reviewer, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [claim_id, action or name, name, old_value, new_value, reviewer, now],
            )
            changes.append(Change(claim_id, name, old_value, new_value, int(cursor.lastrowid or 0)))
    return changes


def set_status(
    store: Store, claim_id: str, status: str, *, reviewer: str, statuses: Sequence[str] = DEFAULT_STATUSES
) -> list[Change]:
    return update_review(store, claim_id, reviewer=reviewer, status=status, statuses=statuses)


def set_note(store: Store, claim_id: str, note: str, *, reviewer: str) -> list[Change]:
    return update_review(store, claim_id, reviewer=reviewer, note=note)


# Rows an undo never reverts: undos themselves, and verdicts imported from another reviewer's database.
NOT_UNDOABLE_ACTIONS = ("undo", "import", "import_agree", "import_conflict")
CORRECTION_ACTIONS = ("merge", "split", "edit")


def undo_last(store: Store, *, reviewer: str) -> Change | None:
    """Revert this reviewer's most recent change (status, note, or a merge/split/edit correction) not undone yet.

    The revert is itself a history row (action 'undo'); the original row is marked, never deleted.
    Returns None when there is nothing left to undo; `Change.action` names what was undone.
    """
    with store.write():
        row = store.conn.execute(
            "SELECT id, claim_id, field, old_value, new_value, action FROM review_history"
            " WHERE reviewer = ? AND undone_by IS NULL"
            f" AND ((field IN ('status', 'note') AND action NOT IN ({','.join('?' * len(NOT_UNDOABLE_ACTIONS))}))"
            f" OR action IN ({','.join('?' * len(CORRECTION_ACTIONS))}))"
            " ORDER BY id DESC LIMIT 1",
            [reviewer, *NOT_UNDOABLE_ACTIONS, *CORRECTION_ACTIONS],
        ).fetchone()
        if row is None:
            return None
        history_id, claim_id, field_name, old_value, new_value, action = row
        if action in CORRECTION_ACTIONS:
            from workbench.corrections import undo_correction  # corrections builds on this module

            undone = undo_correction(store, history_id, reviewer=reviewer)
            return Change(undone.claim_id, undone.field, undone.old_value, undone.new_value, undone.history_id, action)
        current_status, current_note = _current_review(store, claim_id)
        current = current_status if field_name == "status" else current_note
        now = utc_now()
        restored = old_value if old_value is not None else ("unreviewed" if field_name == "status" else "")
        store.conn.execute(
            f"UPDATE reviews SET {field_name} = ?, reviewer = ?, reviewed_at = ?, updated_at = ? WHERE claim_id = ?",
            [restored, reviewer, now, now, claim_id],
        )
        cursor = store.conn.execute(
            "INSERT INTO review_history (claim_id, action, field, old_value, new_value, reviewer, at)"
            " VALUES (?, 'undo', ?, ?, ?, ?, ?)",
            [claim_id, field_name, current, restored, reviewer, now],
        )
        undo_id = int(cursor.lastrowid or 0)
        store.conn.execute("UPDATE review_history SET undone_by = ? WHERE id = ?", [undo_id, history_id])
    return Change(claim_id, field_name, current, restored, undo_id, action)


def history(store: Store, claim_id: str | None = None, limit: int | None = None) -> list[dict]:
    sql = "SELECT id, claim_id, action, field, old_value, new_value, reviewer, at, undone_by FROM review_history"
    params: list[object] = []
    if claim_id is not None:
        sql += " WHERE claim_id = ?"
        params.append(claim_id)
    sql += " ORDER BY id"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [dict(row) for row in store.conn.execute(sql, params)]
