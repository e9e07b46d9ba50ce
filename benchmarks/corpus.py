"""Synthetic news corpus for performance benchmarks, built from the seed articles.

`generate_corpus(n_articles, seed)` returns (file name, text) pairs. Each article is a headline, a dateline, ~20
paragraph sentences drawn from the cleaned seed sentences with varied wording (synonym swaps, shuffled people and
places, perturbed numbers and dates), a section heading or two, and now and then page furniture, so splitting,
extraction, scoring and grouping all see realistic input. Deterministic for a given seed.

`generate_corpus_with_truth(n_articles, seed)` returns the same articles plus ground truth for grouping: the span
of every paragraph sentence and the fact it states. A fact is the seed claim behind the sentence (the gold claim
of tests/gold/seeds_gold.json it carries, so two different seed sentences reporting one claim state the same fact;
else the seed sentence itself) together with the substitutions that change what is asserted: a swapped person or
place (who, where), a perturbed number (how many, which date) or weekday (when). Wording swaps ("said" / "told
reporters", "drones" / "UAVs", "disabled" / "shot down") keep the fact.
"""

from __future__ import annotations

import difflib
import json
import random
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from workbench.extract import split_sentences

SEEDS_DIRECTORY = Path(__file__).resolve().parents[1] / "seeds"
GOLD_PATH = Path(__file__).resolve().parents[1] / "tests" / "gold" / "seeds_gold.json"

_PEOPLE = [
    "Dmitry Peskov",
    "Mykhailo Podolyak",
    "Serhiy Nykyforov",
    "Antony Blinken",
    "Vyacheslav Volodin",
    "Margarita Simonyan",
    "Yevgeny Prigozhin",
    "Andriy Yermak",
    "Sergei Mironov",
    "Ruslan Pukhov",
    "Maria Zakharova",
    "Olena Kovalenko",
    "Ivan Petrenko",
    "Anna Schmidt",
    "Jean Dupont",
    "Lucia Romano",
    "Tomasz Nowak",
    "Sara Lind",
]
_PLACES = ["Moscow", "Kyiv", "Kharkiv", "Belgorod", "Odesa", "Kursk", "Lviv", "Bryansk", "Dnipro", "Rostov"]
_OUTLETS = ["Reuters", "RIA Novosti", "Tass", "NBC News", "Interfax", "the BBC", "Kyiv Independent"]
_SYNONYMS: dict[str, list[str]] = {
    "said": ["said", "stated", "told reporters", "announced"],
    "attack": ["attack", "strike", "assault"],
    "drones": ["drones", "unmanned aerial vehicles", "UAVs"],
    "disabled": ["disabled", "shot down", "intercepted", "downed"],
    "alleged": ["alleged", "reported", "purported"],
    "demanded": ["demanded", "called for", "urged"],
    "Wednesday": ["Wednesday", "Thursday", "Tuesday", "Friday"],
}
_HEADINGS = ["No Injuries", "Military Parade", "Reaction in Kyiv", "What We Know", "Background", "Analysis"]
_FURNITURE = ["Most Read from Bloomberg", "Back to top button", "Related Articles", "Exit mobile version"]
_PERSON_NAME = re.compile("|".join(re.escape(name) for name in _PEOPLE[:10]))
_PLACE_NAME = re.compile(r"\b(?:Moscow|Kyiv)\b")
_NUMBER = re.compile(r"\b\d{1,4}\b")
# Wording swaps that would change the fact. The weekday swap is not one: in the seed sentences the weekday dates
# the report ("Russia claimed Wednesday that ..."), which is not part of the claim a fact-checker checks.
_FACT_CHANGING_SYNONYMS: frozenset[str] = frozenset()


class FactMention(NamedTuple):
    """One paragraph sentence of a synthetic article and the fact it states."""

    document: str
    start: int
    end: int
    fact: str


class _Varied(NamedTuple):
    text: str
    substitutions: tuple[tuple[str, str], ...]  # (original, replacement) pairs that change the fact


@lru_cache(maxsize=1)
def seed_sentences() -> tuple[str, ...]:
    """Paragraph sentences of the seed articles (cleaned lightly here so the corpus does not need ingest)."""
    from workbench.extract import split_sentences  # local: keep importing this module cheap

    sentences: list[str] = []
    for path in sorted(SEEDS_DIRECTORY.glob("*.txt")):
        text = unicodedata.normalize("NFKC", path.read_text(encoding="utf-8"))
        for span in split_sentences(text):
            sentence = text[span.start : span.end]
            if len(sentence.split()) >= 8 and sentence.rstrip().endswith((".", "\u201d")):
                sentences.append(sentence)
    return tuple(sentences)


def _vary(sentence: str, rng: random.Random) -> str:
    return _vary_recording(sentence, rng).text


def _vary_recording(sentence: str, rng: random.Random) -> _Varied:
    """`sentence` reworded as `_vary` always did (same random draws), plus the fact-changing substitutions."""
    changes: set[tuple[str, str]] = set()

    def substitute(pattern: re.Pattern[str], choose: object, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            replacement = choose(match)  # type: ignore[operator]
            if replacement != match.group():
                changes.add((match.group(), replacement))
            return replacement

        return pattern.sub(replace, text)

    for word, choices in _SYNONYMS.items():
        if word in sentence and rng.random() < 0.5:
            replacement = rng.choice(choices)
            if word in _FACT_CHANGING_SYNONYMS and replacement != word and re.search(rf"\b{word}\b", sentence):
                changes.add((word, replacement))
            sentence = re.sub(rf"\b{re.escape(word)}\b", replacement, sentence, count=1)
    if rng.random() < 0.6:
        sentence = substitute(_PERSON_NAME, lambda _: rng.choice(_PEOPLE), sentence)
    if rng.random() < 0.4:
        sentence = substitute(_PLACE_NAME, lambda _: rng.choice(_PLACES), sentence)
    if rng.random() < 0.5:
        sentence = substitute(_NUMBER, lambda match: str(max(1, int(match.group()) + rng.randint(-3, 9))), sentence)
    return _Varied(sentence, tuple(sorted(changes)))


class _SeedFact(NamedTuple):
    fact: str
    # Where the gold quote carrying the fact lies in the seed sentence (the whole sentence when it has no quote).
    start: int
    end: int


@lru_cache(maxsize=1)
def seed_facts() -> tuple[tuple[_SeedFact, ...], ...]:
    """For each of `seed_sentences()`, the gold claims it carries and where (or a fact of its own when it carries
    none). A sentence holding two claims ("The drones were disabled ... without causing injuries") has each claim
    over its own quote, so a clause extracted from one part is judged against the claim of that part only."""
    payload = json.loads(GOLD_PATH.read_text(encoding="utf-8"))
    quotes = [
        (claim["id"], unicodedata.normalize("NFKC", quote))
        for claim in payload["claims"]
        for _, quote in claim["mentions"]
    ]
    facts: list[tuple[_SeedFact, ...]] = []
    for index, sentence in enumerate(seed_sentences()):
        found: dict[str, _SeedFact] = {}
        for claim_id, quote in quotes:
            if quote in sentence:
                start = sentence.index(quote)
                found.setdefault(claim_id, _SeedFact(claim_id, start, start + len(quote)))
            elif sentence.strip() in quote:
                found.setdefault(claim_id, _SeedFact(claim_id, 0, len(sentence)))
        facts.append(
            tuple(found[key] for key in sorted(found)) or (_SeedFact(f"seed-sentence-{index}", 0, len(sentence)),)
        )
    return tuple(facts)


def _aligned_span(original: str, varied: str, start: int, end: int) -> tuple[int, int]:
    """`original[start:end]` located in `varied` (the same sentence after substitutions), by matching blocks."""
    blocks = difflib.SequenceMatcher(None, original, varied, autojunk=False).get_matching_blocks()

    def position(offset: int, prefer_end: bool) -> int:
        previous_end = 0
        for block in blocks:
            if block.a <= offset < block.a + block.size or (
                prefer_end and offset == block.a + block.size and block.size
            ):
                return block.b + (offset - block.a)
            if offset < block.a:
                # Inside a substituted stretch: widen the span to cover the whole replacement.
                return previous_end if not prefer_end else block.b
            previous_end = block.b + block.size
        return len(varied)

    mapped_start, mapped_end = position(start, False), position(end, True)
    return (mapped_start, mapped_end) if mapped_end > mapped_start else (0, len(varied))


def generate_corpus(n_articles: int, seed: int = 0) -> list[tuple[str, str]]:
    """`n_articles` synthetic articles of about 20 sentences each, as (file name, text)."""
    return generate_corpus_with_truth(n_articles, seed)[0]


def generate_corpus_with_truth(n_articles: int, seed: int = 0) -> tuple[list[tuple[str, str]], list[FactMention]]:
    """The articles of `generate_corpus(n_articles, seed)` and, for every paragraph sentence, the fact it states.

    A sentence carrying two seed claims yields two FactMentions, each over its claim's part of the sentence (the gold
    quote, located in the reworded sentence) and changed only by substitutions inside that part. Headlines
    (truncated) and headings carry no fact.
    """
    rng = random.Random(seed)
    pool = seed_sentences()
    pool_facts = seed_facts()
    articles: list[tuple[str, str]] = []
    truth: list[FactMention] = []
    for number in range(n_articles):
        name = f"synthetic_{seed}_{number:05d}.txt"
        sentence_count = rng.randint(16, 24)
        picked: list[tuple[_Varied, int]] = []
        for _ in range(sentence_count):
            index = rng.randrange(len(pool))
            picked.append((_vary_recording(pool[index], rng), index))
        headline = _vary(rng.choice(pool), rng).rstrip(".\u201d").split(",")[0][:90]
        # Paragraphs as lists of picked positions (None for text without a fact), joined below with offsets.
        paragraphs: list[tuple[str, list[int]]] = [(headline, [])]
        paragraphs.append((f"({rng.choice(_OUTLETS)}) \u2014 ", [0]))
        position = 1
        while position < len(picked):
            if rng.random() < 0.12:
                paragraphs.append((rng.choice(_HEADINGS), []))
            size = rng.choice((1, 1, 2, 2, 3))
            paragraphs.append(("", list(range(position, min(position + size, len(picked))))))
            position += size
        if rng.random() < 0.3:
            paragraphs.append((rng.choice(_FURNITURE), []))
        text_parts: list[str] = []
        offset = 0
        for paragraph_number, (prefix, members) in enumerate(paragraphs):
            if paragraph_number:
                text_parts.append("\n\n")
                offset += 2
            text_parts.append(prefix)
            offset += len(prefix)
            for member_number, member in enumerate(members):
                if member_number:
                    text_parts.append(" ")
                    offset += 1
                varied, index = picked[member]
                original = pool[index]
                for seed_fact in pool_facts[index]:
                    quote = original[seed_fact.start : seed_fact.end]
                    changes = [(old, new) for old, new in varied.substitutions if old in quote]
                    fact = seed_fact.fact + "".join(f"|{old}->{new}" for old, new in changes)
                    start, end = _aligned_span(original, varied.text, seed_fact.start, seed_fact.end)
                    truth.append(FactMention(name, offset + start, offset + end, fact))
                text_parts.append(varied.text)
                offset += len(varied.text)
        articles.append((name, "".join(text_parts) + "\n"))
    return articles, truth


def floor_sentence_rows(document: str, text: str) -> list[dict[str, object]]:
    """The rows of the split-and-store floor for one article: every sentence, split with the project's splitter.

    Both the extraction and the ingest benchmarks measure against this floor, so it is defined once.
    """
    return [
        {
            "document": document,
            "idx": span.index,
            "start": span.start,
            "end": span.end,
            "text": text[span.start : span.end],
        }
        for span in split_sentences(text)
    ]
