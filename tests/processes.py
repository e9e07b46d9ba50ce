"""Helpers for fault tests that drive the real `workbench` command in child processes.

Everything here has a timeout: a hung child must fail its test, never hang CI.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
COMMAND_TIMEOUT_S = 60.0


def workbench_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "workbench", *args]


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PYTHONPATH", str(REPO_ROOT))
    env.update({"COLUMNS": "200", "LINES": "50", "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"})
    # One hash seed for every child, so runs compare exactly even if grouping ever broke a score tie in set order
    # (test_reingest.py::test_grouping_does_not_depend_on_the_hash_seed checks that it does not).
    env["PYTHONHASHSEED"] = "0"
    env.update(extra)
    return env


def run_workbench(
    *args: str, timeout: float = COMMAND_TIMEOUT_S, cwd: Path | None = None, input_text: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        workbench_command(*args),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or REPO_ROOT,
        env=child_env(),
        input=input_text,
    )


def start_workbench(*args: str, cwd: Path | None = None) -> subprocess.Popen[str]:
    return _start(workbench_command(*args), cwd)


def start_python(code: str, *args: str) -> subprocess.Popen[str]:
    """`python -c code args...` in a session of its own (`kill_group` ends it), output captured."""
    return _start([sys.executable, "-c", code, *args], None)


def _start(command: list[str], cwd: Path | None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd or REPO_ROOT,
        env=child_env(),
        start_new_session=True,
    )


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr + result.stdout


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


def assert_one_line_error(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    """The command failed with exactly one `error: ...` line on stderr that contains every `expected` part."""
    assert result.returncode != 0, (result.stdout, result.stderr)
    assert_no_traceback(result)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for part in expected:
        assert part in lines[0], (part, lines[0])
    return lines[0]


def database_files(db_path: Path) -> list[Path]:
    return [db_path, db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm")]


def fingerprint(db_path: Path) -> dict[str, str | None]:
    """Hashes of the database file and its WAL (None when absent): equal fingerprints mean unchanged bytes.

    The -shm index is left out on purpose: SQLite readers may rewrite it, and it holds no data. An empty -wal
    (a reader may create one) counts as absent: both mean "no pending changes".
    """
    result: dict[str, str | None] = {}
    for path in database_files(db_path)[:2]:
        data = path.read_bytes() if path.exists() else b""
        result[path.name] = hashlib.sha256(data).hexdigest() if data or path == db_path else None
    return result


def read_only_connection(db_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True, timeout=15)
    conn.execute("PRAGMA busy_timeout = 15000")
    return conn


@contextlib.contextmanager
def sqlite_connection(db_path: Path, readonly: bool = False) -> Iterator[sqlite3.Connection]:
    """A plain connection that commits on success and is always closed (sqlite3's own `with` never closes)."""
    conn = read_only_connection(db_path) if readonly else sqlite3.connect(db_path, timeout=15)
    try:
        with conn:
            yield conn
    finally:
        conn.close()


def query_one(db_path: Path, sql: str, params: tuple = ()) -> object:
    """One value from a fresh read-only connection (None if the DB or table is not there yet)."""
    if not db_path.exists():
        return None
    try:
        with contextlib.closing(read_only_connection(db_path)) as conn:
            row = conn.execute(sql, params).fetchone()
    except sqlite3.Error:
        return None
    return None if row is None else row[0]


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.05, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the child's whole session (it was started with start_new_session=True) and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


# --- generated articles ------------------------------------------------------------------------------------------

SYLLABLES = ["var", "lo", "mir", "ten", "ko", "sal", "dra", "vin", "po", "rek", "an", "tu", "bel", "or", "zan", "ki"]
SUBJECTS = ["The ministry", "Regional officials", "The mayor", "Police", "The company", "Witnesses", "The governor"]
STATEMENTS = [
    "{n} people were evacuated from {place} on Tuesday",
    "the explosion at the {place} depot happened at {h}:{m:02d} local time",
    "spending on the {place} hospital rose by {n} percent last year",
    "{n} drones were shot down over {place} overnight",
    "the bridge at {place} would reopen within {n} days",
    "turnout reached {n} percent in {place}",
    "the factory in {place} laid off {n} workers in March",
    "{person} resigned from the {place} council after {n} days",
    "{person} won the {place} election with {n} votes",
]
VERBS = ["said", "reported", "confirmed", "announced", "told reporters"]


def made_up_name(rng: random.Random) -> str:
    """A pronounceable name that is almost never repeated, so unrelated claims stay apart when grouped."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def claim_sentence(rng: random.Random) -> str:
    statement = rng.choice(STATEMENTS).format(
        n=rng.randint(2, 950),
        h=rng.randint(0, 23),
        m=rng.randint(0, 59),
        place=made_up_name(rng),
        person=f"{made_up_name(rng)} {made_up_name(rng)}",
    )
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} that {statement}."


def article_text(index: int, body: list[str]) -> str:
    """A small news article: a headline, an outlet dateline and paragraphs of the given sentences."""
    paragraphs = [" ".join(body[offset : offset + 3]) for offset in range(0, len(body), 3)]
    headline = f"Report {index}: officials give new figures on the incident"
    return headline + "\n\n(Daily Ledger) - " + "\n\n".join(paragraphs) + "\n"


def write_articles(folder: Path, count: int, seed: int = 7, shared_every: int = 3, sentences: int = 12) -> list[Path]:
    """Write `count` deterministic articles; every `shared_every`-th one restates two earlier sentences verbatim,
    so grouping sees the same claim from several sources."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    earlier: list[str] = []
    paths: list[Path] = []
    for index in range(count):
        body = [claim_sentence(rng) for _ in range(sentences)]
        if earlier and index % shared_every == 0:
            for sentence in rng.sample(earlier, k=min(2, len(earlier))):
                body.insert(rng.randrange(len(body) + 1), sentence)
        earlier.extend(body[:2])
        path = folder / f"article_{index:04d}.txt"
        path.write_text(article_text(index, body), encoding="utf-8")
        paths.append(path)
    return paths


# --- a real process in a pseudo-terminal ---------------------------------------------------------------------------


class TerminalProcess:
    """A child running in a pseudo-terminal (for the Textual UI), with its output drained in the background.

    Draining matters: a full pty buffer would block the child's screen writes and freeze it.
    """

    def __init__(self, args: list[str], cwd: Path | None = None, columns: int = 120, lines: int = 40) -> None:
        import pty

        self.master_fd, slave_fd = pty.openpty()
        _set_window_size(slave_fd, lines, columns)
        env = child_env(TERM="xterm-256color", COLUMNS=str(columns), LINES=str(lines))
        env.pop("NO_COLOR", None)
        self.process = subprocess.Popen(
            args,
            stdin=slave_fd,
            stdout=slave_fd,
            stderr=slave_fd,
            cwd=cwd or REPO_ROOT,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave_fd)
        self._output = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.master_fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self._output.extend(chunk)

    @property
    def output(self) -> str:
        with self._lock:
            return self._output.decode("utf-8", errors="replace")

    def output_size(self) -> int:
        """A mark for `output_since`: the number of bytes received so far."""
        with self._lock:
            return len(self._output)

    def output_since(self, mark: int) -> str:
        with self._lock:
            return self._output[mark:].decode("utf-8", errors="replace")

    def send(self, keys: str) -> None:
        os.write(self.master_fd, keys.encode())

    def send_and_expect(self, keys: str, expected: str, timeout: float = 15.0) -> None:
        """Type `keys`, then wait until `expected` is drawn (waiting for quiet fails on a blinking cursor)."""
        mark = self.output_size()
        self.send(keys)
        wait_until(
            lambda: expected in self.output_since(mark), timeout, interval=0.05, what=f"{expected!r} after {keys!r}"
        )

    def wait_for_output(self, predicate: Callable[[str], bool], timeout: float, what: str) -> None:
        wait_until(lambda: predicate(self.output), timeout, interval=0.1, what=what)

    def wait_until_quiet(self, quiet_s: float = 0.5, timeout: float = 15.0) -> None:
        """Wait until the screen stops changing for `quiet_s` (the app has painted and is idle)."""
        deadline = time.monotonic() + timeout
        last_size, last_change = -1, time.monotonic()
        while time.monotonic() < deadline:
            size = self.output_size()
            if size != last_size:
                last_size, last_change = size, time.monotonic()
            elif size and time.monotonic() - last_change >= quiet_s:
                return
            time.sleep(0.05)
        raise AssertionError(f"the terminal app never went quiet; output so far:\n{self.output[-2000:]}")

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        kill_group(self.process)
        with contextlib.suppress(OSError):
            os.close(self.master_fd)
        self._reader.join(timeout=5)


def _set_window_size(fd: int, lines: int, columns: int) -> None:
    import fcntl
    import struct
    import termios

    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))


@contextlib.contextmanager
def terminal_app(args: list[str], cwd: Path | None = None) -> Iterator[TerminalProcess]:
    app = TerminalProcess(args, cwd=cwd)
    try:
        yield app
    finally:
        app.kill()
