"""The SQL behind the review UI: paging, order, filters, search, navigation, progress and detail."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from ui_data import CLAIMS, MARKUP_CLAIM, build_review_db, claim_order

from workbench.claims_view import (
    ALL_CLAIMS,
    PAGE_SIZE,
    ClaimsView,
    SortOrder,
    fts_query,
    status_filter,
    status_filters,
)
from workbench.review import set_status
from workbench.store import Store, open_store


@pytest.fixture
def review_store(tmp_path: Path) -> Store:
    path = build_review_db(tmp_path / "review.db")
    with open_store(path) as store:
        yield store


def ids(view: ClaimsView) -> list[str]:
    return [row.id for row in view.page(0, view.count)]


def test_document_order_count_and_pages(review_store: Store) -> None:
    view = ClaimsView(review_store)
    assert view.count == len(CLAIMS)
    assert ids(view) == claim_order()
    assert [row.id for row in view.page(3, 2)] == claim_order()[3:5]
    assert view.page(9, 50)[0].id == claim_order()[9]
    assert view.page(50, 5) == []
    assert view.row(-1) is None and view.row(len(CLAIMS)) is None


def test_rows_carry_status_note_flag_and_counts(review_store: Store) -> None:
    view = ClaimsView(review_store)
    absent = view.row(claim_order().index("c-absent"))
    assert absent is not None
    assert (absent.status, absent.has_note, absent.source_count) == ("true", True, 1)
    drones = view.row(0)
    assert drones is not None and drones.source_count == 2 and drones.status == "unreviewed"


def test_sorts_by_checkworthiness_and_sources_with_document_order_ties(review_store: Store) -> None:
    view = ClaimsView(review_store, sort=SortOrder.CHECKWORTHINESS)
    scores = [row.checkworthiness for row in view.page(0, view.count)]
    assert scores == sorted(scores, reverse=True)
    assert ids(view)[0] == "c-drones"
    view.sort = SortOrder.SOURCES
    view.reload()
    two_sources = ["c-drones", "c-denial", "c-strike"]
    assert ids(view)[:3] == two_sources  # two sources each, then document order
    assert ids(view)[3:] == [claim for claim in claim_order() if claim not in two_sources]
    assert SortOrder.DOCUMENT.next() is SortOrder.CHECKWORTHINESS and SortOrder.SOURCES.next() is SortOrder.DOCUMENT


def test_status_filter_and_the_filter_cycle(review_store: Store) -> None:
    assert ids(ClaimsView(review_store, claim_filter=status_filter("true"))) == ["c-absent"]
    unreviewed = ClaimsView(review_store, claim_filter=status_filter("unreviewed"))
    assert unreviewed.count == len(CLAIMS) - 2
    names = [claim_filter.name for claim_filter in status_filters([("true", "True"), ("unreviewed", "Unreviewed")])]
    assert names == ["all", "unreviewed", "true"]


def test_claim_without_review_row_counts_as_unreviewed(review_store: Store) -> None:
    with review_store.write():
        review_store.conn.execute("DELETE FROM reviews WHERE claim_id = 'c-ban'")
    view = ClaimsView(review_store, claim_filter=status_filter("unreviewed"))
    assert "c-ban" in ids(view)
    assert ClaimsView(review_store).row(claim_order().index("c-ban")).status == "unreviewed"


def test_search_is_prefix_matching_on_text_and_claimant(review_store: Store) -> None:
    assert set(ids(ClaimsView(review_store, search="dro"))) == {"c-drones", "c-ban"}
    assert ids(ClaimsView(review_store, search="peskov")) == ["c-residence"]  # claimant
    assert ids(ClaimsView(review_store, search="kremlin drones")) == ["c-drones"]  # every word must match
    filtered = ClaimsView(review_store, search="putin", claim_filter=status_filter("true"))
    assert ids(filtered) == ["c-absent"]


@pytest.mark.parametrize(
    "typed", ['"', 'drones"', "AND", "OR NOT", "NEAR(", "*", "drone*", "text:drone", "^x", "(", "'; DROP TABLE", "-"]
)
def test_search_never_raises_on_fts_syntax(review_store: Store, typed: str) -> None:
    view = ClaimsView(review_store, search=typed)
    assert view.count >= 0


def test_fts_query_quotes_every_word() -> None:
    assert fts_query('drone "AND" NEAR(') == '"drone"* "AND"* "NEAR"*'
    assert fts_query("  ***  ") is None


def test_fts_query_matches_short_words_whole() -> None:
    assert fts_query("US pe 45 kre") == '"US" "pe" "45" "kre"*'


def test_empty_search_shows_everything(review_store: Store) -> None:
    assert ClaimsView(review_store, search="   ").count == len(CLAIMS)


def test_index_of_and_unknown_claim(review_store: Store) -> None:
    view = ClaimsView(review_store)
    assert view.index_of("c-ban") == claim_order().index("c-ban")
    assert view.index_of("no-such-claim") is None
    assert ClaimsView(review_store, claim_filter=status_filter("true")).index_of("c-ban") is None


def test_next_and_previous_unreviewed_skip_reviewed_and_wrap(review_store: Store) -> None:
    view = ClaimsView(review_store)
    order = claim_order()
    assert view.next_unreviewed(0) == order.index("c-blame")  # c-absent is reviewed
    assert view.previous_unreviewed(order.index("c-blame")) == 0
    assert view.next_unreviewed(order.index("c-ban")) == order.index("c-markup")  # c-repeat is reviewed
    assert view.next_unreviewed(len(order) - 1) == 0  # wraps to the top
    assert view.next_unreviewed(len(order) - 1, wrap=False) is None
    assert view.previous_unreviewed(0) == len(order) - 1


def test_no_unreviewed_claim_left(review_store: Store) -> None:
    with review_store.write():
        review_store.conn.execute("UPDATE reviews SET status = 'true'")
    view = ClaimsView(review_store)
    assert view.next_unreviewed(0) is None and view.previous_unreviewed(5) is None


def test_progress_counts_every_claim_whatever_the_view(review_store: Store) -> None:
    view = ClaimsView(review_store, search="drones")
    progress = view.progress()
    assert (progress.reviewed, progress.total) == (2, len(CLAIMS))
    set_status(review_store, "c-drones", "false", reviewer="ana")
    assert view.progress().reviewed == 3


def test_detail_has_every_source_with_span_and_context(review_store: Store) -> None:
    detail = ClaimsView(review_store).detail("c-drones")
    assert detail is not None
    assert [source.outlet for source in detail.sources] == ["Wire Service", "Daily Ledger"]
    first = detail.sources[0]
    assert first.sentence[first.span_start : first.span_end] == "shot down two drones over the Kremlin"
    assert first.before is None  # first sentence of its article
    assert first.after == "The Kremlin said Putin was not in the building at the time."
    second = detail.sources[1]
    assert second.sentence[second.span_start : second.span_end] == "two drones were shot down over the Kremlin"
    assert second.after.startswith("Dmitry Peskov")


def test_detail_context_on_both_sides_and_review_fields(review_store: Store) -> None:
    detail = ClaimsView(review_store).detail("c-absent")
    assert detail is not None
    assert (detail.claim.status, detail.note, detail.reviewer) == ("true", "Confirmed by two outlets.", "bob")
    source = detail.sources[0]
    assert source.before.startswith("Russia said it shot down")
    assert source.after.startswith("Officials blamed Ukraine")
    assert ClaimsView(review_store).detail("missing") is None


def test_detail_keeps_markup_as_plain_text(review_store: Store) -> None:
    detail = ClaimsView(review_store).detail("c-markup")
    assert detail is not None and detail.claim.text == MARKUP_CLAIM
    assert detail.sources[0].outlet == "[@click=app.quit]Evil Outlet[/]"


def test_claim_changed_drops_a_claim_that_leaves_the_filter(review_store: Store) -> None:
    view = ClaimsView(review_store, claim_filter=status_filter("unreviewed"))
    before = view.count
    assert view.row(0).status == "unreviewed"  # now cached
    set_status(review_store, "c-drones", "true", reviewer="ana")
    assert view.row(0).status == "unreviewed"  # the row is re-read only after claim_changed drops the cache
    view.claim_changed("c-drones")
    assert view.count == before - 1
    assert "c-drones" not in ids(view)
    set_status(review_store, "c-drones", "unreviewed", reviewer="ana")
    view.claim_changed("c-drones")
    assert ids(view)[0] == "c-drones"


def test_claim_changed_in_unfiltered_view_keeps_rows_and_rereads_them(review_store: Store) -> None:
    view = ClaimsView(review_store)
    assert view.row(0).status == "unreviewed"
    set_status(review_store, "c-drones", "misleading", reviewer="ana")
    view.claim_changed("c-drones")
    assert view.count == len(CLAIMS) and view.row(0).status == "misleading"


def test_reload_sees_another_process(review_store: Store, tmp_path: Path) -> None:
    view = ClaimsView(review_store, claim_filter=status_filter("false"))
    assert view.count == 0
    other = sqlite3.connect(review_store.path)
    other.execute("UPDATE reviews SET status = 'false' WHERE claim_id = 'c-ban'")
    other.commit()
    other.close()
    view.reload()
    assert ids(view) == ["c-ban"]


def test_paging_a_view_larger_than_the_cache(tmp_path: Path) -> None:
    path = tmp_path / "many.db"
    count = PAGE_SIZE * 20 + 7
    with open_store(path) as store:
        with store.write():
            store.conn.executemany(
                "INSERT INTO claims (id, text, sort_key, checkworthiness, source_count) VALUES (?, ?, ?, ?, ?)",
                [
                    (f"c{number:05d}", f"claim number {number}", number, number % 10 / 10, number % 3)
                    for number in range(count)
                ],
            )
            store.conn.executemany(
                "INSERT INTO reviews (claim_id, status) VALUES (?, ?)",
                [(f"c{number:05d}", "true" if number % 4 == 0 else "unreviewed") for number in range(count)],
            )
        view = ClaimsView(store)
        assert view.count == count
        for index in (0, 1, PAGE_SIZE, count // 2, count - 1, 3, count - 2):
            assert view.row(index).id == f"c{index:05d}"
        assert view.index_of(f"c{count - 1:05d}") == count - 1
        assert (count - 1) % 4 != 0  # so the last claim is unreviewed
        assert view.next_unreviewed(count - 2) == count - 1
        assert view.previous_unreviewed(4) == 3
        filtered = ClaimsView(store, claim_filter=status_filter("true"))
        assert filtered.count == len(range(0, count, 4))
        assert ClaimsView(store, claim_filter=ALL_CLAIMS, sort=SortOrder.SOURCES).row(0).source_count == 2


# -- typing on in the search box ---------------------------------------------------------------------------

TYPED = ["", "t", "th", "the", "the k", "the kr", "the kremlin", "the kre", "the", "", "dro", "drone", "drones", "pu"]


def _orderings_of(store: Store) -> list[str]:
    """The view's ordered reads of claims from now on (FTS5's own statements aside)."""
    orderings: list[str] = []

    def traced(statement: str) -> None:
        if statement.startswith("SELECT c.rowid FROM claims c"):
            orderings.append(statement)

    store.conn.set_trace_callback(traced)
    return orderings


@pytest.mark.parametrize("sort", list(SortOrder))
@pytest.mark.parametrize("claim_filter", [ALL_CLAIMS, status_filter("unreviewed")])
def test_a_search_typed_on_lists_what_a_fresh_view_lists(review_store: Store, sort: SortOrder, claim_filter) -> None:  # noqa: ANN001
    view = ClaimsView(review_store, claim_filter=claim_filter, sort=sort)
    for step, typed in enumerate(TYPED):
        if step == 6:  # a verdict given meanwhile, as the UI reports it
            set_status(review_store, "c-drones", "true", reviewer="ana")
            view.claim_changed("c-drones")
        view.search = typed
        view.reload()
        assert ids(view) == ids(ClaimsView(review_store, claim_filter=claim_filter, sort=sort, search=typed)), typed


def test_a_search_typed_on_narrows_the_listed_claims_without_ordering_them_again(review_store: Store) -> None:
    view = ClaimsView(review_store)
    orderings = _orderings_of(review_store)
    view.search = "the"
    view.reload()
    view.search = "the kremlin"
    view.reload()
    assert orderings == []
    assert ids(view) == ["c-drones", "c-absent"]
    set_status(review_store, "c-drones", "misleading", reviewer="ana")  # a verdict, as the UI reports it
    view.claim_changed("c-drones")
    view.search = "the kremlin dro"
    view.reload()
    assert orderings == []
    assert ids(view) == ["c-drones"]
    view.search = "the"  # fewer words: wider, read again
    view.reload()
    assert len(orderings) == 1


def test_a_change_the_view_was_not_told_of_is_read_afresh(review_store: Store) -> None:
    unreviewed = status_filter("unreviewed")
    view = ClaimsView(review_store, claim_filter=unreviewed)
    other = sqlite3.connect(review_store.path)  # another process gives a verdict
    other.execute("UPDATE reviews SET status = 'false' WHERE claim_id = 'c-drones'")
    other.commit()
    other.close()
    view.search = "dro"
    view.reload()
    assert ids(view) == ["c-ban"]
    set_status(review_store, "c-ban", "true", reviewer="ana")  # this connection, without claim_changed
    view.search = "drone"
    view.reload()
    assert ids(view) == []
