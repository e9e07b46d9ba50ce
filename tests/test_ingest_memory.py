"""Ingest keeps memory bounded: the matcher holds wordings, not mentions; flags and links never load whole corpora.

Each shortcut is checked against the straightforward computation it replaced.
"""

from __future__ import annotations

import random
import sys
import tracemalloc
from collections import Counter
from collections.abc import Callable
from itertools import combinations
from pathlib import Path
from types import ModuleType

import pytest

from workbench import match
from workbench.discrepancies import DISCREPANCY_LABELS, SourceText, detect_discrepancies
from workbench.discrepancies import _features as sentence_features
from workbench.ingest import Ingester, IngestReport, find_input_files, load_matcher
from workbench.match import ClaimMatcher, compute_features
from workbench.store import Store

WORDINGS = [
    "Drones hit the Kalynivka depot on May {n}",
    "The Kalynivka depot was hit by {n} drones, officials said",
    "Officials denied that drones hit the depot",
    "Peskov said Putin was not in the Kremlin at the time of the attack",
    "Volodin demanded the use of weapons capable of destroying the regime in Kyiv",
    "Air defences disabled {n} drones approaching the airport on Wednesday",
]


def _state(matcher: ClaimMatcher) -> dict:
    """Everything the matcher decides with, in comparable form."""
    return {
        "count": len(matcher),
        "frequency": {key: value for key, value in matcher._document_frequency.items() if value},  # noqa: SLF001
        "postings": {key: list(value) for key, value in matcher._postings.items() if value},  # noqa: SLF001
        "posted": [(m.claim_id, m.features) for m in matcher._posted_mentions.values()],  # noqa: SLF001
        "wordings": {claim: set(value) for claim, value in matcher._claim_posted.items() if value},  # noqa: SLF001
        "details": {claim: list(value) for claim, value in matcher._claim_details.items() if value},  # noqa: SLF001
        "last_document": dict(matcher._claim_last_document),  # noqa: SLF001
        "recency": dict(matcher._claim_recency),  # noqa: SLF001
        # In order: the oldest are forgotten first.
        "remembered": list(matcher._wording_claims.items()),  # noqa: SLF001
    }


def _random_mentions(seed: int, count: int) -> list[tuple[str, str, str | None, str]]:
    rng = random.Random(seed)
    mentions = []
    for number in range(count):
        text = rng.choice(WORDINGS).format(n=rng.randint(1, 4))
        claimant = rng.choice([None, "Dmitry Peskov", "Kremlin"])
        mentions.append((f"c{rng.randint(0, 5)}", text, claimant, f"doc-{number // 3}"))
    return mentions


def test_rollback_restores_exactly_what_a_matcher_that_never_saw_the_mentions_holds() -> None:
    mentions = _random_mentions(7, 400)
    for cut in (0, 1, 150, 399):
        matcher = ClaimMatcher()
        for mention in mentions[:cut]:
            matcher.add(*mention)
        with_checkpoint = matcher.checkpoint()
        for mention in mentions[cut:]:
            matcher.add(*mention)
        matcher.rollback(with_checkpoint)
        fresh = ClaimMatcher()
        for mention in mentions[:cut]:
            fresh.add(*mention)
        assert _state(matcher) == _state(fresh)
        # and it goes on exactly as the fresh one would
        for mention in mentions[cut:]:
            assert matcher.match(*mention[1:]) == fresh.match(*mention[1:])
            matcher.add(*mention)
            fresh.add(*mention)
        assert _state(matcher) == _state(fresh)


def test_rollback_on_error_releases_its_checkpoint_so_nothing_is_recorded_afterwards() -> None:
    matcher = ClaimMatcher()
    with matcher.rollback_on_error():
        matcher.add("c1", WORDINGS[0].format(n=1), None, "doc-1")
    for number in range(50):
        matcher.add("c1", WORDINGS[0].format(n=1), None, f"doc-{number}")
    assert matcher._undo == [] and matcher._checkpoints == []  # noqa: SLF001


def test_verbatim_repeats_are_counted_not_kept() -> None:
    matcher = ClaimMatcher()
    for number in range(1000):
        matcher.add("c-story", "Officials said the blast destroyed the granary near Brovary", None, f"doc-{number}")
    assert len(matcher) == 1000
    assert len(matcher._posted_mentions) == 1  # noqa: SLF001
    once = ClaimMatcher()
    once.add("c-story", "Officials said the blast destroyed the granary near Brovary", None, "doc-999", 1000)
    assert _state(once) == _state(matcher)


def test_load_matcher_holds_the_index_ingest_built(store: Store, seeds_dir: Path, tmp_path: Path) -> None:
    # Wire copy: the same article under several names makes verbatim repeats, which loading folds into counts.
    folder = tmp_path / "articles"
    folder.mkdir()
    for number, path in enumerate(sorted(seeds_dir.iterdir())):
        text = path.read_text(encoding="utf-8")
        for copy in range(3):
            (folder / f"{number}-{copy}.txt").write_text(f"Copy {copy} of a report.\n\n{text}", encoding="utf-8")
    ingester = Ingester(store)
    report = IngestReport()
    for path in find_input_files([folder])[0]:
        ingester.ingest_file(path, report)
    assert len(report.added) == 9
    built, loaded = _state(ingester.matcher), _state(load_matcher(store))
    del built["last_document"], loaded["last_document"]  # stored documents are never ingested again
    assert loaded == built
    ingester.finish()  # drops the index (the flag passes reuse its memory) ...
    assert ingester._matcher is None  # noqa: SLF001
    reloaded = _state(ingester.matcher)  # ... and a later document gets it back from the store
    del reloaded["last_document"]
    assert reloaded == built


def _pairwise_value_discrepancy(sources: list[SourceText]) -> set[tuple[str, int]]:
    """The spans every pair of sources flags (the quadratic definition)."""
    flagged: set[tuple[str, int]] = set()
    features = {source.mention_id: sentence_features(source.sentence) for source in sources}
    for first, second in combinations(sources, 2):
        values_first = {f.value for f in features[first.mention_id] if f.kind == "number"}
        values_second = {f.value for f in features[second.mention_id] if f.kind == "number"}
        if not values_first or not values_second:
            continue
        if values_first - values_second and values_second - values_first:
            for source, own in ((first, values_first - values_second), (second, values_second - values_first)):
                for feature in features[source.mention_id]:
                    if feature.kind == "number" and feature.value in own:
                        flagged.add((source.mention_id, source.sentence_start + feature.start))
    return flagged


def test_number_discrepancies_equal_the_pairwise_comparison() -> None:
    rng = random.Random(3)
    for _ in range(200):
        sources = []
        for index in range(rng.randint(2, 9)):
            numbers = rng.sample(["12", "14", "two", "3 million", "40%"], rng.randint(0, 3))
            sentence = "Officials said " + " and ".join(f"{n} drones" for n in numbers) + " were seen."
            sources.append(SourceText(f"m{index}", f"d{index}", 10 * index, sentence))
        found = next((flag for flag in detect_discrepancies("c", sources) if flag.kind == "number"), None)
        spans = {(span.mention_id, span.start) for span in found.spans} if found else set()
        assert spans == _pairwise_value_discrepancy(sources)
        if found:
            assert found.summary.startswith(DISCREPANCY_LABELS["number"])


def test_a_claim_with_thousands_of_sources_is_flagged_in_linear_time() -> None:
    sources = [
        SourceText(f"m{index}", f"d{index}", 0, f"Drones hit {12 if index % 2 else 14} targets on May 3.")
        for index in range(3000)
    ]
    kinds = {found.kind for found in detect_discrepancies("c", sources)}
    assert kinds == {"number"}


def test_sources_without_a_stored_sentence_use_their_own_span(seeded_store: Store) -> None:
    from workbench.discrepancies import load_sources

    mention_id, claim_id, start, end, quote = seeded_store.conn.execute(
        'SELECT id, claim_id, start, "end", quote FROM mentions ORDER BY rowid LIMIT 1'
    ).fetchone()
    with seeded_store.write():
        seeded_store.conn.execute("UPDATE mentions SET sentence_id = NULL WHERE id = ?", [mention_id])
    source = next(source for source in load_sources(seeded_store, claim_id) if source.mention_id == mention_id)
    assert (source.sentence_start, source.sentence) == (start, quote)
    assert end - start == len(quote)


def test_posting_lists_stay_capped() -> None:
    # Keeping fewer mentions must not lift the cap on a posting list (one past MAX_POSTING, as the matcher allows).
    matcher = ClaimMatcher()
    for number in range(match.MAX_POSTING + 40):
        matcher.add(f"c{number}", f"Drones hit the Kalynivka depot number {number}", None, f"doc-{number}")
    assert all(len(postings) <= match.MAX_POSTING + 1 for postings in matcher._postings.values())  # noqa: SLF001


def _distinct_claims(count: int) -> list[tuple[str, str, None, str]]:
    # Each claim names its own place and number, so no two can match: a restatement finds only its own claim.
    return [
        (
            f"c{number}",
            f"Drones struck the Kalynivka{number} depot, killing {number + 100} soldiers",
            None,
            f"d{number}",
        )
        for number in range(count)
    ]


def _assert_consistent(matcher: ClaimMatcher) -> None:
    held = set(matcher._claim_recency)  # noqa: SLF001
    assert set(matcher._claim_last_document) == held  # noqa: SLF001
    assert {m.claim_id for m in matcher._posted_mentions.values()} <= held  # noqa: SLF001
    assert set(matcher._claim_details) <= held  # noqa: SLF001
    positions = {position for postings in matcher._postings.values() for position in postings}  # noqa: SLF001
    assert positions <= set(matcher._posted_mentions)  # noqa: SLF001


def test_the_index_holds_at_most_max_claims_dropping_the_least_recently_mentioned() -> None:
    matcher = ClaimMatcher(max_claims=10)
    claims = _distinct_claims(30)
    matcher.add(*claims[0])
    for claim in claims[1:25]:
        matcher.add(*claim)
        matcher.add(*claims[0][:3], f"again-{claim[0]}")  # claim 0 is restated by every later document
    for claim in claims[25:]:
        matcher.add(*claim)
    # Least recently mentioned, not first seen: the old claim still restated stays; claims seen once long ago left.
    assert matcher.match(claims[0][1], None, "new-document") == "c0"
    assert matcher.match(claims[29][1], None, "new-document") == "c29"
    assert matcher.match(claims[3][1], None, "new-document") is None
    assert len(matcher._claim_recency) <= 10  # noqa: SLF001
    assert matcher.evicted_claims == 30 - len(matcher._claim_recency)  # noqa: SLF001
    _assert_consistent(matcher)
    assert len(matcher) == 30 + 24  # every mention still counts towards idf


def test_idf_counts_stay_bounded_forgetting_the_rarest_keys_no_indexed_mention_carries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(match, "MAX_COUNTED_KEYS", 20)
    matcher = ClaimMatcher(max_claims=2)
    # Each claim brings keys of its own (its place and its figure), which no later claim brings back.
    claims = [
        (
            f"c{n}",
            f"Drones struck the Kal{'abcdefghij'[n // 10]}{'klmnopqrst'[n % 10]} depot, killing {n + 100}",
            None,
            f"d{n}",
        )
        for n in range(40)
    ]
    every_count: Counter[str] = Counter()
    for claim in claims:
        with matcher.rollback_on_error():  # as ingest: a checkpoint per document, released at its end
            for mention in (claim, (*claims[0][:3], f"again-{claim[0]}")):  # claim 0 is restated by every document
                matcher.add(*mention)
                every_count.update(compute_features(mention[1], None).blocking_keys)
        counts = matcher._document_frequency  # noqa: SLF001
        assert len(counts) <= 20
        # The keys of every indexed mention keep their counts, so every candidate is weighed as before; a count
        # kept is exact.
        assert set(matcher._postings) <= set(counts)  # noqa: SLF001
        assert all(counts[key] == every_count[key] for key in counts)
    assert matcher.forgotten_keys == len(every_count) - len(counts) > 0
    # The most frequent keys stay: claim 0's, restated by every document.
    assert set(compute_features(claims[0][1], None).blocking_keys) <= set(counts)
    assert len(matcher) == 80  # every mention still counts in N
    _assert_consistent(matcher)
    # Below the cap, nothing is forgotten: a run that never reaches it weighs exactly as before the cap existed.
    unbounded = ClaimMatcher(max_claims=2)
    monkeypatch.setattr(match, "MAX_COUNTED_KEYS", 10**6)
    for claim in claims[:3]:
        unbounded.add(*claim)
    assert unbounded.forgotten_keys == 0


def test_keys_the_index_holds_past_the_cap_are_not_sorted_again_every_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every claim stays indexed, so every key is one a candidate may share: none can be forgotten, and a pass over
    # the counts then waits for as many new keys as a pass drops (10 here), not for the next document (each brings
    # about 4).
    monkeypatch.setattr(match, "MAX_COUNTED_KEYS", 100)
    passes: list[int] = []
    real = ClaimMatcher._forget_rare_keys  # noqa: SLF001

    def counting(self: ClaimMatcher) -> None:
        passes.append(len(self._document_frequency))  # noqa: SLF001
        real(self)

    monkeypatch.setattr(ClaimMatcher, "_forget_rare_keys", counting)
    matcher = ClaimMatcher(max_claims=1000)
    documents_past_the_cap = 0
    for claim in _distinct_claims(40):
        matcher.add(*claim)
        documents_past_the_cap += len(matcher._document_frequency) > 100  # noqa: SLF001
    keys = len(matcher._document_frequency)  # noqa: SLF001
    assert matcher.forgotten_keys == 0 and documents_past_the_cap > 5
    assert passes and all(later - earlier > 10 for earlier, later in zip(passes, passes[1:], strict=False))
    assert len(passes) <= (keys - 100) // 10 + 1 < documents_past_the_cap


def test_eviction_waits_for_a_document_boundary_so_regroup_and_ingest_agree() -> None:
    # Ingest holds a checkpoint per document (evicting when it is released); regroup holds none (evicting when the
    # next document starts). Both must hold the same index whenever a document is matched.
    documents = [[claim[:3] for claim in _distinct_claims(12)[start : start + 4]] for start in (0, 4, 8)]
    like_regroup = ClaimMatcher(max_claims=3)
    like_ingest = ClaimMatcher(max_claims=3)
    for number, mentions in enumerate(documents):
        document = f"doc-{number}"
        assert like_regroup.match(mentions[0][1], None, document) == like_ingest.match(mentions[0][1], None, document)
        assert _state(like_regroup) == _state(like_ingest)
        for mention in mentions:
            like_regroup.add(*mention, document)
        with like_ingest.rollback_on_error():
            for mention in mentions:
                like_ingest.add(*mention, document)
        # Nothing leaves in the middle of a document: all four of its claims are held at its end.
        assert {f"c{4 * number + offset}" for offset in range(4)} <= set(like_regroup._claim_recency)  # noqa: SLF001
    assert len(like_ingest._claim_recency) <= 3 and like_ingest.evicted_claims == like_regroup.evicted_claims + 4  # noqa: SLF001


def test_nothing_is_evicted_while_a_checkpoint_is_held_and_rollback_stays_exact() -> None:
    claims = _distinct_claims(12)
    matcher = ClaimMatcher(max_claims=4)
    fresh = ClaimMatcher(max_claims=4)
    for claim in claims[:6]:
        matcher.add(*claim)
        fresh.add(*claim)
    assert _state(matcher) == _state(fresh)
    with_checkpoint = matcher.checkpoint()
    for claim in claims[6:]:
        matcher.add(*claim)
    assert len(matcher._claim_recency) == 4 + 6  # noqa: SLF001
    matcher.rollback(with_checkpoint)
    matcher.release(with_checkpoint)
    assert _state(matcher) == _state(fresh)
    # A document's mentions are held together; the index shrinks back under the cap once it is released.
    with matcher.rollback_on_error():
        for claim in claims[6:]:
            matcher.add(*claim)
    assert len(matcher._claim_recency) <= 4  # noqa: SLF001
    _assert_consistent(matcher)


def test_ingest_memory_is_bounded_by_the_index_cap(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, benchmark_corpus: ModuleType
) -> None:
    monkeypatch.setattr(match, "MAX_INDEXED_CLAIMS", 15)
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in benchmark_corpus.generate_corpus(40, seed=3):
        (folder / name).write_text(text, encoding="utf-8")
    ingester = Ingester(store)
    report = IngestReport()
    held: list[int] = []
    for path in find_input_files([folder])[0]:
        ingester.ingest_file(path, report)
        held.append(len(ingester.matcher._claim_recency))  # noqa: SLF001
    assert len(report.added) == 40 and not report.failed
    assert max(held) <= 15 and ingester.matcher.evicted_claims > 0
    _assert_consistent(ingester.matcher)
    # Every passage is stored and belongs to a stored claim: evicting from the index drops nothing from the store.
    assert (
        store.conn.execute("SELECT COUNT(*) FROM mentions WHERE claim_id NOT IN (SELECT id FROM claims)").fetchone()[0]
        == 0
    )
    assert store.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 40
    # Regroup evicts at the same document boundaries as ingest did, so with the same cap it finds the same groups.
    from workbench.corrections import regroup

    grouping = store.conn.execute("SELECT id, claim_id FROM mentions ORDER BY id").fetchall()
    report = regroup(store)
    assert report.new_claims == [] and report.retired_claims == [] and report.moved_mentions == 0
    assert store.conn.execute("SELECT id, claim_id FROM mentions ORDER BY id").fetchall() == grouping


# -- files and reports: memory does not grow with the number of files ---------------------------------------------


def test_a_report_counts_every_file_but_names_only_the_first() -> None:
    from workbench.cli import MAX_LISTED_FILES
    from workbench.ingest import REPORT_LISTED_FILES

    assert REPORT_LISTED_FILES >= MAX_LISTED_FILES  # else the CLI would sum up runs it could list
    files = 10_000

    def filled(last: str = "story_9999.txt") -> IngestReport:
        report = IngestReport()
        for number in range(files - 1):
            report.added.append((f"story_{number}.txt", 3, 2))
            report.skipped.append(f"old_{number}.txt")
        report.added.append((last, 3, 2))
        report.skipped.append("old_9999.txt")
        return report

    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        report = filled()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < 48_000, held  # lists of every file took about 2 MB
    assert len(report.added) == len(report.skipped) == files
    assert (report.added.sentences, report.added.claims) == (3 * files, 2 * files)
    assert list(report.added) == [(f"story_{number}.txt", 3, 2) for number in range(REPORT_LISTED_FILES)]
    assert list(report.skipped) == [f"old_{number}.txt" for number in range(REPORT_LISTED_FILES)]
    assert not report.added.complete and not report.skipped.complete
    # Equal only if every file, named or not, was the same, in the same order.
    assert filled() == report and filled("story_x.txt") != report

    small = IngestReport()
    small.added.append(("one.txt", 4, 1))
    assert small.added.complete and small.added == [("one.txt", 4, 1)] and small.skipped == []
    assert small.added != [("one.txt", 4, 2)] and small.added != [("one.txt", 4, 1)] * 2


def _walk_peak(walk: Callable[[Path], object], root: Path) -> int:
    tracemalloc.start()
    try:
        walk(root)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_counting_and_walking_the_files_takes_memory_by_folders_not_files(tmp_path: Path) -> None:
    from workbench.ingest import count_input_files, iter_input_files

    def tree(files_per_folder: int) -> Path:
        root = tmp_path / f"per-folder-{files_per_folder}"
        for folder in range(20):
            (root / f"day-{folder:02d}" / "wire").mkdir(parents=True)
            for number in range(files_per_folder):
                (root / f"day-{folder:02d}" / "wire" / f"story-{number:04d}.txt").touch()
        return root

    small, large = tree(10), tree(100)
    # pathlib interns every part of a path: interned beforehand (and kept), the names do not make the interpreter's
    # table of interned strings grow, which in a process as big as the test run's reallocates megabytes at a time.
    interned = [sys.intern(part) for path in large.parent.rglob("*") for part in path.parts]

    def count(root: Path) -> tuple[int, list]:
        return count_input_files([root])

    def walk(root: Path) -> None:
        for _ in iter_input_files([root], lambda problem: None):
            pass

    def listing(root: Path) -> tuple[list, list]:
        return find_input_files([root])

    assert count(large) == (2000, [])
    # Ten times the files: the same few folders, and one folder's names held at a time (to sort them).
    assert _walk_peak(count, large) - _walk_peak(count, small) < 40_000
    assert _walk_peak(walk, large) - _walk_peak(walk, small) < 40_000
    # A list of the files, as ingest used to hold, grows by ~0.3 KB a file: the measure would see one.
    assert _walk_peak(listing, large) - _walk_peak(listing, small) > 400_000
    assert interned
