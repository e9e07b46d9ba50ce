"""Synthetic news corpus for performance benchmarks, built from the seed articles.

`generate_corpus(n_articles, seed)` returns (file name, text) pairs. Each article is a headline, a dateline, ~20
paragraph sentences drawn from the cleaned seed sentences with varied wording (synonym swaps, shuffled people and
places, perturbed numbers and dates), a section heading or two, and now and then page furniture, so splitting,
extraction, scoring and grouping all see realistic input. Deterministic for a given seed.
"""

from __future__ import annotations

import random
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

SEEDS_DIRECTORY = Path(__file__).resolve().parents[1] / "seeds"

_PEOPLE = [
    "Dmitry Peskov", "Mykhailo Podolyak", "Serhiy Nykyforov", "Antony Blinken", "Vyacheslav Volodin",
    "Margarita Simonyan", "Yevgeny Prigozhin", "Andriy Yermak", "Sergei Mironov", "Ruslan Pukhov", "Maria Zakharova",
    "Olena Kovalenko", "Ivan Petrenko", "Anna Schmidt", "Jean Dupont", "Lucia Romano", "Tomasz Nowak", "Sara Lind",
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
    for word, choices in _SYNONYMS.items():
        if word in sentence and rng.random() < 0.5:
            sentence = re.sub(rf"\b{re.escape(word)}\b", rng.choice(choices), sentence, count=1)
    if rng.random() < 0.6:
        sentence = _PERSON_NAME.sub(lambda _: rng.choice(_PEOPLE), sentence)
    if rng.random() < 0.4:
        sentence = _PLACE_NAME.sub(lambda _: rng.choice(_PLACES), sentence)
    if rng.random() < 0.5:
        sentence = _NUMBER.sub(lambda match: str(max(1, int(match.group()) + rng.randint(-3, 9))), sentence)
    return sentence


def generate_corpus(n_articles: int, seed: int = 0) -> list[tuple[str, str]]:
    """`n_articles` synthetic articles of about 20 sentences each, as (file name, text)."""
    rng = random.Random(seed)
    pool = seed_sentences()
    articles: list[tuple[str, str]] = []
    for number in range(n_articles):
        paragraphs: list[str] = []
        sentence_count = rng.randint(16, 24)
        picked = [_vary(rng.choice(pool), rng) for _ in range(sentence_count)]
        headline = _vary(rng.choice(pool), rng).rstrip(".\u201d").split(",")[0][:90]
        paragraphs.append(headline)
        paragraphs.append(f"({rng.choice(_OUTLETS)}) \u2014 {picked[0]}")
        position = 1
        while position < len(picked):
            if rng.random() < 0.12:
                paragraphs.append(rng.choice(_HEADINGS))
            size = rng.choice((1, 1, 2, 2, 3))
            paragraphs.append(" ".join(picked[position : position + size]))
            position += size
        if rng.random() < 0.3:
            paragraphs.append(rng.choice(_FURNITURE))
        articles.append((f"synthetic_{seed}_{number:05d}.txt", "\n\n".join(paragraphs) + "\n"))
    return articles
