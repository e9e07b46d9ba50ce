"""Sentence splitting, attribution and claim extraction."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from workbench.extract import extract_claims, split_sentences
from workbench.extract.attribution import normalise_claimant, parse_attribution

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def sentences_of(text: str) -> list[str]:
    return [text[span.start : span.end] for span in split_sentences(text)]


def claims_of(text: str):
    return extract_claims(text, split_sentences(text))


def only_claim(text: str):
    claims = claims_of(text)
    assert len(claims) == 1, [claim.text for claim in claims]
    return claims[0]


# --- splitting ---------------------------------------------------------------------------------------------------


def test_offsets_index_the_text_exactly() -> None:
    text = "  First sentence here.  Second one follows!\n\nThird paragraph is here.  "
    spans = split_sentences(text)
    assert [text[span.start : span.end] for span in spans] == [
        "First sentence here.",
        "Second one follows!",
        "Third paragraph is here.",
    ]
    assert [span.index for span in spans] == [0, 1, 2]


def test_initials_titles_and_abbreviations_do_not_end_sentences() -> None:
    text = "Analyst Michael A. Horowitz spoke to Mr. Smith and Dr. Jones on Jan. 5 in the U.S. capital. Then he left."
    assert sentences_of(text) == [
        "Analyst Michael A. Horowitz spoke to Mr. Smith and Dr. Jones on Jan. 5 in the U.S. capital.",
        "Then he left.",
    ]


def test_abbreviation_at_sentence_end_splits_before_a_sentence_opener() -> None:
    assert sentences_of("The drones were made in the U.S. The company denied it.") == [
        "The drones were made in the U.S.",
        "The company denied it.",
    ]


def test_multi_sentence_quote_stays_with_its_attribution() -> None:
    text = "“We didn’t attack Putin. We leave it to the court,” the Ukrainian head of state said. Next sentence."
    assert sentences_of(text) == [
        "“We didn’t attack Putin. We leave it to the court,” the Ukrainian head of state said.",
        "Next sentence.",
    ]


def test_quoted_question_followed_by_attribution_is_one_sentence() -> None:
    text = "“Maybe it will kick off for real now?” Margarita Simonyan, head of RT, posted on Telegram. Then silence."
    assert sentences_of(text)[0] == (
        "“Maybe it will kick off for real now?” Margarita Simonyan, head of RT, posted on Telegram."
    )


def test_paragraph_breaks_and_headings_are_their_own_spans() -> None:
    text = "Military Parade\n\nDespite the attack, Peskov said Putin will attend the parade on May 9.\nNo Injuries"
    assert sentences_of(text) == [
        "Military Parade",
        "Despite the attack, Peskov said Putin will attend the parade on May 9.",
        "No Injuries",
    ]


def test_photo_credit_glued_to_a_caption_is_split_off() -> None:
    text = "The Kremlin said Putin was not in the building at the time of the alleged attack.Mikhail Klimentyev / AP"
    assert sentences_of(text) == [
        "The Kremlin said Putin was not in the building at the time of the alleged attack.",
        "Mikhail Klimentyev / AP",
    ]


# --- attribution -------------------------------------------------------------------------------------------------


def test_trailing_attribution_with_appositive_and_according_to() -> None:
    claim = only_claim(
        "Putin was not in the Kremlin at the time of the attack, his spokesman, Dmitry Peskov, said, "
        "according to RIA Novosti."
    )
    assert claim.text == "Putin was not in the Kremlin at the time of the attack"
    assert claim.claimant == "Dmitry Peskov"
    assert claim.channel == "RIA Novosti"


def test_span_is_the_statement_inside_the_document() -> None:
    text = (
        "Intro line here.\n\n"
        "Putin was not in the Kremlin at the time of the attack, his spokesman, Dmitry Peskov, said."
    )
    claim = only_claim(text)
    assert text[claim.start : claim.end] == "Putin was not in the Kremlin at the time of the attack"


def test_leading_told_that_frame() -> None:
    claim = only_claim(
        "Kremlin spokesman Dmitry Peskov told state news agency RIA Novosti that Putin was not in the Kremlin "
        "at the time of the alleged attack."
    )
    assert claim.text == "Putin was not in the Kremlin at the time of the alleged attack"
    assert claim.claimant == "Dmitry Peskov"
    assert claim.channel == "RIA Novosti"


def test_said_in_a_statement_and_on_telegram() -> None:
    text = (
        "The drones were disabled and crashed in the Kremlin without causing injuries or damage, "
        "the presidential press service said in a statement."
    )
    # Two coordinated assertions (the event, and its outcome), each with its own verbatim span and the one frame.
    event, outcome = claims_of(text)
    assert event.text == "The drones were disabled and crashed in the Kremlin"
    assert outcome.text == "Without causing injuries or damage"
    assert text[outcome.start : outcome.end] == "without causing injuries or damage"
    assert event.channel == outcome.channel == "statement"
    assert event.claimant == outcome.claimant == "Presidential press service"
    telegram = only_claim(
        "“We will demand the use of weapons capable of stopping the regime,” Duma Speaker Vyacheslav Volodin "
        "said on Telegram."
    )
    assert telegram.text == "We will demand the use of weapons capable of stopping the regime"
    assert telegram.claimant == "Vyacheslav Volodin"
    assert telegram.channel == "Telegram"


def test_quoted_statement_with_verb_first_attribution() -> None:
    claim = only_claim(
        "“This can’t be left without some kind of demonstrative response,” said Ruslan Pukhov, "
        "a Moscow-based military expert."
    )
    assert claim.text == "This can’t be left without some kind of demonstrative response"
    assert claim.claimant == "Ruslan Pukhov"


def test_according_to_a_person_or_body_is_the_claimant() -> None:
    attribution = parse_attribution(
        "According to the Russian presidency, “there were no casualties or damage caused by the fragments”."
    )
    assert attribution.claimant == "Russian presidency"
    assert attribution.channel is None


def test_outlet_reporting_is_a_channel_not_a_claimant() -> None:
    claim = only_claim(
        "Moscow city authorities issued an order banning the use of drones in the capital, "
        "state-run Tass news service reported."
    )
    assert claim.claimant is None
    assert claim.channel == "Tass"


def test_pronoun_claimants_resolve_to_the_previous_speaker() -> None:
    text = (
        "“I saw the news and I cannot validate it yet,” said US Foreign Minister Antony Blinken. "
        "But, he added, “I will take anything that comes out of the Kremlin very carefully.”\n\n"
        "Russian military services had disabled two attacking drones, the Kremlin said in a statement. "
        "“Russia reserves the right to take countermeasures wherever it deems appropriate,” it added."
    )
    claims = claims_of(text)
    by_text = {claim.text: claim for claim in claims}
    assert by_text["I will take anything that comes out of the Kremlin very carefully"].claimant == "Antony Blinken"
    assert (
        by_text["Russia reserves the right to take countermeasures wherever it deems appropriate"].claimant == "Kremlin"
    )


def test_pronoun_subject_is_replaced_by_the_speaker() -> None:
    claim = only_claim("Kyiv said it had nothing to do with the alleged incident.")
    assert claim.text == "Kyiv had nothing to do with the alleged incident"
    assert claim.claimant == "Kyiv"


def test_surname_only_claimant_gets_the_full_name_seen_earlier() -> None:
    text = (
        "Putin was not in the Kremlin at the time of the attack, his spokesman, Dmitry Peskov, said.\n\n"
        "Despite the attack, Peskov said Putin will participate in the Red Square military parade on May 9."
    )
    assert [claim.claimant for claim in claims_of(text)] == ["Dmitry Peskov", "Dmitry Peskov"]


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("Secretary of State Antony Blinken", "Antony Blinken"),
        ("US Foreign Minister Antony Blinken", "Antony Blinken"),
        ("Zelenskyy’s press officer, Serhiy Nikiforov", "Serhiy Nikiforov"),
        ("Mykhailo Podolyak, an adviser to President Volodymyr Zelenskyy", "Mykhailo Podolyak"),
        ("The Kremlin", "Kremlin"),
        ("two U.S. officials", "U.S. officials"),
        ("Michael A. Horowitz, a geopolitical and security analyst", "Michael A. Horowitz"),
    ],
)
def test_claimant_names_lose_titles_and_descriptions(phrase: str, expected: str) -> None:
    assert normalise_claimant(phrase) == expected


def test_x_did_a_saying_b_gives_two_claims() -> None:
    text = (
        "Still, the Kremlin called the assault “an attempt on the life of the president,” saying Russia "
        "“reserves the right to take retaliatory measures when and where it considers necessary.”"
    )
    claims = claims_of(text)
    assert [claim.claimant for claim in claims] == ["Kremlin", "Kremlin"]
    assert claims[1].text.startswith("Russia “reserves the right to take retaliatory measures")
    for claim in claims:
        assert text[claim.start : claim.end] in text


# --- what is not a claim -----------------------------------------------------------------------------------------


def test_headings_questions_captions_and_furniture_are_not_claims() -> None:
    text = (
        "Military Parade\n\n"
        "Was Vladimir Putin the victim of a drone assassination attempt?\n\n"
        "Vladimir Putin at the Kremlin in Moscow, Russia.\n"
        "Mikhail Klimentyev / AP\n\n"
        "Most Read from Bloomberg\n\n"
        "©2023 Bloomberg L.P.\n\n"
        "Back to top button"
    )
    assert claims_of(text) == []


def test_nothing_after_a_related_stories_trailer_is_a_claim() -> None:
    text = (
        "Russia said it averted an attack by two drones on the Kremlin on Tuesday night.\n\n"
        "You may also like\n\n"
        "London: Prince Harry and his wife Meghan have signed off on their royal Instagram account."
    )
    assert [claim.text for claim in claims_of(text)] == [
        "Russia averted an attack by two drones on the Kremlin on Tuesday night"
    ]


@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*.txt")), ids=lambda path: path.name[:3])
def test_uncleaned_seeds_yield_no_claims_from_page_furniture(seed: Path) -> None:
    text = unicodedata.normalize("NFKC", seed.read_text(encoding="utf-8"))
    furniture = (
        "Most Read from",
        "©2023",
        "Source by",
        "Related Articles",
        "Back to top",
        "Klimentyev / AP",
        "Want to get",
        "We do not spam",
        "About Author",
        "The latest news from",
        "Prince",
        "Boris Johnson",
        "Consult our file",
        "Exit mobile version",
        "(Updates with",
    )
    claims = claims_of(text)
    assert claims
    for claim in claims:
        quote = text[claim.start : claim.end]
        assert not any(marker in quote for marker in furniture), quote
        assert claim.text and 0.0 <= claim.checkworthiness <= 1.0


def test_extraction_is_fast() -> None:
    import time

    text = "\n\n".join(unicodedata.normalize("NFKC", path.read_text(encoding="utf-8")) for path in SEEDS.glob("*.txt"))
    claims_of(text)  # load the model once
    text = text * 10
    started = time.perf_counter()
    spans = split_sentences(text)
    extract_claims(text, spans)
    elapsed = time.perf_counter() - started
    assert len(spans) / elapsed > 500, f"{len(spans) / elapsed:.0f} sentences/s"


def test_but_said_splits_into_two_claims_with_the_speaker_resolved() -> None:
    text = "The drones hit the roof, Peskov said. He blamed the attack on Ukraine but said that no one was hurt."
    claims = claims_of(text)
    spans = [text[claim.start : claim.end] for claim in claims]
    assert spans[-2:] == ["He blamed the attack on Ukraine", "no one was hurt"]
    assert claims[-1].claimant == "Peskov"


def test_comma_but_clause_takes_its_own_attribution() -> None:
    text = "The US is still working to find out what happened, but one official said that the US received no warning."
    claims = claims_of(text)
    assert [text[claim.start : claim.end] for claim in claims][-1] == "the US received no warning"


def test_short_coordination_is_not_split() -> None:
    assert len(claims_of("Officials said prices rose sharply in May, but slowly in June, the ministry said.")) == 1


# --- claim frames: what a claim asserts, with polarity -------------------------------------------------------------


def frame_of(text: str, claimant: str | None = None):
    from workbench.extract.frames import claim_frame

    return claim_frame(text, claimant)


def test_a_negation_governs_the_next_predicate_not_the_whole_sentence() -> None:
    # Nobody was injured, but the explosion happened.
    assert frame_of("Nobody was injured in the explosion at the plant").predicates == {
        ("injure", True),
        ("explode", False),
    }


def test_a_negation_carries_over_coordinated_predicates() -> None:
    assert frame_of("There were no casualties or damage after the strike").predicates >= {
        ("injure", True),
        ("damage", True),
    }
    assert ("damage", True) in frame_of("The drones crashed without causing injuries or damage").predicates


def test_a_cue_inside_the_predicate_negates_it() -> None:
    assert ("attend", True) in frame_of("The mayor was not at the opening ceremony").predicates


def test_not_claiming_an_attack_is_not_a_denial() -> None:
    silent = frame_of("Kyiv hasn't officially taken responsibility")
    denial = frame_of("Kyiv had nothing to do with the incident")
    assert ("claim_responsibility", True) in silent.predicates and ("deny", False) not in silent.predicates
    assert ("deny", False) in denial.predicates


def test_lifting_a_ban_is_the_ban_negated() -> None:
    assert frame_of("The government lifted the ban on fireworks").predicates == {("ban", True)}
    assert frame_of("The government banned fireworks").predicates == {("ban", False)}


def test_several_events_at_once_are_a_pattern() -> None:
    assert frame_of("Moscow accuses Kyiv of being behind these attacks").habitual
    assert not frame_of("The Kremlin blamed the alleged attack on Ukraine").habitual


def test_received_with_denials_is_not_a_meeting_and_involving_is_not_involvement() -> None:
    assert "meet" not in frame_of("The accusations were often met with official denials").classes
    assert "meet" in frame_of("Putin met with Erdogan in Sochi").classes
    assert "involve" not in frame_of("Incidents involving drones have multiplied").classes


def test_every_predicate_class_is_passed_over_only_when_it_cannot_match() -> None:
    import random
    import re

    from workbench.extract import frames

    # Each class's beginnings were read off its pattern; a Python whose regex parser changed would leave them unread.
    assert all(starts is not None for starts in frames._PREDICATE_STARTS)  # noqa: SLF001
    lexicon = frames._PREDICATE_PATTERNS.values()  # noqa: SLF001
    words = sorted({word for pattern in lexicon for word in re.findall(r"[a-z']+", pattern)})
    words += ["the", "u.s.", "an", "i", "it's", "don't", "-", ",", "2023", "\u00e9t\u00e9", "attacks.", "\n"]
    rng = random.Random(7)
    for _ in range(3000):
        lowered = "".join(
            rng.choice(words) + rng.choice(["", " ", " ", ", ", "'s ", "-"]) for _ in range(rng.randint(1, 9))
        )
        scanned = [
            (match.start(), match.end(), name, match.group())
            for name, pattern in frames._PREDICATES  # noqa: SLF001
            for match in pattern.finditer(lowered)
        ]
        assert frames._predicate_matches(lowered) == scanned, lowered  # noqa: SLF001


def test_the_beginnings_of_a_pattern_are_those_it_can_match_at_a_word_start() -> None:
    import re

    from workbench.extract.frames import _pattern_starts

    assert _pattern_starts(re.compile(r"\b(?:hi|x(?:y|z)?q*)\b")) == {"hi", "x", "xq", "xqq", "xy", "xyq", "xz", "xzq"}
    assert _pattern_starts(re.compile(r"\b(?:met(?! with)|cuts?)")) == {"met", "cut"}
    # Not told, so always scanned: a match inside a word, one after a word, a class of characters at the start.
    for pattern in (r"ack", r"\b(?:ab|'s)", r"\b(?:a\w+|bc)", r"\b(?:[a-z]b)"):
        assert _pattern_starts(re.compile(pattern)) is None


# --- clauses and scoring -------------------------------------------------------------------------------------------


def test_a_comment_on_the_reception_is_left_out_of_the_claim() -> None:
    claim = only_claim(
        "Russia claimed Wednesday that Ukraine tried to assassinate President Vladimir Putin in an overnight drone "
        "attack on the Kremlin, news that drew denials from Kyiv and furious demands for retaliation.\n"
    )
    assert (
        claim.text
        == "Ukraine tried to assassinate President Vladimir Putin in an overnight drone attack on the Kremlin"
    )


def test_an_if_clause_about_what_already_happened_is_an_assertion_of_its_own() -> None:
    texts = [
        claim.text
        for claim in claims_of(
            "If drones have already crashed in the Moscow region in recent months, this is the first time that an "
            "incursion has occurred in the heart of the Russian capital.\n"
        )
    ]
    assert texts == [
        "Drones have already crashed in the Moscow region in recent months",
        "This is the first time that an incursion has occurred in the heart of the Russian capital",
    ]


def test_a_hypothetical_if_clause_is_not_split() -> None:
    text = "If Russia attacks Poland, NATO members will respond under Article 5 of the treaty.\n"
    assert len(claims_of(text)) <= 1


def test_typographic_apostrophes_and_connectives_do_not_change_the_score() -> None:
    from workbench.extract.checkworthiness import score_sentences

    curly, ascii_ = score_sentences(["Kyiv hasn\u2019t taken responsibility.", "Kyiv hasn't taken responsibility."])
    assert curly == ascii_
    # An unattributed factual sentence ending in ", however" is still a claim.
    assert only_claim("Kyiv hasn\u2019t officially taken responsibility, however.\n").text == (
        "Kyiv hasn\u2019t officially taken responsibility"
    )


# --- per-sentence cache: only what the sentence's own text decides is shared ----------------------------------------


def test_a_repeated_sentence_takes_its_speaker_and_offsets_from_where_it_stands() -> None:
    repeated = "He blamed the attack on Ukraine but said that no one was hurt."
    text = f"The drones hit the roof, Peskov said. {repeated}\n\nThe strike was repelled, Zelensky said. {repeated}"
    claims = claims_of(text)
    assert [(claim.text, claim.claimant) for claim in claims] == [
        ("The drones hit the roof", "Peskov"),
        ("Peskov blamed the attack on Ukraine", "Peskov"),
        ("No one was hurt", "Peskov"),
        ("The strike was repelled", "Zelensky"),
        ("Zelensky blamed the attack on Ukraine", "Zelensky"),
        ("No one was hurt", "Zelensky"),
    ]
    second = text.rindex(repeated)
    assert [(claim.start, claim.end) for claim in claims[4:]] == [
        (second, second + len("He blamed the attack on Ukraine")),
        (text.rindex("no one was hurt"), text.rindex("no one was hurt") + len("no one was hurt")),
    ]
    # Seen first in another document, the same sentence still follows this document's speakers.
    assert [claim.claimant for claim in claims_of(f"Kyiv denied it, Podolyak said. {repeated}")] == ["Podolyak"] * 3


def test_a_heading_like_sentence_is_a_claim_only_when_its_line_goes_on() -> None:
    sentence = "Russia launched 40 drones at Kyiv overnight\u2026"
    rest = "Officials said most of them were shot down."
    # Both orders, so whichever is met first is what a cache would have kept.
    for texts in ([f"{sentence} {rest}", f"{sentence}\n{rest}"], [f"{sentence}\n{rest}", f"{sentence} {rest}"]):
        for text in texts:
            assert (claims_of(text)[0].text == sentence) == ("\n" not in text)


def test_mutating_returned_claims_does_not_change_the_next_extraction() -> None:
    text = "The drones hit the roof, Peskov said. He blamed the attack on Ukraine but said that no one was hurt."
    first = claims_of(text)
    expected = list(first)
    first.clear()
    spans = split_sentences(text)
    spans.reverse()
    assert claims_of(text) == expected
    assert [span.index for span in split_sentences(text)] == [0, 1]


def test_word_before_period_is_the_documented_pattern_search() -> None:
    import random
    import re

    from workbench.extract import splitter

    pattern = re.compile(r"([A-Za-z](?:[A-Za-z.]*[A-Za-z])?)\.?$")
    generator = random.Random(7)
    texts = ["Mr. Smith", "the U.S. The", ".a. b", "x" * 50 + ".", "é.Ab.", "...A.", "1a.b."]
    texts += ["".join(generator.choice("aZ. .x1é") for _ in range(generator.randint(0, 60))) for _ in range(3000)]
    for text in texts:
        for period in (index for index, character in enumerate(text) if character == "."):
            expected = pattern.search(text, max(0, period - 40), period + 1)
            assert splitter._start_of_word_before_period(text, period) == (  # noqa: SLF001
                None if expected is None else expected.start(1)
            ), (text, period)


def test_connectives_are_removed_as_the_single_pattern_removes_them() -> None:
    import random
    import re

    from workbench.extract import _without_connectives

    pattern = re.compile(
        r"^(?:however|meanwhile|still|moreover|nevertheless|nonetheless|in any case|of course),\s+"
        r"|,\s+(?:however|though|meanwhile|nonetheless)(?=[.!]?[\u201d\"]?$)",
        re.IGNORECASE,
    )
    pieces = ["However", "however", "Of course", "still", ",", ", ", ",  ", " though", " nonetheless", "X", " y"]
    pieces += [".", "!", "\u201d", '"', " ", "Meanwhile", " meanwhile", "in any case"]
    generator = random.Random(3)
    texts = ["Kyiv hasn't taken responsibility, however.", "Meanwhile, nonetheless.", "However, it fell, though!\u201d"]
    texts += ["".join(generator.choice(pieces) for _ in range(generator.randint(0, 8))) for _ in range(5000)]
    for text in texts:
        stripped = text.strip()
        expected = pattern.sub("", stripped) if "," in stripped else stripped
        assert _without_connectives(text) == expected, text
