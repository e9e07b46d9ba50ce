"""The real `workbench review` in a pseudo-terminal: a verdict typed by a person survives SIGKILL."""

from __future__ import annotations

import os
import pty
import select
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest
from ui_data import build_review_db

DEADLINE_S = 30.0


def status_on_disk(db_path: Path, claim_id: str) -> str:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT status FROM reviews WHERE claim_id = ?", [claim_id]).fetchone()[0]
    finally:
        conn.close()


def read_until(fd: int, needle: bytes, deadline: float) -> bytes:
    seen = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            seen += chunk
            if needle in seen:
                return seen
    raise AssertionError(f"did not see {needle!r} on screen; last output: {seen[-400:]!r}")


@pytest.mark.slow
def test_status_typed_in_the_real_app_survives_sigkill(tmp_path: Path) -> None:
    db_path = build_review_db(tmp_path / "review.db")
    pid, fd = pty.fork()
    if pid == 0:  # the child: the real command, as a person starts it
        os.environ.update({"TERM": "xterm-256color", "COLUMNS": "140", "LINES": "40"})
        os.execv(sys.executable, [sys.executable, "-m", "workbench", "review", "--db", str(db_path), "--reviewer", "k"])
    try:
        deadline = time.monotonic() + DEADLINE_S
        read_until(fd, b"reviewed", deadline)  # the header is on screen: the app is ready for keys
        time.sleep(0.3)
        os.write(fd, b"f")
        while status_on_disk(db_path, "c-drones") != "false":
            assert time.monotonic() < deadline, "the verdict never reached the database"
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pid = 0
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    # A fresh process after the kill: the verdict, its reviewer and its history row are all there.
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        review = conn.execute("SELECT status, reviewer FROM reviews WHERE claim_id = 'c-drones'").fetchone()
        assert review == ("false", "k")
        history = conn.execute("SELECT field, new_value FROM review_history WHERE claim_id = 'c-drones'").fetchall()
        assert history == [("status", "false")]
    finally:
        conn.close()
