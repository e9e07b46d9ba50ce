"""The preparation worker (workbench.prepare): same store as the sequential path, bounded, never left behind.

Larger runs read, clean, split and extract in a worker process ahead of the grouping and storing in the ingest
process. Whatever the worker does, the database must end up byte for byte as the one-process run leaves it.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import multiprocessing
import os
import pty
import re
import shutil
import signal
import sqlite3
import subprocess
import termios
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from processes import REPO_ROOT, child_env, kill_group, query_one, wait_until, workbench_command

import workbench.ingest as ingest
import workbench.prepare as prepare
from workbench.ingest import IngestReport, ingest_paths
from workbench.prepare import Outcome, PreparationWorker, WorkerStats
from workbench.store import Store, open_store

ARTICLES = 60
# The worker's hooks below run in the worker process, which inherits the environment: they find the log here.
TIMELINE_ENV = "WORKBENCH_TEST_PIPELINE_TIMELINE"
FAIL_MARKER = "Kalynivka extraction failure marker"


@pytest.fixture(scope="module")
def corpus_folder(tmp_path_factory: pytest.TempPathFactory, benchmark_corpus: ModuleType) -> Path:
    """Generated articles, plus a binary file, an empty one and a verbatim duplicate under another name."""
    folder = tmp_path_factory.mktemp("pipeline") / "articles"
    folder.mkdir()
    for name, text in benchmark_corpus.generate_corpus(ARTICLES, seed=5):
        (folder / name).write_text(text, encoding="utf-8")
    names = sorted(path.name for path in folder.iterdir())
    (folder / "binary_0030.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "empty_0031.txt").write_bytes(b"")
    shutil.copy(folder / names[3], folder / f"{Path(names[3]).stem}_copy.txt")
    return folder


def _table_contents(db_path: Path) -> dict[str, list[tuple]]:
    """Every row of every table in stored order; `*_at` timestamps (the clock, not the data) blanked."""
    contents: dict[str, list[tuple]] = {}
    conn = sqlite3.connect(db_path)
    try:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        for table in tables:
            if table == "_sqlite_migrations":
                continue
            cursor = conn.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from sqlite_master
            columns = [description[0] for description in cursor.description]
            contents[table] = [
                tuple(None if column.endswith("_at") else value for column, value in zip(columns, row, strict=True))
                for row in cursor
            ]
    finally:
        conn.close()
    return contents


def _ingest(db_path: Path, folder: Path, pipeline: bool, on_file: Callable[[Path], None] | None = None) -> IngestReport:
    with open_store(db_path) as store:
        return ingest_paths(store, [folder], pipeline=pipeline, on_file=on_file)


def _report_fields(report: IngestReport) -> tuple:
    return (report.added, report.skipped, report.failed, report.new_claims, report.joined_claims)


def _documents(db_path: Path) -> int:
    return int(query_one(db_path, "SELECT COUNT(*) FROM documents") or 0)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def worker_used(monkeypatch: pytest.MonkeyPatch) -> list[PreparationWorker]:
    """Records each worker started, and makes the run wait until it is ready (a slow machine would otherwise
    prepare the whole small corpus in-process before the worker's Python is up, and the test prove nothing)."""
    started: list[PreparationWorker] = []
    original_enter, original_ready = PreparationWorker.__enter__, PreparationWorker.ready

    def enter(self: PreparationWorker) -> PreparationWorker:
        started.append(self)
        return original_enter(self)

    def ready(self: PreparationWorker) -> bool:
        deadline = time.monotonic() + 30
        while not original_ready(self) and self.failure is None and time.monotonic() < deadline:
            time.sleep(0.01)
        return original_ready(self)

    monkeypatch.setattr(PreparationWorker, "__enter__", enter)
    monkeypatch.setattr(PreparationWorker, "ready", ready)
    return started


@pytest.fixture
def worker_stats(monkeypatch: pytest.MonkeyPatch) -> list[WorkerStats | None]:
    """The figures each pipelined run got back from its worker (None: it never said goodbye)."""
    collected: list[WorkerStats | None] = []
    original = prepare.ingest_pipelined

    def recording(*args: object, **kwargs: object) -> WorkerStats | None:
        stats = original(*args, **kwargs)  # type: ignore[arg-type]
        collected.append(stats)
        return stats

    monkeypatch.setattr(prepare, "ingest_pipelined", recording)
    return collected


def _use_prepare_hook(monkeypatch: pytest.MonkeyPatch, hook: Callable[[Path, int], Outcome]) -> None:
    monkeypatch.setattr(prepare, "ingest_pipelined", functools.partial(prepare.ingest_pipelined, prepare=hook))


# -- hooks that run inside the worker process (module level: the worker imports them by name) ---------------------


def _slow_prepare(path: Path, max_bytes: int) -> Outcome:
    time.sleep(0.05)  # a worker far slower than the ingest process: it falls behind at once
    return prepare.prepare_document(path, max_bytes)


def _timeline_prepare(path: Path, max_bytes: int) -> Outcome:
    with open(os.environ[TIMELINE_ENV], "a", encoding="utf-8") as log:
        log.write(f"P {path.name}\n")
    return prepare.prepare_document(path, max_bytes)


def _failing_extract(text: str, sentences: list) -> list:
    if FAIL_MARKER in text:
        raise ValueError("extraction failed on purpose")
    from workbench.extract import extract_claims

    return extract_claims(text, sentences)


def _prepare_with_failing_extraction(path: Path, max_bytes: int) -> Outcome:
    ingest.extract_claims = _failing_extract  # in the worker process only; both paths extract through ingest
    return prepare.prepare_document(path, max_bytes)


def _prepare_unsendable_at_twentieth(path: Path, max_bytes: int) -> Outcome:
    if path.name.endswith("00019.txt"):
        return lambda: None  # type: ignore[return-value] - cannot be pickled: sending it fails in the worker
    return prepare.prepare_document(path, max_bytes)


# -- tests -----------------------------------------------------------------------------------------------------------


def test_pipelined_run_stores_exactly_what_the_in_process_run_stores(
    corpus_folder: Path, tmp_path: Path, worker_used: list[PreparationWorker], worker_stats: list
) -> None:
    sequential = _ingest(tmp_path / "sequential.db", corpus_folder, pipeline=False)
    pipelined = _ingest(tmp_path / "pipelined.db", corpus_folder, pipeline=True)

    assert len(worker_used) == 1 and worker_stats[0] is not None
    # Everything but the first file went through the worker, or was prepared here while the worker was behind.
    assert worker_stats[0].documents + worker_used[0].prepared_here >= ARTICLES
    assert _report_fields(pipelined) == _report_fields(sequential)
    assert len(sequential.added) == ARTICLES and len(sequential.skipped) == 1
    assert sorted(reason for _, reason in sequential.failed) == ["binary content (not a text file)", "empty file"]
    assert _table_contents(tmp_path / "pipelined.db") == _table_contents(tmp_path / "sequential.db")

    # Again over the same folder: every file is known, so none is handed to the worker, and all are skipped.
    again = _ingest(tmp_path / "pipelined.db", corpus_folder, pipeline=True)
    assert again.added == [] and len(again.skipped) == ARTICLES + 1 and again.failed == sequential.failed
    assert worker_stats[1] is not None and worker_stats[1].documents <= 2  # at most the binary and the empty file


def test_a_run_into_an_empty_store_does_not_read_files_twice_to_look_for_known_ones(
    corpus_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = sorted(corpus_folder.glob("synthetic_*.txt"))[0]
    with open_store(tmp_path / "empty.db") as store:
        reads: list[Path] = []
        real_read = ingest._read_regular_file

        def counting_read(path: Path, max_bytes: int) -> bytes:
            reads.append(path)
            return real_read(path, max_bytes)

        monkeypatch.setattr(ingest, "_read_regular_file", counting_read)
        assert ingest.Ingester(store).stored_already(first) is False and reads == []
        ingest.Ingester(store).ingest_file(first, IngestReport())
        reads.clear()
        # Once the store holds documents, the look is made (and finds the stored file).
        assert ingest.Ingester(store).stored_already(first) is True and reads == [first]


def test_the_threshold_picks_the_path(
    corpus_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, worker_used: list[PreparationWorker]
) -> None:
    few = tmp_path / "few"
    few.mkdir()
    for path in sorted(corpus_folder.glob("synthetic_*.txt"))[:3]:
        shutil.copy(path, few / path.name)
    assert len(_ingest(tmp_path / "few.db", few, pipeline=None).added) == 3
    assert worker_used == []  # three files: no process started
    monkeypatch.setattr(ingest, "PIPELINE_MIN_FILES", 3)
    _ingest(tmp_path / "few-again.db", few, pipeline=None)
    assert len(worker_used) == 1


def test_a_few_files_into_a_large_store_start_the_worker_and_store_what_one_process_would(
    corpus_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, worker_used: list[PreparationWorker]
) -> None:
    names = sorted(path.name for path in corpus_folder.glob("synthetic_*.txt"))
    first, later = tmp_path / "first", tmp_path / "later"
    first.mkdir()
    later.mkdir()
    for name in names[:-3]:
        shutil.copy(corpus_folder / name, first / name)
    for name in names[-3:]:
        shutil.copy(corpus_folder / name, later / name)
    _ingest(tmp_path / "pipelined.db", first, pipeline=False)
    shutil.copy(tmp_path / "pipelined.db", tmp_path / "sequential.db")
    stored = query_one(tmp_path / "pipelined.db", "SELECT COUNT(*) FROM mentions")

    monkeypatch.setattr(ingest, "PIPELINE_MIN_STORED_PASSAGES", stored + 1)
    _ingest(tmp_path / "sequential.db", later, pipeline=None)
    assert worker_used == []  # three files into a store below the mark: one process
    monkeypatch.setattr(ingest, "PIPELINE_MIN_STORED_PASSAGES", stored)
    _ingest(tmp_path / "pipelined.db", later, pipeline=None)
    assert len(worker_used) == 1  # the same three files into a store at the mark: the worker shares the flag pass
    assert worker_used[0].failure is None
    assert _table_contents(tmp_path / "pipelined.db") == _table_contents(tmp_path / "sequential.db")


def test_the_worker_never_gets_more_than_the_window_ahead(
    corpus_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, worker_used: list[PreparationWorker]
) -> None:
    window = 4
    timeline = tmp_path / "timeline.log"
    timeline.touch()
    monkeypatch.setenv(TIMELINE_ENV, str(timeline))
    monkeypatch.setattr(ingest, "PIPELINE_WINDOW", window)
    _use_prepare_hook(monkeypatch, _timeline_prepare)

    def consumed(path: Path) -> None:
        with open(timeline, "a", encoding="utf-8") as log:
            log.write(f"C {path.name}\n")
        time.sleep(0.02)  # a slow consumer: an unbounded worker would race ahead

    files = [path.name for path in ingest.find_input_files([corpus_folder])[0]]
    _ingest(tmp_path / "window.db", corpus_folder, pipeline=True, on_file=consumed)

    # Both processes append to one file (O_APPEND: each line lands whole, in the order written): at the moment
    # the worker starts file k, the ingest process must have finished all files before it but `window - 1`.
    done = 0
    leads = []
    for line in timeline.read_text(encoding="utf-8").splitlines():
        kind, name = line.split(" ", 1)
        if kind == "C":
            assert name == files[done]
            done += 1
        else:
            leads.append(files.index(name) - done)
    assert done == len(files)
    # The window counts the file being stored: the worker is ahead by as much as the rest of it, never further.
    assert leads and max(leads) == window - 1, leads


def test_an_extraction_error_ends_the_run_as_it_does_in_one_process(
    corpus_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, worker_used: list[PreparationWorker]
) -> None:
    folder = tmp_path / "articles"
    shutil.copytree(corpus_folder, folder)
    victim = folder / "synthetic_5_00040.txt"
    victim.write_text(victim.read_text(encoding="utf-8") + f"\nOfficials said the {FAIL_MARKER} was real.\n")
    monkeypatch.setattr(ingest, "extract_claims", _failing_extract)
    _use_prepare_hook(monkeypatch, _prepare_with_failing_extraction)

    for pipeline in (False, True):
        with pytest.raises(ValueError, match="extraction failed on purpose"):
            _ingest(tmp_path / f"failing-{pipeline}.db", folder, pipeline=pipeline)
    assert len(worker_used) == 1 and _gone(worker_used[0].pid or 0)
    assert _documents(tmp_path / "failing-True.db") == 40  # synthetic_5_00000 to 00039
    assert _table_contents(tmp_path / "failing-True.db") == _table_contents(tmp_path / "failing-False.db")


def test_no_worker_is_left_after_a_normal_run_or_an_error(
    corpus_folder: Path, tmp_path: Path, worker_used: list[PreparationWorker]
) -> None:
    _ingest(tmp_path / "normal.db", corpus_folder, pipeline=True)
    pid = worker_used[0].pid
    assert pid is not None and _gone(pid)
    assert multiprocessing.active_children() == []

    def fail_on_tenth(path: Path) -> None:
        if path.name.endswith("00009.txt"):
            raise RuntimeError("progress display broke")

    with pytest.raises(RuntimeError, match="progress display broke"):
        _ingest(tmp_path / "error.db", corpus_folder, pipeline=True, on_file=fail_on_tenth)
    pid = worker_used[1].pid
    assert pid is not None and _gone(pid)
    assert multiprocessing.active_children() == []
    assert _documents(tmp_path / "error.db") == 10


def test_ctrl_c_in_the_loop_stops_the_worker_and_keeps_what_was_committed(
    corpus_folder: Path, tmp_path: Path, worker_used: list[PreparationWorker]
) -> None:
    def interrupt_at_25th(path: Path) -> None:
        if path.name.endswith("00024.txt"):
            raise KeyboardInterrupt

    for pipeline in (False, True):
        with pytest.raises(KeyboardInterrupt):
            _ingest(
                tmp_path / f"interrupted-{pipeline}.db", corpus_folder, pipeline=pipeline, on_file=interrupt_at_25th
            )
    pid = worker_used[0].pid
    assert pid is not None and _gone(pid)
    assert multiprocessing.active_children() == []
    assert _documents(tmp_path / "interrupted-True.db") == 25
    interrupted = _table_contents(tmp_path / "interrupted-True.db")
    assert interrupted == _table_contents(tmp_path / "interrupted-False.db")

    # The next run resumes: the committed files are skipped, the rest added, as in one process.
    resumed = _ingest(tmp_path / "interrupted-True.db", corpus_folder, pipeline=True)
    assert len(resumed.skipped) == 25 + 1 and len(resumed.added) == ARTICLES - 25


def test_a_worker_that_dies_leaves_the_rest_to_the_ingest_process(
    corpus_folder: Path,
    tmp_path: Path,
    worker_used: list[PreparationWorker],
    caplog: pytest.LogCaptureFixture,
) -> None:
    def kill_worker_at_tenth(path: Path) -> None:
        if path.name.endswith("00009.txt"):
            os.kill(worker_used[0].pid or 0, signal.SIGKILL)

    with caplog.at_level(logging.WARNING, logger="workbench.prepare"):
        pipelined = _ingest(tmp_path / "killed.db", corpus_folder, pipeline=True, on_file=kill_worker_at_tenth)
    assert [record.getMessage() for record in caplog.records] == [
        "the document preparation worker stopped (killed by SIGKILL); the remaining files are prepared in this process"
    ]
    sequential = _ingest(tmp_path / "sequential.db", corpus_folder, pipeline=False)
    assert _report_fields(pipelined) == _report_fields(sequential)
    assert _table_contents(tmp_path / "killed.db") == _table_contents(tmp_path / "sequential.db")
    assert multiprocessing.active_children() == []


def test_a_worker_that_fails_says_why_and_the_ingest_process_finishes_the_run(
    corpus_folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    worker_used: list[PreparationWorker],
    caplog: pytest.LogCaptureFixture,
) -> None:
    _use_prepare_hook(monkeypatch, _prepare_unsendable_at_twentieth)
    with caplog.at_level(logging.WARNING, logger="workbench.prepare"):
        pipelined = _ingest(tmp_path / "failed.db", corpus_folder, pipeline=True)
    [warning] = [record.getMessage() for record in caplog.records]
    assert "worker stopped (AttributeError: Can't pickle local object" in warning, warning
    assert warning.endswith("the remaining files are prepared in this process")
    sequential = _ingest(tmp_path / "sequential.db", corpus_folder, pipeline=False)
    assert _report_fields(pipelined) == _report_fields(sequential)
    assert _table_contents(tmp_path / "failed.db") == _table_contents(tmp_path / "sequential.db")
    assert _gone(worker_used[0].pid or 0) and multiprocessing.active_children() == []


def test_paths_go_to_the_worker_a_few_to_a_message_and_come_back_in_order(corpus_folder: Path) -> None:
    files = sorted(corpus_folder.glob("*.txt"))[:10]
    messages: list[object] = []
    with PreparationWorker(ingest.DEFAULT_MAX_BYTES, window=16) as worker:
        wait_until(worker.ready, timeout=30, what="the worker to start")
        connection = worker._conn  # noqa: SLF001 - the messages themselves are what this test is about
        assert connection is not None
        send = connection.send

        def recorded_send(message: object) -> None:
            messages.append(message)
            send(message)

        connection.send = recorded_send  # type: ignore[method-assign]
        assert all(worker.submit(path) for path in files[:9])
        assert messages == []  # submitted, not sent yet
        worker.flush()
        outcomes = [worker.take() for _ in files[:9]]
        # take() sends what is still unsent before it waits.
        assert worker.submit(files[9])
        outcomes.append(worker.take())
    assert [len(message) for message in messages if isinstance(message, list)] == [4, 4, 1, 1]
    assert [message for message in messages if not isinstance(message, list)] == [None]  # the goodbye

    def summary(outcome: Outcome) -> object:
        return (outcome.document.path, outcome.extracted) if isinstance(outcome, prepare.PreparedDocument) else outcome

    here = [prepare.prepare_document(path, ingest.DEFAULT_MAX_BYTES) for path in files]
    assert [summary(outcome) for outcome in outcomes] == [summary(outcome) for outcome in here]
    assert any(isinstance(outcome, prepare.UnreadableFile) for outcome in here)


def test_a_run_from_a_thread_uses_the_worker_too(
    corpus_folder: Path, tmp_path: Path, worker_used: list[PreparationWorker]
) -> None:
    # The UI runs long jobs in thread workers; signal handlers cannot be touched there, and fork would be unsafe.
    reports: list[IngestReport] = []
    thread = threading.Thread(target=lambda: reports.append(_ingest(tmp_path / "thread.db", corpus_folder, True)))
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive() and len(reports[0].added) == ARTICLES
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert len(worker_used) == 1 and _gone(worker_used[0].pid or 0)
    assert multiprocessing.active_children() == []


# -- a real ctrl+c, typed in a terminal ------------------------------------------------------------------------------


def _process_group_members(group: int) -> list[int]:
    """Live (not zombie) processes of a process group, from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[2]) == group:
            members.append(int(entry.name))
    return members


@contextlib.contextmanager
def _in_terminal(args: list[str]) -> Iterator[tuple[subprocess.Popen[bytes], Callable[[], str], int]]:
    """Run `args` as the foreground job of a new pseudo-terminal, so typing ctrl+c signals its whole group."""
    master, slave = pty.openpty()
    output = bytearray()

    def drain() -> None:
        with contextlib.suppress(OSError):
            while chunk := os.read(master, 65536):
                output.extend(chunk)

    process = subprocess.Popen(
        args,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=REPO_ROOT,
        env=child_env(TERM="xterm", COLUMNS="120", LINES="40"),
        start_new_session=True,
        # The new session takes the terminal as its controlling one, which is what makes ctrl+c a signal.
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )
    os.close(slave)
    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        yield process, lambda: output.decode("utf-8", errors="replace"), master
    finally:
        kill_group(process)
        os.close(master)
        reader.join(timeout=5)


@pytest.mark.slow
def test_ctrl_c_typed_in_a_terminal_ends_a_pipelined_ingest_cleanly(corpus_folder: Path, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    shutil.copytree(corpus_folder, folder)
    for path in sorted(folder.glob("synthetic_5_000[0-2]?.txt")):  # more files: the run is still going at the ctrl+c
        shutil.copy(path, folder / f"again_{path.name}")
        with open(folder / f"again_{path.name}", "a", encoding="utf-8") as extra:
            extra.write("\nA later edition of the report.\n")
    db_path = tmp_path / "typed.db"
    with _in_terminal(workbench_command("ingest", str(folder), "--db", str(db_path))) as (process, output, master):
        wait_until(
            lambda: process.poll() is not None or _documents(db_path) >= 15,
            timeout=90,
            interval=0.01,
            what="15 documents committed",
        )
        assert len(_process_group_members(process.pid)) >= 2, "no worker process: the test proves nothing"
        os.write(master, b"\x03")  # the terminal turns it into SIGINT for every process of the foreground group
        process.wait(timeout=30)
        wait_until(lambda: not _process_group_members(process.pid), timeout=15, what="every process of the run gone")
        text = output()
    assert process.returncode == 130, text
    assert "Traceback" not in text, text
    assert re.search(r"\b(Aborted|Interrupted)\.", text), text
    committed = _documents(db_path)
    assert 15 <= committed < ARTICLES + 30 + 1, "the ingest finished before the interrupt; the test proved nothing"

    resumed = _ingest(db_path, folder, pipeline=True)
    assert len(resumed.added) == ARTICLES + 30 - committed
    reference = tmp_path / "reference.db"
    _ingest(reference, folder, pipeline=False)
    assert _documents(db_path) == _documents(reference) == ARTICLES + 30


def test_a_document_prepared_with_its_features_is_grouped_without_computing_them(
    corpus_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the worker sends for each file, made here (no process start to wait for): the ingest process then
    # computes no feature the worker gave, and stores exactly what it stores without them.
    import workbench.match as match

    computed: list[tuple[str, str | None]] = []
    compute = match.compute_features

    def counting(text: str, claimant: str | None) -> match.MatchFeatures:
        computed.append((text, claimant))
        return compute(text, claimant)

    files = sorted(corpus_folder.glob("synthetic_*[0-9].txt"))[:12]  # articles only: no binary, empty or copy
    sent = prepare._SentWordings()  # noqa: SLF001
    outcomes = [sent.with_features(outcome) for outcome in map(functools.partial(_prepared, max_bytes=10**7), files)]
    assert sum(len(outcome.features) for outcome in outcomes) > 20
    match._features.cache_clear()  # noqa: SLF001
    monkeypatch.setattr(match, "compute_features", counting)
    with open_store(tmp_path / "given.db") as store:
        ingester = ingest.Ingester(store)
        report = IngestReport()
        for path, outcome in zip(files, outcomes, strict=True):
            ingester.ingest_prepared(path, outcome, report)
        ingester.finish()
    assert computed == []
    match._features.cache_clear()  # noqa: SLF001
    with open_store(tmp_path / "computed.db") as store:
        ingester = ingest.Ingester(store)
        for path in files:
            ingester.ingest_file(path, IngestReport())
        ingester.finish()
    assert len(computed) > 20
    assert _table_contents(tmp_path / "given.db") == _table_contents(tmp_path / "computed.db")


def _prepared(path: Path, max_bytes: int) -> prepare.PreparedDocument:
    outcome = prepare.prepare_document(path, max_bytes)
    assert isinstance(outcome, prepare.PreparedDocument)
    return outcome


def test_given_features_stand_in_for_computing_and_are_dropped_after_the_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import workbench.match as match

    wording = ("Drones hit the Kalynivka depot on May 9", "Kremlin")
    given = match.compute_features(*wording)
    match._features.cache_clear()  # noqa: SLF001

    def refuse(text: str, claimant: str | None) -> match.MatchFeatures:
        raise AssertionError("computed a given wording")

    monkeypatch.setattr(match, "compute_features", refuse)
    with match.features_given([(*wording, given)]):
        assert match._features(*wording) is given  # noqa: SLF001
    assert not match._given_features  # noqa: SLF001
    with pytest.raises(AssertionError, match="computed"), match.features_given([(*wording, given)]):
        match._features("Another wording", None)  # noqa: SLF001
    assert not match._given_features  # noqa: SLF001


def test_features_cross_processes_with_the_receivers_hash() -> None:
    # String hashes differ between processes; the features keep theirs precomputed, so unpickling must recompute it.
    import pickle  # noqa: S403 - a test of what multiprocessing does with these objects

    import workbench.match as match

    features = match.compute_features("Drones hit the Kalynivka depot on May 9", "Kremlin")
    as_if_sent = match.compute_features("Drones hit the Kalynivka depot on May 9", "Kremlin")
    object.__setattr__(as_if_sent, "value_hash", hash(features) + 1)  # another process's hash
    received = pickle.loads(pickle.dumps(as_if_sent))  # noqa: S301
    assert received == features and hash(received) == hash(features)
    assert received in {features}


def test_the_worker_sends_each_wordings_features_once_while_it_is_recent() -> None:
    from workbench.ingest import DecodedDocument
    from workbench.models import ExtractedClaim

    def claim(text: str) -> ExtractedClaim:
        return ExtractedClaim(0, 0, len(text), text, None, None, 0.5)

    def prepared(*texts: str) -> prepare.PreparedDocument:
        document = DecodedDocument(path=Path("a.txt"), raw_hash="0" * 64, text="", title="", outlet=None)
        return prepare.PreparedDocument(document, [], [claim(text) for text in texts])

    sent = prepare._SentWordings(size=2)  # noqa: SLF001
    first = sent.with_features(prepared("Drones hit the depot", "The depot burned", "Drones hit the depot"))
    assert [text for text, _, _ in first.features] == ["Drones hit the depot", "The depot burned"]
    assert sent.with_features(prepared("The depot burned")).features == ()
    sent.with_features(prepared("A third wording"))  # pushes "Drones hit the depot" out of the window of 2
    assert [text for text, _, _ in sent.with_features(prepared("Drones hit the depot")).features] == [
        "Drones hit the depot"
    ]


# -- drawing the files as the run goes -------------------------------------------------------------------------------


def test_ingest_holds_a_few_files_at_a_time_never_the_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, worker_used: list[PreparationWorker]
) -> None:
    window = 4
    monkeypatch.setattr(ingest, "PIPELINE_WINDOW", window)
    folder = tmp_path / "wire"
    for number in range(48):
        (folder / f"day{number % 3}").mkdir(parents=True, exist_ok=True)
        (folder / f"day{number % 3}" / f"story_{number:02d}.txt").write_text(
            f"Officials said {number + 2} drones were shot down over the region on Tuesday.\n", encoding="utf-8"
        )
    # Paths that can be watched: one still referenced anywhere (a list, a look-ahead queue) is alive.
    tracked_path = type("TrackedPath", (type(folder),), {})
    alive: weakref.WeakSet[Path] = weakref.WeakSet()
    most_alive = [0]
    real_iter = ingest.iter_input_files

    def watched(paths: Iterable[Path | str], on_problem: Callable[[tuple[str, str]], None]) -> Iterator[Path]:
        for path in real_iter(paths, on_problem):
            tracked = tracked_path(path)
            alive.add(tracked)
            most_alive[0] = max(most_alive[0], len(alive))
            yield tracked

    monkeypatch.setattr(ingest, "iter_input_files", watched)
    totals: list[int] = []
    for pipeline in (False, True):
        most_alive[0] = 0
        with open_store(tmp_path / f"pipeline-{pipeline}.db") as store:
            report = ingest_paths(store, [folder], pipeline=pipeline, on_total=totals.append)
        assert report.ok and len(report.added) == 48
        # One at a time (the one before is still named by the loop's variable as the next is drawn); pipelined: the
        # window, which counts the file being stored, the few prepared here while the worker is behind, and at most
        # one more drawn, waiting for its turn.
        most = window + prepare.PREPARED_HERE_AHEAD + 1
        assert (window <= most_alive[0] <= most) if pipeline else most_alive[0] <= 2, (pipeline, most_alive)
    assert totals == [48, 48] and len(worker_used) == 1


def _listing_ingest_pipelined(
    ingester: ingest.Ingester,
    files: list[Path],
    report: IngestReport,
    on_file: Callable[[Path], None] | None,
    window: int,
    prepare_hook: Callable[[Path, int], Outcome] = prepare.prepare_document,
) -> WorkerStats | None:
    """ingest_pipelined as it was when it indexed into the full list of files: the reference behaviour (since
    updated for the files handed over in groups)."""
    with prepare.PreparationWorker(ingester.max_bytes, window, prepare_hook) as worker:
        ahead: deque[tuple[int, bool]] = deque()
        next_ahead = 0
        for index, path in enumerate(files):
            if worker.ready():
                next_ahead = max(next_ahead, index + 1)
                # Handed over in groups of a quarter of the window (one when it is smaller), unless none is ahead.
                group = max(1, worker.window // prepare.HANDED_TOGETHER_SHARE)
                refill = next_ahead == index + 1 or worker.window - (next_ahead - index) >= group
                while (
                    refill
                    and next_ahead < len(files)
                    and next_ahead - index < worker.window
                    and worker.can_submit(files[next_ahead])
                ):
                    candidate = files[next_ahead]
                    handed = not ingester.stored_already(candidate) and worker.submit(candidate)
                    ahead.append((next_ahead, handed))
                    next_ahead += 1
            handed = bool(ahead) and ahead[0][0] == index and ahead.popleft()[1]
            ingester.ingest_prepared(path, worker.take() if handed else None, report)
            if on_file:
                on_file(path)
    return worker.stats


class _ScriptedWorker:
    """Stands in for PreparationWorker: answers as a script says (slow to start, a full pipe, death), logging all."""

    def __init__(self, log: list[tuple], ready_after: int, full_every: int, dies_after: int, window: int) -> None:
        self.log, self.ready_after, self.full_every, self.dies_after = log, ready_after, full_every, dies_after
        self.window = max(1, window)
        self.max_bytes = 0
        self.stats: WorkerStats | None = None
        self._ready_calls = self._submit_calls = self._can_submit_calls = 0
        self._in_flight: deque[str] = deque()

    def __enter__(self) -> _ScriptedWorker:
        return self

    def __exit__(self, *_: object) -> None:
        self.log.append(("close",))

    def ready(self) -> bool:
        self._ready_calls += 1
        answer = self._ready_calls > self.ready_after and self._submit_calls < self.dies_after
        self.log.append(("ready", answer))
        return answer

    def can_submit(self, path: Path) -> bool:
        self._can_submit_calls += 1
        answer = self.ready() and len(self._in_flight) < self.window and self._can_submit_calls % self.full_every != 0
        self.log.append(("can_submit", path.name, answer))
        return answer

    def submit(self, path: Path) -> bool:
        self._submit_calls += 1
        alive = self._submit_calls < self.dies_after
        self.log.append(("submit", path.name, alive))
        if alive:
            self._in_flight.append(path.name)
        return alive

    def flush(self) -> None:
        pass  # submitted paths are in flight at once

    def answer_waiting(self) -> bool:
        return True  # the scripted answers are always at hand: nothing is prepared ahead of its turn

    def take(self) -> Outcome:
        name = self._in_flight.popleft() if self._in_flight else None
        self.log.append(("take", name))
        return prepare.UnreadableFile(f"prepared {name}") if name else None


class _LoggingIngester:
    max_bytes = 0

    def __init__(self, log: list[tuple]) -> None:
        self.log = log

    def stored_already(self, path: Path) -> bool:
        known = int(path.stem) % 7 == 3
        self.log.append(("stored_already", path.name, known))
        return known

    def ingest_prepared(self, path: Path, outcome: Outcome, report: IngestReport) -> None:
        self.log.append(("ingest", path.name, outcome))


def _scripted_run(
    run: Callable[..., WorkerStats | None],
    files: list[Path] | Iterator[Path],
    window: int,
    script: tuple[int, int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> list[tuple]:
    """Everything a run asks of its worker and ingester, and the files it finishes, in order."""
    log: list[tuple] = []

    def scripted_worker(_max_bytes: int, size: int, _prepare: object) -> _ScriptedWorker:
        return _ScriptedWorker(log, *script, size)

    def done(path: Path) -> None:
        log.append(("done", path.name))

    monkeypatch.setattr(prepare, "PreparationWorker", scripted_worker)
    run(_LoggingIngester(log), files, IngestReport(), done, window)
    return log


@pytest.mark.parametrize("window", [1, 2, 4, 16])
def test_the_files_drawn_as_the_run_goes_are_handed_over_and_ingested_as_from_the_list(
    window: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = [Path(f"/corpus/{number}.txt") for number in range(60)]
    # (turns before the worker is ready, every how many looks the pipe is full, submits before it dies)
    for script in [(0, 1_000, 1_000), (3, 1_000, 1_000), (2, 5, 1_000), (0, 3, 25)]:
        listing = _scripted_run(_listing_ingest_pipelined, files, window, script, monkeypatch)
        drawn = _scripted_run(prepare.ingest_pipelined, iter(files), window, script, monkeypatch)
        assert drawn == listing, (window, script)
        assert [entry[1] for entry in drawn if entry[0] == "done"] == [path.name for path in files]
        if window > 1 and script[1] > 3:
            assert any(entry[0] == "take" and entry[1] for entry in drawn)  # files did go through the worker


def test_files_are_handed_to_the_worker_in_groups_of_a_quarter_of_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    files = [Path(f"/corpus/{number}.txt") for number in range(200)]
    log = _scripted_run(prepare.ingest_pipelined, iter(files), 16, (0, 1_000, 1_000), monkeypatch)

    # Files looked at (handed over, or known already and kept here) between two files stored.
    looked_at = [0]
    for entry in log:
        if entry[0] == "done":
            looked_at.append(0)
        elif entry[0] == "stored_already":
            looked_at[-1] += 1
    assert looked_at[0] == 15  # the window filled at once: the file whose turn it is and 15 ahead
    assert set(looked_at[1:-16]) == {0, 4}  # then a group of four as soon as four places are free
    assert [entry[1] for entry in log if entry[0] == "done"] == [path.name for path in files]


def test_files_are_prepared_here_while_the_worker_is_behind_and_the_store_is_the_same(
    corpus_folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    worker_used: list[PreparationWorker],
    worker_stats: list,
) -> None:
    sequential = _ingest(tmp_path / "sequential.db", corpus_folder, pipeline=False)
    _use_prepare_hook(monkeypatch, _slow_prepare)
    in_hand: list[int] = []
    real_take = PreparationWorker.take

    def take(self: PreparationWorker) -> Outcome:
        in_hand.append(self.in_flight)
        return real_take(self)

    monkeypatch.setattr(PreparationWorker, "take", take)
    pipelined = _ingest(tmp_path / "pipelined.db", corpus_folder, pipeline=True)

    worker = worker_used[0]
    assert worker.prepared_here >= prepare.PREPARED_HERE_AHEAD  # this process took on part of the slow worker's work
    assert worker_stats[0] is not None and worker_stats[0].documents > 0  # and the worker some
    assert max(in_hand) <= worker.window
    assert _report_fields(pipelined) == _report_fields(sequential)
    assert _table_contents(tmp_path / "pipelined.db") == _table_contents(tmp_path / "sequential.db")


# -- the end-of-run flag pass, shared with the worker ----------------------------------------------------------------


@pytest.fixture
def flag_answers(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[str, ...] | None, bool]]:
    """(claim ids asked for, None for the contradictions; whether rows came back) of each flag request, in order."""
    answers: list[tuple[tuple[str, ...] | None, bool]] = []
    real_ask, real_take = PreparationWorker.ask_flags, PreparationWorker.take_flags
    asked: list[tuple[str, ...] | None] = []

    def ask(self: PreparationWorker, request: prepare.FlagRequest) -> bool:
        asked.append(request.claim_ids)
        return real_ask(self, request)

    def take(self: PreparationWorker) -> prepare.FlagRows | None:
        rows = real_take(self)
        answers.append((asked.pop(0), rows is not None))
        return rows

    monkeypatch.setattr(PreparationWorker, "ask_flags", ask)
    monkeypatch.setattr(PreparationWorker, "take_flags", take)
    return answers


def _slow_flags_here(monkeypatch: pytest.MonkeyPatch, seconds: float = 0.05) -> list[str]:
    """Flags take this process `seconds` per claim (not the worker, another process): the worker gets chunks too.
    Returns the claims whose flags this process computes, as it computes them."""
    import workbench.discrepancies as discrepancies

    real = discrepancies.iter_flag_rows
    computed_here: list[str] = []

    def slow(store: object, claim_ids: list[str], kept_states: list | None = None) -> Iterator[tuple]:
        computed_here.extend(claim_ids)
        time.sleep(seconds * len(claim_ids))
        return real(store, claim_ids, kept_states)  # type: ignore[arg-type]

    monkeypatch.setattr(discrepancies, "iter_flag_rows", slow)
    return computed_here


def _stored_flags(db_path: Path) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        return conn.execute("SELECT id, claim_id, kind, summary, spans FROM discrepancies ORDER BY id").fetchall()


def test_the_worker_shares_the_flag_pass_and_the_store_is_the_same(
    corpus_folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    worker_used: list[PreparationWorker],
    flag_answers: list,
) -> None:
    monkeypatch.setattr(ingest, "DISCREPANCY_REFRESH_CHUNK", 4)  # many chunks: both processes take some
    sequential = _ingest(tmp_path / "sequential.db", corpus_folder, pipeline=False)
    _slow_flags_here(monkeypatch)
    pipelined = _ingest(tmp_path / "pipelined.db", corpus_folder, pipeline=True)

    assert flag_answers[0] == (None, True)  # the contradictions first
    assert len(flag_answers) > 2 and all(answered for _, answered in flag_answers)
    assert _report_fields(pipelined) == _report_fields(sequential)
    assert len(_stored_flags(tmp_path / "sequential.db")) > 3
    assert _table_contents(tmp_path / "pipelined.db") == _table_contents(tmp_path / "sequential.db")


def _reviewer_renames_a_claimant(db_path: Path, among: Iterable[str] | None = None, timeout: float = 5.0) -> str | None:
    """Commit, on a connection of its own, a reviewer's change the claimant check must see: the first passage of the
    claim (`among` these, if given) with the most named passages, two at least, names someone else. Returns that
    claim's id, or None (and changes nothing) if no such claim is among them."""
    among = list(among) if among is not None else None
    within = "" if among is None else f" AND claim_id IN ({','.join('?' * len(among))})"
    with contextlib.closing(sqlite3.connect(db_path, timeout=timeout)) as other, other:
        found = other.execute(
            f"SELECT claim_id FROM mentions WHERE claimant IS NOT NULL{within}"
            " GROUP BY claim_id HAVING COUNT(*) >= 2 ORDER BY COUNT(*) DESC LIMIT 1",
            among or [],
        ).fetchone()
        if found is None:
            return None
        other.execute(
            "UPDATE mentions SET claimant = 'Somebody Else' WHERE rowid ="
            " (SELECT MIN(rowid) FROM mentions WHERE claim_id = ?)",
            [found[0]],
        )
    return found[0]


def _assert_flags_are_current(db_path: Path, renamed_claim: str) -> None:
    """The stored flags are those the stored passages raise now, the renamed claimant's flag among them."""
    from workbench.discrepancies import iter_flag_rows

    with open_store(db_path) as store:
        claim_ids = [row[0] for row in store.query("SELECT DISTINCT claim_id FROM mentions ORDER BY 1")]
        expected = sorted(iter_flag_rows(store, claim_ids))
        stored = sorted(tuple(row) for row in store.query("SELECT claim_id, kind, summary, spans FROM discrepancies"))
    assert stored == expected
    assert any(claim_id == renamed_claim and kind == "claimant" for claim_id, kind, _, _ in stored)


def test_worker_flags_are_computed_again_when_another_connection_committed_since(
    corpus_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, worker_used: list[PreparationWorker]
) -> None:

    monkeypatch.setattr(ingest, "DISCREPANCY_REFRESH_CHUNK", 4)
    db_path = tmp_path / "pipelined.db"
    real_ask = PreparationWorker.ask_flags
    changed: list[str] = []

    def ask_then_reattribute(self: PreparationWorker, request: prepare.FlagRequest) -> bool:
        sent = real_ask(self, request)
        if request.claim_ids and not changed:
            # A reviewer's change, committed on another connection right after the worker was asked: one passage
            # of the asked claims now names someone else, which the claimant check must see (the first chunk asked
            # with a claim that has two named passages: the worker takes the smallest claims first).
            renamed = _reviewer_renames_a_claimant(db_path, request.claim_ids)
            if renamed is not None:
                changed.append(renamed)
        return sent

    monkeypatch.setattr(PreparationWorker, "ask_flags", ask_then_reattribute)
    _slow_flags_here(monkeypatch)
    _ingest(db_path, corpus_folder, pipeline=True)
    monkeypatch.undo()

    assert changed
    _assert_flags_are_current(db_path, changed[0])


def test_a_worker_killed_during_the_flag_pass_leaves_the_same_store(
    corpus_folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    worker_used: list[PreparationWorker],
    flag_answers: list,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(ingest, "DISCREPANCY_REFRESH_CHUNK", 4)
    _ingest(tmp_path / "sequential.db", corpus_folder, pipeline=False)
    real_ask = PreparationWorker.ask_flags

    killed: list[int] = []

    def ask_then_kill(self: PreparationWorker, request: prepare.FlagRequest) -> bool:
        if request.claim_ids is None or killed or self.pid is None:
            return real_ask(self, request)
        # Stopped first, so it cannot answer a small chunk in the moment before the kill lands.
        os.kill(self.pid, signal.SIGSTOP)
        sent = real_ask(self, request)
        os.kill(self.pid, signal.SIGKILL)
        killed.append(self.pid)
        return sent

    monkeypatch.setattr(PreparationWorker, "ask_flags", ask_then_kill)
    _slow_flags_here(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="workbench.prepare"):
        _ingest(tmp_path / "pipelined.db", corpus_folder, pipeline=True)

    assert any(claim_ids is not None and not answered for claim_ids, answered in flag_answers)
    assert "worker stopped (killed by SIGKILL)" in caplog.text
    assert _table_contents(tmp_path / "pipelined.db") == _table_contents(tmp_path / "sequential.db")


def test_the_store_is_the_same_whether_documents_commit_one_by_one_or_all_together(
    corpus_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A group writes each claim's counts once and skips claimants and flag marks it wrote already: all of it must
    come to what committing every document on its own writes, row for row."""
    monkeypatch.setattr(ingest, "BATCH_SECONDS", 3600.0)
    monkeypatch.setattr(ingest, "BATCH_DOCUMENTS", 1)
    one_by_one = _ingest(tmp_path / "one_by_one.db", corpus_folder, pipeline=False)
    monkeypatch.setattr(ingest, "BATCH_DOCUMENTS", 10_000)
    together = _ingest(tmp_path / "together.db", corpus_folder, pipeline=False)

    assert _report_fields(together) == _report_fields(one_by_one)
    assert _table_contents(tmp_path / "together.db") == _table_contents(tmp_path / "one_by_one.db")


def test_a_worker_not_started_by_the_end_of_the_files_is_not_asked_for_flags(
    corpus_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _ingest(tmp_path / "sequential.db", corpus_folder, pipeline=False)
    # Still starting when the files run out: every file was prepared here, and so are the flags.
    monkeypatch.setattr(PreparationWorker, "ready", lambda self: False)
    with caplog.at_level(logging.WARNING, logger="workbench.prepare"):
        _ingest(tmp_path / "pipelined.db", corpus_folder, pipeline=True)

    assert "worker stopped" not in caplog.text
    assert _table_contents(tmp_path / "pipelined.db") == _table_contents(tmp_path / "sequential.db")


def test_the_worker_is_handed_its_next_chunk_while_this_process_computes_one(
    corpus_folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    worker_used: list[PreparationWorker],
    flag_answers: list,
) -> None:
    sequential = tmp_path / "sequential.db"
    _ingest(sequential, corpus_folder, pipeline=False)
    with contextlib.closing(sqlite3.connect(sequential)) as conn:
        claims = conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0]
    monkeypatch.setattr(ingest, "DISCREPANCY_REFRESH_CHUNK", -(-claims // 3))  # three chunks
    monkeypatch.setattr(ingest, "DISCREPANCY_REFRESH_MIN_CHUNKS", 1)
    computed_here = _slow_flags_here(monkeypatch, seconds=0.03)  # the worker is far faster
    _ingest(tmp_path / "pipelined.db", corpus_folder, pipeline=True)

    # The first chunk is computed here; the worker, done with the contradictions and the last chunk long before,
    # is handed the middle one meanwhile instead of idling until the first is written.
    chunk = -(-claims // 3)
    assert [claim_ids for claim_ids, _ in flag_answers][0] is None
    assert [len(claim_ids) for claim_ids, _ in flag_answers[1:]] == [claims - 2 * chunk, chunk]
    assert all(answered for _, answered in flag_answers)
    assert len(computed_here) == chunk
    assert _table_contents(tmp_path / "pipelined.db") == _table_contents(sequential)


def test_flags_are_computed_before_the_write_lock_and_again_if_a_reviewer_committed_meanwhile(
    corpus_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workbench.discrepancies as discrepancies

    db_path = tmp_path / "wb.db"
    real = discrepancies.iter_flag_rows
    changed: list[str] = []

    def reviewer_changes_a_claimant(
        store: object, claim_ids: list[str], kept_states: list | None = None
    ) -> Iterator[tuple]:
        if not changed:
            # Mid-computation, a reviewer's change is committed on another connection: the run must not hold the
            # write lock now (this would wait out the busy timeout and fail), and must not store the rows it had.
            assert not store.conn.in_transaction  # type: ignore[attr-defined]
            renamed = _reviewer_renames_a_claimant(db_path, timeout=0.5)
            assert renamed is not None
            changed.append(renamed)
        return real(store, claim_ids, kept_states)  # type: ignore[arg-type]

    monkeypatch.setattr(discrepancies, "iter_flag_rows", reviewer_changes_a_claimant)
    _ingest(db_path, corpus_folder, pipeline=False)
    monkeypatch.undo()

    assert changed
    _assert_flags_are_current(db_path, changed[0])


# Loading the grouping index of a store that holds documents: the worker computes part of the features.


def test_the_worker_computes_part_of_the_index_features_and_the_index_is_the_same(
    corpus_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_ingest_memory import _state

    from workbench import match

    db_path = tmp_path / "wb.db"
    _ingest(db_path, corpus_folder, pipeline=False)
    monkeypatch.setattr(ingest, "FEATURES_PER_REQUEST", 8)  # many requests even for this small store
    monkeypatch.setattr(ingest, "FEATURES_BETWEEN_LOOKS", 2)
    answered: list[int] = []
    original = PreparationWorker.take_features

    def recording(self: PreparationWorker, wait: bool) -> object:
        answer = original(self, wait)
        if isinstance(answer, list):
            answered.append(len(answer))
        return answer

    monkeypatch.setattr(PreparationWorker, "take_features", recording)
    with open_store(db_path) as store:
        match._features.cache_clear()  # noqa: SLF001 - computed afresh, not remembered from the ingest
        alone = _state(ingest.load_matcher(store))
        match._features.cache_clear()  # noqa: SLF001 - so the worker's features are the ones the index takes
        _forget_kept_wordings(store)  # the load above kept them: here the features are computed again
        with PreparationWorker(ingest.DEFAULT_MAX_BYTES, window=16) as worker:
            wait_until(worker.ready, timeout=30, what="the worker to start")
            shared = _state(ingest.load_matcher(store, worker))
            assert worker.failure is None
    wordings = query_one(db_path, "SELECT COUNT(*) FROM (SELECT DISTINCT claim_text, claimant FROM mentions)")
    assert len(answered) > 1 and 0 < sum(answered) < wordings  # both computed some
    assert shared == alone


def _forget_kept_wordings(store: Store) -> None:
    with store.write():
        ingest.forget_kept_wordings(store)


class _HelperGoneAfterAsked:
    """A worker that takes the first request and is gone before answering it."""

    failure: str | None = None

    def __init__(self) -> None:
        self.asked: list[int] = []

    def ask_features(self, wordings: list[tuple[str, str | None]]) -> bool:
        if self.failure is not None:
            return False
        self.asked.append(len(wordings))
        return True

    def take_features(self, wait: bool) -> None:
        self.failure = "gone"
        return None


def test_features_the_worker_never_answered_are_computed_here(corpus_folder: Path, tmp_path: Path) -> None:
    from test_ingest_memory import _state

    db_path = tmp_path / "wb.db"
    _ingest(db_path, corpus_folder, pipeline=False)
    helper = _HelperGoneAfterAsked()
    with open_store(db_path) as store:
        alone = _state(ingest.load_matcher(store))
        _forget_kept_wordings(store)
        shared = _state(ingest.load_matcher(store, helper))  # type: ignore[arg-type]
    assert helper.asked == [ingest.FEATURES_PER_REQUEST]
    assert shared == alone


def test_asking_for_features_keeps_the_outcomes_owed_for_take(corpus_folder: Path) -> None:
    from workbench.match import compute_features

    files = sorted(corpus_folder.glob("synthetic_*.txt"))[:6]
    wording = ("Two drones were shot down over the Kremlin overnight", "Dmitry Peskov")
    with PreparationWorker(ingest.DEFAULT_MAX_BYTES, window=16) as worker:
        wait_until(worker.ready, timeout=30, what="the worker to start")
        assert all(worker.submit(path) for path in files)
        worker.flush()
        # Asked while six outcomes are owed: they are received first, and still taken in turn afterwards.
        assert worker.ask_features([wording])
        assert worker.take_features(wait=True) == [compute_features(*wording)]
        outcomes = [worker.take() for _ in files]
        assert worker.failure is None
    expected = [prepare.prepare_document(path, ingest.DEFAULT_MAX_BYTES) for path in files]
    assert [outcome.document for outcome in outcomes] == [outcome.document for outcome in expected]  # type: ignore[union-attr]
