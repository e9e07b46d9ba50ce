"""Fuzzing ingest and extraction with arbitrary input: nothing raises, and every offset indexes the text exactly.

The strategies mix free unicode (control characters, surrogates excluded, combining marks, right-to-left text)
with news-like fragments (quotes, attributions, abbreviations, numbers, markup-looking brackets, blank lines), so
that the splitter's and extractor's less common paths run too.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.extract import extract_claims, split_sentences
from workbench.ingest import DecodedDocument, FileProblem, Ingester, IngestReport, clean_text, read_document
from workbench.store import Store, open_store

FUZZ_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

FRAGMENTS = [
    "The minister said",
    " that ",
    "Putin was not in the Kremlin",
    ", Dmitry Peskov told reporters.",
    " 42 % of voters",
    " on May 9.",
    "Mr. Smith",
    " the U.S. ",
    "J. K. Rowling",
    "\u201cWe didn't attack. We leave it to the court,\u201d Zelensky said.",
    '"Quoted?" she asked.',
    "[bold red]ALERT[/]",
    "[@click=app.quit]click[/]",
    "[/]",
    "[link=file:///etc/passwd]x[/link]",
    "\x1b[31m",
    "\u202eevil\u202c",
    "\u0301\u0300",
    "\ufeff",
    "\u00a0",
    "\u2028",
    "Back to top",
    "Most Read from Bloomberg",
    "You may also like",
    "\r\n",
    "\n\n\n",
    "\t",
    "...",
    "?!",
    "\u2026",
    "(AP) \u2014 ",
    "\u00a9 2023 Reuters",
    "Mikhail Klimentyev / AP",
    "\u0420\u043e\u0441\u0441\u0438\u044f \u0437\u0430\u044f\u0432\u0438\u043b\u0430.",
    "\u0627\u0644\u0643\u0631\u0645\u0644\u064a\u0646",
    "\U0001f600",
    "\x00",
    "\x0c",
    "'; DROP TABLE claims; --",
]

news_like_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40)),
    max_size=40,
).map("".join)
any_text = st.one_of(st.text(max_size=400), news_like_text)


def check_spans(text: str) -> None:
    sentences = split_sentences(text)
    previous_end = 0
    for index, sentence in enumerate(sentences):
        assert sentence.index == index
        assert previous_end <= sentence.start < sentence.end <= len(text)
        piece = text[sentence.start : sentence.end]
        assert piece.strip() and not piece[0].isspace() and not piece[-1].isspace()
        previous_end = sentence.end
    claims = extract_claims(text, sentences)
    for claim in claims:
        assert 0 <= claim.sentence_index < len(sentences)
        sentence = sentences[claim.sentence_index]
        assert sentence.start <= claim.start < claim.end <= sentence.end
        assert claim.text.strip()
        assert 0.0 <= claim.checkworthiness <= 1.0


@FUZZ_SETTINGS
@given(raw=any_text)
def test_clean_split_and_extract_never_raise_and_offsets_fit(raw: str) -> None:
    cleaned = clean_text(raw)
    assert isinstance(cleaned, str)
    assert clean_text(cleaned) == cleaned, "cleaning twice must change nothing (offsets refer to the cleaned text)"
    check_spans(cleaned)
    check_spans(raw)  # extraction is also called on text that did not come through clean_text


@pytest.fixture(scope="module")
def fuzz_store() -> Iterator[tuple[Store, Path]]:
    # hypothesis runs many examples per test: one database and one folder for all of them
    with tempfile.TemporaryDirectory() as folder, open_store(Path(folder) / "fuzz.db") as store:
        yield store, Path(folder)


def assert_document_offsets(store: Store, document: DecodedDocument) -> None:
    document_id = "d" + document.raw_hash[:16]
    row = store.conn.execute("SELECT text FROM documents WHERE id = ?", [document_id]).fetchone()
    assert row is not None and row[0] == document.text
    for start, end, text in store.conn.execute(
        'SELECT start, "end", text FROM sentences WHERE document_id = ?', [document_id]
    ):
        assert document.text[start:end] == text
    for start, end, quote, sentence_start, sentence_end in store.conn.execute(
        'SELECT m.start, m."end", m.quote, s.start, s."end" FROM mentions m JOIN sentences s ON s.id = m.sentence_id'
        " WHERE m.document_id = ?",
        [document_id],
    ):
        assert document.text[start:end] == quote and sentence_start <= start < end <= sentence_end


@FUZZ_SETTINGS
@given(data=st.one_of(st.binary(max_size=3000), any_text.map(lambda text: text.encode("utf-8", "surrogatepass"))))
def test_ingest_of_arbitrary_bytes_stores_or_refuses_cleanly(data: bytes, fuzz_store: tuple[Store, Path]) -> None:
    store, folder = fuzz_store
    path = folder / "article.txt"
    path.write_bytes(data)
    try:
        document = read_document(path)
    except FileProblem as problem:
        assert str(problem) and "\n" not in str(problem)
        return
    report = IngestReport()
    Ingester(store).ingest_file(path, report)
    assert not report.failed
    assert_document_offsets(store, document)


@FUZZ_SETTINGS
@given(text=news_like_text)
def test_ingest_of_news_like_text_keeps_offsets(text: str, fuzz_store: tuple[Store, Path]) -> None:
    store, folder = fuzz_store
    path = folder / "news.md"
    path.write_text("Headline\n\n" + text, encoding="utf-8", errors="surrogatepass")
    try:
        document = read_document(path)
    except FileProblem:
        return
    report = IngestReport()
    Ingester(store).ingest_file(path, report)
    assert not report.failed
    assert_document_offsets(store, document)
    integrity = store.conn.execute("PRAGMA quick_check").fetchone()[0]
    assert integrity == "ok"
