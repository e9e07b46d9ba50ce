"""Reading articles into the store: find files, decode, strip web boilerplate, split, extract, group.

Each document is committed in its own transaction, so an interrupted run keeps what it finished and the
next run resumes (documents already stored are recognised by the hash of their bytes and skipped).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import re
import sqlite3
import stat
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from charset_normalizer import from_bytes

from workbench.errors import DatabaseError
from workbench.extract import extract_claims, split_sentences
from workbench.match import (
    ClaimMatcher,
    MatchFeatures,
    compute_features,
    features_from_json,
    features_given,
    features_json,
)
from workbench.models import UNREVIEWED, ExtractedClaim, SentenceSpan
from workbench.store import Store, in_list_chunks, utc_now

if TYPE_CHECKING:
    from workbench.discrepancies import FlagRow, FlagState
    from workbench.prepare import Outcome, PreparationWorker

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".text"})
# News articles are kilobytes; a 5 MB text file is almost surely not one, and reading it would take minutes.
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
SORT_KEY_DOCUMENT_STRIDE = 100_000_000
# Claims whose discrepancy flags are recomputed per transaction at the end of a run (short write locks).
DISCREPANCY_REFRESH_CHUNK = 200
# ... and in at least this many chunks when there are fewer than that many chunks' worth: a run of a few articles into
# a large store touches a hundred claims or so, among them the largest stories (40,000 passages each at 40,000
# articles), and in a single chunk the preparation worker could not take any of them off this process.
DISCREPANCY_REFRESH_MIN_CHUNKS = 8
# WAL pages between automatic checkpoints while a run commits a transaction per document (SQLite's default is
# 1,000). Each document dirties index pages all over the file, and a checkpoint writes back (and syncs) every page
# the WAL holds: checkpointing a tenth as often writes a page touched by ten documents once, not ten times.
INGEST_WAL_AUTOCHECKPOINT = 10_000
# The run's connection settings, restored afterwards. Each document's savepoint copies every page it first changes
# into a statement journal, by default a temporary file: 1.9 GB of writes at 10,000 articles, not one of them needed
# once the savepoint is released. And each document changes index pages all over the file (passages by claim, ids
# by hash), which SQLite's default 2 MB page cache mostly no longer holds for the next document. Measured at 10,000
# articles, two runs each side by side: 20.5 / 20.8 s before, 19.8 / 20.1 s with both (RSS +32 MB).
INGEST_PRAGMAS: dict[str, int | str] = {"temp_store": "MEMORY", "cache_size": -32 * 1024}  # cache_size < 0: KiB
# A run commits its documents in groups: each COMMIT writes every page the transaction touched, so documents that
# touch the same pages share the write. A group ends after this many documents or this long, so a reviewer's change
# made meanwhile waits at most about that long for the write lock, and an interrupted run loses at most one group
# (the next run ingests those files again: they were never stored). Measured at 10,000 articles: 26.9 s one commit
# per document, 26.2 s with 32 documents / 0.1 s, 25.4 s with 256 / 1 s, 24.5 s with one commit for the whole run;
# the longer groups were not taken for what they would make a reviewer wait. Since the page cache holds a group's
# pages (INGEST_PRAGMAS), larger groups within the same 0.1 s pay: 17.1-17.7 s with 32 documents, 16.7-17.4 s with 64
# (about 55 fit in 0.1 s here, so mostly the time ends a group), and a reviewer waits no longer. Not more than 64:
# the crash test kills a 120-article run between two groups, which a faster machine must still have.
BATCH_DOCUMENTS = 64
BATCH_SECONDS = 0.1
# Objects that outlive a few dozen documents are the grouping index's, kept for the whole run, and ingest makes no
# reference cycles (a 10,000-article run with the collector off left none to collect). Yet the collector's full passes
# went over all of them, each slower as the index grew (four of 75 ms at 10,000 articles). So every this many files
# the survivors are moved out of its reach (gc.freeze), until the run ends.
GC_FREEZE_EVERY_FILES = 64
# From this many files on, documents are prepared (read, cleaned, split, extracted) in a worker process ahead of the
# grouping and storing done here (workbench.prepare). Measured on two idle cores, the worker's start-up is paid back
# at about 30 files (20 files: 0.43 s in one process, 0.48 s with the worker; 100 files: 1.55 s, 1.17 s).
PIPELINE_MIN_FILES = 30
# A run of fewer files still starts the worker when the store holds this many passages: the run's end (the flags of
# the claims it touched, every contradiction link) then costs seconds, and the worker takes half of it.
PIPELINE_MIN_STORED_PASSAGES = 20_000
# Once a run has stored this many documents, and at least as many as the store held before it, it leaves the index
# of a claim's passages out until its end (`Ingester._document_done`). Measured side by side, the build included:
# 10,000 articles 13.3-13.4 -> 12.5-12.7 s, 40,000 49.7 -> 43.5 s; for 1,000 dropping it at the start made no
# difference beyond noise (2.13-2.30 against 2.16-2.24 s).
BULK_LOAD_MIN_FILES = 1000
# Files in hand at once in a pipelined run: the one being stored and those handed to the worker ahead of it. Enough
# that this process never waits while the worker has work, few enough that memory does not depend on the corpus.
PIPELINE_WINDOW = 16

# Lines that are page furniture, never article text.
_BOILERPLATE_LINE = re.compile(
    r"""^(?:
        most\ read\ from\b.*
      | back\ to\ top(?:\ button)?
      | exit\ mobile\ version
      | source\ by\ \[?author[_ ]name\]?
      | (?:©|\(c\)|copyright)\s*\d{4}.*
      | \(updates?\ with\b.*\)
      | consult\ our\ file\b.*
      | (?:read\ more|read\ also|see\ also|also\ read)\s*:.*
      | (?:share|share\ this|tweet|print|email)(?:\ (?:this|article|story))?
      | (?:advertisement|sponsored(?:\ content)?)
      | (?:sign\ up|subscribe)\b.{0,120}(?:newsletter|inbox|email|subscription|now|today)\b.*
      | we\ do\ not\ spam\b.*
      | (?:click|tap)\ here\b.*
      | (?:photo|image|picture)s?\ ?(?:credit)?\s*:.*
      | about\ (?:the\ )?author
      | the\ latest\ news\ from\ .*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# A line that starts the trailer of unrelated stories or pitches: it and everything after it goes.
_TRAILER_START = re.compile(
    r"""^(?:
        you\ may\ also\ like
      | related\ (?:articles|stories|posts|news)
      | more\ (?:stories|from)\b.*
      | recommended(?:\ for\ you)?
      | want\ to\ get\b.*(?:email|inbox).*
      | (?:sign\ up|subscribe)\ (?:to|for)\ our\ newsletter.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# "…the alleged attack.Mikhail Klimentyev / AP": a photo credit glued to the end of a caption.
_GLUED_PHOTO_CREDIT = re.compile(
    r"(?<=[.!?\u201d\"])\s*[A-Z][\w'\u2019-]+(?:\s[A-Z][\w'\u2019-]+){0,3}\s?/\s?"
    r"(?:AP|AFP|Reuters|Getty Images|EPA|Sputnik|TASS|Bloomberg|Shutterstock|Anadolu)\s*$"
)
_BLANK_LINE_RUN = re.compile(r"\n{3,}")
_OUTLET_DATELINE = re.compile(r"^\((?P<outlet>[A-Z][\w .&'-]{1,40})\)\s*[\u2014\u2013-]")
_OUTLET_COPYRIGHT = re.compile(r"^©\s*\d{4}\s+(?P<outlet>[A-Z][\w .&'-]{1,40}?)(?:\s+L\.?P\.?|\s+Inc\.?)?\s*$")


class FileProblem(Exception):
    """A file that cannot be ingested; the message says why in a few words."""


@dataclass(frozen=True, slots=True)
class DecodedDocument:
    path: Path
    raw_hash: str
    text: str
    title: str
    outlet: str | None


# An ingest report names at most this many added files and this many skipped ones; past that it only counts them
# (and sums their figures). A run over a folder of wire copy meets hundreds of thousands of files: naming them all
# took memory growing with the corpus, and nobody reads such a list. The CLI lists files only up to as many in all.
REPORT_LISTED_FILES = 50

_Item = TypeVar("_Item")


class ListedFiles(Generic[_Item]):
    """Files of one outcome: every one counted, the first `limit` kept by name.

    `len()` is the count of all files appended, so a run's figures stay exact; iterating gives the kept ones only
    (`complete` says whether that is all of them). Two are equal when they were appended the same items in the same
    order: a digest of every item appended stands in for the ones not kept.
    """

    __slots__ = ("limit", "_count", "_kept", "_digest")

    def __init__(self, items: Iterable[_Item] = (), limit: int = REPORT_LISTED_FILES) -> None:
        self.limit = limit
        self._count = 0
        self._kept: list[_Item] = []
        self._digest = hashlib.blake2b(digest_size=16)
        for item in items:
            self.append(item)

    def append(self, item: _Item) -> None:
        self._count += 1
        if len(self._kept) < self.limit:
            self._kept.append(item)
        self._digest.update(repr(item).encode("utf-8", "surrogatepass") + b"\x00")

    @property
    def complete(self) -> bool:
        """Whether every file appended is kept by name (iterating lists them all)."""
        return len(self._kept) == self._count

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[_Item]:
        return iter(self._kept)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, list):
            other = type(self)(other, self.limit)
        if not isinstance(other, ListedFiles):
            return NotImplemented
        return self._count == other._count and self._digest.digest() == other._digest.digest()

    __hash__ = None  # type: ignore[assignment]  # mutable, like the list it replaces

    def __repr__(self) -> str:
        more = "" if self.complete else f" and {self._count - len(self._kept):,} more"
        return f"{type(self).__name__}({self._kept!r}{more})"


class AddedFiles(ListedFiles[tuple[str, int, int]]):
    """Files added, as (file, sentences, claims found), with the sentences and claims of all of them summed."""

    __slots__ = ("sentences", "claims")

    def __init__(self, items: Iterable[tuple[str, int, int]] = (), limit: int = REPORT_LISTED_FILES) -> None:
        self.sentences = 0
        self.claims = 0
        super().__init__(items, limit)

    def append(self, item: tuple[str, int, int]) -> None:
        super().append(item)
        self.sentences += item[1]
        self.claims += item[2]


@dataclass
class IngestReport:
    """What a run did. Added and skipped files are counted exactly but named only up to REPORT_LISTED_FILES each;
    failed files are all named, each with its reason (each is an error the user must see)."""

    added: AddedFiles = field(default_factory=AddedFiles)  # file, sentences, claims found
    skipped: ListedFiles[str] = field(default_factory=ListedFiles)
    failed: list[tuple[str, str]] = field(default_factory=list)
    new_claims: int = 0
    joined_claims: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed


# A path that cannot be ingested and why, as the report lists it.
Problem = tuple[str, str]


def find_input_files(paths: Iterable[Path | str]) -> tuple[list[Path], list[Problem]]:
    """Expand files and folders (recursively) into article files; problems are returned, never raised.

    Holds every path found, so it is for a few inputs (and tests): ingest walks with `iter_input_files`, whose
    memory does not grow with the number of files.
    """
    problems: list[Problem] = []
    files = list(iter_input_files(paths, problems.append))
    return files, problems


def count_input_files(paths: Iterable[Path | str]) -> tuple[int, list[Problem]]:
    """How many files `iter_input_files` yields, and the problems it meets, without keeping the files."""
    problems: list[Problem] = []
    count = sum(1 for _ in iter_input_files(paths, problems.append))
    return count, problems


def iter_input_files(paths: Iterable[Path | str], on_problem: Callable[[Problem], None]) -> Iterator[Path]:
    """The article files of the given files and folders, one at a time, in a fixed order; problems go to
    `on_problem` as they are met.

    Folders are walked depth first, sub-folders and files in sorted order, files before the folder's sub-folders.
    A file reached again by another path (a symbolic link, a folder given twice or inside another given one) is
    yielded the first time only.
    """
    considered = _ConsideredFiles()
    for given in paths:
        path = Path(given)
        try:
            if path.is_symlink() and not path.exists():
                on_problem((str(path), "broken or looping symbolic link"))
            elif not path.exists():
                on_problem((str(path), "no such file or folder"))
            elif path.is_dir():
                yield from _walk_folder(path, considered, on_problem)
            else:
                resolved = path.resolve()
                if not considered.seen(resolved):
                    considered.files.add(str(resolved))
                    yield path
        except OSError as error:
            on_problem((str(path), error.strerror or str(error)))


def _is_article_name(name: str) -> bool:
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in TEXT_SUFFIXES


class _ConsideredFiles:
    """The resolved files a walk has considered so far, held in memory that grows with folders and links, not files.

    A file found in a folder under its own name resolves into the folder's real path: once the walk has gone
    through a folder, every article name in it is known considered without being kept. Only what the folders do
    not tell is kept by name: files given by name and the targets of symbolic links (few, in a corpus).
    """

    def __init__(self) -> None:
        self.folders: set[str] = set()  # real paths of the folders whose files were all considered
        self.files: set[str] = set()  # resolved files considered that the folders do not account for

    def seen(self, resolved: Path, listing: tuple[str, str] | None = None) -> bool:
        """Whether `resolved` was considered before. `listing` is the real path of the folder being gone through and
        the name considered in it now: the names sorting before it there were considered already."""
        text = str(resolved)
        if text in self.files:
            return True
        if not _is_article_name(resolved.name):
            return False
        folder, name = os.path.split(text)
        if folder in self.folders:
            return True
        return listing is not None and folder == listing[0] and name < listing[1]


def _walk_folder(root: Path, considered: _ConsideredFiles, on_problem: Callable[[Problem], None]) -> Iterator[Path]:
    # Every folder of this walk, by device and inode, not only those on the current path: a folder met again is not
    # walked again, whether through a link loop or a link to a folder listed already (a sibling's, say). Grows with
    # the number of folders, not files.
    visited_dirs: set[tuple[int, int]] = set()

    def on_error(error: OSError) -> None:
        on_problem((str(error.filename), error.strerror or str(error)))

    for folder, dir_names, file_entries in _walk_listings(os.fspath(root), on_error):
        try:
            folder_stat = os.stat(folder)
        except OSError as error:
            on_problem((folder, error.strerror or str(error)))
            dir_names[:] = []
            continue
        key = (folder_stat.st_dev, folder_stat.st_ino)
        if key in visited_dirs:  # reached again, by a link loop or a second link
            dir_names[:] = []
            continue
        visited_dirs.add(key)
        dir_names.sort()
        file_entries.sort(key=attrgetter("name"))
        real_folder = os.path.realpath(folder)
        # Every plain file here was considered already if the folder was (given twice, or inside another given one).
        folder_considered = real_folder in considered.folders
        base = Path(folder)
        for entry in file_entries:
            name = entry.name
            if not _is_article_name(name):
                continue
            if not _is_link(entry):
                # A plain file's real path is its folder's, and that one is known: nothing to resolve or ask the
                # file system (the listing said it is no link), no path built unless it is yielded.
                if not folder_considered and os.path.join(real_folder, name) not in considered.files:
                    yield base / name
                continue
            candidate = base / name
            if not candidate.exists():
                on_problem((str(candidate), "broken or looping symbolic link"))
                continue
            resolved = candidate.resolve()
            if considered.seen(resolved, (real_folder, name)):
                continue
            considered.files.add(str(resolved))  # this folder does not account for the file a link leads to
            yield candidate
        considered.folders.add(real_folder)
        # Held on to while the sub-folders are walked otherwise: one folder's files at a time, not a path's.
        file_entries.clear()


def _walk_listings(top: str, on_error: Callable[[OSError], None]) -> Iterator[tuple[str, list[str], list[os.DirEntry]]]:
    """os.walk(top, followlinks=True), top-down, with each file's directory entry instead of its name: whether it is
    a link is then read from the listing, not asked of the file system once a file (the walk took 0.14 s for 10,000
    files, most of it that and building paths of files skipped). Sub-folders removed from the names are not walked.
    """
    folders = [top]
    while folders:
        folder = folders.pop()
        dir_names: list[str] = []
        file_entries: list[os.DirEntry] = []
        try:
            with os.scandir(folder) as listing:
                for entry in listing:
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    if is_dir:
                        dir_names.append(entry.name)
                    else:
                        file_entries.append(entry)
        except OSError as error:  # as os.walk: a folder that cannot be listed (to the end) is reported and left out
            on_error(error)
            continue
        yield folder, dir_names, file_entries
        # Depth first in the names' order: the first sub-folder is taken (and walked to the end) first.
        folders.extend(os.path.join(folder, name) for name in reversed(dir_names))


def _is_link(entry: os.DirEntry) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False


def decode_bytes(data: bytes, name: str = "input") -> str:
    """Bytes to text: UTF-8 (with or without BOM), UTF-16 with BOM, Windows-1252/Latin-1, else detected."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", name)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16", name)
    sample = data[:65536]
    if b"\x00" in sample:
        raise FileProblem("binary content (not a text file)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _looks_like_cp1252(data):
        return data.decode("cp1252")
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise FileProblem("cannot tell the text encoding (binary or damaged file?)")
    text = str(best)
    if _control_ratio(text) > 0.01:
        raise FileProblem("binary content (not a text file)")
    return text


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise FileProblem(f"not valid {encoding} despite its byte-order mark ({error.reason})") from error


def _looks_like_cp1252(data: bytes) -> bool:
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    if _control_ratio(text) > 0.001:
        return False
    high = sum(1 for char in text if ord(char) > 127)
    letters_high = sum(
        1
        for char in text
        if ord(char) > 127
        and (char.isalpha() or char in "\u2018\u2019\u201c\u201d\u2013\u2014\u20ac\u00a0\u00b0\u00a3\u00a9")
    )
    # Western text uses accented letters and typographic punctuation, not runs of symbols.
    return high == 0 or letters_high / high > 0.8


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    controls = sum(1 for char in text if unicodedata.category(char) == "Cc" and char not in "\n\r\t\f")
    return controls / len(text)


def clean_text(raw: str) -> str:
    """Normalise and strip web boilerplate so it never becomes a claim. Offsets refer to this text."""
    text = unicodedata.normalize("NFKC", raw).replace("\r\n", "\n").replace("\r", "\n")
    kept: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if _TRAILER_START.match(stripped):
            break
        if _BOILERPLATE_LINE.match(stripped):
            continue
        line = line.rstrip()
        # A credit has a slash: the pattern has no anchor, so trying it at every character of every line was half
        # the cleaning's time (~50 us a document), most of it on lines that cannot hold one.
        kept.append(_GLUED_PHOTO_CREDIT.sub("", line) if "/" in line else line)
    cleaned = "\n".join(kept)
    if "\n\n\n" in cleaned:  # a substring test is a fraction of the regex's scan, and most texts have no such run
        cleaned = _BLANK_LINE_RUN.sub("\n\n", cleaned)
    return cleaned.strip() + "\n" if cleaned.strip() else ""


def detect_outlet(raw: str) -> str | None:
    for line in unicodedata.normalize("NFKC", raw).splitlines()[:40]:
        match = _OUTLET_DATELINE.match(line.strip())
        if match:
            return match.group("outlet").strip()
    for line in reversed(unicodedata.normalize("NFKC", raw).splitlines()[-40:]):
        match = _OUTLET_COPYRIGHT.match(line.strip())
        if match:
            return match.group("outlet").strip()
    return None


def _over_limit(size: int, max_bytes: int) -> FileProblem:
    return FileProblem(
        f"file is {size / 1_048_576:.1f} MB, over the {max_bytes / 1_048_576:.3g} MB limit (raise it with --max-size)"
    )


def _read_regular_file(path: Path, max_bytes: int) -> bytes:
    """Read at most `max_bytes` of a regular file; pipes, devices and sockets are refused, never read.

    O_NONBLOCK keeps open() from waiting forever for a writer when the path is a FIFO; the checks use fstat on
    the opened descriptor, so a file swapped for a pipe between listing and reading is still caught.
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise FileProblem("is a folder")
        if not stat.S_ISREG(info.st_mode):
            raise FileProblem("not a regular file (a pipe, device or socket); not read")
        if info.st_size > max_bytes:
            raise _over_limit(info.st_size, max_bytes)
        chunks: list[bytes] = []
        remaining = max_bytes + 1  # one byte more than allowed tells a file that grew past the limit
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1_048_576))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise _over_limit(len(data), max_bytes)
    return data


def read_document(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> DecodedDocument:
    try:
        data = _read_regular_file(path, max_bytes)
    except PermissionError as error:
        raise FileProblem("permission denied") from error
    except IsADirectoryError as error:
        raise FileProblem("is a folder") from error
    except OSError as error:
        raise FileProblem(error.strerror or str(error)) from error
    if not data.strip():
        raise FileProblem("empty file")
    raw_text = decode_bytes(data, path.name)
    text = clean_text(raw_text)
    if not text.strip():
        raise FileProblem("no article text left after removing boilerplate")
    title = next((line.strip() for line in text.splitlines() if line.strip()), path.stem)
    return DecodedDocument(
        path=path,
        raw_hash=hashlib.sha256(data).hexdigest(),
        text=text,
        title=title[:300],
        outlet=detect_outlet(raw_text),
    )


def mention_id_for(content_hash: str, start: int, end: int) -> str:
    """Stable like a hash of the passage's document and offsets, but a document's passages sort together: their
    primary-key inserts land on one or two index pages instead of one random page each (measured at 10,000
    articles: 8% of the ingest time). Passages stored before this form keep their hashed ids; none is recomputed."""
    return f"m{content_hash[:16]}:{start}-{end}"


def claim_id_for(content_hash: str, start: int, end: int) -> str:
    """A claim takes its id from its first mention, once; later mentions never change it."""
    return "c" + hashlib.sha1(f"claim:{content_hash}:{start}:{end}".encode()).hexdigest()[:12]


def load_matcher(store: Store, helper: PreparationWorker | None = None) -> ClaimMatcher:
    """The matcher holding every stored mention, built from one entry per distinct wording of each claim.

    A verbatim repeat of a claim's wording only counts towards idf, so each wording is added once, with its count,
    in the order it first appeared: the index is the one adding every mention in order would build. (The document
    given is the wording's latest; stored documents are never ingested again, so the same-document rule never
    compares with them.)

    The wordings, with their counts and features, are kept in the store (`index_wordings`) as of the latest passage
    they count: a load reads them back and folds in only the passages stored since, in storage order, instead of
    every passage (1.4 s at 40,000 articles), and computes the features of new wordings only (features are most of
    a load: 130 us a wording to compute, about 30 to read back). What it folded and computed is then kept for the
    next load. A store without them (or whose kept wordings no longer hold, `_kept_wordings`) is read in full.
    `helper`, the run's preparation worker, computes a share of the features to compute (`_features_shared`).
    """
    version = store.data_version()
    wordings, through, counted = _kept_wordings(store)
    changed = _fold_passages_since(store, through, wordings)
    if counted + changed.passages != store.conn.execute("SELECT COUNT(*) FROM mentions").fetchone()[0]:
        # The kept wordings count other passages than the store holds up to their latest: read everything.
        wordings = {}
        changed = _fold_passages_since(store, 0, wordings)
    claim_last: dict[str, int] = {}  # each claim's latest passage (rowids grow with ingest order)
    for (claim_id, _, _), kept in wordings.items():
        if kept.last_rowid > claim_last.get(claim_id, 0):
            claim_last[claim_id] = kept.last_rowid
    missing = list(dict.fromkeys(wording[1:] for wording, kept in wordings.items() if kept.features is None))
    if helper is not None:
        computed = _features_shared(missing, helper)
    else:
        computed = [compute_features(text, claimant) for text, claimant in missing]
    features_of = dict(zip(missing, computed, strict=True))
    given: list[tuple[str, str | None, MatchFeatures]] = []
    for wording, kept in wordings.items():
        if kept.features is None:
            kept.features = features_of[wording[1:]]
            changed.wordings.add(wording)
        given.append((wording[1], wording[2], kept.features))
    matcher = ClaimMatcher()
    with features_given(given):
        # Each claim is as recent as its latest passage, so a full index keeps the claims outlets mentioned last, as
        # the run that stored them did.
        for (claim_id, text, claimant), kept in wordings.items():
            matcher.add(claim_id, text, claimant, kept.document_id, kept.passages, last_seen=claim_last[claim_id])
    _keep_wordings(store, version, wordings, changed.wordings)
    return matcher


Wording = tuple[str, str, str | None]  # (claim id, text, claimant)


@dataclass(slots=True)
class _Folded:
    """What folding the passages stored since the kept wordings changed: the wordings, and how many passages."""

    wordings: set[Wording] = field(default_factory=set)
    passages: int = 0


def _fold_passages_since(store: Store, through: int, wordings: dict[Wording, _KeptWording]) -> _Folded:
    """Fold the passages stored after rowid `through` into `wordings`, read once in storage order (the rowid range,
    no index): what a GROUP BY over (claim, text, claimant) would give, without sorting every passage."""
    folded = _Folded()
    for rowid, claim_id, text, claimant, document_id in store.conn.execute(
        "SELECT rowid, claim_id, claim_text, claimant, document_id FROM mentions NOT INDEXED"
        " WHERE rowid > ? ORDER BY rowid",
        [through],
    ):
        wording = (claim_id, text, claimant)
        seen = wordings.get(wording)
        if seen is None:
            wordings[wording] = _KeptWording(1, document_id, rowid, None, document_id, document_id)
        else:
            seen.passages += 1
            seen.document_id = document_id
            seen.last_rowid = rowid
            if document_id is not None:
                if seen.lowest_document_id is None or document_id < seen.lowest_document_id:
                    seen.lowest_document_id = document_id
                if seen.highest_document_id is None or document_id > seen.highest_document_id:
                    seen.highest_document_id = document_id
        folded.wordings.add(wording)
        folded.passages += 1
    return folded


@dataclass(slots=True)
class _KeptWording:
    """One wording of a claim as the index load folds it: its passages, the document and rowid of the latest, its
    features (None until read back or computed), and the first and last of its documents by id (kept for the
    contradiction links, `discrepancies._claim_wordings_and_documents`)."""

    passages: int
    document_id: str | None
    last_rowid: int
    features: MatchFeatures | None
    lowest_document_id: str | None
    highest_document_id: str | None


def _kept_wordings(store: Store) -> tuple[dict[Wording, _KeptWording], int, int]:
    """The wordings kept by the last load (in the order of their first passages), the rowid of the latest passage
    they count (0: none kept) and how many passages they count.

    They hold while the store's passages up to that rowid are those they count: passages are only ever added, after
    the stored ones, and the corrections that move passages between claims drop the kept wordings
    (`forget_kept_wordings`); the load checks the count. A damaged row and none is used. Features kept by other
    code, or damaged, are computed again. (Like the FTS index, they are derived data only workbench writes: a hand
    edit of the table that keeps its counts goes unnoticed until the next correction or `regroup`.)
    """
    wordings: dict[Wording, _KeptWording] = {}
    counted = through = 0
    decoded: dict[tuple[str, str | None], MatchFeatures | None] = {}
    # Decoding builds long-lived objects only: the collector's passes over them (a third of the time) find nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for (
            claim_id,
            text,
            claimant,
            passages,
            document_id,
            last_rowid,
            features,
            lowest,
            highest,
        ) in store.conn.execute(
            "SELECT claim_id, text, claimant, passages, document_id, last_rowid, features, lowest_document_id,"
            " highest_document_id FROM index_wordings ORDER BY position"
        ):
            if not (
                type(claim_id) is str
                and type(text) is str
                and (claimant is None or type(claimant) is str)
                and type(passages) is int
                and passages > 0
                and type(last_rowid) is int
                and all(value is None or type(value) is str for value in (document_id, lowest, highest))
                and (claim_id, text, claimant) not in wordings
            ):
                return {}, 0, 0
            # The same text and claimant under two claims: one set of features (and one decoding).
            found = decoded.get((text, claimant))
            if found is None and type(features) is str:
                found = decoded[(text, claimant)] = features_from_json(features)
            wordings[(claim_id, text, claimant)] = _KeptWording(
                passages, document_id, last_rowid, found, lowest, highest
            )
            counted += passages
            through = max(through, last_rowid)
    finally:
        if collecting:
            gc.enable()
    return wordings, through, counted


def _keep_wordings(store: Store, version: int, wordings: dict[Wording, _KeptWording], changed: set[Wording]) -> None:
    """Keep what the load folded and computed for the next one: the changed wordings' rows (all rows, when every
    wording changed). Skipped if another connection committed since the load began (a correction may have moved
    passages it read): the next load reads them again."""
    if store.readonly or not changed:
        return
    with store.write():
        if store.data_version() != version:
            return
        if len(changed) == len(wordings):
            store.conn.execute("DELETE FROM index_wordings")
        store.conn.executemany(
            "INSERT OR REPLACE INTO index_wordings (position, claim_id, text, claimant, passages, document_id,"
            " last_rowid, features, lowest_document_id, highest_document_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    position,
                    *wording,
                    kept.passages,
                    kept.document_id,
                    kept.last_rowid,
                    features_json(kept.features),
                    kept.lowest_document_id,
                    kept.highest_document_id,
                )
                for position, (wording, kept) in enumerate(wordings.items())
                if wording in changed and kept.features is not None
            ],
        )


def forget_kept_wordings(store: Store) -> None:
    """Drop the grouping index's kept wordings, inside the caller's write transaction: for a change that moves
    passages between claims. The next load reads every passage again."""
    store.conn.execute("DELETE FROM index_wordings")


# Wordings in one feature request to the preparation worker: a few tens of milliseconds of its work.
FEATURES_PER_REQUEST = 256
# Wordings this process computes between two looks at the worker's answer: the worker idles from its answer to the
# next request, so the look comes often (one group of FEATURES_PER_REQUEST between looks: the worker computed a
# third of the features, not half).
FEATURES_BETWEEN_LOOKS = 16


def _features_shared(wordings: list[tuple[str, str | None]], helper: PreparationWorker) -> list[MatchFeatures]:
    """The features of `wordings`, in order: this process computes them from the start, the worker takes groups of
    FEATURES_PER_REQUEST from the end, one at a time, until the two meet. Features are a pure function of the
    wording, so who computed one changes nothing; if the worker fails, what it had not answered is computed here.
    """
    from workbench.prepare import NotAnsweredYet

    computed: list[MatchFeatures | None] = [None] * len(wordings)
    worker_from = len(wordings)  # the wordings from here on were handed to the worker
    asked: range | None = None  # the wordings the worker was asked for and has not answered
    usable = True
    here = 0
    while here < worker_from:
        if usable and asked is not None:
            answer = helper.take_features(wait=False)
            if answer is None:
                usable, asked = False, None
            elif not isinstance(answer, NotAnsweredYet):
                for index, features in zip(asked, answer, strict=True):
                    computed[index] = features
                asked = None
        # Never the wordings this process gets to before its next look.
        first = max(worker_from - FEATURES_PER_REQUEST, here + FEATURES_BETWEEN_LOOKS)
        if usable and asked is None and first < worker_from:
            if helper.ask_features(wordings[first:worker_from]):
                asked, worker_from = range(first, worker_from), first
            else:
                usable = helper.failure is None  # not ready yet: asked again at the next look
        for index in range(here, min(here + FEATURES_BETWEEN_LOOKS, worker_from)):
            computed[index] = compute_features(*wordings[index])
        here += FEATURES_BETWEEN_LOOKS
    if usable and asked is not None:
        answer = helper.take_features(wait=True)
        if isinstance(answer, list):
            for index, features in zip(asked, answer, strict=True):
                computed[index] = features
    return [
        features if features is not None else compute_features(*wordings[index])
        for index, features in enumerate(computed)
    ]


# A document's sentences and the claims extracted from them: what ingest computes before it looks at the store.
Prepared = tuple[list[SentenceSpan], list[ExtractedClaim]]
# (text, claimant, features) of claim wordings whose matching features were computed by the preparation worker.
GivenFeatures = Sequence[tuple[str, str | None, MatchFeatures]]


def split_and_extract(text: str) -> Prepared:
    """The store-independent work on a document's text, done here or in the preparation worker alike."""
    sentences = split_sentences(text)
    return sentences, extract_claims(text, sentences)


class Ingester:
    """Adds documents to a store, one transaction each (one savepoint each in a group, see `batched`), keeping claim
    ids stable."""

    def __init__(self, store: Store, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.store = store
        self.max_bytes = max_bytes
        self._matcher: ClaimMatcher | None = None
        # The run's preparation worker while a pipelined run goes on: it computes part of the index's features.
        self.helper: PreparationWorker | None = None
        # The open group of documents (see `batched`): its transaction, documents and start, or None per document.
        self._batch: contextlib.ExitStack | None = None
        self._batch_documents = 0
        self._batch_started = 0.0
        self._batching = False
        # What the open group's documents added to claims that existed before them, written once per claim when the
        # group commits: a claim quoted by every article of a group is updated once, not once per article.
        self._group_gains = SummaryGains()
        self._corrections_active: bool | None = None  # as of the open group's start (None: not asked yet)
        # PRAGMA data_version when the grouping index last agreed with the store: read before it was loaded, then
        # inside each group's transaction just before its COMMIT. None: unknown (no index loaded, or a group failed).
        self._index_agrees_at: int | None = None
        # A bulk load leaves the index of a claim's passages out once it has stored BULK_LOAD_MIN_FILES documents and
        # at least as many as the store held before (`_document_done`), and builds it again before anything of the run
        # reads passages by claim (corrections, the flag pass) and when the run ends (`passages_by_claim_restored`).
        # Counted in documents stored, not files given: a run over a folder whose files are mostly stored already
        # (a growing folder ingested again) keeps the index, which its few new documents cost little to keep.
        self._documents_before = store.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        self._documents_stored = 0
        # A run into an empty store can only meet its own duplicates, which ingest_prepared skips in their turn:
        # then stored_already need not read and hash every file a second time.
        self._store_had_documents = self._documents_before > 0
        self._passages_by_claim_dropped = False

    @contextlib.contextmanager
    def batched(self) -> Iterator[None]:
        """Commit the documents ingested inside in groups (BATCH_DOCUMENTS, BATCH_SECONDS) instead of one by one.

        Each document still goes in its own savepoint, so a document that fails leaves the others of its group
        alone. Whatever way the block ends, the documents completed so far are committed (an interrupt keeps
        them, as it did when each document committed on its own).
        """
        self._batching = True
        try:
            yield
        finally:
            self._batching = False
            self._commit_batch()

    def _document_transaction(self) -> contextlib.AbstractContextManager:
        """The transaction of one document: its own, or a savepoint in the open group's."""
        if self._batching and self._batch is None:
            self._batch, self._batch_documents, self._batch_started = self._open_group(), 0, time.monotonic()
        return self.store.write()  # nested in an open group's transaction, a savepoint

    def _open_group(self) -> contextlib.ExitStack:
        """Begin a group's transaction, without foreign-key checks when they cannot fail.

        A group writes each document before its sentences and both before its passages, so the only reference that
        could dangle is a passage's claim named by the grouping index. Claims are deleted by another connection (a
        reviewer's merge) or, on this one, by applying corrections, which then gives every claim a passage names its
        row again (`corrections._sync_claims`) before the group commits. So while no other connection has committed
        since the index last agreed with the store (`data_version` is as it was then), the three index look-ups a
        passage costs (its claim, document and sentence) and the one a sentence costs are spent for nothing: about
        0.45 s of the ingest process's 10.4 s of CPU for the files of a 10,000-article run (the files phase replayed
        in one process). The pragma only changes outside a transaction, so it is set before BEGIN and the version
        checked after it: a commit that came in between reopens the group with the checks on.
        """
        conn = self.store.conn
        unchecked = self._index_agrees_at is not None and self._checks_redundant()
        if unchecked:
            conn.execute("PRAGMA foreign_keys = OFF")
        batch = contextlib.ExitStack()
        try:
            batch.enter_context(self.store.write())
            if unchecked and self.store.data_version() != self._index_agrees_at:
                batch.close()  # nothing written yet: an empty transaction
                conn.execute("PRAGMA foreign_keys = ON")
                batch = contextlib.ExitStack()
                batch.enter_context(self.store.write())
        except BaseException:
            conn.execute("PRAGMA foreign_keys = ON")
            raise
        return batch

    def _checks_redundant(self) -> bool:
        """Whether a group may skip foreign-key checks once no other connection has committed (a hook for tests
        that need the checks, such as a deferred key failing a COMMIT)."""
        return True

    def _document_done(self) -> None:
        if self._batch is None:
            return
        self._batch_documents += 1
        if self._batch_documents >= BATCH_DOCUMENTS or time.monotonic() - self._batch_started >= BATCH_SECONDS:
            self._commit_batch()
            # Between groups of a run still going (not at its end, where the index would only be built again).
            if (
                not self._passages_by_claim_dropped
                and self._documents_stored >= max(BULK_LOAD_MIN_FILES, self._documents_before)
                and not self.store.readonly
                and not self._has_corrections()  # applying them reads passages by claim for every document
            ):
                self._passages_by_claim_dropped = True  # once a run: corrections may have needed it back
                self.store.drop_passages_by_claim_index()

    def _commit_batch(self) -> None:
        batch, self._batch = self._batch, None
        if batch is None:
            return
        try:
            with batch:  # COMMIT, or ROLLBACK if writing the group's counts fails
                self._group_gains.write(self.store, utc_now())
                # Inside the transaction no other connection can commit, and this one's COMMIT leaves the version
                # as it is: the index agrees with the store as of this version.
                agrees_at = self.store.data_version()
        except BaseException:
            # The group's documents are not stored, but the matcher holds their claims: it is read again from the
            # store when next needed.
            if self.store.conn.in_transaction:
                self.store.conn.execute("ROLLBACK")
            self._matcher = None
            self._index_agrees_at = None
            raise
        else:
            if self._matcher is not None:
                self._index_agrees_at = agrees_at
            self._documents_stored += self._batch_documents
        finally:
            self._group_gains = SummaryGains()
            self._corrections_active = None
            self.store.conn.execute("PRAGMA foreign_keys = ON")

    @contextlib.contextmanager
    def passages_by_claim_restored(self) -> Iterator[None]:
        """Build the index of a claim's passages when the block ends if the run dropped it, however the block ends."""
        try:
            yield
        except BaseException:
            # The error that ended the run is the one to report; if the build fails as well (a full disk, a second
            # ctrl+c), the next writable open builds it.
            with contextlib.suppress(DatabaseError, sqlite3.Error, KeyboardInterrupt):
                self._passages_by_claim_back()
            raise
        self._passages_by_claim_back()

    def _passages_by_claim_back(self) -> None:
        """Build the index of a claim's passages if this run dropped it (and nothing built it since)."""
        if self._passages_by_claim_dropped:
            self.store.build_passages_by_claim_index()

    def _has_corrections(self) -> bool:
        """Whether the store holds active hand corrections; asked once a group: only a reviewer adds them, on
        another connection, and none can write while the group's transaction is open."""
        if self._corrections_active is None or self._batch is None:
            active = (
                self.store.conn.execute("SELECT 1 FROM corrections WHERE undone_by IS NULL LIMIT 1").fetchone()
                is not None
            )
            if active:
                # Applying corrections reads and recounts claims' passages for every document from now on.
                self._passages_by_claim_back()
            if self._batch is None:
                return active
            self._corrections_active = active
        return self._corrections_active

    @property
    def matcher(self) -> ClaimMatcher:
        """The grouping index, loaded from the store on first use (again after `finish` dropped it)."""
        if self._matcher is None:
            # Read first: a commit made while the index loads may or may not be in it, and must count as after it.
            self._index_agrees_at = self.store.data_version()
            self._matcher = load_matcher(self.store, self.helper)
        return self._matcher

    def _is_known(self, content_hash: str) -> bool:
        # Asked of the (indexed) table, not a set of every hash: memory must not grow with the documents stored.
        return (
            self.store.conn.execute("SELECT 1 FROM documents WHERE content_hash = ?", [content_hash]).fetchone()
            is not None
        )

    def ingest_file(self, path: Path, report: IngestReport) -> None:
        try:
            document = read_document(path, self.max_bytes)
        except FileProblem as problem:
            report.failed.append((str(path), str(problem)))
            return
        self._ingest_unless_known(path, document, report)

    def _ingest_unless_known(
        self,
        path: Path,
        document: DecodedDocument,
        report: IngestReport,
        prepared: Prepared | None = None,
        given_features: GivenFeatures = (),
    ) -> None:
        if self._is_known(document.raw_hash):
            report.skipped.append(str(path))
        else:
            self.ingest_document(document, report, prepared, given_features)

    def ingest_prepared(self, path: Path, outcome: Outcome, report: IngestReport) -> None:
        """`ingest_file` with the preparation done by the worker; None (it could not) prepares the file here."""
        from workbench.prepare import UnreadableFile

        if outcome is None:
            self.ingest_file(path, report)
        elif isinstance(outcome, UnreadableFile):
            report.failed.append((str(path), outcome.reason))
        else:
            prepared = (outcome.sentences, outcome.extracted)
            self._ingest_unless_known(path, outcome.document, report, prepared, outcome.features)

    def stored_already(self, path: Path) -> bool:
        """Whether the file's bytes are a stored document: a cheap look before handing the file to the worker.

        Only a routing hint (the file is still ingested in its turn, like any other); unreadable means no.
        """
        if not self._store_had_documents:
            return False
        try:
            data = _read_regular_file(path, self.max_bytes)
        except (OSError, FileProblem):
            return False
        return self._is_known(hashlib.sha256(data).hexdigest())

    def ingest_document(
        self,
        document: DecodedDocument,
        report: IngestReport,
        prepared: Prepared | None = None,
        given_features: GivenFeatures = (),
    ) -> None:
        """Store one document and group its claims; `given_features` (from the preparation worker) spare the
        matcher computing the features of those wordings."""
        sentences, extracted = prepared if prepared is not None else split_and_extract(document.text)
        document_id = "d" + document.raw_hash[:16]
        now = utc_now()
        new_claims = joined = 0
        # Each claim joins the matcher as soon as it is assigned, so a later claim of this document can group with
        # it. The guard is outermost: if the transaction or its COMMIT fails, the matcher forgets this document's
        # mentions again and never points at rolled-back claim ids (a group's COMMIT drops it: `_commit_batch`).
        with features_given(given_features), self.matcher.rollback_on_error(), self._document_transaction() as db:
            if self._has_corrections():
                # A reviewer may merge or split claims while the run goes on, after the matcher was loaded: a passage
                # can then be grouped with a claim just retired. Its key is checked at COMMIT, once the corrections
                # below have placed it where the reviewer said (a wrong key still fails the commit). Only then:
                # deferred keys made a 10,000-article run 1-2 s slower (20.2-21.1 -> 22.2-22.7 s).
                db.conn.execute("PRAGMA defer_foreign_keys = ON")
            seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM documents").fetchone()[0]
            # Plain prepared statements: sqlite-utils' insert_all re-reads the table's columns and builds its SQL on
            # every call, which cost more than the inserts themselves at ~20 rows a document.
            db.conn.execute(
                _INSERT_DOCUMENT,
                (
                    document_id,
                    seq,
                    document.path.name,
                    str(document.path),
                    document.title,
                    document.outlet,
                    document.text,
                    document.raw_hash,
                    now,
                ),
            )
            db.conn.executemany(
                _INSERT_SENTENCE,
                (
                    (
                        f"{document_id}:{span.index}",
                        document_id,
                        span.index,
                        span.start,
                        span.end,
                        document.text[span.start : span.end],
                    )
                    for span in sentences
                ),
            )
            claim_rows: list[dict] = []
            mention_rows: list[_PassageRow] = []
            touched: set[str] = set()
            matcher = self.matcher
            for claim in extracted:
                # Most passages repeat a wording the index remembers: one call matches and adds them.
                claim_id = matcher.add_repeat(claim.text, claim.claimant, document_id)
                if claim_id is not None:
                    joined += 1
                else:
                    claim_id = matcher.match(claim.text, claim.claimant, document_id)
                    if claim_id is None:
                        claim_id = claim_id_for(document.raw_hash, claim.start, claim.end)
                        if claim_id in touched:
                            continue
                        claim_rows.append(
                            {
                                "id": claim_id,
                                "text": claim.text,
                                "claimant": claim.claimant,
                                "channel": claim.channel,
                                "checkworthiness": round(claim.checkworthiness, 4),
                                "source_count": 0,
                                "document_count": 0,
                                "sort_key": seq * SORT_KEY_DOCUMENT_STRIDE + claim.start,
                                "created_at": now,
                                "updated_at": now,
                            }
                        )
                        new_claims += 1
                    else:
                        joined += 1
                    matcher.add(claim_id, claim.text, claim.claimant, document_id)
                touched.add(claim_id)
                mention_rows.append(
                    _PassageRow(
                        mention_id_for(document.raw_hash, claim.start, claim.end),
                        claim_id,
                        document_id,
                        f"{document_id}:{claim.sentence_index}",
                        claim.start,
                        claim.end,
                        document.text[claim.start : claim.end],
                        claim.text,
                        claim.claimant,
                        claim.channel,
                        round(claim.checkworthiness, 4),
                        now,
                    )
                )
            gains = self._store_claims_and_mentions(claim_rows, mention_rows, touched, now)
            if self._batch is None:
                gains.write(self.store, now)
        # Only a document whose savepoint held adds to the group's gains.
        if self._batch is not None:
            self._group_gains.absorb(gains)
        self._document_done()
        report.added.append((str(document.path), len(sentences), len(extracted)))
        report.new_claims += new_claims
        report.joined_claims += joined

    def _store_claims_and_mentions(
        self, claim_rows: list[dict], mention_rows: list[_PassageRow], touched: set[str], now: str
    ) -> SummaryGains:
        """Insert one document's claims, reviews and mentions; recount the summaries of its new and corrected claims.

        Runs inside the document's transaction. The summaries of claims that only gained passages from this
        document are brought up to date by difference (constant work per claim), not recounted over every passage
        of the claim (a claim quoted by hundreds of outlets would otherwise be recounted for each new article): the
        gains are returned, for the caller to write with its transaction.
        """
        conn = self.store.conn
        # A mention id repeats only if extraction yields one span twice; the first one is stored, as before.
        first_of_each: dict[str, _PassageRow] = {}
        for row in mention_rows:
            first_of_each.setdefault(row.id, row)
        # In text order: rowid order is then document order and position in it, which readers rely on (a claim's
        # passages stream in that order from its index, without a sort).
        unique_mentions = sorted(first_of_each.values(), key=attrgetter("start"))
        corrections_active = self._has_corrections()
        if not corrections_active:
            # Without corrections a new claim's passages are this document's alone, so its figures are known before
            # it is stored: it is inserted with them, not inserted and recounted (an UPDATE setting the claimant
            # column, which the search index's trigger answers with a delete and an insert: 0.28 s of CPU at
            # 10,000 articles). Corrections may move passages between claims, so with any active the recount stays.
            _figures_of_new_claims(claim_rows, unique_mentions)
        conn.executemany(
            _INSERT_CLAIM,
            [
                (
                    row["id"],
                    row["text"],
                    row["claimant"],
                    row["channel"],
                    row["checkworthiness"],
                    row["source_count"],
                    row["document_count"],
                    row["sort_key"],
                    row["created_at"],
                    row["updated_at"],
                )
                for row in claim_rows
            ],
        )
        conn.executemany(_INSERT_REVIEW, [(row["id"], UNREVIEWED, "", now) for row in claim_rows])
        conn.executemany(_INSERT_MENTION, unique_mentions)
        # Hand corrections win over the matcher for new passages too (imported here: corrections imports us).
        from workbench.corrections import apply_corrections

        mention_ids = [row.id for row in unique_mentions]
        corrected = apply_corrections(self.store, mention_ids) if corrections_active else set()
        recount = corrected | {row["id"] for row in claim_rows}
        if corrections_active:
            refresh_claim_summaries(self.store, recount)
        gained = [row for row in unique_mentions if row.claim_id not in recount]
        # A missing claimant is taken from the first passage that names one (earlier passages named none, or the
        # claim would have one). Written with the document, not with its group: the search index (the FTS trigger)
        # then changes the same way however documents are grouped, and the store stays byte for byte the same.
        group = self._group_gains
        named = group.named - corrected
        first_claimants: dict[str, str] = {}
        for row in gained:
            if row.claimant is not None and row.claim_id not in named:
                first_claimants.setdefault(row.claim_id, row.claimant)
        conn.executemany(
            "UPDATE claims SET claimant = ? WHERE id = ? AND claimant IS NULL",
            [(claimant, claim_id) for claim_id, claimant in first_claimants.items()],
        )
        # Those the group marked already are left out, the others keep their order (and so their rowids).
        to_mark = [claim_id for claim_id in touched | corrected if claim_id not in group.marked]
        conn.executemany(_MARK_PENDING_REFRESH, [(claim_id,) for claim_id in to_mark])
        return SummaryGains.of_document(gained, recount, set(first_claimants), set(to_mark), corrected)

    def finish(self, helper: PreparationWorker | None = None) -> None:
        """Recompute the discrepancy flags this run (or an earlier, interrupted one) left pending; then contradictions.

        Each chunk of claims is its own short transaction, so reviewers working meanwhile are never locked out.
        `helper`, the run's preparation worker (idle by now), computes the contradictions and takes chunks from the
        end while this process works from the start (see `_FlagPass`).
        """
        self._commit_batch()  # what the pass reads (on the worker's connection too) is committed first
        self._passages_by_claim_back()  # the pass reads each claim's passages
        # The flag passes do not group: the index goes first, so they reuse its memory instead of adding to it.
        self._matcher = None
        self._index_agrees_at = None
        pending = [
            row[0] for row in self.store.conn.execute("SELECT claim_id FROM pending_discrepancy_refresh ORDER BY 1")
        ]
        size = max(1, min(DISCREPANCY_REFRESH_CHUNK, -(-len(pending) // DISCREPANCY_REFRESH_MIN_CHUNKS)))
        chunks = [pending[offset : offset + size] for offset in range(0, len(pending), size)]
        if chunks:
            _FlagPass(self.store, chunks, helper).run()


class _FlagPass:
    """The end-of-run flag pass over chunks of pending claims, shared with the preparation worker when there is one.

    This process works through the chunks from the start, the worker from the end, one chunk at a time, while it
    first computes the contradictions. Chunks are written in order whoever computed them, so the stored rows are
    the same as a pass without the worker; the last one goes in one transaction with the contradictions: a run
    killed before that commits leaves claims pending, and the next run recomputes the contradictions too.

    The worker reads the committed store on its own connection; this process computes its chunks before taking the
    write lock. Rows are written only if no other connection committed since they were asked for or computed
    (`PRAGMA data_version`, read inside the write transaction): a reviewer's change meanwhile (a merge, a split) may
    have moved passages, and the rows are then computed again, from what the transaction sees.
    """

    def __init__(self, store: Store, chunks: list[list[str]], helper: PreparationWorker | None) -> None:
        self.store = store
        self.chunks = chunks
        self.helper = helper if helper is not None and store.path.is_file() else None
        self.worker_from = len(chunks)  # the chunks from here on were handed to the worker
        # What the worker was asked for last and not answered yet: (chunk index, or None for the contradictions;
        # data_version when asked).
        self.asked: tuple[int | None, int] | None = None
        # By chunk (None: the contradictions), what to write and the data_version it was computed at: a chunk's flag
        # rows and kept states (`iter_flag_rows`), or the contradiction rows.
        self.answers: dict[int | None, tuple[Any, int]] = {}
        self.writing = 0  # the chunk this process computes or writes now

    def run(self) -> None:
        last = len(self.chunks) - 1
        self._ask(None)
        written = 0
        while written < self.worker_from:
            self.writing = written
            self._keep_helper_busy()
            if written == last:
                break  # the final chunk: written with the contradictions
            self._write(written)
            written += 1
        while self.asked is not None:
            self._take_answer(wait=True)
        for index in range(written, last):
            self._write(index)
        self._write(last, final=True)

    def _keep_helper_busy(self) -> None:
        """Take the worker's answer if it is there and hand it the last chunk not yet handed out, if that is not the
        one being written here. Checked after every claim computed here, not only between chunks: a chunk takes up
        to 0.7 s at 10,000 articles, and the worker would idle that long (0.9 s of a 3.4 s pass)."""
        self._take_answer(wait=False)
        if self.helper is not None and self.asked is None and self.worker_from - self.writing > 1:
            self.worker_from -= 1
            self._ask(self.worker_from)

    def _ask(self, index: int | None) -> None:
        from workbench.prepare import FlagRequest

        if self.helper is None:
            return
        version = self.store.data_version()
        claim_ids = None if index is None else tuple(self.chunks[index])
        if self.helper.ask_flags(FlagRequest(str(self.store.path), claim_ids)):
            self.asked = (index, version)
        else:
            self.helper = None  # gone: what it was to compute is computed here when written

    def _take_answer(self, wait: bool) -> None:
        if self.asked is None or self.helper is None or not (wait or self.helper.answer_waiting()):
            return
        (index, version), self.asked = self.asked, None
        answer = self.helper.take_flags()
        if answer is None:
            self.helper = None  # failed or gone: as above
        else:
            self.answers[index] = (answer.rows if index is None else (answer.rows, answer.states), version)

    def _write(self, index: int, final: bool = False) -> None:
        from workbench.discrepancies import contradiction_rows, iter_flag_rows, store_contradictions, store_flags

        chunk = self.chunks[index]
        self.writing = index
        # What the worker did not compute is computed here before the write lock is taken, not under it: a
        # reviewer's change then waits only for the rows to be written (a chunk took up to 0.7 s to compute at
        # 10,000 articles). The rows are checked like the worker's, and computed again under the lock if needed.
        if index not in self.answers:
            self._compute_here(index, lambda: self._flags_here(chunk))
        if final and None not in self.answers:
            self._compute_here(None, lambda: contradiction_rows(self.store))
        with self.store.write():
            flags = self._current(index)
            if flags is None:
                states: list[FlagState] = []
                store_flags(self.store, chunk, iter_flag_rows(self.store, chunk, states), states)
            else:
                store_flags(self.store, chunk, *flags)
            self.store.conn.executemany(
                "DELETE FROM pending_discrepancy_refresh WHERE claim_id = ?", [(claim_id,) for claim_id in chunk]
            )
            if final:
                links = self._current(None)
                store_contradictions(self.store, contradiction_rows(self.store) if links is None else links)

    def _compute_here(self, index: int | None, compute: Callable[[], list]) -> None:
        version = self.store.data_version()
        self.answers[index] = (compute(), version)

    def _flags_here(self, chunk: list[str]) -> tuple[list[FlagRow], list[FlagState]]:
        from workbench.discrepancies import iter_flag_rows

        rows: list[FlagRow] = []
        states: list[FlagState] = []
        for claim_id in chunk:
            rows += iter_flag_rows(self.store, [claim_id], states)
            self._keep_helper_busy()
        return rows, states

    def _current(self, index: int | None) -> list | None:
        """The worker's rows for a chunk (None: the contradictions) if no other connection committed since they were
        asked for; inside the write transaction, so none can commit before they are written."""
        rows, version = self.answers.pop(index, (None, None))
        return rows if rows is not None and self.store.data_version() == version else None


_INSERT_DOCUMENT = (
    "INSERT INTO documents (id, seq, file_name, source_path, title, outlet, text, content_hash, ingested_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_SENTENCE = 'INSERT INTO sentences (id, document_id, idx, start, "end", text) VALUES (?, ?, ?, ?, ?, ?)'
_INSERT_CLAIM = (
    "INSERT INTO claims (id, text, claimant, channel, checkworthiness, source_count, document_count, sort_key,"
    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_REVIEW = "INSERT INTO reviews (claim_id, status, note, updated_at) VALUES (?, ?, ?, ?)"
_INSERT_MENTION = (
    'INSERT OR IGNORE INTO mentions (id, claim_id, document_id, sentence_id, start, "end", quote, claim_text,'
    " claimant, channel, checkworthiness, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class _PassageRow(NamedTuple):
    """A passage as _INSERT_MENTION stores it, its values in that statement's order: the row is the parameters."""

    id: str
    claim_id: str
    document_id: str
    sentence_id: str
    start: int
    end: int
    quote: str
    claim_text: str
    claimant: str | None
    channel: str | None
    checkworthiness: float
    created_at: str


_MARK_PENDING_REFRESH = "INSERT OR IGNORE INTO pending_discrepancy_refresh (claim_id) VALUES (?)"


@dataclass(slots=True)
class _ClaimGain:
    sources: int = 0
    documents: int = 0
    checkworthiness: float = 0.0


class SummaryGains:
    """What new documents added to the counts of claims that existed before them, not yet written to their rows.

    Writing it equals `refresh_claim_summaries` for these claims (the claimant aside, written with each document):
    each document is new, so it adds exactly one document to each claim it quotes, and check-worthiness is the
    highest over all passages.

    It also knows, for the open group, which claims have a claimant and which are marked for a flag refresh: a
    later document of the group need not write either again (no other connection can write in between, and
    only a correction can take a claimant away). The next group asks the store again.
    """

    def __init__(self) -> None:
        self.gains: dict[str, _ClaimGain] = {}
        self.recounted: set[str] = set()
        self.named: set[str] = set()  # claims that have a claimant
        self.marked: set[str] = set()  # claims marked in pending_discrepancy_refresh
        self.corrected: set[str] = set()  # claims a correction touched, which may have lost their claimant

    @classmethod
    def of_document(
        cls,
        new_mentions: list[_PassageRow],
        recounted: set[str],
        named: set[str],
        marked: set[str],
        corrected: set[str],
    ) -> SummaryGains:
        """One document's gains: its passages of claims it did not recount (`recounted` were counted afresh)."""
        document = cls()
        document.recounted, document.named, document.marked, document.corrected = recounted, named, marked, corrected
        for row in new_mentions:
            gain = document.gains.get(row.claim_id)
            if gain is None:
                gain = document.gains[row.claim_id] = _ClaimGain(documents=1, checkworthiness=row.checkworthiness)
            gain.sources += 1
            gain.checkworthiness = max(gain.checkworthiness, row.checkworthiness)
        return document

    def absorb(self, later: SummaryGains) -> None:
        """Add the gains of a later document (or group of them)."""
        for claim_id in later.recounted:  # counted afresh over every stored passage, these included
            self.gains.pop(claim_id, None)
        self.named = (self.named - later.corrected) | later.named  # the document names them after its corrections
        self.marked |= later.marked
        for claim_id, gain in later.gains.items():
            mine = self.gains.get(claim_id)
            if mine is None:
                self.gains[claim_id] = gain
            else:
                mine.sources += gain.sources
                mine.documents += gain.documents
                mine.checkworthiness = max(mine.checkworthiness, gain.checkworthiness)

    def write(self, store: Store, now: str) -> None:
        """Bring the claims' rows up to date, inside the caller's transaction."""
        store.conn.executemany(
            """
            UPDATE claims SET
              source_count = source_count + ?1,
              document_count = document_count + ?2,
              checkworthiness = CASE WHEN checkworthiness IS NULL OR checkworthiness < ?3 THEN ?3
                                     ELSE checkworthiness END,
              updated_at = ?4
            WHERE id = ?5
            """,
            [
                (gain.sources, gain.documents, gain.checkworthiness, now, claim_id)
                for claim_id, gain in self.gains.items()
            ],
        )


def _figures_of_new_claims(claim_rows: list[dict], passages: list[_PassageRow]) -> None:
    """Set the summary figures of new claims from their passages, all of them this document's (in text order), as
    `refresh_claim_summaries` would count them once stored."""
    rows = {row["id"]: row for row in claim_rows}
    for passage in passages:
        row = rows.get(passage.claim_id)
        if row is None:
            continue
        row["source_count"] += 1
        row["document_count"] = 1
        row["checkworthiness"] = max(row["checkworthiness"], passage.checkworthiness)
        if row["claimant"] is None and passage.claimant is not None:
            row["claimant"] = passage.claimant  # the first passage that names one, as the recount takes it


def refresh_claim_summaries(store: Store, claim_ids: Iterable[str]) -> None:
    """Recompute the per-claim figures the claims list sorts on (kept on the row so paging stays cheap)."""
    for chunk, placeholders in in_list_chunks(list(claim_ids)):
        store.conn.execute(
            f"""
            UPDATE claims SET
              source_count = (SELECT COUNT(*) FROM mentions WHERE mentions.claim_id = claims.id),
              document_count = (SELECT COUNT(DISTINCT document_id) FROM mentions WHERE mentions.claim_id = claims.id),
              checkworthiness = COALESCE(
                (SELECT MAX(checkworthiness) FROM mentions WHERE mentions.claim_id = claims.id), checkworthiness),
              claimant = COALESCE(claimant,
                (SELECT claimant FROM mentions WHERE mentions.claim_id = claims.id AND claimant IS NOT NULL
                 ORDER BY rowid LIMIT 1)),
              updated_at = ?
            WHERE id IN ({placeholders})
            """,
            [utc_now(), *chunk],
        )


def ingest_paths(
    store: Store,
    paths: Iterable[Path | str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_file: Callable[[Path], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    pipeline: bool | None = None,
) -> IngestReport:
    """Ingest files and folders, in order; problems with single files are listed in the report, never raised.

    `pipeline` forces (True) or forbids (False) the preparation worker (workbench.prepare), which is otherwise used
    from PIPELINE_MIN_FILES files on; either way the store ends up byte for byte the same. The worker is a
    "spawn" process, which imports the caller's main module again: a script that ingests that many files at its
    top level needs the usual `if __name__ == "__main__":` guard (or pipeline=False).
    """
    # Walked twice, never listed: once to count the files (the progress bar's total, the choice of the worker) and
    # once to ingest them, one at a time. Only the paths given are kept, not the files found in them.
    given = list(paths)
    total, problems = count_input_files(given)
    report = IngestReport(failed=list(problems))
    if on_total:
        on_total(total)
    reported = set(problems)

    def on_problem(problem: Problem) -> None:
        # The count's walk reported these already; one new here is a folder that changed in between.
        if problem not in reported:
            reported.add(problem)
            report.failed.append(problem)

    files = iter_input_files(given, on_problem)
    ingester = Ingester(store, max_bytes)
    conn = store.conn
    with (
        _survivors_frozen(on_file) as on_file,
        store.settings({"wal_autocheckpoint": INGEST_WAL_AUTOCHECKPOINT, **INGEST_PRAGMAS}),
        ingester.passages_by_claim_restored(),
        ingester.batched(),
    ):
        if (total >= PIPELINE_MIN_FILES or (total and _holds_many_passages(store))) if pipeline is None else pipeline:
            from workbench.prepare import ingest_pipelined

            # Finished while the worker is still there: it shares the flag pass.
            ingest_pipelined(ingester, files, report, on_file, PIPELINE_WINDOW, then=ingester.finish)
        else:
            for path in files:
                ingester.ingest_file(path, report)
                if on_file:
                    on_file(path)
            ingester.finish()
    if not store.readonly and not conn.in_transaction:
        # What the run left in the WAL goes into the database now, not at some reviewer's next change.
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    return report


def _holds_many_passages(store: Store) -> bool:
    """Whether the store holds PIPELINE_MIN_STORED_PASSAGES passages or more (an estimate: the latest rowid)."""
    latest = store.conn.execute("SELECT max(rowid) FROM mentions").fetchone()[0]
    return latest is not None and latest >= PIPELINE_MIN_STORED_PASSAGES


@contextlib.contextmanager
def _survivors_frozen(on_file: Callable[[Path], None] | None) -> Iterator[Callable[[Path], None] | None]:
    """`on_file`, also freezing the objects alive every GC_FREEZE_EVERY_FILES files; thawed when the block ends.

    Only in the main thread, and only if nothing else froze objects: a run in a thread of the Textual app would
    freeze the app's objects too, keeping any garbage it makes from the collector until the run ends.
    """
    if threading.current_thread() is not threading.main_thread() or gc.get_freeze_count():
        yield on_file
        return
    done = 0

    def counting(path: Path) -> None:
        nonlocal done
        done += 1
        if done % GC_FREEZE_EVERY_FILES == 0:
            gc.freeze()
        if on_file is not None:
            on_file(path)

    try:
        yield counting
    finally:
        gc.unfreeze()
