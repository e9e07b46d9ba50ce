"""Preparing documents (read, decode, clean, split, extract) in one worker process, ahead of ingest.

Preparation is a pure function of a file's bytes (and the size limit): it never reads or writes the store. So a
worker can prepare the next files while the ingest process groups and stores the current one, which stays strictly
in file order and decides everything that depends on the store (known by hash, claim ids, grouping). The results
are the ones the sequential path produces: the worker runs the very functions it would, and whenever it cannot
(an unexpected error, the worker gone), the ingest process prepares that file itself, which reproduces the
sequential behaviour, error included.

The worker is started with "spawn" (never fork: ingest may run in a thread of the Textual app, and forking a
threaded process can deadlock the child), ignores ctrl+c (the ingest process alone decides what an interrupt
means), and is ended on every way out of the run.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import signal
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from functools import partial
from multiprocessing.connection import Connection, wait
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, cast

from workbench.ingest import GC_FREEZE_EVERY_FILES, DecodedDocument, FileProblem, read_document, split_and_extract
from workbench.match import FEATURE_CACHE_SIZE, MatchFeatures, compute_features
from workbench.models import ExtractedClaim, SentenceSpan
from workbench.store import Store, open_store

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from workbench.discrepancies import FlagState
    from workbench.ingest import Ingester, IngestReport

logger = logging.getLogger(__name__)

# Requests waiting in the pipe to the worker are kept under one pipe page (the smallest pipe buffer Linux gives):
# the ingest process then never blocks sending a request while the worker blocks sending it a large result.
REQUEST_BYTES_IN_FLIGHT = 3500
# Files this process may prepare ahead of their turn while it would otherwise wait for the worker: enough to keep
# it busy through a slow document of the worker's, few enough that the worker soon catches up.
PREPARED_HERE_AHEAD = 4
# Files are handed to the worker in groups of this share of the window, once as many places in it are free, rather
# than one as each frees: a worker waiting for work is woken once a group, not once a file (a wake-up across the two
# cores cost the ingest process ~35 us a file at 10,000 articles). It still holds the rest of the window.
HANDED_TOGETHER_SHARE = 4  # a quarter
# Paths travel to the worker in messages of at most this many, and it answers each message with one message of their
# outcomes. A message each way per file (sending, receiving, a poll before each take) took about 4% of the ingest
# process at 10,000 articles. Few enough that the first outcome of a group is not held up for long.
FILES_PER_MESSAGE = 4
# How long a run that ended normally waits for the worker's goodbye (its figures) before simply stopping it.
GOODBYE_TIMEOUT_S = 5.0
# How long a terminated worker is given to go before it is killed.
STOP_TIMEOUT_S = 5.0


class NotAnsweredYet:
    """What `PreparationWorker.take_features` says when asked not to wait and the answer has not come."""


NOT_ANSWERED_YET = NotAnsweredYet()


@dataclass(frozen=True, slots=True)
class PreparedDocument:
    """A file read, cleaned, split and with its claims extracted: everything ingest needs besides the store."""

    document: DecodedDocument
    sentences: list[SentenceSpan]
    extracted: list[ExtractedClaim]
    # (text, claimant, matching features) of the claim wordings the worker did not send lately: the ingest process
    # takes them instead of computing them (grouping's costliest step for a wording it has not seen).
    features: tuple[tuple[str, str | None, MatchFeatures], ...] = ()

    def __reduce__(self) -> tuple[Callable[..., PreparedDocument], tuple]:
        # Sent as plain tuples: unpickling ~40 objects a document one by one by their class (through __setstate__ or
        # NEWOBJ) took the ingest process about twice as long as rebuilding them from tuples.
        return _rebuild_prepared, (
            _document_values(self.document),
            [tuple(span) for span in self.sentences],
            [tuple(claim) for claim in self.extracted],
            self.features,
        )


# A DecodedDocument's init arguments, in order, as one tuple.
_document_values = attrgetter(*(item.name for item in fields(DecodedDocument)))


# A named tuple's _make is a Python-level call per item; tuple.__new__ with the class builds the same tuple in C
# (3.7 against 6.9 us for a document's 22 sentences).
_new_sentence_span = partial(tuple.__new__, SentenceSpan)
_new_extracted_claim = partial(tuple.__new__, ExtractedClaim)


def _rebuild_prepared(
    document: tuple, sentences: list[tuple], extracted: list[tuple], features: tuple
) -> PreparedDocument:
    return PreparedDocument(
        DecodedDocument(*document),
        list(map(_new_sentence_span, sentences)),
        list(map(_new_extracted_claim, extracted)),
        features,
    )


class _SentWordings:
    """The claim wordings whose features the worker sent lately, as many as the ingest process's feature cache
    holds: both see the same wordings in the same order, so a wording sent again would mostly be one the ingest
    process still has. Where the two drift apart (its cache also holds stored claims), it computes the features
    itself: the same values, a little later."""

    def __init__(self, size: int = FEATURE_CACHE_SIZE) -> None:
        self.size = size
        self._recent: OrderedDict[tuple[str, str | None], None] = OrderedDict()

    def with_features(self, prepared: PreparedDocument) -> PreparedDocument:
        given = []
        recent = self._recent
        for claim in prepared.extracted:
            wording = (claim.text, claim.claimant)
            if wording in recent:
                recent.move_to_end(wording)
                continue
            recent[wording] = None
            if len(recent) > self.size:
                recent.popitem(last=False)
            given.append((claim.text, claim.claimant, compute_features(claim.text, claim.claimant)))
        return replace(prepared, features=tuple(given))


@dataclass(frozen=True, slots=True)
class UnreadableFile:
    """A file that cannot be ingested: `reason` is the FileProblem message the report lists."""

    reason: str


# None: the worker could not prepare the file (an unexpected error); the ingest process prepares it itself.
Outcome = PreparedDocument | UnreadableFile | None
_OUTCOME_TYPES = (PreparedDocument, UnreadableFile, type(None))


@dataclass(frozen=True, slots=True)
class WorkerStats:
    """What the worker reports when asked to stop: its own peak RSS is not in the ingest process's figure."""

    documents: int
    busy_seconds: float
    peak_rss_kb: int


@dataclass(frozen=True, slots=True)
class FlagRequest:
    """Asks the worker for flags computed from the committed store at `database`: the discrepancy rows of
    `claim_ids`, or (None) every contradiction link. The worker only reads the store."""

    database: str
    claim_ids: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class FlagRows:
    """The answer to a FlagRequest: the rows `store_flags` or `store_contradictions` would write, and for flags the
    claims' kept states (`iter_flag_rows`)."""

    rows: list[tuple]
    states: list[FlagState]


@dataclass(frozen=True, slots=True)
class FeatureRequest:
    """Asks the worker for the matching features of claim wordings, (text, claimant) each: part of loading the
    grouping index of a store that holds documents already (see `ingest.load_matcher`)."""

    wordings: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True, slots=True)
class FeatureRows:
    """The answer to a FeatureRequest: each wording's features, in its order."""

    features: list[MatchFeatures]


@dataclass(frozen=True, slots=True)
class _Ready:
    pass


@dataclass(frozen=True, slots=True)
class _Failed:
    reason: str


def prepare_document(path: Path, max_bytes: int) -> Outcome:
    """What `Ingester.ingest_file` computes before it looks at the store, as a message for the ingest process."""
    try:
        document = read_document(path, max_bytes)
    except FileProblem as problem:
        return UnreadableFile(str(problem))
    except Exception:  # noqa: BLE001 - reproduced in the ingest process, where it ends the run as it always did
        return None
    try:
        sentences, extracted = split_and_extract(document.text)
    except Exception:  # noqa: BLE001 - as above; a file the run then skips as known never raises it at all
        return None
    return PreparedDocument(document, sentences, extracted)


def _peak_rss_kb() -> int:
    try:
        import resource
    except ImportError:  # not POSIX
        return 0
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _serve(conn: Connection, max_bytes: int, prepare: Callable[[Path, int], Outcome]) -> None:
    """The worker: answer each message of paths with the list of their outcomes, in request order, until told to
    stop."""
    # Inherited as ignored already (see PreparationWorker._start); set again for a start from a non-main thread.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    documents = 0
    busy = 0.0
    try:
        from workbench.extract.checkworthiness import default_model

        default_model()  # loaded before saying ready, so the first document is not held up by it
        # As in the ingest process (see GC_FREEZE_EVERY_FILES): the model and the caches filling up live as long as
        # the worker, which makes no reference cycles; this process is the worker's alone, so nothing is thawed.
        gc.freeze()
        conn.send(_Ready())
        sent = _SentWordings()
        with contextlib.ExitStack() as stores:
            opened: dict[str, Store] = {}
            while (request := conn.recv()) is not None:
                started = time.perf_counter()
                if isinstance(request, FlagRequest):
                    if request.database not in opened:
                        opened[request.database] = stores.enter_context(open_store(request.database, readonly=True))
                    answer: object = _flag_rows(opened[request.database], request.claim_ids)
                elif isinstance(request, FeatureRequest):
                    answer = FeatureRows([compute_features(text, claimant) for text, claimant in request.wordings])
                else:
                    outcomes: list[Outcome] = []
                    for path in request:
                        outcome = prepare(Path(path), max_bytes)
                        if isinstance(outcome, PreparedDocument):
                            outcome = sent.with_features(outcome)
                        outcomes.append(outcome)
                        documents += 1
                        if documents % GC_FREEZE_EVERY_FILES == 0:
                            gc.freeze()
                    answer = outcomes
                busy += time.perf_counter() - started
                conn.send(answer)
        conn.send(WorkerStats(documents, busy, _peak_rss_kb()))
    except (EOFError, OSError):
        return  # the ingest process has gone (finished, interrupted or killed): nobody to answer
    except Exception as error:  # noqa: BLE001 - a traceback here would garble the terminal; the run goes on without us
        with contextlib.suppress(Exception):
            conn.send(_Failed(f"{type(error).__name__}: {error}"))
        raise SystemExit(1) from None


def _flag_rows(store: Store, claim_ids: tuple[str, ...] | None) -> FlagRows:
    from workbench.discrepancies import contradiction_rows, iter_flag_rows

    if claim_ids is None:
        return FlagRows(list(contradiction_rows(store)), [])
    states: list[FlagState] = []
    return FlagRows(list(iter_flag_rows(store, claim_ids, states)), states)


@contextlib.contextmanager
def _sigint_ignored_by_children() -> Iterator[None]:
    """Let a child started inside inherit SIGINT as ignored (an ignored signal stays ignored across exec).

    The child must never see ctrl+c, not even while its Python starts (a KeyboardInterrupt there would print a
    traceback). SIGINT is also blocked meanwhile, so a ctrl+c in this short window stays pending for this process
    and arrives once the handler is back, instead of being discarded as ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread; _serve ignores SIGINT as its first step
        return
    blocked = hasattr(signal, "pthread_sigmask")
    if blocked:
        previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    previous_handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous_handler)
        if blocked:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)


class PreparationWorker:
    """One worker process preparing requested files in order; a context manager that always ends it.

    The ingest process submits paths (at most `window` unanswered) and takes the outcomes back in the same order.
    If the worker dies, `take` answers None for everything still owed (prepare it here) and nothing more is
    submitted: the run finishes in one process, with a warning.
    """

    def __init__(
        self,
        max_bytes: int,
        window: int,
        prepare: Callable[[Path, int], Outcome] = prepare_document,
    ) -> None:
        self.max_bytes = max_bytes
        self.window = max(1, window)
        self.prepare = prepare
        self.stats: WorkerStats | None = None  # set when the worker said goodbye at the end of a normal run
        self.failure: str | None = None  # why the worker stopped early, if it did
        self.pid: int | None = None  # the worker's, kept after it ended
        self.prepared_here = 0  # files the ingest process prepared ahead of their turn instead of waiting
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._ready = False
        self._request_sizes: deque[int] = deque()  # one per submitted path whose outcome was not taken yet
        self._unsent: list[str] = []  # submitted paths not yet sent (see `flush`)
        self._outcomes: deque[Outcome] = deque()  # received, not taken yet, in request order

    def __enter__(self) -> PreparationWorker:
        try:
            self._start()
        except BaseException:
            self.close(graceful=False)
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        self.close(graceful=exc_type is None)

    @property
    def in_flight(self) -> int:
        return len(self._request_sizes)

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        parent_end, child_end = context.Pipe(duplex=True)
        self._conn = parent_end
        process = context.Process(
            target=_serve,
            args=(child_end, self.max_bytes, self.prepare),
            name="workbench-prepare",
            daemon=True,  # a safety net: multiprocessing's exit handler terminates daemonic children
        )
        try:
            with _sigint_ignored_by_children():
                process.start()
                # Before the handler is back: a ctrl+c held up meanwhile must find the worker known, to stop it.
                self._process = process
                self.pid = process.pid
        except OSError as error:  # cannot start a process (limits, no executable): the run goes on in one process
            self._give_up(f"could not start: {error}")
        finally:
            # Only the worker holds its end now, so its death reads as end-of-file here.
            child_end.close()

    def ready(self) -> bool:
        """Whether the worker has started and takes requests (never blocks)."""
        if self.failure is not None or self._conn is None:
            return False
        if self._ready:
            return True
        try:
            if self._conn.poll():
                message = self._conn.recv()
                if isinstance(message, _Ready):
                    self._ready = True
                else:
                    self._give_up(message.reason if isinstance(message, _Failed) else f"unexpected {message!r}")
        except (EOFError, OSError):
            self._give_up(self._exit_description())
        return self._ready and self.failure is None

    def can_submit(self, path: Path) -> bool:
        if not self.ready() or len(self._request_sizes) >= self.window:
            return False
        if not self._request_sizes:
            return True  # the pipe is empty: any request fits, however long the path
        return sum(self._request_sizes) + _request_size(path) <= REQUEST_BYTES_IN_FLIGHT

    def submit(self, path: Path) -> bool:
        """Ask for `path` to be prepared (sent with the next `flush`); False if the worker is gone (prepare it here,
        then)."""
        if self.failure is not None or self._conn is None:
            return False
        self._unsent.append(str(path))  # a str pickles in a constant few bytes more than its text; a Path per part
        self._request_sizes.append(_request_size(path))
        return True

    def flush(self) -> None:
        """Send the submitted paths, FILES_PER_MESSAGE to a message (`take` does it too, before it waits)."""
        unsent, self._unsent = self._unsent, []
        for start in range(0, len(unsent), FILES_PER_MESSAGE):
            if not self._send(unsent[start : start + FILES_PER_MESSAGE]):
                return

    def _send(self, message: object) -> bool:
        """Send `message`; False, the worker given up, if it is gone (or was given up before)."""
        if self.failure is not None or self._conn is None:
            return False
        try:
            self._conn.send(message)
        except OSError:
            self._give_up(self._exit_description())
            return False
        return True

    def answer_waiting(self) -> bool:
        """Whether the next answer (an outcome, flags, or news of the worker's end) can be taken without waiting."""
        return bool(self._outcomes) or self._message_arrived()

    def _message_arrived(self) -> bool:
        """Whether the worker's next message can be received without waiting (True too when it is gone: receiving
        then finds out what happened)."""
        if self.failure is not None or self._conn is None:
            return True
        try:
            return self._conn.poll()
        except (EOFError, OSError):
            return True

    def ask_flags(self, request: FlagRequest) -> bool:
        """Send a flag request (only once every earlier answer was taken); False if the worker is gone, or not
        started yet (a short run can end first: its greeting would then stand where the answer is expected)."""
        if not self.ready() or self._request_sizes:
            return False
        return self._send(request)

    def ask_features(self, wordings: Sequence[tuple[str, str | None]]) -> bool:
        """Send a feature request; False if the worker is gone or not started yet. The outcomes of the paths
        submitted so far are received first (`take` gives them in turn): with nothing else on its way either way,
        a request larger than the pipe holds cannot block this process while the worker blocks sending to it."""
        if not self.ready():
            return False
        self._receive_outcomes_owed()
        return self._send(FeatureRequest(tuple(wordings)))

    def take_features(self, wait: bool) -> list[MatchFeatures] | None | NotAnsweredYet:
        """The features asked for with `ask_features` (waiting for them if `wait`, else NOT_ANSWERED_YET when they
        have not come); None if the worker failed or is gone."""
        # Not answer_waiting: outcomes held for `take` are no answer to this.
        if not wait and not self._message_arrived():
            return NOT_ANSWERED_YET
        message = self._answer((FeatureRows,), "features")
        return message.features if isinstance(message, FeatureRows) else None

    def _receive_outcomes_owed(self) -> None:
        self.flush()
        while len(self._outcomes) < len(self._request_sizes) and self.failure is None:
            self._outcomes.extend(self._outcome_list())

    def take_flags(self) -> FlagRows | None:
        """The answer to `ask_flags`, waiting for it; None if the worker failed or is gone."""
        message = self._answer((FlagRows,), "flags")
        return message if isinstance(message, FlagRows) else None

    def take(self) -> Outcome:
        """The outcome of the oldest submitted path, waiting for it; None if the worker died before sending it."""
        if not self._request_sizes:
            raise RuntimeError("take() without a submitted path")
        self.flush()
        self._request_sizes.popleft()
        if not self._outcomes:
            self._outcomes.extend(self._outcome_list())
        return self._outcomes.popleft() if self._outcomes else None

    def _outcome_list(self) -> list[Outcome]:
        """The worker's next answer, a list of outcomes; empty if it failed, is gone or sent anything else."""
        answer = self._answer((list,), "documents")
        # None, the worker's own answer for a file it could not prepare, is one of the outcomes.
        if answer is not None and not (answer and all(isinstance(outcome, _OUTCOME_TYPES) for outcome in answer)):
            self._give_up("sent something other than documents")
            answer = None
        return cast(list[Outcome], answer or [])

    def _answer(self, expected: tuple[type, ...], what: str) -> object:
        """The worker's next message if it is one of `expected`; otherwise (a failure, the worker gone, anything else)
        the worker is given up and None returned."""
        if self.failure is not None:
            return None
        message = self._receive()
        if isinstance(message, expected):
            return message
        if isinstance(message, _Failed):
            self._give_up(message.reason)
        elif self.failure is None:
            self._give_up(f"sent {type(message).__name__} instead of {what}")
        return None

    def _receive(self) -> object:
        assert self._conn is not None and self._process is not None
        conn, sentinel = self._conn, self._process.sentinel
        try:
            # Waiting on the sentinel too: a worker killed outright must end the wait even if a process forked
            # meanwhile by another thread still holds a copy of the worker's end of the pipe.
            while not conn.poll():
                if sentinel in wait([conn, sentinel]) and not conn.poll():
                    raise EOFError
            return conn.recv()
        except (EOFError, OSError):
            self._give_up(self._exit_description())
            return _Failed("gone")

    def _exit_description(self) -> str:
        process = self._process
        if process is None:
            return "not started"
        process.join(timeout=1.0)
        code = process.exitcode
        if code is None:
            return "its connection broke"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit code {code}"

    def _give_up(self, reason: str) -> None:
        if self.failure is None:
            self.failure = reason
            logger.warning(
                "the document preparation worker stopped (%s); the remaining files are prepared in this process",
                reason,
            )

    def close(self, graceful: bool = True) -> None:
        """End the worker: after a normal run it says goodbye with its figures; otherwise it is stopped at once."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is None:
            return
        try:
            if graceful and process is not None and self._ready and self.failure is None:
                # Then stopped like any other way out: it holds nothing to save, and its Python winding down
                # (tens of milliseconds) is not worth waiting for.
                self._say_goodbye(conn)
        finally:
            try:
                if process is not None:
                    _stop(process)
            finally:
                conn.close()

    def _say_goodbye(self, conn: Connection) -> None:
        try:
            conn.send(None)
            # Outcomes still owed (the run ended without taking them) come first; only the goodbye is kept.
            deadline = time.monotonic() + GOODBYE_TIMEOUT_S
            while conn.poll(max(0.0, deadline - time.monotonic())):
                message = conn.recv()
                if isinstance(message, WorkerStats):
                    self.stats = message
                    return
        except (EOFError, OSError):
            return


def _stop(process: BaseProcess) -> None:
    """Terminate (if still running) and reap the worker; SIGKILL if SIGTERM is not enough."""
    if process.exitcode is None:
        process.terminate()
        process.join(timeout=STOP_TIMEOUT_S)
        if process.exitcode is None:
            process.kill()
            process.join()
    process.close()


def _request_size(path: Path) -> int:
    """At least the bytes `submit` puts in the pipe for `path`: its text, pickle's framing, the length header."""
    return len(str(path).encode("utf-8", "surrogatepass")) + 32


@contextlib.contextmanager
def _helping(ingester: Ingester, worker: PreparationWorker) -> Iterator[None]:
    """The worker helps the ingester (loading its grouping index) while the block runs."""
    ingester.helper = worker
    try:
        yield
    finally:
        ingester.helper = None


def ingest_pipelined(
    ingester: Ingester,
    files: Iterable[Path],
    report: IngestReport,
    on_file: Callable[[Path], None] | None,
    window: int,
    prepare: Callable[[Path, int], Outcome] = prepare_document,
    then: Callable[[PreparationWorker], None] | None = None,
) -> WorkerStats | None:
    """Ingest `files` in order like the sequential loop does, with their preparation done ahead in a worker;
    then, if given, call `then` with the worker, still running.

    At most `window` files are in hand at once: the one being stored and the ones looked at ahead of it, plus up
    to PREPARED_HERE_AHEAD files this process prepares itself whenever the worker is behind. A file
    already stored (by the hash of its bytes, checked before it is handed over) is not sent: the sequential path
    never extracts it, and a re-run over a finished folder would otherwise wait for the worker to extract every
    file only to skip it. Until the worker is ready (its Python starting takes a few tenths of a second), files
    are prepared here: the start-up costs the ingest process a few milliseconds, not a wait.

    `files` is drawn from as the run goes, never listed: besides the window, one more file may be drawn and held
    (the next one, until the worker can take it: whether it fits in the pipe depends on its path).
    """
    remaining = iter(files)
    held: list[Path] = []  # the next file, drawn but not looked at yet (at most one)

    def next_file() -> Path | None:
        return held.pop() if held else next(remaining, None)

    with PreparationWorker(ingester.max_bytes, window, prepare) as worker, _helping(ingester, worker):
        # (file, handed to the worker, its outcome if prepared here ahead of its turn) of each file looked at before
        # its turn, in file order
        ahead: deque[tuple[Path, bool, Outcome]] = deque()
        while True:
            path, handed, outcome = ahead.popleft() if ahead else (next_file(), False, None)
            if path is None:
                break
            if worker.ready():
                # Not the file whose turn it is: prepared here, it keeps this process busy while the worker starts
                # on the next ones (only ever the case when nothing is ahead, right after the worker got ready).
                # The window counts the file whose turn it is.
                free = worker.window - (len(ahead) + 1)
                if ahead and free < max(1, worker.window // HANDED_TOGETHER_SHARE):
                    free = 0  # the worker has enough in hand: wait until a group's places are free
                while free > 0 and (candidate := next_file()) is not None:
                    free -= 1
                    if not worker.can_submit(candidate):
                        held.append(candidate)
                        break
                    ahead.append((candidate, not ingester.stored_already(candidate) and worker.submit(candidate), None))
                worker.flush()
            if handed:
                # The worker is behind (a run of new wordings to extract, or this process is the faster): rather
                # than wait, prepare files after those it holds, so both cores work.
                while (
                    sum(early is not None for _, _, early in ahead) < PREPARED_HERE_AHEAD
                    and not worker.answer_waiting()
                    and (candidate := next_file()) is not None
                ):
                    if ingester.stored_already(candidate):
                        ahead.append((candidate, False, None))
                    else:
                        ahead.append((candidate, False, prepare_document(candidate, worker.max_bytes)))
                        worker.prepared_here += 1
                outcome = worker.take()
            ingester.ingest_prepared(path, outcome, report)
            if on_file:
                on_file(path)
        if then is not None:
            then(worker)
    return worker.stats
