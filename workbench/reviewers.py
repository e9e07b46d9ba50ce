"""Several reviewers: bring in another reviewer's verdicts, measure agreement, require two sign-offs.

A reviewer's verdict on a claim is their latest status in `review_history` that is not undone and is not
'unreviewed' (an undo row is not a verdict: it restores someone's earlier value). Verdicts imported from
another database are history rows under the other reviewer's name, so agreement and sign-off see them.

`merge_reviews` never overwrites silently: where both databases have a verdict and they differ, the local one
stays and a `review_conflicts` row (state 'open') records both, for the reviewer to resolve. UI queries:

    open conflicts:   SELECT * FROM review_conflicts WHERE state = 'open' ORDER BY id
    claims with one:  WHERE c.id IN (SELECT claim_id FROM review_conflicts WHERE state = 'open')
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from workbench.errors import InvalidValueError, NotFoundError
from workbench.models import DEFAULT_STATUSES, UNREVIEWED
from workbench.review import update_review, validate_status
from workbench.store import Store, open_store, utc_now

OPEN_CONFLICTS_SQL = "SELECT claim_id FROM review_conflicts WHERE state = 'open'"
IMPORT_ACTIONS = ("import", "import_agree", "import_conflict")
MAX_SQL_VARIABLES = 900


@dataclass(frozen=True, slots=True)
class MergeRow:
    """One claim's outcome: imported (theirs taken), agreed, conflict (ours kept), already (nothing new), unmatched."""

    outcome: str
    claim_id: str | None
    other_claim_id: str
    matched_by: str  # id | spans | ''
    local_status: str | None
    other_status: str
    other_reviewer: str
    text: str


@dataclass
class MergeReport:
    source: Path
    rows: list[MergeRow] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)


@dataclass(frozen=True, slots=True)
class Conflict:
    id: int
    claim_id: str
    local_status: str
    local_reviewer: str | None
    other_status: str
    other_reviewer: str
    other_note: str
    source_db: str
    state: str
    created_at: str
    resolved_status: str | None
    resolved_by: str | None


@dataclass(frozen=True, slots=True)
class PairAgreement:
    first: str
    second: str
    both_reviewed: int
    agreed: int
    kappa: float | None  # None when undefined (no shared claims, or both used one single status)


@dataclass
class AgreementReport:
    per_reviewer: dict[str, Counter[str]]
    pairs: list[PairAgreement]


# ---------------------------------------------------------------------------------------------------------------
# Verdicts


def latest_verdicts(store: Store, claim_ids: Sequence[str] | None = None) -> dict[str, dict[str, str]]:
    """claim id -> {reviewer: status}: each reviewer's latest standing verdict on each live claim."""
    wanted = set(claim_ids) if claim_ids is not None else None
    only_these, params = "", []
    if wanted is not None and len(wanted) <= MAX_SQL_VARIABLES:
        # A few claims (the UI's detail pane): read their rows by index, not the whole history.
        only_these = f" AND h.claim_id IN ({','.join('?' * len(wanted))})"
        params = sorted(wanted)
    rows = store.conn.execute(
        f"""
        SELECT h.claim_id, h.reviewer, h.new_value FROM review_history h
        JOIN claims c ON c.id = h.claim_id
        WHERE h.field = 'status' AND h.action != 'undo' AND h.undone_by IS NULL AND h.reviewer IS NOT NULL{only_these}
        ORDER BY h.id
        """,
        params,
    )
    verdicts: dict[str, dict[str, str]] = defaultdict(dict)
    for claim_id, reviewer, status in rows:
        if wanted is None or claim_id in wanted:
            verdicts[claim_id][reviewer] = status
    return {
        claim_id: {reviewer: status for reviewer, status in by_reviewer.items() if status != UNREVIEWED}
        for claim_id, by_reviewer in verdicts.items()
    }


def final_claim_ids(store: Store, required_signoffs: int = 1) -> set[str]:
    """Claims whose current verdict is signed off by at least `required_signoffs` distinct reviewers."""
    current = dict(
        store.conn.execute("SELECT claim_id, status FROM reviews WHERE status != ?", [UNREVIEWED]).fetchall()
    )
    if required_signoffs <= 1:
        return set(current)
    final: set[str] = set()
    for claim_id, by_reviewer in latest_verdicts(store, list(current)).items():
        agreeing = sum(1 for status in by_reviewer.values() if status == current.get(claim_id))
        if agreeing >= required_signoffs:
            final.add(claim_id)
    return final


def is_final(store: Store, claim_id: str, required_signoffs: int = 1) -> bool:
    return claim_id in final_claim_ids_for(store, [claim_id], required_signoffs)


def final_claim_ids_for(store: Store, claim_ids: Sequence[str], required_signoffs: int = 1) -> set[str]:
    """`final_claim_ids` restricted to some claims (cheap for one screen of the UI)."""
    placeholders = ",".join("?" * len(claim_ids))
    current = dict(
        store.conn.execute(
            f"SELECT claim_id, status FROM reviews WHERE status != ? AND claim_id IN ({placeholders})",
            [UNREVIEWED, *claim_ids],
        ).fetchall()
    )
    if required_signoffs <= 1:
        return set(current)
    verdicts = latest_verdicts(store, list(current))
    return {
        claim_id
        for claim_id, status in current.items()
        if sum(1 for verdict in verdicts.get(claim_id, {}).values() if verdict == status) >= required_signoffs
    }


def sign_off(store: Store, claim_id: str, *, reviewer: str) -> bool:
    """Record that `reviewer` confirms the claim's current verdict (a 'signoff' history row).

    Setting a status a claim already has changes nothing, so a second reviewer agreeing needs this. Returns
    False when there is no verdict yet or this reviewer's standing verdict already is the current one.
    """
    with store.write():
        row = store.conn.execute("SELECT status FROM reviews WHERE claim_id = ?", [claim_id]).fetchone()
        if row is None:
            if not store.conn.execute("SELECT 1 FROM claims WHERE id = ?", [claim_id]).fetchone():
                raise NotFoundError(f"no claim with id {claim_id!r}")
            return False
        current = row[0]
        if current == UNREVIEWED or latest_verdicts(store, [claim_id]).get(claim_id, {}).get(reviewer) == current:
            return False
        store.conn.execute(
            "INSERT INTO review_history (claim_id, action, field, old_value, new_value, reviewer, at)"
            " VALUES (?, 'signoff', 'status', ?, ?, ?, ?)",
            [claim_id, current, current, reviewer, utc_now()],
        )
    return True


def signoffs(store: Store, claim_id: str) -> dict[str, str]:
    """Who has which standing verdict on one claim (for the detail pane)."""
    return latest_verdicts(store, [claim_id]).get(claim_id, {})


def final_counts(store: Store, required_signoffs: int = 1) -> tuple[int, int]:
    """(final claims, reviewed claims)."""
    reviewed = store.conn.execute("SELECT COUNT(*) FROM reviews WHERE status != ?", [UNREVIEWED]).fetchone()[0]
    return len(final_claim_ids(store, required_signoffs)), int(reviewed)


# ---------------------------------------------------------------------------------------------------------------
# Agreement


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float | None:
    """Cohen's kappa of two raters' labels on the same items; None when it is undefined."""
    if len(first) != len(second):
        raise ValueError("both raters must label the same items")
    total = len(first)
    if total == 0:
        return None
    observed = sum(1 for a, b in zip(first, second, strict=True) if a == b) / total
    first_counts, second_counts = Counter(first), Counter(second)
    expected = sum(first_counts[label] * second_counts[label] for label in first_counts) / (total * total)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def agreement(store: Store) -> AgreementReport:
    """Per-status verdict counts per reviewer, and kappa for each pair over the claims both reviewed."""
    verdicts = latest_verdicts(store)
    per_reviewer: dict[str, Counter[str]] = defaultdict(Counter)
    for by_reviewer in verdicts.values():
        for reviewer, status in by_reviewer.items():
            per_reviewer[reviewer][status] += 1
    pairs = []
    for first, second in combinations(sorted(per_reviewer), 2):
        shared = [(v[first], v[second]) for v in verdicts.values() if first in v and second in v]
        labels_first = [a for a, _ in shared]
        labels_second = [b for _, b in shared]
        pairs.append(
            PairAgreement(
                first,
                second,
                len(shared),
                sum(1 for a, b in shared if a == b),
                cohen_kappa(labels_first, labels_second),
            )
        )
    return AgreementReport(dict(per_reviewer), pairs)


# ---------------------------------------------------------------------------------------------------------------
# Merging another reviewer's database


def merge_reviews(store: Store, other_path: Path | str) -> MergeReport:
    """Bring in the verdicts of another workbench database on the same articles (it is only read, never changed).

    Claims are matched by id, else by source spans (same document bytes, overlapping passage). Where only the
    other reviewed, their verdict (and note, if ours is empty) is taken; where both reviewed and differ, ours
    stays and an open conflict is recorded. Every verdict of theirs becomes a history row under their name.
    Merging the same file twice changes nothing the second time.
    """
    other_path = Path(other_path)
    if store.path.exists() and other_path.exists() and other_path.resolve() == store.path.resolve():
        raise InvalidValueError(f"{other_path} is the database being merged into")
    report = MergeReport(other_path)
    with open_store(other_path, readonly=True) as other:
        other_claims = _other_reviewed_claims(other)
        span_index = _local_span_index(store)
        for other_claim in other_claims:
            local_id, matched_by = _match_claim(store, other, other_claim["id"], span_index)
            text = other_claim["text"] or ""
            if local_id is None:
                report.rows.append(
                    MergeRow(
                        "unmatched",
                        None,
                        other_claim["id"],
                        "",
                        None,
                        other_claim["status"],
                        other_claim["reviewer"] or "",
                        text,
                    )
                )
                continue
            report.rows.append(_merge_one(store, other_path, local_id, matched_by, other_claim, other))
    return report


def _other_reviewed_claims(other: Store) -> list[dict]:
    rows = other.conn.execute(
        """
        SELECT c.id, c.text, r.status, r.note, r.reviewer
        FROM claims c JOIN reviews r ON r.claim_id = c.id
        WHERE r.status != ? ORDER BY c.sort_key, c.id
        """,
        [UNREVIEWED],
    )
    claims = [dict(row) for row in rows]
    verdicts: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for claim_id, reviewer, status, at in other.conn.execute(
        "SELECT claim_id, reviewer, new_value, at FROM review_history WHERE field = 'status' AND action != 'undo'"
        " AND undone_by IS NULL AND reviewer IS NOT NULL ORDER BY id"
    ):
        verdicts[claim_id].append((reviewer, status, at))
    for claim in claims:
        latest: dict[str, tuple[str, str]] = {}
        for reviewer, status, at in verdicts.get(claim["id"], []):
            latest[reviewer] = (status, at)
        if not latest and claim["reviewer"]:
            latest[claim["reviewer"]] = (claim["status"], "")
        claim["verdicts"] = {reviewer: value for reviewer, value in latest.items() if value[0] != UNREVIEWED}
        if not claim["reviewer"]:
            claim["reviewer"] = next(iter(claim["verdicts"]), "other")
    return claims


def _local_span_index(store: Store) -> dict[str, list[tuple[int, int, str]]]:
    index: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for content_hash, start, end, claim_id in store.conn.execute(
        'SELECT d.content_hash, m.start, m."end", m.claim_id FROM mentions m JOIN documents d ON d.id = m.document_id'
    ):
        index[content_hash].append((start, end, claim_id))
    return index


def _match_claim(
    store: Store, other: Store, other_claim_id: str, span_index: dict[str, list[tuple[int, int, str]]]
) -> tuple[str | None, str]:
    if store.conn.execute("SELECT 1 FROM claims WHERE id = ?", [other_claim_id]).fetchone():
        return other_claim_id, "id"
    retired = store.conn.execute("SELECT merged_into FROM retired_claims WHERE id = ?", [other_claim_id]).fetchone()
    merged_into = retired[0] if retired is not None else None
    if merged_into and store.conn.execute("SELECT 1 FROM claims WHERE id = ?", [merged_into]).fetchone():
        return merged_into, "id"
    overlap_by_claim: Counter[str] = Counter()
    for content_hash, start, end in other.conn.execute(
        'SELECT d.content_hash, m.start, m."end" FROM mentions m JOIN documents d ON d.id = m.document_id'
        " WHERE m.claim_id = ?",
        [other_claim_id],
    ):
        for local_start, local_end, claim_id in span_index.get(content_hash, []):
            overlap = min(end, local_end) - max(start, local_start)
            if overlap > 0:
                overlap_by_claim[claim_id] += overlap
    if not overlap_by_claim:
        return None, ""
    return overlap_by_claim.most_common(1)[0][0], "spans"


def _merge_one(store: Store, source: Path, claim_id: str, matched_by: str, other_claim: dict, other: Store) -> MergeRow:
    other_status, other_reviewer = other_claim["status"], other_claim["reviewer"]
    with store.write():
        local = store.conn.execute(
            "SELECT status, note, reviewer FROM reviews WHERE claim_id = ?", [claim_id]
        ).fetchone()
        local_status = local["status"] if local else UNREVIEWED
        local_note = local["note"] if local else ""
        if local_status == UNREVIEWED:
            outcome = "imported"
            update_review(
                store,
                claim_id,
                reviewer=other_reviewer,
                status=other_status,
                note=other_claim["note"] if other_claim["note"] and not local_note else None,
                statuses=(*DEFAULT_STATUSES, other_status),  # taken as they wrote it, whatever their scale
                action="import",
            )
        elif local_status == other_status:
            outcome = "agreed"
        else:
            outcome = "conflict"
            _record_conflict(store, source, claim_id, local, other_claim)
        current = other_status if outcome == "imported" else local_status
        recorded = _record_verdicts(store, claim_id, other_claim["verdicts"], current, outcome)
        if outcome == "agreed" and not recorded:
            outcome = "already"
    return MergeRow(
        outcome,
        claim_id,
        other_claim["id"],
        matched_by,
        local_status,
        other_status,
        other_reviewer,
        other_claim["text"],
    )


def _record_conflict(store: Store, source: Path, claim_id: str, local: object, other_claim: dict) -> None:
    exists = store.conn.execute(
        "SELECT 1 FROM review_conflicts WHERE claim_id = ? AND state = 'open' AND other_status = ?"
        " AND other_reviewer = ?",
        [claim_id, other_claim["status"], other_claim["reviewer"]],
    ).fetchone()
    if exists:
        return
    store.conn.execute(
        "INSERT INTO review_conflicts (claim_id, local_status, local_reviewer, other_status, other_reviewer,"
        " other_note, source_db, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?)",
        [
            claim_id,
            local["status"],  # type: ignore[index]
            local["reviewer"],  # type: ignore[index]
            other_claim["status"],
            other_claim["reviewer"],
            other_claim["note"] or "",
            str(source),
            utc_now(),
        ],
    )


def _record_verdicts(
    store: Store, claim_id: str, verdicts: dict[str, tuple[str, str]], current_status: str, outcome: str
) -> int:
    """History rows for their verdicts we do not have yet (the imported one was written by update_review)."""
    mine = latest_verdicts(store, [claim_id]).get(claim_id, {})
    recorded = 0
    for reviewer, (status, _at) in verdicts.items():
        if mine.get(reviewer) == status:
            continue
        action = "import_agree" if status == current_status else "import_conflict"
        store.conn.execute(
            "INSERT INTO review_history (claim_id, action, field, old_value, new_value, reviewer, at)"
            " VALUES (?, ?, 'status', ?, ?, ?, ?)",
            [claim_id, action, current_status, status, reviewer, utc_now()],
        )
        recorded += 1
    return recorded + (1 if outcome == "imported" else 0)


# ---------------------------------------------------------------------------------------------------------------
# Conflicts


def list_conflicts(store: Store, *, state: str | None = "open", claim_id: str | None = None) -> list[Conflict]:
    conditions, params = [], []
    if state is not None:
        conditions.append("state = ?")
        params.append(state)
    if claim_id is not None:
        conditions.append("claim_id = ?")
        params.append(claim_id)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    rows = store.conn.execute(
        "SELECT id, claim_id, local_status, local_reviewer, other_status, other_reviewer, other_note, source_db,"
        f" state, created_at, resolved_status, resolved_by FROM review_conflicts{where} ORDER BY id",
        params,
    )
    return [Conflict(*row) for row in rows]


def resolve_conflict(
    store: Store,
    conflict_id: int,
    status: str,
    *,
    reviewer: str,
    statuses: Sequence[str] = DEFAULT_STATUSES,
) -> Conflict:
    """Settle a conflict on `status` (ours, theirs or another): the claim's review is set, the conflict closed."""
    validate_status(status, statuses)
    with store.write():
        row = store.conn.execute("SELECT claim_id, state FROM review_conflicts WHERE id = ?", [conflict_id]).fetchone()
        if row is None:
            raise NotFoundError(f"no conflict with id {conflict_id}")
        if row["state"] != "open":
            raise InvalidValueError(f"conflict {conflict_id} is already resolved")
        update_review(store, row["claim_id"], reviewer=reviewer, status=status, statuses=statuses, action="resolve")
        # Keeping the current verdict writes no status row; resolving still counts as this reviewer's sign-off.
        sign_off(store, row["claim_id"], reviewer=reviewer)
        store.conn.execute(
            "UPDATE review_conflicts SET state = 'resolved', resolved_status = ?, resolved_by = ?, resolved_at = ?"
            " WHERE id = ?",
            [status, reviewer, utc_now(), conflict_id],
        )
    return next(c for c in list_conflicts(store, state=None, claim_id=row["claim_id"]) if c.id == conflict_id)
