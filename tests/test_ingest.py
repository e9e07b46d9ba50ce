from __future__ import annotations

import json
from pathlib import Path

from workbench.export import export_records
from workbench.ingest import clean_text, decode_bytes, find_input_files, ingest_paths
from workbench.store import Store

BOILERPLATE_SNIPPETS = [
    "Most Read from",
    "Back to top",
    "You may also like",
    "Prince Harry",
    "Boris Johnson",
    "Want to get worth reading",
    "We do not spam",
    "©2023",
    "Source by",
    "Exit mobile version",
    "Consult our file",
    "Klimentyev / AP",
    "Related Articles",
]


def test_seeds_ingest_into_documents_sentences_claims(seeded_store: Store) -> None:
    files = {row[0] for row in seeded_store.query("SELECT file_name FROM documents")}
    assert files == {"000_60046d9832fb7826.txt", "002_6ea79cea1cd47755.txt", "003_be75cc019f20ae06.txt"}
    assert seeded_store.query("SELECT COUNT(*) FROM sentences")[0][0] > 80
    assert seeded_store.query("SELECT COUNT(*) FROM claims")[0][0] > 20
    titles = {row[0] for row in seeded_store.query("SELECT title FROM documents")}
    assert "Russia Says It Foiled Kremlin Drone Attack Aimed At Putin" in titles


def test_sentence_and_mention_offsets_match_document_text(seeded_store: Store) -> None:
    texts = dict(seeded_store.query("SELECT id, text FROM documents"))
    for document_id, start, end, text in seeded_store.query('SELECT document_id, start, "end", text FROM sentences'):
        assert texts[document_id][start:end] == text
    for document_id, start, end, quote in seeded_store.query('SELECT document_id, start, "end", quote FROM mentions'):
        assert texts[document_id][start:end] == quote


def test_boilerplate_never_stored_or_becomes_a_claim(seeded_store: Store) -> None:
    stored = "\n".join(row[0] for row in seeded_store.query("SELECT text FROM documents"))
    claims = json.dumps(list(export_records(seeded_store)), ensure_ascii=False)
    for snippet in BOILERPLATE_SNIPPETS:
        assert snippet not in stored, snippet
        assert snippet not in claims, snippet
    # the caption the credit was glued to is article text and stays
    assert "Putin was not in the building at the time of the alleged attack." in stored


def test_clean_text_strips_furniture_and_trailers() -> None:
    raw = (
        "Headline\n\nFirst real sentence here.\n\nMost Read from Bloomberg\n\nSecond sentence.\n\n"
        "Exit mobile version\nYou may also like\n\nUnrelated story about a celebrity.\n"
    )
    cleaned = clean_text(raw)
    assert "First real sentence here." in cleaned and "Second sentence." in cleaned
    assert "Most Read" not in cleaned and "celebrity" not in cleaned and "Exit mobile" not in cleaned


def test_reingest_changes_nothing(seeded_store: Store, seeds_dir: Path) -> None:
    before = seeded_store.query("SELECT id, text, source_count FROM claims ORDER BY id")
    report = ingest_paths(seeded_store, [seeds_dir])
    assert report.added == [] and len(report.skipped) == 3
    assert seeded_store.query("SELECT id, text, source_count FROM claims ORDER BY id") == before


def test_new_article_keeps_existing_claim_ids_and_verdicts(seeded_store: Store, seeds_dir: Path) -> None:
    from workbench.review import set_status

    claim_ids = [row[0] for row in seeded_store.query("SELECT id FROM claims ORDER BY sort_key")]
    set_status(seeded_store, claim_ids[3], "false", reviewer="ana")
    extra = seeds_dir / "004_new.txt"
    extra.write_text(
        "Kremlin drone follow-up\n\nPutin was not in the Kremlin at the time of the attack, Dmitry Peskov said.\n\n"
        "The city of Moscow banned all drone flights over the capital starting Wednesday.\n",
        encoding="utf-8",
    )
    report = ingest_paths(seeded_store, [seeds_dir])
    assert [Path(added[0]).name for added in report.added] == ["004_new.txt"]
    after = {row[0] for row in seeded_store.query("SELECT id FROM claims")}
    assert set(claim_ids) <= after
    status = seeded_store.query("SELECT status FROM reviews WHERE claim_id = ?", [claim_ids[3]])[0][0]
    assert status == "false"


def test_latin1_and_cp1252_text_is_decoded(tmp_path: Path, store: Store) -> None:
    text = "Le président a déclaré « mardi » que 42 % des électeurs étaient d’accord.\n"
    (tmp_path / "latin.txt").write_bytes(("Titre\n\n" + text.replace("’", "'")).encode("latin-1"))
    (tmp_path / "win.txt").write_bytes(("Title\n\nThe minister said “yes” — 5 € more.\n").encode("cp1252"))
    report = ingest_paths(store, [tmp_path / "latin.txt", tmp_path / "win.txt"])
    assert report.ok, report.failed
    stored = "\n".join(row[0] for row in store.query("SELECT text FROM documents"))
    assert "président a déclaré" in stored
    assert "“yes” — 5 € more" in stored


def test_decode_rejects_binary() -> None:
    import pytest

    from workbench.ingest import FileProblem

    with pytest.raises(FileProblem, match="binary"):
        decode_bytes(bytes(range(256)) * 10)


def test_folders_are_walked_recursively_for_text_files(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "one.txt").write_text("x")
    (tmp_path / "a" / "b" / "two.md").write_text("y")
    (tmp_path / "a" / "b" / "image.png").write_bytes(b"\x89PNG")
    files, problems = find_input_files([tmp_path / "a", tmp_path / "missing.txt"])
    assert sorted(path.name for path in files) == ["one.txt", "two.md"]
    assert problems == [(str(tmp_path / "missing.txt"), "no such file or folder")]


def test_bad_files_fail_alone_and_the_rest_is_ingested(tmp_path: Path, store: Store, seeds_dir: Path) -> None:
    (seeds_dir / "empty.txt").write_text("")
    (seeds_dir / "random.txt").write_bytes(bytes(range(256)) * 40)
    report = ingest_paths(store, [seeds_dir])
    assert len(report.added) == 3
    failed = dict((Path(path).name, reason) for path, reason in report.failed)
    assert failed == {"empty.txt": "empty file", "random.txt": "binary content (not a text file)"}


def test_a_documents_passage_ids_are_stable_and_sort_together(seeded_store: Store) -> None:
    # Passage ids derive from the document's content hash and offsets (stable across re-ingest), and one document's
    # ids share a prefix, so its primary-key inserts go to neighbouring index pages.
    from workbench.ingest import mention_id_for

    rows = seeded_store.conn.execute(
        'SELECT m.id, d.content_hash, m.start, m."end" FROM mentions m JOIN documents d ON d.id = m.document_id'
    ).fetchall()
    assert rows
    for mention_id, content_hash, start, end in rows:
        assert mention_id == mention_id_for(content_hash, start, end) == f"m{content_hash[:16]}:{start}-{end}"
    by_document: dict[str, list[str]] = {}
    for mention_id, content_hash, _, _ in rows:
        by_document.setdefault(content_hash, []).append(mention_id)
    ordered = sorted(mention_id for mention_id, *_ in rows)
    for ids in by_document.values():
        positions = sorted(ordered.index(mention_id) for mention_id in ids)
        assert positions == list(range(positions[0], positions[0] + len(ids)))  # contiguous in key order
