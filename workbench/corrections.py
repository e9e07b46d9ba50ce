"""Fixing the machine's grouping by hand: merge claims, split a passage off, edit a claim's wording or claimant.

Each correction is stored as a fact in `corrections` (plus one `review_history` row, so it shows in the audit
trail and can be undone), and facts are re-applied last whenever grouping runs again (ingest of new articles,
`regroup`), so a hand correction is never lost to the machine:

* merge SRC into DST: "these mentions belong with DST", and "claim SRC is folded into DST";
* split mention M: "M stands alone", in a claim of its own whose id no other passage may take;
* edit: "claim C reads TEXT" / "claim C is attributed to NAME".

A claim left without any source passage is retired: its row and verdict move to `retired_claims` (never
deleted), and come back as they were when an undo or a regroup gives the id passages again. Reviews and notes
stay on their claim ids throughout.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from workbench.discrepancies import forget_flag_states
from workbench.errors import InvalidValueError, NotFoundError
from workbench.ingest import (
    SORT_KEY_DOCUMENT_STRIDE,
    claim_id_for,
    forget_kept_wordings,
    refresh_claim_summaries,
)
from workbench.match import ClaimMatcher
from workbench.models import UNREVIEWED
from workbench.review import Change
from workbench.store import Store, in_list_chunks, utc_now

CORRECTION_KINDS = ("merge", "split", "edit")
EDITABLE_FIELDS = ("text", "claimant")
# review_history.field of each correction kind's row (edits use the edited field's name)
HISTORY_FIELD = {"merge": "claim", "split": "mention"}


@dataclass(frozen=True, slots=True)
class Correction:
    """One stored correction fact (see the module docstring for what each kind means)."""

    id: int
    kind: str
    claim_id: str
    other_claim_id: str | None
    mention_ids: tuple[str, ...]
    field: str | None
    old_value: str | None
    new_value: str | None
    reviewer: str
    at: str
    history_id: int | None
    undone_by: int | None

    @property
    def active(self) -> bool:
        return self.undone_by is None


@dataclass(frozen=True, slots=True)
class CorrectionResult:
    """What a correction did. `claim_id` is the claim a UI should show afterwards."""

    kind: str
    claim_id: str
    correction_id: int
    history_id: int
    description: str


@dataclass
class RegroupReport:
    mentions: int = 0
    groups: int = 0
    kept_ids: int = 0
    new_claims: list[str] = field(default_factory=list)
    retired_claims: list[str] = field(default_factory=list)
    retired_with_verdict: list[tuple[str, str]] = field(default_factory=list)  # (claim id, status)
    moved_mentions: int = 0
    corrections_applied: int = 0


# ---------------------------------------------------------------------------------------------------------------
# The three corrections


def merge_claims(store: Store, source_claim_id: str, target_claim_id: str, *, reviewer: str) -> CorrectionResult:
    """Fold every source passage of `source_claim_id` into `target_claim_id` (the source claim is retired).

    The target keeps its own verdict and note; the source's verdict is kept with the retired claim and comes
    back if the merge is undone.
    """
    if source_claim_id == target_claim_id:
        raise InvalidValueError(f"cannot merge claim {source_claim_id!r} into itself")
    with store.write():
        _require_claim(store, source_claim_id)
        _require_claim(store, target_claim_id)
        mention_ids = [
            row[0]
            for row in store.conn.execute(
                "SELECT id FROM mentions WHERE claim_id = ? ORDER BY rowid", [source_claim_id]
            )
        ]
        history_id = _history_row(store, source_claim_id, "merge", "claim", source_claim_id, target_claim_id, reviewer)
        correction_id = _insert_fact(
            store,
            kind="merge",
            claim_id=target_claim_id,
            other_claim_id=source_claim_id,
            mention_ids=mention_ids,
            reviewer=reviewer,
            history_id=history_id,
        )
        _after_change(store, {source_claim_id, target_claim_id})
    return CorrectionResult(
        "merge",
        target_claim_id,
        correction_id,
        history_id,
        f"merged {source_claim_id} ({len(mention_ids)} sources) into {target_claim_id}",
    )


def split_mention(store: Store, mention_id: str, *, reviewer: str) -> CorrectionResult:
    """Take one source passage out of its claim into a claim of its own, which no other passage may join."""
    with store.write():
        row = store.conn.execute("SELECT claim_id FROM mentions WHERE id = ?", [mention_id]).fetchone()
        if row is None:
            raise NotFoundError(f"no source passage (mention) with id {mention_id!r}")
        origin = row[0]
        siblings = store.conn.execute("SELECT COUNT(*) FROM mentions WHERE claim_id = ?", [origin]).fetchone()[0]
        if siblings < 2:
            raise InvalidValueError(f"mention {mention_id!r} is already the only source of claim {origin!r}")
        new_claim_id = split_claim_id(mention_id)
        history_id = _history_row(store, origin, "split", "mention", mention_id, new_claim_id, reviewer)
        correction_id = _insert_fact(
            store,
            kind="split",
            claim_id=new_claim_id,
            other_claim_id=origin,
            mention_ids=[mention_id],
            reviewer=reviewer,
            history_id=history_id,
        )
        _after_change(store, {origin, new_claim_id})
    return CorrectionResult(
        "split", new_claim_id, correction_id, history_id, f"split {mention_id} off {origin} into {new_claim_id}"
    )


def edit_claim(
    store: Store, claim_id: str, *, reviewer: str, text: str | None = None, claimant: str | None = None
) -> list[CorrectionResult]:
    """Reword a claim and/or change its claimant (an empty claimant clears it). Unchanged fields are skipped."""
    if text is None and claimant is None:
        raise InvalidValueError("give a new text and/or claimant")
    if text is not None and not text.strip():
        raise InvalidValueError("a claim's text cannot be empty")
    results: list[CorrectionResult] = []
    with store.write():
        current = _require_claim(store, claim_id)
        for field_name, value in (("text", text), ("claimant", claimant)):
            if value is None:
                continue
            value = " ".join(value.split())
            old_value = current[field_name]
            if value == (old_value or ""):
                continue
            history_id = _history_row(store, claim_id, "edit", field_name, old_value, value, reviewer)
            correction_id = _insert_fact(
                store,
                kind="edit",
                claim_id=claim_id,
                field=field_name,
                old_value=old_value,
                new_value=value,
                reviewer=reviewer,
                history_id=history_id,
            )
            results.append(
                CorrectionResult("edit", claim_id, correction_id, history_id, f"edited {field_name} of {claim_id}")
            )
        if results:
            _after_change(store, {claim_id})
    return results


def undo_correction(store: Store, history_id: int, *, reviewer: str) -> Change:
    """Revert the correction recorded by history row `history_id` (called by `review.undo_last`).

    The fact is marked undone (never deleted), an 'undo' history row is written, passages go back where they
    were and every other fact still in force is applied again.
    """
    with store.write():
        row = store.conn.execute("SELECT * FROM corrections WHERE history_id = ?", [history_id]).fetchone()
        if row is None:
            raise NotFoundError(f"history entry {history_id} is not a correction")
        fact = _fact_from_row(row)
        if not fact.active:
            raise InvalidValueError(f"history entry {history_id} is already undone")
        original = store.conn.execute(
            "SELECT claim_id, field, old_value, new_value FROM review_history WHERE id = ?", [history_id]
        ).fetchone()
        now = utc_now()
        cursor = store.conn.execute(
            "INSERT INTO review_history (claim_id, action, field, old_value, new_value, reviewer, at)"
            " VALUES (?, 'undo', ?, ?, ?, ?, ?)",
            [original["claim_id"], original["field"], original["new_value"], original["old_value"], reviewer, now],
        )
        undo_id = int(cursor.lastrowid or 0)
        store.conn.execute("UPDATE review_history SET undone_by = ? WHERE id = ?", [undo_id, history_id])
        store.conn.execute("UPDATE corrections SET undone_by = ? WHERE id = ?", [undo_id, fact.id])
        touched = {fact.claim_id, *([fact.other_claim_id] if fact.other_claim_id else [])}
        _defer_foreign_keys(store)
        if fact.kind in ("merge", "split") and fact.other_claim_id:
            # Passages the fact moved go back to the claim they came from, unless something moved them since. (A
            # merge of a claim quoted thousands of times names thousands: more than one statement's parameters.)
            for chunk, placeholders in in_list_chunks(fact.mention_ids):
                store.conn.execute(
                    f"UPDATE mentions SET claim_id = ? WHERE claim_id = ? AND id IN ({placeholders})",
                    [fact.other_claim_id, fact.claim_id, *chunk],
                )
            _passages_moved(store, touched)
        elif fact.kind == "edit" and fact.field:
            _reset_field(store, fact)
        _after_change(store, touched)
    return Change(original["claim_id"], original["field"], original["new_value"], original["old_value"], undo_id)


# ---------------------------------------------------------------------------------------------------------------
# Reading facts and the audit trail


def list_corrections(store: Store, claim_id: str | None = None, *, include_undone: bool = False) -> list[Correction]:
    sql = "SELECT * FROM corrections"
    conditions: list[str] = []
    params: list[object] = []
    if claim_id is not None:
        conditions.append("(claim_id = ? OR other_claim_id = ?)")
        params.extend([claim_id, claim_id])
    if not include_undone:
        conditions.append("undone_by IS NULL")
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    return [_fact_from_row(row) for row in store.conn.execute(sql + " ORDER BY id", params)]


def claim_history(store: Store, claim_id: str | None = None, limit: int | None = None) -> list[dict]:
    """The audit trail, oldest first: every status, note, correction, import and undo (nothing is ever deleted).

    For one claim it also includes merges and splits that moved passages into it (their row is filed under the
    claim the passages left).
    """
    sql = "SELECT id, claim_id, action, field, old_value, new_value, reviewer, at, undone_by FROM review_history"
    params: list[object] = []
    if claim_id is not None:
        sql += " WHERE claim_id = ? OR (field IN ('claim', 'mention') AND (old_value = ? OR new_value = ?))"
        params.extend([claim_id, claim_id, claim_id])
    sql += " ORDER BY id"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [dict(row) for row in store.conn.execute(sql, params)]


def find_merge_targets(store: Store, query: str, *, exclude: str | None = None, limit: int = 20) -> list[dict]:
    """Claims matching `query` (full-text on text and claimant), for picking the claim to merge into.

    A query that is a claim id returns that claim. Each row: id, text, claimant, source_count, status.
    """
    query = query.strip()
    if not query:
        return []
    select = (
        "SELECT c.id, c.text, c.claimant, c.source_count, COALESCE(r.status, 'unreviewed') AS status"
        " FROM claims c LEFT JOIN reviews r ON r.claim_id = c.id"
    )
    rows = store.conn.execute(f"{select} WHERE c.id = ?", [query]).fetchall()
    if not rows:
        terms = [term for term in "".join(ch if ch.isalnum() else " " for ch in query).split() if term]
        if not terms:
            return []
        match = " ".join(f'"{term}"*' for term in terms)
        rows = store.conn.execute(
            f"{select} JOIN claims_fts f ON f.rowid = c.rowid WHERE claims_fts MATCH ? ORDER BY f.rank LIMIT ?",
            [match, limit + 1],
        ).fetchall()
    return [dict(row) for row in rows if row["id"] != exclude][:limit]


def claim_mentions(store: Store, claim_id: str) -> list[dict]:
    """The source passages of a claim (id, document file, offsets, quote), in document order."""
    rows = store.conn.execute(
        """
        SELECT m.id, m.document_id, d.file_name, d.title, m.start, m."end", m.quote, m.claim_text, m.claimant
        FROM mentions m JOIN documents d ON d.id = m.document_id
        WHERE m.claim_id = ? ORDER BY d.seq, m.start
        """,
        [claim_id],
    )
    return [dict(row) for row in rows]


def split_claim_id(mention_id: str) -> str:
    """The id of the claim a split passage gets: always the same for the same passage, never another's."""
    return "c" + hashlib.sha1(f"split:{mention_id}".encode()).hexdigest()[:12]


# ---------------------------------------------------------------------------------------------------------------
# Applying facts: after each correction, after ingest of new articles, and last in regroup


@dataclass
class _FactState:
    """The active facts folded into lookups: where pinned passages go, where folded claims went."""

    pins: dict[str, str] = field(default_factory=dict)  # mention id -> claim id
    aliases: dict[str, str] = field(default_factory=dict)  # merged claim id -> the claim it went into
    split_origins: dict[str, str] = field(default_factory=dict)  # split claim id -> claim the passage left
    edits: dict[tuple[str, str], str] = field(default_factory=dict)  # (claim id, field) -> value
    count: int = 0

    def resolve(self, claim_id: str) -> str:
        seen: set[str] = set()
        while claim_id in self.aliases and claim_id not in seen:
            seen.add(claim_id)
            claim_id = self.aliases[claim_id]
        return claim_id

    def place(self, mention_id: str, grouped_claim_id: str) -> str:
        """Where a passage belongs, given the claim grouping put it in."""
        if mention_id in self.pins:
            return self.resolve(self.pins[mention_id])
        claim_id = self.resolve(grouped_claim_id)
        seen: set[str] = set()
        # A split claim holds its one passage only: anything else grouping put there goes back where it came from.
        while claim_id in self.split_origins and claim_id not in seen:
            seen.add(claim_id)
            claim_id = self.resolve(self.split_origins[claim_id])
        return claim_id


def _load_facts(store: Store) -> _FactState:
    state = _FactState()
    for row in store.conn.execute("SELECT * FROM corrections WHERE undone_by IS NULL ORDER BY id"):
        fact = _fact_from_row(row)
        state.count += 1
        if fact.kind == "merge":
            for mention_id in fact.mention_ids:
                state.pins[mention_id] = fact.claim_id
            if fact.other_claim_id:
                state.aliases[fact.other_claim_id] = fact.claim_id
                state.aliases.pop(fact.claim_id, None)  # merging back into a folded claim revives it
        elif fact.kind == "split":
            for mention_id in fact.mention_ids:
                state.pins[mention_id] = fact.claim_id
            if fact.other_claim_id:
                state.split_origins[fact.claim_id] = fact.other_claim_id
            state.aliases.pop(fact.claim_id, None)
        elif fact.kind == "edit" and fact.field:
            state.edits[(fact.claim_id, fact.field)] = fact.new_value or ""
    return state


def apply_corrections(store: Store, mention_ids: Collection[str] | None = None) -> set[str]:
    """Enforce every active correction on the passages given (all passages if None); returns claims touched.

    Ingest calls this for each new document's passages inside its transaction; it is idempotent.
    """
    with store.write():
        state = _load_facts(store)
        if not state.count:
            return set()
        _defer_foreign_keys(store)
        if mention_ids is None:
            rows = store.conn.execute("SELECT id, claim_id FROM mentions").fetchall()
        else:
            rows = []
            for chunk, placeholders in in_list_chunks(list(mention_ids)):
                rows += store.conn.execute(
                    f"SELECT id, claim_id FROM mentions WHERE id IN ({placeholders})", chunk
                ).fetchall()
        touched: set[str] = set()
        for mention_id, claim_id in rows:
            placed = state.place(mention_id, claim_id)
            if placed != claim_id:
                store.conn.execute("UPDATE mentions SET claim_id = ? WHERE id = ?", [placed, mention_id])
                touched.update((claim_id, placed))
        _passages_moved(store, touched)
        touched |= _sync_claims(store, touched, state)
        touched |= _apply_edits(store, state, None if mention_ids is None else touched)
    return touched


def _passages_moved(store: Store, claim_ids: set[str] | None) -> None:
    """Passages of `claim_ids` (None: of any claim) moved between claims: what was kept about them no longer holds,
    so the next flag computation and index load read them again."""
    if claim_ids is None or claim_ids:
        forget_flag_states(store, claim_ids)
        forget_kept_wordings(store)


def _after_change(store: Store, claim_ids: set[str]) -> None:
    """Re-apply all facts, then bring summaries and discrepancy flags of the touched claims up to date."""
    from workbench.discrepancies import refresh_contradictions, refresh_discrepancies

    touched = apply_corrections(store) | claim_ids
    state = _load_facts(store)
    touched |= _sync_claims(store, touched, state)
    live = _live_claims(store, touched)
    refresh_claim_summaries(store, live)
    refresh_discrepancies(store, touched)
    refresh_contradictions(store)


def _sync_claims(store: Store, candidates: Iterable[str], state: _FactState) -> set[str]:
    """Give every passage's claim id a claims row (restored or new) and retire claims left without passages."""
    touched: set[str] = set()
    candidates = set(candidates)
    missing = [
        row[0]
        for row in store.conn.execute(
            "SELECT DISTINCT m.claim_id FROM mentions m LEFT JOIN claims c ON c.id = m.claim_id WHERE c.id IS NULL"
        )
    ]
    now = utc_now()
    for claim_id in missing:
        _restore_or_create_claim(store, claim_id, now)
        touched.add(claim_id)
    for claim_id in sorted(candidates):
        row = store.conn.execute(
            "SELECT 1 FROM claims c WHERE c.id = ? AND NOT EXISTS (SELECT 1 FROM mentions m WHERE m.claim_id = c.id)",
            [claim_id],
        ).fetchone()
        if row is not None:
            merged_into = state.resolve(claim_id) if claim_id in state.aliases else None
            _retire_claim(store, claim_id, merged_into, now)
            touched.add(claim_id)
    return touched


def _restore_or_create_claim(store: Store, claim_id: str, now: str) -> None:
    retired = store.conn.execute("SELECT * FROM retired_claims WHERE id = ?", [claim_id]).fetchone()
    if retired is not None:
        store.conn.execute(
            "INSERT INTO claims (id, text, claimant, channel, checkworthiness, source_count, document_count, sort_key,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, 0, ?, ?, ?)",
            [
                claim_id,
                retired["text"],
                retired["claimant"],
                retired["channel"],
                retired["checkworthiness"],
                retired["sort_key"],
                retired["created_at"],
                now,
            ],
        )
        store.conn.execute(
            "INSERT OR REPLACE INTO reviews (claim_id, status, note, reviewer, reviewed_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                claim_id,
                retired["status"] or UNREVIEWED,
                retired["note"] or "",
                retired["reviewer"],
                retired["reviewed_at"],
                retired["review_updated_at"] or now,
            ],
        )
        store.conn.execute("DELETE FROM retired_claims WHERE id = ?", [claim_id])
        return
    first = store.conn.execute(
        """
        SELECT m.claim_text, m.claimant, m.channel, m.checkworthiness, d.seq, m.start
        FROM mentions m JOIN documents d ON d.id = m.document_id
        WHERE m.claim_id = ? ORDER BY d.seq, m.start LIMIT 1
        """,
        [claim_id],
    ).fetchone()
    store.conn.execute(
        "INSERT INTO claims (id, text, claimant, channel, checkworthiness, source_count, document_count, sort_key,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, 0, ?, ?, ?)",
        [
            claim_id,
            first["claim_text"],
            first["claimant"],
            first["channel"],
            first["checkworthiness"] or 0.0,
            first["seq"] * SORT_KEY_DOCUMENT_STRIDE + first["start"],
            now,
            now,
        ],
    )
    store.conn.execute(
        "INSERT OR IGNORE INTO reviews (claim_id, status, note, updated_at) VALUES (?, ?, '', ?)",
        [claim_id, UNREVIEWED, now],
    )


def _retire_claim(store: Store, claim_id: str, merged_into: str | None, now: str) -> None:
    store.conn.execute(
        """
        INSERT OR REPLACE INTO retired_claims (id, text, claimant, channel, checkworthiness, sort_key, created_at,
            status, note, reviewer, reviewed_at, review_updated_at, reason, merged_into, retired_at)
        SELECT c.id, c.text, c.claimant, c.channel, c.checkworthiness, c.sort_key, c.created_at,
            COALESCE(r.status, 'unreviewed'), COALESCE(r.note, ''), r.reviewer, r.reviewed_at, r.updated_at,
            ?, ?, ?
        FROM claims c LEFT JOIN reviews r ON r.claim_id = c.id WHERE c.id = ?
        """,
        ["merged" if merged_into else "no_sources", merged_into, now, claim_id],
    )
    store.conn.execute("DELETE FROM reviews WHERE claim_id = ?", [claim_id])
    store.conn.execute("DELETE FROM claims WHERE id = ?", [claim_id])


def _apply_edits(store: Store, state: _FactState, only: set[str] | None) -> set[str]:
    touched: set[str] = set()
    for (claim_id, field_name), value in state.edits.items():
        if only is not None and claim_id not in only:
            continue
        stored = None if field_name == "claimant" and value == "" else value
        cursor = store.conn.execute(
            f"UPDATE claims SET {field_name} = ?, updated_at = ? WHERE id = ? AND {field_name} IS NOT ?",
            [stored, utc_now(), claim_id, stored],
        )
        if cursor.rowcount:
            touched.add(claim_id)
    return touched


def _reset_field(store: Store, undone: Correction) -> None:
    """After undoing an edit: the latest edit still in force, else the value before the first edit."""
    assert undone.field in EDITABLE_FIELDS
    latest = store.conn.execute(
        "SELECT new_value FROM corrections WHERE kind = 'edit' AND claim_id = ? AND field = ? AND undone_by IS NULL"
        " ORDER BY id DESC LIMIT 1",
        [undone.claim_id, undone.field],
    ).fetchone()
    if latest is not None:
        value = latest[0]
    else:
        first = store.conn.execute(
            "SELECT old_value FROM corrections WHERE kind = 'edit' AND claim_id = ? AND field = ? ORDER BY id LIMIT 1",
            [undone.claim_id, undone.field],
        ).fetchone()
        value = first[0]
    if undone.field == "claimant" and value == "":
        value = None
    if value is None and undone.field == "text":
        return
    for table in ("claims", "retired_claims"):
        store.conn.execute(f"UPDATE {table} SET {undone.field} = ? WHERE id = ?", [value, undone.claim_id])


# ---------------------------------------------------------------------------------------------------------------
# Regrouping from scratch


def regroup(store: Store, matcher_factory: Callable[[], ClaimMatcher] = ClaimMatcher) -> RegroupReport:
    """Group every passage again with a fresh matcher, keep claim ids, then apply the corrections last.

    Passages are matched in ingest order, each against the passages before it (as ingest does). A group takes
    the id most of its passages had (ties: the id of its earliest passage); an id goes to
    one group only, and a group with none of its own gets a fresh id that no claim, retired claim or history
    row has ever used. Passages pinned by a correction do not vote, and go where the correction says.
    """
    from workbench.discrepancies import refresh_contradictions, refresh_discrepancies

    report = RegroupReport()
    with store.write():
        _defer_foreign_keys(store)
        state = _load_facts(store)
        report.corrections_applied = state.count
        rows = store.conn.execute(
            """
            SELECT m.id, m.claim_id, m.claim_text, m.claimant, m.document_id, m.start, m."end", d.content_hash
            FROM mentions m JOIN documents d ON d.id = m.document_id ORDER BY d.seq, m.rowid
            """
        ).fetchall()
        report.mentions = len(rows)
        group_of = _group_mentions(rows, matcher_factory)
        members: dict[str, list[int]] = {}
        for position, row in enumerate(rows):
            members.setdefault(group_of[row["id"]], []).append(position)
        report.groups = len(members)
        group_ids = _choose_group_ids(store, rows, members, state)
        report.kept_ids = sum(1 for label, claim_id in group_ids.items() if claim_id in _votes(rows, members[label]))
        before = {row["id"]: row["claim_id"] for row in rows}
        placed: dict[str, str] = {}
        for row in rows:
            placed[row["id"]] = state.place(row["id"], group_ids[group_of[row["id"]]])
        for mention_id, claim_id in placed.items():
            if claim_id != before[mention_id]:
                store.conn.execute("UPDATE mentions SET claim_id = ? WHERE id = ?", [claim_id, mention_id])
                report.moved_mentions += 1
        _passages_moved(store, None)
        existing_before = {row[0] for row in store.conn.execute("SELECT id FROM claims")}
        all_ids = existing_before | set(placed.values())
        _sync_claims(store, all_ids, state)
        _apply_edits(store, state, None)
        existing_after = {row[0] for row in store.conn.execute("SELECT id FROM claims")}
        report.new_claims = sorted(existing_after - existing_before)
        report.retired_claims = sorted(existing_before - existing_after)
        if report.retired_claims:
            placeholders = ",".join("?" * len(report.retired_claims))
            report.retired_with_verdict = [
                (row[0], row[1])
                for row in store.conn.execute(
                    f"SELECT id, status FROM retired_claims WHERE id IN ({placeholders}) AND status != ?",
                    [*report.retired_claims, UNREVIEWED],
                )
            ]
        _refresh_texts(store, existing_after, state)
        refresh_claim_summaries(store, existing_after)
        refresh_discrepancies(store, None)
        refresh_contradictions(store)
    return report


def _group_mentions(rows: list, matcher_factory: Callable[[], ClaimMatcher]) -> dict[str, str]:
    """Passages in ingest order, each matched against those before it and joining the matcher at once (as ingest
    does, so a later passage of the same document can group with an earlier one).

    A new group is labelled with its first passage's current claim id while that label is free: the matcher may
    break ties by id, and this way an unchanged matcher reproduces ingest's grouping exactly.
    """
    matcher = matcher_factory()
    group_of: dict[str, str] = {}
    labels: set[str] = set()
    for row in rows:
        label = matcher.match(row["claim_text"], row["claimant"], row["document_id"])
        if label is None:
            label = row["claim_id"] if row["claim_id"] not in labels else f"~group{len(group_of)}"
            labels.add(label)
        group_of[row["id"]] = label
        matcher.add(label, row["claim_text"], row["claimant"], row["document_id"])
    return group_of


def _votes(rows: list, positions: list[int]) -> Counter[str]:
    return Counter(rows[position]["claim_id"] for position in positions)


def _choose_group_ids(store: Store, rows: list, members: dict[str, list[int]], state: _FactState) -> dict[str, str]:
    reserved = set(state.split_origins) | set(state.aliases)
    candidates: list[tuple[int, int, str, str]] = []  # (-votes, first position, label, claim id)
    for label, positions in members.items():
        voters = [position for position in positions if rows[position]["id"] not in state.pins]
        votes = _votes(rows, voters)
        first_position: dict[str, int] = {}
        for position in voters:
            first_position.setdefault(rows[position]["claim_id"], position)
        for claim_id, count in votes.items():
            if claim_id not in reserved:
                candidates.append((-count, first_position[claim_id], label, claim_id))
    chosen: dict[str, str] = {}
    taken: set[str] = set()
    for _, _, label, claim_id in sorted(candidates):
        if label not in chosen and claim_id not in taken:
            chosen[label] = claim_id
            taken.add(claim_id)
    used = _ids_ever_used(store) | taken
    for label, positions in members.items():
        if label in chosen:
            continue
        first = rows[positions[0]]
        fresh = claim_id_for(first["content_hash"], first["start"], first["end"])
        salt = 0
        while fresh in used:
            salt += 1
            fresh = "c" + hashlib.sha1(f"claim:{first['id']}:{salt}".encode()).hexdigest()[:12]
        chosen[label] = fresh
        used.add(fresh)
    return chosen


def _ids_ever_used(store: Store) -> set[str]:
    ids = {row[0] for row in store.conn.execute("SELECT id FROM claims UNION SELECT id FROM retired_claims")}
    ids |= {row[0] for row in store.conn.execute("SELECT DISTINCT claim_id FROM review_history")}
    ids |= {
        row[0]
        for row in store.conn.execute("SELECT claim_id FROM corrections UNION SELECT other_claim_id FROM corrections")
    }
    return {claim_id for claim_id in ids if claim_id}


def _refresh_texts(store: Store, claim_ids: Iterable[str], state: _FactState) -> None:
    """A kept claim whose wording no longer matches any of its passages takes its earliest passage's wording."""
    for claim_id in claim_ids:
        if (claim_id, "text") in state.edits:
            continue
        row = store.conn.execute(
            """
            SELECT c.text, (SELECT m.claim_text FROM mentions m JOIN documents d ON d.id = m.document_id
                            WHERE m.claim_id = c.id ORDER BY d.seq, m.start LIMIT 1),
                   EXISTS (SELECT 1 FROM mentions m WHERE m.claim_id = c.id AND m.claim_text = c.text)
            FROM claims c WHERE c.id = ?
            """,
            [claim_id],
        ).fetchone()
        if row is not None and not row[2] and row[1]:
            store.conn.execute("UPDATE claims SET text = ? WHERE id = ?", [row[1], claim_id])


# ---------------------------------------------------------------------------------------------------------------
# Small helpers


def _require_claim(store: Store, claim_id: str) -> dict:
    row = store.conn.execute("SELECT id, text, claimant FROM claims WHERE id = ?", [claim_id]).fetchone()
    if row is None:
        retired = store.conn.execute("SELECT merged_into FROM retired_claims WHERE id = ?", [claim_id]).fetchone()
        if retired is not None and retired[0]:
            raise NotFoundError(f"claim {claim_id!r} was merged into {retired[0]!r}")
        raise NotFoundError(f"no claim with id {claim_id!r}")
    return dict(row)


def _history_row(
    store: Store,
    claim_id: str,
    action: str,
    field_name: str,
    old_value: str | None,
    new_value: str | None,
    reviewer: str,
) -> int:
    cursor = store.conn.execute(
        "INSERT INTO review_history (claim_id, action, field, old_value, new_value, reviewer, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [claim_id, action, field_name, old_value, new_value, reviewer, utc_now()],
    )
    return int(cursor.lastrowid or 0)


def _insert_fact(
    store: Store,
    *,
    kind: str,
    claim_id: str,
    reviewer: str,
    history_id: int,
    other_claim_id: str | None = None,
    mention_ids: list[str] | None = None,
    field: str | None = None,
    old_value: str | None = None,
    new_value: str | None = None,
) -> int:
    cursor = store.conn.execute(
        "INSERT INTO corrections (kind, claim_id, other_claim_id, mention_ids, field, old_value, new_value, reviewer,"
        " at, history_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            kind,
            claim_id,
            other_claim_id,
            json.dumps(mention_ids or []),
            field,
            old_value,
            new_value,
            reviewer,
            utc_now(),
            history_id,
        ],
    )
    return int(cursor.lastrowid or 0)


def _fact_from_row(row: object) -> Correction:
    data = dict(row)  # type: ignore[call-overload]
    return Correction(
        id=data["id"],
        kind=data["kind"],
        claim_id=data["claim_id"],
        other_claim_id=data["other_claim_id"],
        mention_ids=tuple(json.loads(data["mention_ids"] or "[]")),
        field=data["field"],
        old_value=data["old_value"],
        new_value=data["new_value"],
        reviewer=data["reviewer"],
        at=data["at"],
        history_id=data["history_id"],
        undone_by=data["undone_by"],
    )


def _live_claims(store: Store, claim_ids: Iterable[str]) -> list[str]:
    live: list[str] = []
    for chunk, placeholders in in_list_chunks(list(claim_ids)):
        live += [row[0] for row in store.conn.execute(f"SELECT id FROM claims WHERE id IN ({placeholders})", chunk)]
    return live


def _defer_foreign_keys(store: Store) -> None:
    # Passages move before their new claim row exists (or after the old one is retired); checking the keys at
    # commit instead of per statement lets one transaction do the move in any order and still refuse a bad end state.
    store.conn.execute("PRAGMA defer_foreign_keys = ON")
