from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

import workbench.ingest as ingest
from workbench.export import export_records
from workbench.ingest import clean_text, decode_bytes, find_input_files, ingest_paths
from workbench.store import Store, open_store

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


def test_clean_text_cuts_glued_credits_keeps_other_slashes_and_closes_up_blank_lines() -> None:
    raw = (
        "The Kremlin said Putin was not in the building.Mikhail Klimentyev / AP\n"
        "Sales rose 5% year/year, the ministry said.\n\n\n\n"
        "A 24/7 watch was ordered.  \r\n\r\n\r\n"
        "Officials met on 3/5.\n"
    )
    assert clean_text(raw) == (
        "The Kremlin said Putin was not in the building.\n"
        "Sales rose 5% year/year, the ministry said.\n\n"
        "A 24/7 watch was ordered.\n\n"
        "Officials met on 3/5.\n"
    )


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


# -- walking folders lazily ------------------------------------------------------------------------------------------


def _listing_walk(paths: list[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """The walk as it was when it built the full list, with a set of every resolved file: the reference order."""
    import os

    from workbench.ingest import TEXT_SUFFIXES

    files: list[Path] = []
    problems: list[tuple[str, str]] = []
    seen: set[Path] = set()

    def walk(root: Path) -> Iterator[Path]:
        visited_dirs: set[tuple[int, int]] = set()

        def on_error(error: OSError) -> None:
            problems.append((str(error.filename), error.strerror or str(error)))

        for folder, dir_names, file_names in os.walk(root, followlinks=True, onerror=on_error):
            folder_stat = os.stat(folder)
            key = (folder_stat.st_dev, folder_stat.st_ino)
            if key in visited_dirs:
                dir_names[:] = []
                continue
            visited_dirs.add(key)
            dir_names.sort()
            for name in sorted(file_names):
                candidate = Path(folder) / name
                if candidate.suffix.lower() not in TEXT_SUFFIXES or name.startswith("."):
                    continue
                if candidate.is_symlink() and not candidate.exists():
                    problems.append((str(candidate), "broken or looping symbolic link"))
                    continue
                if candidate.resolve() not in seen:
                    seen.add(candidate.resolve())
                    yield candidate

    for path in paths:
        if path.is_symlink() and not path.exists():
            problems.append((str(path), "broken or looping symbolic link"))
        elif not path.exists():
            problems.append((str(path), "no such file or folder"))
        elif path.is_dir():
            files.extend(walk(path))
        elif path.resolve() not in seen:
            seen.add(path.resolve())
            files.append(path)
    return files, problems


def _mixed_tree(root: Path) -> Path:
    """Nested folders with mixed names, and every way of reaching one file twice: links to files and folders (before
    and after their targets in walk order), link loops, dangling links."""
    corpus = root / "corpus"
    names = [
        "b.txt",
        "B.md",
        "a b.TXT",
        "é.txt",
        "10.txt",
        "9.txt",
        "_x.markdown",
        ".hidden.txt",
        "notes.dat",
        "z.text",
    ]
    for folder in ["", "Zeta", "alpha", "alpha/Beta", "alpha/beta", "alpha/beta/gamma", "ümlaut", "0 space"]:
        (corpus / folder).mkdir(parents=True, exist_ok=True)
        for name in names:
            (corpus / folder / name).write_text(f"{folder}/{name}\n", encoding="utf-8")
    (corpus / "alpha" / "0_link.txt").symlink_to("b.txt")  # before its target in the same folder
    (corpus / "alpha" / "c_link.txt").symlink_to("b.txt")  # after it (and after the link before it)
    (corpus / "alpha" / "d_link.txt").symlink_to("9.txt")  # after its target, the only link to it
    (corpus / "alpha" / "zz_link.md").symlink_to("../Zeta/b.txt")  # a folder walked later
    (corpus / "ümlaut" / "back.txt").symlink_to("../alpha/beta/z.text")  # a folder walked earlier
    (corpus / "ümlaut" / "dat.txt").symlink_to("../notes.dat")  # a file the walk never takes by its own name
    (corpus / "0 space" / "dat2.txt").symlink_to("../ümlaut/notes.dat")
    (corpus / "ümlaut" / "dat3.txt").symlink_to("../ümlaut/notes.dat")  # the same target again
    (corpus / "alpha" / "beta" / "gamma" / "up").symlink_to("../..")  # a loop
    (corpus / "0 space" / "alpha_again").symlink_to("../alpha/beta")  # a folder walked again, first by this name
    (corpus / "Zeta" / "self").symlink_to(".")
    (corpus / "Zeta" / "dangling.txt").symlink_to("nowhere.txt")
    (corpus / "Zeta" / "a.txt").symlink_to("b_loop.txt")
    (corpus / "Zeta" / "b_loop.txt").symlink_to("a.txt")
    outside = root / "outside"
    outside.mkdir()
    (outside / "linked.txt").write_text("outside\n", encoding="utf-8")
    (corpus / "alpha" / "beta" / "out.txt").symlink_to(outside / "linked.txt")
    return corpus


def test_the_lazy_walk_yields_the_files_and_problems_of_the_listing_walk_in_its_order(tmp_path: Path) -> None:
    from workbench.ingest import count_input_files

    corpus = _mixed_tree(tmp_path)
    given_sets = [
        [corpus],
        [corpus, corpus],  # a folder given twice: its files once, its problems twice
        [corpus / "alpha" / "beta", corpus],  # a sub-folder first, then the folder holding it
        [corpus, corpus / "alpha" / "beta"],
        [corpus / "ümlaut" / "dat.txt", corpus / "notes.dat", corpus / "Zeta" / "b.txt", corpus],  # files by name first
        [corpus, corpus / "notes.dat", corpus / "alpha" / "b.txt", tmp_path / "outside" / "linked.txt"],
        [corpus / "0 space" / "alpha_again", corpus / "alpha", tmp_path / "missing.txt", tmp_path / "outside"],
    ]
    for given in given_sets:
        expected_files, expected_problems = _listing_walk(given)
        files, problems = find_input_files(given)
        assert files == expected_files, given
        assert problems == expected_problems, given
        assert count_input_files(given) == (len(expected_files), expected_problems)
    # The tree does hold what the walk must leave out or report.
    files, problems = find_input_files([corpus])
    assert len(files) == len(set(path.resolve() for path in files)) > 40
    assert {Path(path).name for path, _ in problems} == {"dangling.txt", "a.txt", "b_loop.txt"}


def test_the_lazy_walk_matches_the_listing_walk_on_random_trees_of_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import random

    from workbench.ingest import count_input_files

    real_scandir = os.scandir

    def scandir(path: str) -> object:  # root reads any folder: a folder named so stands for one it may not
        if os.path.basename(path).startswith("locked"):
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    for seed in range(20):
        rng = random.Random(seed)
        root = tmp_path / f"tree{seed}"
        folders = [root]
        for number in range(rng.randint(4, 9)):
            folder = rng.choice(folders) / (rng.choice(["a", "B", "c d", "é", "locked", "z"]) + f"{number}")
            folder.mkdir(parents=True)
            folders.append(folder)
        files: list[Path] = []
        for folder in folders:
            for _ in range(rng.randint(0, 5)):
                name = (
                    rng.choice(["x", "Y", "0", "_", ".h"])
                    + str(rng.randint(0, 99))
                    + rng.choice([".txt", ".MD", ".dat"])
                )
                (folder / name).write_text(name, encoding="utf-8")
                files.append(folder / name)
        for number in range(rng.randint(3, 10)):
            folder = rng.choice(folders)
            link = folder / (rng.choice(["l", "M", "0"]) + f"{number}" + rng.choice([".txt", ""]))
            if link.exists() or link.is_symlink():
                continue
            target = rng.choice([*folders, *files, folder / "gone.txt"])
            link.symlink_to(os.path.relpath(target, folder))
        for _ in range(4):
            given = rng.sample([*folders, *files, root / "missing"], rng.randint(1, 4))
            expected = _listing_walk(given)
            assert find_input_files(given) == expected, (seed, given)
            assert count_input_files(given) == (len(expected[0]), expected[1])


def test_problems_are_reported_once_though_the_folders_are_walked_twice(
    tmp_path: Path, store: Store, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workbench.ingest as ingest

    (seeds_dir / "dangling.txt").symlink_to("nowhere.txt")
    missing = tmp_path / "missing.txt"
    real_count = ingest.count_input_files

    def count_then_change(paths: Iterable[Path | str]) -> tuple[int, list[tuple[str, str]]]:
        counted = real_count(paths)
        (seeds_dir / "late.txt").symlink_to("gone.txt")  # the folder changes between the count and the ingest
        return counted

    monkeypatch.setattr(ingest, "count_input_files", count_then_change)
    report = ingest_paths(store, [seeds_dir, missing])
    assert len(report.added) == 3
    assert report.failed == [
        (str(seeds_dir / "dangling.txt"), "broken or looping symbolic link"),
        (str(missing), "no such file or folder"),
        (str(seeds_dir / "late.txt"), "broken or looping symbolic link"),  # met by the second walk only
    ]


def _committed_documents(db_path: Path) -> int:
    import sqlite3

    with contextlib.closing(sqlite3.connect(db_path)) as conn:  # another connection: sees only what is committed
        return conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]


def test_a_run_commits_its_documents_in_groups(
    store: Store, db_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench import ingest

    monkeypatch.setattr(ingest, "BATCH_DOCUMENTS", 2)
    monkeypatch.setattr(ingest, "BATCH_SECONDS", 60.0)
    ingester = ingest.Ingester(store)
    committed = []
    with ingester.batched():
        for path in sorted(seeds_dir.glob("*.txt")):
            ingester.ingest_file(path, ingest.IngestReport())
            committed.append(_committed_documents(db_path))
    assert committed == [0, 2, 2]
    assert _committed_documents(db_path) == 3


def test_a_failing_document_leaves_the_rest_of_its_group_committed(
    store: Store, db_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench import ingest

    monkeypatch.setattr(ingest, "BATCH_SECONDS", 60.0)
    paths = sorted(seeds_dir.glob("*.txt"))
    ingester = ingest.Ingester(store)
    store_claims = ingester._store_claims_and_mentions  # noqa: SLF001
    calls = iter(range(10))

    def failing_second(*arguments: object) -> ingest.SummaryGains:
        if next(calls) == 1:
            raise RuntimeError("disk trouble on the second document")
        return store_claims(*arguments)

    monkeypatch.setattr(ingester, "_store_claims_and_mentions", failing_second)
    with pytest.raises(RuntimeError, match="second document"), ingester.batched():
        for path in paths:
            ingester.ingest_file(path, ingest.IngestReport())
    assert _committed_documents(db_path) == 1
    # The matcher forgot the failed document's claims: finishing the run from here gives a clean run's claims.
    monkeypatch.undo()
    with ingester.batched():
        for path in paths[1:]:
            ingester.ingest_file(path, ingest.IngestReport())
    ingester.finish()
    fresh_path = db_path.with_name("fresh.db")
    with open_store(fresh_path) as fresh:
        ingest_paths(fresh, paths)
        expected = fresh.conn.execute("SELECT id, source_count FROM claims ORDER BY id").fetchall()
    assert store.conn.execute("SELECT id, source_count FROM claims ORDER BY id").fetchall() == expected


def test_a_group_whose_commit_fails_is_not_stored_and_the_matcher_is_read_again(
    store: Store, db_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from workbench import ingest

    monkeypatch.setattr(ingest, "BATCH_SECONDS", 60.0)
    # A deferred foreign key is checked at COMMIT: a row breaking it makes the group's COMMIT fail (with the checks
    # on, which a group skips when no other connection committed).
    monkeypatch.setattr(ingest.Ingester, "_checks_redundant", lambda _: False)
    store.conn.execute(
        "CREATE TABLE commit_guard (document TEXT REFERENCES documents(id) DEFERRABLE INITIALLY DEFERRED)"
    )
    ingester = ingest.Ingester(store)
    paths = sorted(seeds_dir.glob("*.txt"))
    with pytest.raises(sqlite3.IntegrityError), ingester.batched():
        ingester.ingest_file(paths[0], ingest.IngestReport())
        assert ingester._matcher is not None  # noqa: SLF001
        store.conn.execute("INSERT INTO commit_guard VALUES ('no such document')")
    assert _committed_documents(db_path) == 0
    assert ingester._matcher is None  # noqa: SLF001 - it held claims that were never stored
    assert not store.conn.in_transaction


def test_claim_counts_kept_by_difference_over_a_group_equal_a_recount(
    store: Store, tmp_path: Path, benchmark_corpus: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench import corrections, ingest

    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in benchmark_corpus.generate_corpus(40, seed=11):
        (folder / name).write_text(text, encoding="utf-8")
    paths = sorted(folder.iterdir())
    ingest_paths(store, paths[:20], pipeline=False)
    largest = store.query("SELECT id FROM claims ORDER BY source_count DESC, id LIMIT 1")[0][0]
    # A correction touching the largest claim in the middle of the group gets it recounted over every stored
    # passage, the group's earlier ones included: what the group added to it before must not count twice.
    apply_corrections = corrections.apply_corrections
    documents = iter(range(1000))

    def correcting_the_tenth(store: Store, mention_ids: Iterable[str] | None = None) -> set[str]:
        touched = apply_corrections(store, mention_ids)
        return touched | {largest} if next(documents) == 10 else touched

    monkeypatch.setattr(corrections, "apply_corrections", correcting_the_tenth)
    monkeypatch.setattr(ingest.Ingester, "_has_corrections", lambda _: True)  # as if the store held some
    monkeypatch.setattr(ingest, "BATCH_DOCUMENTS", 1000)
    monkeypatch.setattr(ingest, "BATCH_SECONDS", 3600.0)
    ingest_paths(store, paths[20:], pipeline=False)

    kept = store.query("SELECT id, source_count, document_count, checkworthiness FROM claims ORDER BY id")
    recounted = store.query(
        """
        SELECT c.id, COUNT(m.id), COUNT(DISTINCT m.document_id), COALESCE(MAX(m.checkworthiness), c.checkworthiness)
        FROM claims c LEFT JOIN mentions m ON m.claim_id = c.id GROUP BY c.id ORDER BY c.id
        """
    )
    assert [tuple(row) for row in kept] == [tuple(row) for row in recounted]
    assert next(documents) == 20  # every document of the group went through the correction step


def test_a_group_whose_claim_counts_fail_to_write_is_not_stored(
    store: Store, db_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench import ingest

    monkeypatch.setattr(ingest, "BATCH_SECONDS", 60.0)
    ingester = ingest.Ingester(store)
    paths = sorted(seeds_dir.glob("*.txt"))

    def failing_write(self: ingest.SummaryGains, store: Store, now: str) -> None:
        raise OSError("disk full while writing the group's claim counts")

    with monkeypatch.context() as patched:
        patched.setattr(ingest.SummaryGains, "write", failing_write)
        with pytest.raises(OSError, match="disk full"), ingester.batched():
            for path in paths:
                ingester.ingest_file(path, ingest.IngestReport())
    assert _committed_documents(db_path) == 0
    assert ingester._matcher is None  # noqa: SLF001 - it held claims that were never stored
    assert not store.conn.in_transaction
    # The store takes the run again, whole.
    report = ingest_paths(store, paths)
    assert len(report.added) == len(paths) and _committed_documents(db_path) == len(paths)


def test_passages_are_stored_in_document_order_and_text_order(store: Store, benchmark_corpus: ModuleType) -> None:
    from workbench.ingest import Ingester, IngestReport

    folder_texts = benchmark_corpus.generate_corpus(30, seed=3)
    ingester = Ingester(store)
    for name, text in folder_texts:
        path = store.path.parent / name
        path.write_text(text, encoding="utf-8")
        ingester.ingest_file(path, IngestReport())
    by_rowid = store.query("SELECT m.id FROM mentions m ORDER BY m.rowid")
    by_position = store.query(
        "SELECT m.id FROM mentions m JOIN documents d ON d.id = m.document_id ORDER BY d.seq, m.start"
    )
    assert len(by_rowid) > 300 and [row[0] for row in by_rowid] == [row[0] for row in by_position]


def test_a_run_sets_its_connection_settings_and_restores_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for number in range(3):
        (folder / f"a{number}.txt").write_text(f"Officials said {number + 2} drones were shot down on Wednesday.\n")
    store = open_store(tmp_path / "wb.db")
    names = ("temp_store", "cache_size", "wal_autocheckpoint")

    def settings() -> tuple:
        return tuple(store.conn.execute(f"PRAGMA {name}").fetchone()[0] for name in names)

    before = settings()
    during: list[tuple] = []
    real_pass = ingest._FlagPass.run  # noqa: SLF001

    def flag_pass(self: object) -> None:
        during.append(settings())
        real_pass(self)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest._FlagPass, "run", flag_pass)  # noqa: SLF001
    ingest_paths(store, [folder], on_file=lambda _path: during.append(settings()), pipeline=False)
    # A savepoint's journal in memory (temp_store 2), a 32 MiB page cache, checkpoints every 10,000 pages: for every
    # file and for the flag pass at the end.
    assert during == [(2, -32768, 10_000)] * 4
    assert settings() == before
    assert store.query("SELECT COUNT(*) FROM documents")[0][0] == 3


def _foreign_keys_of_groups(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """PRAGMA foreign_keys inside each group's transaction as it opens (records, opens as usual)."""
    from workbench import ingest

    seen: list[int] = []
    open_group = ingest.Ingester._open_group  # noqa: SLF001

    def recording(self: ingest.Ingester) -> contextlib.ExitStack:
        batch = open_group(self)
        seen.append(store.conn.execute("PRAGMA foreign_keys").fetchone()[0])
        return batch

    monkeypatch.setattr(ingest.Ingester, "_open_group", recording)
    return seen


def test_groups_skip_foreign_key_checks_only_while_no_other_connection_commits(
    store: Store, db_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench import ingest

    monkeypatch.setattr(ingest, "BATCH_DOCUMENTS", 1)  # a group per document
    opened = _foreign_keys_of_groups(store, monkeypatch)
    first, second, third = sorted(seeds_dir.glob("*.txt"))
    ingester = ingest.Ingester(store)
    with ingester.batched():
        ingester.ingest_file(first, ingest.IngestReport())
        ingester.ingest_file(second, ingest.IngestReport())
        with open_store(db_path) as reviewer, reviewer.write():
            reviewer.conn.execute("UPDATE reviews SET note = 'checked' WHERE rowid = 1")
        ingester.ingest_file(third, ingest.IngestReport())
    # No other connection between the index's loading and the first two groups; a reviewer's commit before the third.
    assert opened == [0, 0, 1]
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1  # on again once the run is done
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_claim_deleted_by_another_connection_is_never_referenced_unchecked(
    store: Store, db_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from workbench import ingest

    monkeypatch.setattr(ingest, "BATCH_DOCUMENTS", 1)
    opened = _foreign_keys_of_groups(store, monkeypatch)
    first, second, _ = sorted(seeds_dir.glob("*.txt"))
    ingester = ingest.Ingester(store)
    with ingester.batched():
        ingester.ingest_file(first, ingest.IngestReport())
    # Another connection deletes every claim behind the index's back (no correction recorded, so nothing re-points
    # the passages): the next document's passages that join those claims must fail the checks, not be stored.
    with open_store(db_path) as other:
        other.conn.execute("PRAGMA foreign_keys = OFF")
        with other.write():
            other.conn.execute("DELETE FROM claims")
    with pytest.raises(sqlite3.IntegrityError), ingester.batched():
        ingester.ingest_file(second, ingest.IngestReport())
    assert opened == [0, 1]
    assert store.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 1


def test_a_run_in_the_main_thread_freezes_survivors_and_thaws_them_at_the_end(
    store: Store, tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    monkeypatch.setattr(ingest, "GC_FREEZE_EVERY_FILES", 2)
    frozen_after: list[int] = []
    ingest_paths(store, sorted(seeds_dir.glob("*.txt")), on_file=lambda _: frozen_after.append(gc.get_freeze_count()))
    assert frozen_after[0] == 0 and frozen_after[1] > 0  # frozen once the second file is done
    assert gc.get_freeze_count() == 0


def test_a_run_in_another_thread_leaves_the_collector_alone(
    store: Store, db_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc
    import threading

    monkeypatch.setattr(ingest, "GC_FREEZE_EVERY_FILES", 1)
    frozen: list[int] = []

    def run() -> None:
        with open_store(db_path) as own:  # a connection belongs to its thread
            ingest_paths(own, sorted(seeds_dir.glob("*.txt")), on_file=lambda _: frozen.append(gc.get_freeze_count()))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert frozen == [0, 0, 0]


def test_new_claims_stored_with_their_figures_equal_a_recount(
    store: Store, tmp_path: Path, benchmark_corpus: ModuleType
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in benchmark_corpus.generate_corpus(40, seed=5):
        (folder / name).write_text(text, encoding="utf-8")
    ingest_paths(store, [folder], pipeline=False)  # no corrections: new claims go in with their figures

    kept = store.query("SELECT id, source_count, document_count, checkworthiness, claimant FROM claims ORDER BY id")
    recounted = store.query(
        """
        SELECT c.id, COUNT(m.id), COUNT(DISTINCT m.document_id), MAX(m.checkworthiness),
               (SELECT claimant FROM mentions WHERE claim_id = c.id AND claimant IS NOT NULL ORDER BY rowid LIMIT 1)
        FROM claims c JOIN mentions m ON m.claim_id = c.id GROUP BY c.id ORDER BY c.id
        """
    )
    assert [tuple(row) for row in kept] == [tuple(row) for row in recounted]
    assert any(row["source_count"] > 1 for row in kept)
    # The search index holds each claim's text and claimant as stored.
    indexed = store.query("SELECT COUNT(*) FROM claims_fts WHERE claims_fts MATCH ?", [f'"{kept[0]["claimant"]}"'])
    assert kept[0]["claimant"] is None or indexed[0][0] > 0
    store.conn.execute("INSERT INTO claims_fts (claims_fts) VALUES ('integrity-check')")


def test_a_new_claim_takes_the_claimant_of_its_first_passage_naming_one() -> None:
    def passage(mention: str, claim: str, start: int, claimant: str | None, score: float) -> ingest._PassageRow:  # noqa: SLF001
        return ingest._PassageRow(  # noqa: SLF001
            mention, claim, "d1", "d1:0", start, start + 5, "quote", "text", claimant, None, score, "now"
        )

    claim_rows = [
        {"id": "c1", "claimant": None, "checkworthiness": 0.4, "source_count": 0, "document_count": 0},
        {"id": "c2", "claimant": "Kremlin", "checkworthiness": 0.9, "source_count": 0, "document_count": 0},
    ]
    passages = [
        passage("m1", "c1", 0, None, 0.4),
        passage("m2", "c2", 10, "Kremlin", 0.9),
        passage("m3", "c1", 20, "Dmitry Peskov", 0.7),
        passage("m4", "c1", 30, "Zelensky", 0.2),
        passage("m5", "c-old", 40, "Someone", 1.0),  # a claim stored before: not this function's
    ]
    ingest._figures_of_new_claims(claim_rows, passages)  # noqa: SLF001
    first, second = claim_rows
    assert (first["claimant"], first["checkworthiness"], first["source_count"], first["document_count"]) == (
        "Dmitry Peskov",
        0.7,
        3,
        1,
    )
    assert (second["claimant"], second["checkworthiness"], second["source_count"]) == ("Kremlin", 0.9, 1)
