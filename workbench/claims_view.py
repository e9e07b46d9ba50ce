"""The SQL behind the review UI: which claims are listed, in what order, and what each one shows.

A `ClaimsView` is one way of looking at the claims (a filter, a search, a sort). It keeps only the ordered
claim rowids of the view in memory (8 bytes a claim: one indexed query, ~40 ms at 100k claims); every row the
screen shows is read from SQLite when it is drawn, through a small page cache that is dropped on any change.
So the screen always shows what is on disk, and 100,000 claims open as fast as 60.

No Textual here: the CLI, benchmarks and tests use this module directly.
"""

from __future__ import annotations

import re
import sqlite3
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from workbench.discrepancies import Contradiction, Discrepancy, SourceView, claim_discrepancies, contradictions_for
from workbench.discrepancies import side_by_side as discrepancy_side_by_side
from workbench.models import UNREVIEWED
from workbench.reviewers import Conflict, final_claim_ids_for, list_conflicts, signoffs
from workbench.store import Store

PAGE_SIZE = 64
CACHED_PAGES = 16
UNREVIEWED_SCAN_CHUNK = 2000
_SEARCH_TERM = re.compile(r"\w+", re.UNICODE)


class SortOrder(StrEnum):
    DOCUMENT = "document"
    CHECKWORTHINESS = "checkworthiness"
    SOURCES = "sources"

    @property
    def label(self) -> str:
        return SORT_LABELS[self]

    @property
    def sql(self) -> str:
        return SORT_SQL[self]

    def next(self) -> SortOrder:
        members = list(SortOrder)
        return members[(members.index(self) + 1) % len(members)]


SORT_LABELS = {
    SortOrder.DOCUMENT: "document order",
    SortOrder.CHECKWORTHINESS: "check-worthiness",
    SortOrder.SOURCES: "number of sources",
}
# Each matches a covering index from store.m002_ui_indexes, so ordering 100k claims needs no sort step.
SORT_SQL = {
    SortOrder.DOCUMENT: "c.sort_key, c.id",
    SortOrder.CHECKWORTHINESS: "c.checkworthiness DESC, c.sort_key, c.id",
    SortOrder.SOURCES: "c.source_count DESC, c.sort_key, c.id",
}


@dataclass(frozen=True, slots=True)
class ClaimFilter:
    """A named condition on claims (`c`) and their review (`r`, left-joined). `where` is trusted SQL."""

    name: str
    label: str
    where: str = ""
    params: tuple[object, ...] = ()


ALL_CLAIMS = ClaimFilter("all", "all")


def status_filter(status: str, label: str | None = None) -> ClaimFilter:
    if status == UNREVIEWED:
        # A claim without a review row (possible in older files) counts as unreviewed, like everywhere else.
        return ClaimFilter(status, label or status, "(r.status = ? OR r.status IS NULL)", (status,))
    return ClaimFilter(status, label or status, "r.status = ?", (status,))


def status_filters(statuses: Sequence[tuple[str, str]]) -> list[ClaimFilter]:
    """The filters the UI cycles through: all claims, then unreviewed, then each verdict (name, label)."""
    ordered = sorted(statuses, key=lambda status: status[0] != UNREVIEWED)
    return [ALL_CLAIMS, *(status_filter(name, label) for name, label in ordered)]


# Claims needing a second look, whatever their status (the SQL of workbench.discrepancies and .reviewers).
FLAGGED = ClaimFilter("flagged", "flagged: sources disagree", "c.id IN (SELECT claim_id FROM discrepancies)")
CONTRADICTED = ClaimFilter(
    "contradicted",
    "contradicted by another claim",
    "c.id IN (SELECT claim_a FROM contradictions UNION SELECT claim_b FROM contradictions)",
)
CONFLICTS = ClaimFilter(
    "conflicts", "reviewers disagree", "c.id IN (SELECT claim_id FROM review_conflicts WHERE state = 'open')"
)
REVIEW_FILTERS = (FLAGGED, CONTRADICTED, CONFLICTS)


# One or two letters as a prefix match most of a large database (ordering 100k hits costs >100 ms per keystroke)
# and narrow nothing down: such short words match whole words only ("45", "US"), longer ones as prefixes.
MIN_PREFIX_LENGTH = 3


def _search_terms(user_input: str) -> tuple[str, ...]:
    return tuple(_SEARCH_TERM.findall(user_input))


def _term_narrows(new: str, old: str) -> bool:
    """Whether every claim `new` matches is one `old` matches (each as `fts_query` searches it): the same word, or a
    longer one starting with a word searched as a prefix. Typing on at the end of a search only ever narrows it."""
    return new == old or (len(old) >= MIN_PREFIX_LENGTH and new.startswith(old))


# A search that keeps fewer than this share of the listed claims is ordered by SQLite (a few rows to sort) rather than
# by walking the listed order in Python (~8 ms per 100,000 claims).
NARROW_IN_SQL_SHARE = 8  # an eighth


def fts_query(user_input: str) -> str | None:
    """Turn what a person typed into a safe FTS5 query: every word must match (as a prefix from 3 letters on).

    Words are quoted, so FTS syntax (`AND`, `"`, `*`, `:`, `NEAR(`...) typed by the user is plain text and can
    never raise a syntax error. Returns None when there is nothing to search for.
    """
    terms = _search_terms(user_input)
    if not terms:
        return None
    return " ".join(f'"{term}"*' if len(term) >= MIN_PREFIX_LENGTH else f'"{term}"' for term in terms)


@dataclass(frozen=True, slots=True)
class ClaimRow:
    rowid: int
    id: str
    text: str
    claimant: str | None
    channel: str | None
    checkworthiness: float
    source_count: int
    document_count: int
    status: str
    has_note: bool
    flagged: bool = False  # its sources disagree (a stored discrepancy flag)


@dataclass(frozen=True, slots=True)
class SourcePassage:
    """One passage a claim came from, with a sentence of context on either side.

    `span_start`/`span_end` are offsets of the claim span inside `sentence`, for highlighting.
    """

    mention_id: str
    document_id: str
    file_name: str
    title: str | None
    outlet: str | None
    sentence: str
    span_start: int
    span_end: int
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class SignOff:
    """Where a claim stands when verdicts need several reviewers: who holds which verdict, and is it final."""

    required: int
    verdicts: dict[str, str]  # reviewer -> their standing verdict
    agreeing: int  # reviewers whose verdict is the claim's current status
    final: bool


# A claim wire copy spread to every outlet has tens of thousands of passages: the detail pane shows the first ones
# (reading and rendering all of them took ~12 s and megabytes of text at 10,000), the export lists them all.
DETAIL_SOURCES_SHOWN = 100


@dataclass(frozen=True, slots=True)
class ClaimDetail:
    claim: ClaimRow
    note: str
    reviewer: str | None
    reviewed_at: str | None
    sources: tuple[SourcePassage, ...]  # the first DETAIL_SOURCES_SHOWN, in document order
    discrepancies: tuple[Discrepancy, ...] = ()
    side_by_side: tuple[SourceView, ...] = ()  # each source sentence with the differing spans, when flagged
    contradictions: tuple[Contradiction, ...] = ()
    conflicts: tuple[Conflict, ...] = ()  # open disagreements with another reviewer's database
    sign_off: SignOff | None = None  # only when the team requires more than one sign-off

    @property
    def source_total(self) -> int:
        """Every passage of the claim, shown or not (the claim's stored count)."""
        return self.claim.source_count

    @property
    def sources_not_shown(self) -> int:
        return max(0, self.source_total - len(self.sources))


@dataclass(frozen=True, slots=True)
class Progress:
    reviewed: int
    total: int


_ROW_COLUMNS = """
    c.rowid, c.id, c.text, c.claimant, c.channel, c.checkworthiness, c.source_count, c.document_count,
    COALESCE(r.status, 'unreviewed') AS status, COALESCE(r.note, '') != '' AS has_note,
    EXISTS (SELECT 1 FROM discrepancies x WHERE x.claim_id = c.id) AS flagged
"""


def _claim_row(row: sqlite3.Row | tuple) -> ClaimRow:
    return ClaimRow(
        rowid=int(row[0]),
        id=row[1],
        text=row[2] or "",
        claimant=row[3],
        channel=row[4],
        checkworthiness=float(row[5] or 0.0),
        source_count=int(row[6] or 0),
        document_count=int(row[7] or 0),
        status=row[8],
        has_note=bool(row[9]),
        flagged=bool(row[10]),
    )


@dataclass
class ClaimsView:
    """Claims under one filter, search and sort. Call `reload()` after changes made by other processes."""

    store: Store
    claim_filter: ClaimFilter = ALL_CLAIMS
    search: str = ""
    sort: SortOrder = SortOrder.DOCUMENT
    required_signoffs: int = 1
    _order: array = field(default_factory=lambda: array("q"), init=False, repr=False)
    _positions: dict[int, int] | None = field(default=None, init=False, repr=False)
    _pages: OrderedDict[int, list[ClaimRow]] = field(default_factory=OrderedDict, init=False, repr=False)
    _progress: Progress | None = field(default=None, init=False, repr=False)
    # What `_order` lists: (filter, sort, search terms, the other connections' commits and this one's changes as of
    # then). Kept up to date by `claim_changed`, so a search typed on can narrow the list instead of reading it again.
    _listed: tuple[ClaimFilter, SortOrder, tuple[str, ...], tuple[int, int]] | None = field(
        default=None, init=False, repr=False
    )

    def __post_init__(self) -> None:
        self.reload()

    # -- membership and order -------------------------------------------------------------------------------

    def _conditions(self) -> tuple[list[str], list[object]]:
        conditions: list[str] = []
        params: list[object] = []
        if self.claim_filter.where:
            conditions.append(f"({self.claim_filter.where})")
            params.extend(self.claim_filter.params)
        query = fts_query(self.search)
        if query is not None:
            conditions.append("c.rowid IN (SELECT rowid FROM claims_fts WHERE claims_fts MATCH ?)")
            params.append(query)
        return conditions, params

    def _needs_review_join(self) -> bool:
        return bool(self.claim_filter.where)

    def _store_state(self) -> tuple[int, int]:
        return self.store.data_version(), self.store.total_changes()

    def reload(self) -> None:
        """Re-read which claims are in the view and their order; drops every cached row.

        A search that narrows the one listed (the user typed on), with nothing changed in the store since, keeps the
        listed claims that match it, in their order: "the" matches most of 100,000 claims, and having SQLite order
        them again took 107-146 ms against 36 ms for the matches alone.
        """
        terms = _search_terms(self.search)
        state = self._store_state()
        narrowed = self._narrowed_order(terms, state)
        if narrowed is not None:
            self._order = narrowed
        else:
            conditions, params = self._conditions()
            join = "LEFT JOIN reviews r ON r.claim_id = c.id" if self._needs_review_join() else ""
            where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
            rows = self.store.conn.execute(
                f"SELECT c.rowid FROM claims c {join} {where} ORDER BY {self.sort.sql}", params
            )
            self._order = array("q", (row[0] for row in rows))
        self._listed = (self.claim_filter, self.sort, terms, state)
        self._positions = None
        self._progress = None
        self.invalidate_rows()

    def _narrowed_order(self, terms: tuple[str, ...], state: tuple[int, int]) -> array | None:
        """The listed order cut down to what `terms` match, if they narrow the listed search of the same view and
        the store is as it was listed; None when the view must be read afresh."""
        if not terms or self._listed is None:
            return None
        listed_filter, listed_sort, listed_terms, listed_state = self._listed
        if (listed_filter, listed_sort, listed_state) != (self.claim_filter, self.sort, state):
            return None
        if not all(any(_term_narrows(new, old) for new in terms) for old in listed_terms):
            return None
        matched = {
            row[0]
            for row in self.store.conn.execute(
                "SELECT rowid FROM claims_fts WHERE claims_fts MATCH ?", [fts_query(self.search)]
            )
        }
        if len(matched) * NARROW_IN_SQL_SHARE < len(self._order):
            return None
        return array("q", filter(matched.__contains__, self._order))

    def invalidate_rows(self) -> None:
        """Forget cached rows (statuses, notes, counts may have changed); membership and order stay."""
        self._pages.clear()

    @property
    def count(self) -> int:
        return len(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def claim_changed(self, claim_id: str, status_change: tuple[str, str] | None = None) -> None:
        """Our own change to one claim: drop cached rows and keep the view's membership true for that claim.

        Costs one indexed lookup instead of a reload; a claim that enters the view (e.g. an undo back into a
        status filter) needs its place in the order, so that case reloads. `status_change` (old, new) keeps the
        reviewed count without counting again (a 5 ms index scan at 100k claims).
        """
        self.invalidate_rows()
        if status_change is not None and self._progress is not None:
            old, new = status_change
            delta = (new != UNREVIEWED) - (old != UNREVIEWED)
            self._progress = Progress(self._progress.reviewed + delta, self._progress.total)
        else:
            self._progress = None
        row = self.store.conn.execute("SELECT rowid FROM claims WHERE id = ?", [claim_id]).fetchone()
        if row is None:
            self.reload()
            return
        rowid = int(row[0])
        conditions, params = self._conditions()
        if not conditions:
            self._note_own_change()  # every claim is listed, whatever changed
            return
        belongs = self.store.conn.execute(
            "SELECT 1 FROM claims c LEFT JOIN reviews r ON r.claim_id = c.id"
            f" WHERE c.rowid = ? AND {' AND '.join(conditions)}",
            [rowid, *params],
        ).fetchone()
        position = self._position_of_rowid(rowid)
        if belongs and position is None:
            self.reload()
            return
        if not belongs and position is not None:
            del self._order[position]
            self._positions = None
        self._note_own_change()

    def _note_own_change(self) -> None:
        """The listed order is right again after this connection's change: a search typed on may narrow it."""
        if self._listed is not None:
            claim_filter, sort, terms, _ = self._listed
            self._listed = (claim_filter, sort, terms, self._store_state())

    def _position_of_rowid(self, rowid: int) -> int | None:
        if self._positions is None:
            self._positions = {value: index for index, value in enumerate(self._order)}
        return self._positions.get(rowid)

    # -- rows ---------------------------------------------------------------------------------------------

    def _rows_for_rowids(self, rowids: Sequence[int]) -> list[ClaimRow]:
        if not rowids:
            return []
        placeholders = ",".join("?" * len(rowids))
        fetched = {
            row[0]: _claim_row(row)
            for row in self.store.conn.execute(
                f"SELECT {_ROW_COLUMNS} FROM claims c LEFT JOIN reviews r ON r.claim_id = c.id"
                f" WHERE c.rowid IN ({placeholders})",
                list(rowids),
            )
        }
        # A claim deleted by another process since the last reload simply drops out until the next refresh.
        return [fetched[rowid] for rowid in rowids if rowid in fetched]

    def _page(self, number: int) -> list[ClaimRow]:
        page = self._pages.get(number)
        if page is None:
            start = number * PAGE_SIZE
            page = self._rows_for_rowids(self._order[start : start + PAGE_SIZE].tolist())
            self._pages[number] = page
            if len(self._pages) > CACHED_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return page

    def row(self, index: int) -> ClaimRow | None:
        if not 0 <= index < len(self._order):
            return None
        number, offset = divmod(index, PAGE_SIZE)
        page = self._page(number)
        rowid = self._order[index]
        if offset < len(page) and page[offset].rowid == rowid:
            return page[offset]
        return next((row for row in page if row.rowid == rowid), None)

    def page(self, offset: int, limit: int) -> list[ClaimRow]:
        """Rows `offset` .. `offset + limit - 1` of the view (fewer at the end)."""
        rows = (self.row(index) for index in range(max(offset, 0), min(offset + limit, len(self._order))))
        return [row for row in rows if row is not None]

    def claim_id_at(self, index: int) -> str | None:
        row = self.row(index)
        return row.id if row else None

    def index_of(self, claim_id: str) -> int | None:
        row = self.store.conn.execute("SELECT rowid FROM claims WHERE id = ?", [claim_id]).fetchone()
        return None if row is None else self._position_of_rowid(int(row[0]))

    # -- navigation -------------------------------------------------------------------------------------------

    def _first_unreviewed(self, positions: range) -> int | None:
        step = positions.step
        for chunk_start in range(positions.start, positions.stop, step * UNREVIEWED_SCAN_CHUNK):
            chunk = range(chunk_start, positions.stop, step)[:UNREVIEWED_SCAN_CHUNK]
            rowids = [self._order[index] for index in chunk]
            if not rowids:
                break
            placeholders = ",".join("?" * len(rowids))
            unreviewed = {
                row[0]
                for row in self.store.conn.execute(
                    f"SELECT c.rowid FROM claims c LEFT JOIN reviews r ON r.claim_id = c.id"
                    f" WHERE c.rowid IN ({placeholders}) AND COALESCE(r.status, 'unreviewed') = 'unreviewed'",
                    rowids,
                )
            }
            for index, rowid in zip(chunk, rowids, strict=True):
                if rowid in unreviewed:
                    return index
        return None

    def next_unreviewed(self, after: int, wrap: bool = True) -> int | None:
        """Position of the first unreviewed claim after `after` (then from the top if `wrap`)."""
        found = self._first_unreviewed(range(after + 1, len(self._order)))
        if found is None and wrap:
            found = self._first_unreviewed(range(0, min(after + 1, len(self._order))))
        return found

    def previous_unreviewed(self, before: int, wrap: bool = True) -> int | None:
        found = self._first_unreviewed(range(min(before, len(self._order)) - 1, -1, -1))
        if found is None and wrap:
            found = self._first_unreviewed(range(len(self._order) - 1, max(before, 0) - 1, -1))
        return found

    # -- figures and detail ---------------------------------------------------------------------------------

    def progress(self, *, fresh: bool = True) -> Progress:
        """Reviewed / all claims in the database (not just this view): what the header shows.

        `fresh=False` may answer from the last count, kept up to date by `claim_changed(..., status_change)` and
        dropped by `reload()` and any other change: the UI's own verdicts need no recount.
        """
        if fresh or self._progress is None:
            self._progress = self._count_progress()
        return self._progress

    def _count_progress(self) -> Progress:
        total = self.store.conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0]
        # Two index ranges instead of `!=` (a full index scan); reviews always belong to a claim (foreign key).
        reviewed = self.store.conn.execute(
            "SELECT COUNT(*) FROM reviews WHERE status < 'unreviewed' OR status > 'unreviewed'"
        ).fetchone()[0]
        return Progress(int(reviewed), int(total))

    def detail(self, claim_id: str) -> ClaimDetail | None:
        """The claim with its review and its first DETAIL_SOURCES_SHOWN source passages (document order), read fresh
        from disk; flags and counts still cover every passage."""
        conn = self.store.conn
        row = conn.execute(
            f"SELECT {_ROW_COLUMNS}, COALESCE(r.note, ''), r.reviewer, r.reviewed_at"
            " FROM claims c LEFT JOIN reviews r ON r.claim_id = c.id WHERE c.id = ?",
            [claim_id],
        ).fetchone()
        if row is None:
            return None
        # Passages are stored in document order (documents by seq, each one's by position), so the claim's index
        # gives its first passages without reading and sorting all of them (40,000 for a wire story took seconds).
        # A neighbouring sentence is found by its id, "<document id>:<index>".
        sources = tuple(
            _source_passage(source)
            for source in conn.execute(
                """
                SELECT m.id, m.document_id, d.file_name, d.title, d.outlet, m.start, m."end", m.quote,
                       s.start AS sentence_start, s.text AS sentence,
                       (SELECT p.text FROM sentences p WHERE p.id = s.document_id || ':' || (s.idx - 1)),
                       (SELECT n.text FROM sentences n WHERE n.id = s.document_id || ':' || (s.idx + 1))
                FROM mentions m
                JOIN documents d ON d.id = m.document_id
                LEFT JOIN sentences s ON s.id = m.sentence_id
                WHERE m.claim_id = ?
                ORDER BY m.rowid
                LIMIT ?
                """,
                [claim_id, DETAIL_SOURCES_SHOWN],
            )
        )
        claim = _claim_row(row)
        flags = tuple(claim_discrepancies(self.store, claim_id)) if claim.flagged else ()
        return ClaimDetail(
            claim=claim,
            note=row[11],
            reviewer=row[12],
            reviewed_at=row[13],
            sources=sources,
            discrepancies=flags,
            side_by_side=tuple(discrepancy_side_by_side(self.store, claim_id, DETAIL_SOURCES_SHOWN)) if flags else (),
            contradictions=tuple(contradictions_for(self.store, claim_id)),
            conflicts=tuple(list_conflicts(self.store, state="open", claim_id=claim_id)),
            sign_off=self._sign_off(claim) if self.required_signoffs > 1 else None,
        )

    def sign_off_count(self, claim_id: str) -> int:
        """How many reviewers' standing verdicts equal the claim's current status."""
        row = self.store.conn.execute("SELECT status FROM reviews WHERE claim_id = ?", [claim_id]).fetchone()
        if row is None or row[0] == UNREVIEWED:
            return 0
        return sum(1 for status in signoffs(self.store, claim_id).values() if status == row[0])

    def _sign_off(self, claim: ClaimRow) -> SignOff:
        verdicts = signoffs(self.store, claim.id)
        agreeing = sum(1 for status in verdicts.values() if status == claim.status) if claim.status != UNREVIEWED else 0
        final = bool(final_claim_ids_for(self.store, [claim.id], self.required_signoffs))
        return SignOff(self.required_signoffs, verdicts, agreeing, final)


def _source_passage(row: sqlite3.Row | tuple) -> SourcePassage:
    mention_id, document_id, file_name, title, outlet, start, end, quote, sentence_start, sentence, before, after = row
    if sentence is None:
        # No stored sentence for this mention: show the quote itself, all of it highlighted.
        sentence, sentence_start, before, after = quote or "", start, None, None
    span_start = min(max(int(start) - int(sentence_start), 0), len(sentence))
    span_end = min(max(int(end) - int(sentence_start), span_start), len(sentence))
    return SourcePassage(
        mention_id=mention_id,
        document_id=document_id,
        file_name=file_name,
        title=title,
        outlet=outlet,
        sentence=sentence,
        span_start=span_start,
        span_end=span_end,
        before=before,
        after=after,
    )
