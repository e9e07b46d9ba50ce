"""Grouping claim mentions across sources."""

from __future__ import annotations

import pytest

from workbench.extract.frames import ClaimFrame
from workbench.match import ClaimMatcher, fold_name


@pytest.mark.parametrize(
    ("first", "second"),
    [("Podolyak", "Podoliak"), ("Nykyforov", "Nikiforov"), ("Zelenskyy", "Zelensky"), ("Peskóv", "Peskov")],
)
def test_transliteration_variants_fold_to_one_key(first: str, second: str) -> None:
    assert fold_name(first) == fold_name(second)


@pytest.mark.parametrize(
    "word", ["Zelenskyy", "PODOLYAK", "O'Neill", "x-22", "Peskóv", "Ǆoković", "straße", "İstanbul"]
)
def test_folding_gives_what_decomposing_gives(word: str) -> None:
    import re
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", word.casefold())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    expected = re.sub(r"(.)\1+", r"\1", letters.replace("y", "i").replace("j", "i"))
    assert fold_name(word) == expected


def test_one_scan_for_any_concept_phrase_finds_each_of_them() -> None:
    from workbench.match import _ANY_CONCEPT_PHRASE, _CONCEPT_PHRASES

    samples = [
        "an attempt on his life",
        "it was shot down",
        "the u.s. said",
        "they had nothing to do with it",
        "the vote will go ahead",
        "unmanned aerial vehicle",
        "he called for calm",
        "she told reporters",
        "denied any direct involvement",
        "not responsible",
        "with a big grain of salt",
        "no one was hurt",
        "the u.s",
        "nobody was hurt",
        "shotdown",
    ]
    for sample in samples:
        assert (_ANY_CONCEPT_PHRASE.search(sample) is not None) == any(
            pattern.search(sample) for pattern, _ in _CONCEPT_PHRASES
        ), sample
    assert all(any(pattern.search(sample) for sample in samples) for pattern, _ in _CONCEPT_PHRASES)


def test_each_concept_phrase_match_holds_one_of_its_cues() -> None:
    # A pattern's substitution is skipped where none of its cues is in the text: every match must hold one.
    from workbench.match import _CONCEPT_PHRASE_CUES, _CONCEPT_PHRASES

    samples = [
        "an attempt on his life, an attempted on life",
        "shot down, brought down and taken down",
        "the united states and the u.s. and u.s.",
        "nothing to do with it, not involved, no involvement, not behind it",
        "will go ahead, remain in place, as planned",
        "unmanned aerial vehicle and unmanned aerial vehicles",
        "called for calm, calls for calm",
        "she told reporters",
        "denied any direct involvement, deny responsibility, denies role, denied involvement",
        "not responsible",
        "with a grain of salt, with a big pinch of salt, with a shaker of salt",
        "no one was hurt",
    ]
    assert len(_CONCEPT_PHRASE_CUES) == len(_CONCEPT_PHRASES)
    for (pattern, _), cues, sample in zip(_CONCEPT_PHRASES, _CONCEPT_PHRASE_CUES, samples, strict=True):
        matches = [match.group() for match in pattern.finditer(sample)]
        assert matches, pattern.pattern
        for matched in matches:
            assert any(cue in matched for cue in cues), (pattern.pattern, matched)


def loaded_matcher() -> ClaimMatcher:
    """A matcher holding a few unrelated claims, so idf weights are not degenerate."""
    matcher = ClaimMatcher()
    background = [
        ("c-parade", "Putin will participate in the Red Square military parade on May 9", "Dmitry Peskov"),
        ("c-ban", "Moscow city authorities issued an order banning the use of drones in the capital", None),
        ("c-fire", "A large fire was blazing at a fuel depot near a key bridge connecting Russia to Crimea", None),
        ("c-fsb", "Russia's FSB arrested seven people it said were connected with Ukrainian intelligence", None),
        ("c-sirens", "Air-raid sirens rang out across the country Wednesday evening", None),
    ]
    for claim_id, text, claimant in background:
        matcher.add(claim_id, text, claimant, "doc-a")
    return matcher


def test_same_claim_reworded_by_another_outlet_joins() -> None:
    matcher = loaded_matcher()
    matcher.add("c-absent", "Putin was not in the Kremlin at the time of the attack", "Dmitry Peskov", "doc-a")
    assert (
        matcher.match("Putin was not in the building at the time of the alleged attack", "Kremlin", "doc-b")
        == "c-absent"
    )


def test_transliterated_speaker_and_wording_join() -> None:
    matcher = loaded_matcher()
    matcher.add(
        "c-noinfo",
        "We have no information about the so-called night attacks on the Kremlin",
        "Serhiy Nykyforov",
        "doc-a",
    )
    assert (
        matcher.match(
            "Kyiv had no information about “the so-called night attacks on the Kremlin,”", "Serhiy Nikiforov", "doc-b"
        )
        == "c-noinfo"
    )


def test_paraphrased_ban_joins() -> None:
    matcher = loaded_matcher()
    assert (
        matcher.match("Moscow decreed on Wednesday the prohibition of drone flights over the city", None, "doc-b")
        == "c-ban"
    )


def test_different_claims_sharing_words_stay_apart() -> None:
    matcher = loaded_matcher()
    matcher.add("c-absent", "Putin was not in the Kremlin at the time of the attack", "Dmitry Peskov", "doc-a")
    matcher.add("c-disabled", "Russian services had disabled two attacking drones over the Kremlin", "Kremlin", "doc-a")
    assert matcher.match("Ukraine had nothing to do with the drone attack on the Kremlin", "Kyiv", "doc-b") is None
    assert matcher.match("Russia has blamed Ukraine for a string of sabotage attacks", None, "doc-b") is None


@pytest.mark.xfail(
    strict=True,
    reason="known gap: a short claim whose every content word appears in a longer, different claim scores 0.70 "
    "(containment); negation and verbs are not modelled",
)
def test_short_claim_contained_in_a_different_claim_stays_apart() -> None:
    matcher = loaded_matcher()
    matcher.add("c-absent", "Putin was not in the Kremlin at the time of the attack", "Dmitry Peskov", "doc-a")
    assert matcher.match("Putin will not attend the Kremlin reception for the attack victims", None, "doc-b") is None


def test_numbers_that_disagree_block_a_merge() -> None:
    matcher = loaded_matcher()
    parade = "Putin will participate in the Red Square military parade on May 9"
    assert matcher.match(parade, None, "doc-b") == "c-parade"
    assert matcher.match("Putin will participate in the Red Square military parade on May 3", None, "doc-b") is None


def test_number_words_and_digits_agree() -> None:
    matcher = loaded_matcher()
    matcher.add("c-two", "Air defences disabled 2 drones approaching the airport", None, "doc-a")
    assert matcher.match("Air defences disabled two drones approaching the airport", None, "doc-b") == "c-two"


def test_short_caption_does_not_swallow_long_sentences() -> None:
    matcher = loaded_matcher()
    matcher.add("c-caption", "Vladimir Putin at the Kremlin in Moscow", None, "doc-a")
    long_sentence = (
        "Vladimir Putin met the governor of the Moscow region at the Kremlin to discuss the budget of regional "
        "hospitals, schools and road repairs for the next three years"
    )
    assert matcher.match(long_sentence, None, "doc-b") is None


def test_a_restatement_in_the_same_document_joins() -> None:
    # The seed gold has many within-document restatements (one outlet reporting the Kremlin and then Peskov saying
    # the same thing); a stricter same-document threshold measured worse on the seeds (0.298 vs 0.340 pair recall).
    matcher = loaded_matcher()
    matcher.add("c-absent", "Putin was not in the Kremlin at the time of the attack", "Dmitry Peskov", "doc-a")
    assert matcher.match("Putin was not in the Kremlin at the time of the alleged attack", "Peskov", "doc-a") == (
        "c-absent"
    )


def test_rollback_forgets_mentions_added_after_the_checkpoint() -> None:
    matcher = loaded_matcher()
    before = len(matcher)
    with pytest.raises(RuntimeError), matcher.rollback_on_error():
        matcher.add("c-rolled-back", "Putin was not in the Kremlin at the time of the attack", None, "doc-x")
        assert matcher.match("Putin was not in the Kremlin at the time of the attack", None, "doc-y") == "c-rolled-back"
        raise RuntimeError("transaction failed")
    assert len(matcher) == before
    assert matcher.match("Putin was not in the Kremlin at the time of the attack", None, "doc-y") is None
    # The matcher still works after a rollback: postings and document frequencies were undone consistently.
    matcher.add("c-again", "Putin was not in the Kremlin at the time of the attack", None, "doc-x")
    assert matcher.match("Putin was not in the Kremlin at the time of the attack", None, "doc-y") == "c-again"


def test_a_group_is_joined_only_if_no_member_disagrees_on_numbers() -> None:
    matcher = loaded_matcher()
    matcher.add("c-drones", "Air defences disabled two drones approaching the airport", None, "doc-a")
    matcher.add("c-drones", "Air defences disabled two drones approaching the airport on May 3", None, "doc-b")
    # Matches the first mention (no number clash with it), but the group already says May 3.
    assert matcher.match("Air defences disabled two drones approaching the airport on May 9", None, "doc-c") is None


def test_people_swapped_for_others_are_a_different_claim() -> None:
    matcher = loaded_matcher()
    text = "Legislators will demand weapons capable of destroying the regime"
    matcher.add("c-demand", text, "Vyacheslav Volodin", "a")
    assert matcher.match(text, "Ivan Petrenko", "b") is None
    assert matcher.match(text, "Vyacheslav Volodin", "b") == "c-demand"


def test_empty_matcher_and_empty_text() -> None:
    matcher = ClaimMatcher()
    assert matcher.match("Anything at all happened here", None, "doc") is None
    matcher.add("c1", "Anything at all happened here", None, "doc")
    assert matcher.match("", None, "doc-b") is None


def test_candidate_count_stays_bounded_with_many_claims() -> None:
    matcher = ClaimMatcher()
    for number in range(3000):
        text = f"Officials reported {number} incidents involving drones in region {number}"
        matcher.add(f"c{number}", text, None, "d")
    query = matcher._candidates(  # noqa: SLF001 - the bound is the point of this test
        __import__("workbench.match", fromlist=["_features"])._features(
            "Officials reported 17 incidents involving drones in region 17", None
        )
    )
    assert len(query) <= matcher.max_candidates
    assert matcher.match("Officials reported 17 incidents involving drones in region 17", None, "e") == "c17"


PAIRS_PATH = __import__("pathlib").Path(__file__).resolve().parent / "gold" / "paraphrase_pairs.json"


def pair_results() -> list:
    import json

    from workbench.evaluation import paraphrase_pair_results

    return paraphrase_pair_results(json.loads(PAIRS_PATH.read_text(encoding="utf-8")))


def test_held_out_paraphrases_mostly_group() -> None:
    from workbench.evaluation import pair_figures

    same_grouped, same, _, different = pair_figures(pair_results())
    assert 10 <= same <= 15 and different >= 8
    assert same_grouped / same >= 0.8


def test_held_out_negatives_differing_in_numbers_people_or_days_stay_apart() -> None:
    detail_changes = ("Five people", "John Carter", "9 percent", "on Friday", "admitted")
    results = [
        result
        for result in pair_results()
        if result.second.startswith(detail_changes) or any(change in result.second for change in detail_changes)
    ]
    assert len(results) == 5 and all(result.label == "different" for result in results)
    assert not any(result.grouped for result in results)


@pytest.mark.xfail(
    strict=True,
    reason="known gap: a changed main action with the same names and objects ('will miss the final because of a "
    "knee injury' / 'scored twice in the final despite a knee injury') is not modelled: 1 of 9 held-out negatives "
    "still groups on strong lexical overlap",
)
def test_all_held_out_negatives_stay_apart() -> None:
    assert not any(result.grouped for result in pair_results() if result.label == "different")


def _reference_candidates(matcher: ClaimMatcher, query_text: str) -> list[int]:
    """The straightforward blocking (a Counter of idf sums per position, most_common) that _candidates speeds up."""
    from collections import Counter

    from workbench import match

    query = match._features(query_text, None)  # noqa: SLF001 - comparing against the internals on purpose
    postings = matcher._postings  # noqa: SLF001
    rare_keys = sorted(
        (key for key in query.keys | query.frame_keys if 0 < len(postings.get(key, ())) <= match.MAX_POSTING),
        key=lambda key: (len(postings[key]), key),
    )[: match.MAX_BLOCKING_KEYS]
    shared: Counter[int] = Counter()
    for key in rare_keys:
        weight = matcher._idf(key)  # noqa: SLF001
        for position in matcher._postings[key]:  # noqa: SLF001
            shared[position] += weight
    ranked = shared.most_common(matcher.max_candidates)
    if not ranked:
        return []
    cutoff = ranked[0][1] * match.CANDIDATE_SHARE_CUTOFF
    return [position for position, weight in ranked if weight >= cutoff]


def test_candidates_equal_the_reference_ranking_including_ties() -> None:
    from workbench import match

    words = ["drones", "Moscow", "Kremlin", "attack", "denied", "Kyiv", "officials", "reported", "debris", "fell"]
    matcher = ClaimMatcher()
    for number in range(400):
        # Overlapping word subsets, many with equal idf sums: the tie order is what this test checks.
        chosen = [word for bit, word in enumerate(words) if (number * 7 + 3) >> (bit % 7) & 1 or bit == number % 10]
        matcher.add(f"c{number % 150}", " ".join(chosen) + f" in region {number % 13}", None, f"d{number % 40}")
    for query_text in ["drones attack Moscow Kremlin", "Kyiv denied officials reported debris fell", "debris fell"]:
        query = match._features(query_text, None)  # noqa: SLF001
        assert matcher._candidates(query) == _reference_candidates(matcher, query_text)  # noqa: SLF001


def test_a_claim_repeated_past_the_posting_cap_is_still_found() -> None:
    # A story restated by hundreds of outlets: its keys' mention counts pass MAX_POSTING, but each claim holds at
    # most MAX_POSTINGS_PER_CLAIM postings per key, so the keys keep blocking and a new restatement still joins it.
    from workbench import match

    matcher = loaded_matcher()
    for number in range(match.MAX_POSTING + 50):
        wording = number % 20  # twenty distinct wordings, each repeated
        matcher.add(
            "c-story",
            f"Officials said the blast destroyed the Zaporozhets granary near Brovary {wording}",
            None,
            f"doc-{number}",
        )
    query = "The blast destroyed the Zaporozhets granary near Brovary, officials said"
    assert matcher.match(query, None, "doc-new") == "c-story"
    postings = matcher._postings  # noqa: SLF001
    assert all(0 < len(postings[key]) <= match.MAX_POSTINGS_PER_CLAIM for key in ("zaporozhet", "brovari", "granari"))


def test_rollback_rebuilds_the_index_a_fresh_matcher_would_hold() -> None:
    from workbench import match

    texts = [f"Drones hit the Kalynivka depot {number % 12}" for number in range(40)]
    matcher = ClaimMatcher()
    for number, text in enumerate(texts[:20]):
        matcher.add("c-depot", text, None, f"doc-{number}")
    checkpoint = matcher.checkpoint()
    for number, text in enumerate(texts[20:]):
        matcher.add("c-depot", text, None, f"doc-late-{number}")
    matcher.rollback(checkpoint)
    fresh = ClaimMatcher()
    for number, text in enumerate(texts[:20]):
        fresh.add("c-depot", text, None, f"doc-{number}")
    assert dict(matcher._postings) == {key: value for key, value in fresh._postings.items() if value}  # noqa: SLF001
    assert match.MAX_POSTINGS_PER_CLAIM < 12  # the test needs more distinct wordings than the per-claim cap


def test_what_a_claim_asserts_groups_wordings_that_share_few_words() -> None:
    # The frame's predicates (with polarity) are keys: a denial is a denial whichever words say it, and an injury
    # negated is the same whether "no one was hurt" or "without causing injuries".
    matcher = loaded_matcher()
    matcher.add("c-not-involved", "Ukraine has nothing to do with the drone attack on the Kremlin", "Kyiv", "doc-a")
    matcher.add("c-unhurt", "No one was hurt", "Kremlin", "doc-a")
    assert (
        matcher.match("President Zelensky denied any Ukrainian attack on the Kremlin", None, "doc-b")
        == "c-not-involved"
    )
    assert matcher.match("The drones crashed without causing injuries", "Kremlin", "doc-b") != "c-not-involved"
    assert matcher.similarity("Without causing injuries or damage", "No one was hurt") > matcher.similarity(
        "Without causing injuries or damage", "Everyone was hurt"
    )


def test_a_ban_and_its_lifting_stay_apart() -> None:
    matcher = loaded_matcher()
    matcher.add("c-ban", "The government banned the sale of fireworks in the capital", None, "doc-a")
    assert matcher.match("The government lifted the ban on the sale of fireworks in the capital", None, "doc-b") is None
    assert matcher.match("The government prohibited the sale of fireworks in the capital", None, "doc-b") == "c-ban"


def test_an_interrupt_inside_add_leaves_the_interrupt_not_a_rollback_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    matcher = ClaimMatcher()
    matcher.add("c-first", "Two drones were shot down over the Kremlin", None, "doc-a")

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt  # ctrl+c landing after the counts moved, before the journal entry

    monkeypatch.setattr(matcher, "_post", interrupted)
    with pytest.raises(KeyboardInterrupt), matcher.rollback_on_error():
        matcher.add("c-second", "No one was hurt in the attack", None, "doc-b")
    with pytest.raises(RuntimeError, match="interrupted"):
        matcher.match("Two drones were shot down over the Kremlin", None, "doc-c")


def test_an_ordinary_error_inside_the_block_is_rolled_back_exactly() -> None:
    matcher = ClaimMatcher()
    matcher.add("c-first", "Two drones were shot down over the Kremlin", None, "doc-a")
    with pytest.raises(ValueError, match="disk"), matcher.rollback_on_error():
        matcher.add("c-second", "Two drones were shot down over the Kremlin overnight", None, "doc-b")
        raise ValueError("disk full")
    assert len(matcher) == 1
    assert matcher.match("Two drones were shot down over the Kremlin overnight", None, "doc-c") == "c-first"


def test_a_verbatim_repeat_joins_the_claim_holding_its_wording_without_scoring(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    matcher = loaded_matcher()
    matcher.add("c-absent", "Putin was not in the Kremlin at the time of the attack", "Dmitry Peskov", "doc-b")

    def no_scoring(*arguments: object) -> None:
        raise AssertionError("a remembered wording was scored")

    monkeypatch.setattr(matcher, "best_match", no_scoring)
    assert matcher.match("Putin was not in the Kremlin at the time of the attack", "Dmitry Peskov", "doc-c") == (
        "c-absent"
    )
    # Another claimant is another wording: it is scored.
    with pytest.raises(AssertionError, match="scored"):
        matcher.match("Putin was not in the Kremlin at the time of the attack", "Kremlin", "doc-c")


def test_a_verbatim_repeat_joins_its_claim_even_when_its_keys_no_longer_block() -> None:
    # Every key of the wording is carried by more than MAX_POSTING other claims, so blocking finds no candidate and
    # scoring alone would start a new claim for each repeat; the remembered wording keeps the repeats together.
    from workbench import match

    wording = "Granary fire Brovary"
    matcher = ClaimMatcher()
    matcher.add("c-target", wording, None, "doc-0")
    for number in range(match.MAX_POSTING + 10):
        matcher.add(f"c-other-{number}", f"Granary fire Brovary zone{number}", None, f"doc-{number + 1}")
    assert matcher.best_match(wording, None, "doc-new") is None
    assert matcher.match(wording, None, "doc-new") == "c-target"


def test_a_remembered_wording_whose_claim_now_disagrees_on_details_is_scored_as_before() -> None:
    # A hand correction can put "May 3" into a claim holding "May 9": the claim can then take neither wording again.
    matcher = loaded_matcher()
    matcher.add("c-depot", "Drones hit the Kalynivka depot on May 9", None, "doc-b")
    matcher.add("c-depot", "Drones hit the Kalynivka depot on May 3", None, "doc-c")
    assert matcher.best_match("Drones hit the Kalynivka depot on May 9", None, "doc-d") is None
    assert matcher.match("Drones hit the Kalynivka depot on May 9", None, "doc-d") is None


def _index_state(matcher: ClaimMatcher) -> tuple:
    return (
        len(matcher),
        matcher.verbatim_repeats,
        dict(matcher._document_frequency),  # noqa: SLF001
        dict(matcher._claim_recency),  # noqa: SLF001
        dict(matcher._claim_last_document),  # noqa: SLF001
        {key: dict(value) for key, value in matcher._postings.items() if value},  # noqa: SLF001
        dict(matcher._wording_claims),  # noqa: SLF001
    )


def test_add_repeat_leaves_the_index_match_and_add_would_leave() -> None:
    wordings = [
        ("Putin was not in the Kremlin at the time of the attack", "Dmitry Peskov"),
        ("Drones hit the Kalynivka depot on May 9", None),
        ("Putin was not in the Kremlin at the time of the attack", "Dmitry Peskov"),
        ("Drones hit the Kalynivka depot on May 9", None),
        ("Putin was not in the Kremlin at the time of the attack", "Kremlin"),
    ]
    by_steps, in_one = loaded_matcher(), loaded_matcher()
    for number, (text, claimant) in enumerate(wordings):
        document = f"doc-{number}"
        expected = by_steps.match(text, claimant, document) or f"c-{number}"
        by_steps.add(expected, text, claimant, document)
        joined = in_one.add_repeat(text, claimant, document)
        if joined is None:
            joined = in_one.match(text, claimant, document) or f"c-{number}"
            in_one.add(joined, text, claimant, document)
        assert joined == expected
    assert in_one.verbatim_repeats == 2
    assert _index_state(in_one) == _index_state(by_steps)


def test_add_repeat_changes_nothing_for_a_wording_it_does_not_remember_and_rolls_back_exactly() -> None:
    matcher = loaded_matcher()
    matcher.add("c-depot", "Drones hit the Kalynivka depot on May 9", None, "doc-a")
    matcher.add("c-depot", "Drones hit the Kalynivka depot on May 3", None, "doc-b")  # as a hand correction can
    before = _index_state(matcher)
    assert matcher.add_repeat("Drones hit the Kalynivka depot overnight", None, "doc-c") is None
    # Remembered, but its claim now disagrees on the date: scored as `match` would, not joined.
    assert matcher.add_repeat("Drones hit the Kalynivka depot on May 9", None, "doc-c") is None
    assert _index_state(matcher) == before
    checkpoint = matcher.checkpoint()
    matcher.add("c-absent", "Putin was not in the Kremlin at the time of the attack", "Dmitry Peskov", "doc-c")
    after_add = _index_state(matcher)
    assert matcher.add_repeat("Putin was not in the Kremlin at the time", "Dmitry Peskov", "doc-d") is None
    assert matcher.add_repeat("Putin was not in the Kremlin at the time of the attack", "Dmitry Peskov", "doc-d") == (
        "c-absent"
    )
    assert _index_state(matcher) != after_add
    matcher.rollback(checkpoint)
    matcher.release(checkpoint)
    assert _index_state(matcher)[2:] == before[2:]


def test_remembered_wordings_leave_with_their_claim_and_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench import match

    monkeypatch.setattr(match, "MAX_REMEMBERED_WORDINGS", 40)
    matcher = ClaimMatcher(max_claims=30)
    for number in range(100):
        matcher.add(f"c{number}", f"The Kalynivka depot number {number} burned", None, f"doc-{number}")
    remembered = matcher._wording_claims  # noqa: SLF001
    assert len(remembered) <= 40
    assert set(remembered.values()) <= set(matcher._claim_recency)  # noqa: SLF001
    assert "c99" in remembered.values()
    assert matcher.match("The Kalynivka depot number 0 burned", None, "doc-new") != "c0"  # c0 left the index


def test_a_wording_held_by_another_claim_is_still_posted_and_its_details_kept() -> None:
    # add() skips posting only for a wording the same claim already holds: added to a second claim, it is indexed
    # for that claim too, with its details, as on a matcher that never saw the first claim.
    wording = "Drones hit the Kalynivka depot on May 9"
    matcher = ClaimMatcher()
    matcher.add("c-first", wording, None, "doc-a")
    matcher.add("c-second", wording, None, "doc-b")
    matcher.add("c-second", wording, None, "doc-c")
    alone = ClaimMatcher()
    alone.add("c-second", wording, None, "doc-b")
    alone.add("c-second", wording, None, "doc-c")
    assert matcher._claim_posted["c-second"] == alone._claim_posted["c-second"]  # noqa: SLF001
    assert matcher._claim_details["c-second"] == alone._claim_details["c-second"]  # noqa: SLF001
    assert [m.claim_id for m in matcher._posted_mentions.values()] == ["c-first", "c-second"]  # noqa: SLF001


def test_features_sent_by_another_process_share_the_key_objects_of_those_computed_here() -> None:
    # Keys are interned (the counts and idf find them by identity): a pickled copy, as the preparation worker
    # sends, is equal and holds the very same str objects.
    import pickle

    from workbench import match

    computed = match.compute_features("Two drones were shot down over the Kremlin on May 3", "Dmitry Peskov")
    received = pickle.loads(pickle.dumps(computed))  # noqa: S301 - our own bytes
    assert received == computed and hash(received) == hash(computed)
    for name in ("keys", "entities", "frame_keys", "blocking_keys"):
        held = {key: key for key in getattr(computed, name)}
        assert all(held[key] is key for key in getattr(received, name))


def test_a_name_on_one_side_only_weighs_the_same_whichever_side_is_the_query() -> None:
    # "Moscow" is a name in one wording and a plain word in the other: as the query's name the query's own weights
    # serve (the shortcut), as the other's name the pair is weighed key by key. Both give the same score.
    from workbench import match

    matcher = loaded_matcher()
    plain = "Drones attacked an oil depot near moscow overnight, officials said"
    named = "Moscow officials said drones attacked an oil depot"
    plain_features, named_features = match._features(plain, None), match._features(named, None)  # noqa: SLF001
    assert not named_features.entities.isdisjoint(plain_features.keys - plain_features.entities)
    assert plain_features.entities.isdisjoint(named_features.keys - named_features.entities)
    assert matcher.similarity(plain, named) == matcher.similarity(named, plain) > match.MATCH_THRESHOLD


_PAIRED_WORDINGS = [
    ("Putin was not in the Kremlin at the time of the attack", "Dmitry Peskov"),
    ("Putin was not in the building at the time of the alleged attack", "Kremlin"),
    ("Russian services had disabled two attacking drones over the Kremlin", "Kremlin"),
    ("Ukraine had nothing to do with the drone attack on the Kremlin", "Kyiv"),
    ("Two drones were shot down over the Kremlin on May 3", "Dmitry Peskov"),
    ("Moscow officials said drones attacked an oil depot", None),
    ("Drones attacked an oil depot near moscow overnight, officials said", None),
    ("The government lifted the ban on the sale of fireworks in the capital", None),
    ("Moscow decreed on Wednesday the prohibition of drone flights over the city", None),
    ("Putin will participate in the Red Square military parade on May 9", "Dmitry Peskov"),
]


def test_a_score_left_out_under_a_floor_could_not_have_reached_it() -> None:
    # best_match passes the score a candidate must reach (its claim's threshold, or the best qualifying score so far):
    # _score then answers None only when an upper bound of the score is below it, and otherwise the exact score.
    from workbench import match

    matcher = loaded_matcher()
    for text, claimant in _PAIRED_WORDINGS[::2]:
        matcher.add(f"c-{text[:12]}", text, claimant, "doc-b")
    pruned = 0
    for query_text, query_claimant in _PAIRED_WORDINGS:
        query = match._features(query_text, query_claimant)  # noqa: SLF001
        side = matcher._query_side(query, {})  # noqa: SLF001
        for text, claimant in _PAIRED_WORDINGS:
            other = match._features(text, claimant)  # noqa: SLF001
            full = matcher._score(side, other)  # noqa: SLF001
            assert full is not None
            for floor in (-1.0, 0.0, 0.3, 0.48, 0.6, 0.9, 1.2, full, full + 1e-6, full + 0.05):
                bounded = matcher._score(side, other, floor)  # noqa: SLF001
                assert bounded == full or (bounded is None and full < floor), (query_text, text, floor)
                pruned += bounded is None
    assert pruned  # the bound does leave scores out


def test_best_match_is_the_one_full_scoring_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    # Candidates that cannot qualify or beat the leader are not scored: the answer, ties and score included, stays.
    from workbench import match

    def matchers() -> list[ClaimMatcher]:
        made = [loaded_matcher(), loaded_matcher()]
        for index, (text, claimant) in enumerate(_PAIRED_WORDINGS[:-2]):
            for matcher in made:
                matcher.add(f"c-{index % 4}", text, claimant, f"doc-{index % 3}")
        return made

    bounded, full = matchers()

    def full_score(side: match._QuerySide, other: match._Features, floor: float = 0.0) -> float | None:
        return match.ClaimMatcher._score(full, side, other)  # noqa: SLF001 - no floor: every candidate scored

    monkeypatch.setattr(full, "_score", full_score)
    for text, claimant in _PAIRED_WORDINGS:
        for document in ("doc-0", "doc-new"):
            assert bounded.best_match(text, claimant, document) == full.best_match(text, claimant, document)


def test_conflict_any_is_any_conflict() -> None:
    from workbench import match

    wordings = [
        "Drones hit the Kalynivka depot on May 9",
        "Drones hit the Kalynivka depot on May 3",
        "Two drones hit the depot on Monday",
        "Two drones hit the depot on Tuesday, May 3",
        "Vyacheslav Volodin said drones hit the depot",
        "Dmitry Peskov said two drones hit the depot",
        "Drones hit the depot",
    ]
    features = [match._features(wording, None) for wording in wordings]  # noqa: SLF001
    for query in features:
        for count in range(len(features) + 1):
            known = features[:count]
            expected = any(match._conflict(query, other) for other in known)  # noqa: SLF001
            assert match._conflict_any(query, known) == expected  # noqa: SLF001


def test_a_claimant_changes_only_the_frames_claimant_countries() -> None:
    # compute_features takes a text's frame once (claim_frame without a claimant) and puts each claimant's countries
    # in: the same frame as claim_frame(text, claimant) gives, as long as the claimant enters the frame that way only.
    import dataclasses

    from workbench.extract.frames import claim_frame, countries_in

    texts = [
        "Two drones were shot down over the Kremlin on May 3",
        "Ukraine had nothing to do with the drone attack on the Kremlin",
        "The White House did not attend the parade in Moscow",
        "Vyacheslav Volodin said Kyiv was behind these attacks",
    ]
    claimants = [None, "", "Kremlin", "Dmitry Peskov", "the Ukrainian presidency", "White House spokesman", "US", "us"]
    for text in texts:
        alone = claim_frame(text, None)
        for claimant in claimants:
            countries = countries_in(claimant) if claimant else frozenset()
            assert claim_frame(text, claimant) == dataclasses.replace(alone, claimant_countries=countries)


def test_features_of_a_text_with_other_claimants_are_those_computed_afresh() -> None:
    from workbench import match

    wordings = [
        ("Two drones were shot down over the Kremlin on May 3", claimant)
        for claimant in (None, "Dmitry Peskov", "Kremlin", "the Ukrainian presidency", "Volodymyr Zelensky")
    ]
    together = [match.compute_features(*wording) for wording in wordings]
    for wording, features in zip(wordings, together, strict=True):
        match._text_features.cache_clear()  # noqa: SLF001
        match._claimant_features.cache_clear()  # noqa: SLF001
        alone = match.compute_features(*wording)
        assert alone == features and alone.key_string == features.key_string and hash(alone) == hash(features)
    assert len({features.frame for features in together}) > 2  # the claimants' countries differ
    from workbench.extract.frames import claim_frame

    for (text, claimant), features in zip(wordings, together, strict=True):
        assert features.frame == claim_frame(text, claimant)
        assert features.frame_keys == plain_frame_keys(features.frame)
        assert features.frame_parties == match._frame_parties(features.frame)  # noqa: SLF001


def test_name_patterns_match_as_their_plain_forms() -> None:
    # _CAPITALISED_WORD and _FULL_NAME check "not inside a word" after their first capital (so that they start with
    # a character set); the plain forms check it first. The same matches, including at the text's start.
    import re

    from workbench.match import _CAPITALISED_WORD, _FULL_NAME

    capitalised = re.compile(r"(?<![\w'])([A-Z][\w'\-]*[a-z][\w'\-]*|[A-Z]{2,})")
    full_name = re.compile(r"(?<![\w'\-])((?:[A-Z][a-z'\-]+ ){1,3}([A-Z][a-z'\-]{2,}))\b")
    samples = [
        "Vyacheslav Volodin said the US and NATO's O'Neill-Smith met Red Square officials",
        "President Volodymyr Zelensky Jr Met Dmitry Peskov. McDonald's ABC x-Ray aB o'Brien -Anna Karenina",
        "KYIV: Ukraine's Foreign Minister Dmytro Kuleba and UN Secretary General Antonio Guterres",
        "Ann Bo Cy Dee Eve Fay Gus Hal",
        "'Quoted Name Here' and É Accented Émile Zola, İstanbul Mayor",
        "",
        "A",
        "AB",
        "xY Zz-Top Abc'D Efg",
    ]
    for sample in samples:
        assert _CAPITALISED_WORD.findall(sample) == capitalised.findall(sample), sample
        assert [match.group(1) for match in _FULL_NAME.finditer(sample)] == [
            match.group(1) for match in full_name.finditer(sample)
        ], sample


def test_the_vocabulary_table_tries_words_in_the_documented_order() -> None:
    from workbench import match

    for word, (kind, value) in match._VOCABULARY.items():  # noqa: SLF001
        assert not word.isdigit()  # digits come before weekdays and stop words, and are not in the table
        if word in match._CONCEPTS:  # noqa: SLF001
            assert (kind, value) == (match._CONCEPT_WORD, match._CONCEPTS[word])  # noqa: SLF001
        elif word in match._NUMBER_WORDS:  # noqa: SLF001
            assert (kind, value) == (match._NUMBER_WORD, match._NUMBER_WORDS[word])  # noqa: SLF001
        elif word in match._WEEKDAYS:  # noqa: SLF001
            assert kind == match._WEEKDAY_WORD  # noqa: SLF001
        else:
            assert word in match._STOP_WORDS and kind == match._STOP  # noqa: SLF001


def plain_frame_keys(frame: ClaimFrame) -> frozenset[str]:
    """The frame keys as first defined: each predicate, with its polarity, paired with each party."""
    from workbench import match

    parties = match._frame_parties(frame)  # noqa: SLF001
    return frozenset(
        f"@{name}{'-' if negated else '+'}{party}" for name, negated in frame.predicates for party in parties
    )


def plain_polarity_clash(first: frozenset[tuple[str, bool]], second: frozenset[tuple[str, bool]]) -> bool:
    """A polarity clash as first defined: a class asserted with one polarity only on each side, not the same one."""
    return any(
        (name, not negated) in second and (name, negated) not in second and (name, not negated) not in first
        for name, negated in first
    )


def test_the_query_side_polarity_clash_is_polarity_clash() -> None:
    from workbench import match

    wordings = [text for text, _ in _PAIRED_WORDINGS] + [
        "Putin attended the parade",
        "Putin did not attend the parade",
        "The government denied any attack targeting the parade and said it did not attack",
        "The ban was lifted",
        "The city banned drones",
        "Nobody was injured, and the drones did not explode",
        "Two people were injured when the drones exploded",
    ]
    matcher = loaded_matcher()
    clashes = 0
    for query_text in wordings:
        query = match._features(query_text, None)  # noqa: SLF001
        side = matcher._query_side(query, {})  # noqa: SLF001
        for text in wordings:
            other = match._features(text, None)  # noqa: SLF001
            expected = plain_polarity_clash(query.frame.predicates, other.frame.predicates)
            found = match._holds_opposite(side.opposites, other.frame.predicates)  # noqa: SLF001
            assert found == expected, (query_text, text)
            clashes += expected
    assert clashes


def test_features_given_inside_others_leaves_the_outer_ones_given() -> None:
    # The grouping index loads (with the worker's features) while a document is ingested (with its own).
    from workbench import match

    outer_wording, inner_wording = ("Two drones hit the Kremlin", "Peskov"), ("The drones were shot down", None)
    outer, inner = match.compute_features(*outer_wording), match.compute_features(*inner_wording)
    with match.features_given([(*outer_wording, outer)]):
        with match.features_given([(*inner_wording, inner)]):
            assert match._given_features == {outer_wording: outer, inner_wording: inner}  # noqa: SLF001
        assert match._given_features == {outer_wording: outer}  # noqa: SLF001
    assert match._given_features == {}  # noqa: SLF001
