"""Review UI at scale: first paint, key-to-stored-and-shown latency, peak memory; against a bare DataTable app.

    .venv/bin/python benchmarks/bench_ui.py                 # 60, 10,000 and 100,000 claims
    .venv/bin/python benchmarks/bench_ui.py --sizes 60 10000 --bare-timeout 20

How each figure is taken:

* first paint: wall time from starting a fresh Python process (`subprocess.Popen`) to Textual's `Ready` event in
  that process (the DOM is composed and the first frame is rendered, headless, 160x45), so it includes the
  interpreter start, imports, opening the database and the first SQL pages. The child checks the first claim
  row really is on screen before it reports.
* status key: in-process with `App.run_test()` and Pilot (headless, 160x45). The clock starts just before
  `pilot.press("t"|"f")` posts the key; "shown" stops at the first frame Textual writes after the status was
  committed (that frame carries the new badge and header), "settled" at the last frame that key caused (the
  detail pane shows the next claim; it may come a frame after the table). Frames are timed by wrapping
  `App._display`. Presses alternate t/f from the middle of the list so each one writes; afterwards every press is
  checked on disk through a separate connection and undone.
* peak RSS: the high-water mark (VmHWM) of the first-paint child after it has also jumped to the last claim,
  paged up, cycled the filter and the sort.
* bare DataTable: the same first-paint measurement for a minimal Textual app that loads the same rows
  (status, claim, claimant, sources, check-worthiness) into one DataTable; stopped after --bare-timeout seconds.

Synthetic databases are built once per size under --workdir with benchmarks/synthetic_db.py (deterministic).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from procstat import peak_rss_kb

HERE = Path(__file__).resolve().parent
TERMINAL = (160, 45)


# -- child processes -----------------------------------------------------------------------------------------


def own_peak_rss_mb() -> float:
    return (peak_rss_kb() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024


def child_ours(db_path: Path, started_at: float) -> None:
    from textual import events

    from workbench.config import load_config
    from workbench.store import open_store
    from workbench.ui.app import WorkbenchApp
    from workbench.ui.screens.main import MainScreen

    result: dict[str, object] = {}

    class TimedApp(WorkbenchApp):
        def on_ready(self, event: events.Ready) -> None:
            result["first_paint"] = time.time() - started_at
            screen = self.screen
            assert isinstance(screen, MainScreen)
            table = screen.table
            result["first_row"] = table.render_line(1).text.strip()[:60]
            table.action_cursor_last()
            for _ in range(5):
                table.action_page_up()
            screen.action_cycle_filter()
            screen.action_cycle_sort()
            self.call_after_refresh(self.exit)

    store = open_store(db_path)
    app = TimedApp(store, "bench", load_config(db_path), poll_seconds=0)
    app.run(headless=True, size=TERMINAL)
    result["peak_rss_mb"] = own_peak_rss_mb()
    print(json.dumps(result))


def child_bare(db_path: Path, started_at: float) -> None:
    from textual import events
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    result: dict[str, object] = {}

    class BareApp(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("Status", "Claim", "Claimant", "Src", "CW")
            conn = sqlite3.connect(db_path)
            rows = conn.execute(
                "SELECT COALESCE(r.status, 'unreviewed'), c.text, COALESCE(c.claimant, ''), c.source_count,"
                " printf('%.2f', c.checkworthiness) FROM claims c LEFT JOIN reviews r ON r.claim_id = c.id"
                " ORDER BY c.sort_key, c.id"
            ).fetchall()
            conn.close()
            table.add_rows(rows)

        def on_ready(self, event: events.Ready) -> None:
            result["first_paint"] = time.time() - started_at
            self.exit()

    BareApp().run(headless=True, size=TERMINAL)
    result["peak_rss_mb"] = own_peak_rss_mb()
    print(json.dumps(result))


def run_child(kind: str, db_path: Path, timeout: float) -> dict | None:
    started_at = time.time()
    command = [sys.executable, __file__, "--child", kind, str(db_path), repr(started_at)]
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as error:
        raise SystemExit(f"{kind} child failed on {db_path}:\n{error.stderr[-2000:]}") from error
    return json.loads(completed.stdout.strip().splitlines()[-1])


# -- in-process key latency ----------------------------------------------------------------------------------


async def key_latency(db_path: Path, presses: int) -> tuple[list[float], list[float]]:
    """(to the first frame after the status is committed, to the last frame of that key) in seconds, per press."""
    from workbench.ui.app import create_app
    from workbench.ui.screens.main import MainScreen

    app = create_app(db_path, "bench-keys", poll_seconds=0)
    frames: list[float] = []
    display = app._display

    def timed_display(screen: object, update: object) -> None:
        display(screen, update)  # type: ignore[arg-type]
        frames.append(time.perf_counter())

    app._display = timed_display  # type: ignore[method-assign]
    first_frame: list[float] = []
    settled: list[float] = []
    pressed: list[tuple[str, str]] = []
    async with app.run_test(size=TERMINAL) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        table = screen.table
        committed: list[float] = []
        set_status = screen.action_set_status

        def timed_set_status(status: str) -> None:
            set_status(status)
            committed.append(time.perf_counter())

        screen.action_set_status = timed_set_status  # type: ignore[method-assign]
        table.move_cursor(max(table.row_count // 2 - presses // 2, 0))
        await pilot.pause()
        for number in range(presses):
            key, status = ("t", "true") if number % 2 == 0 else ("f", "false")
            claim = table.current_row
            assert claim is not None
            frames.clear()
            committed.clear()
            started = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()
            # The detail pane may follow a frame after the table: wait until it shows the newly selected claim.
            while screen._detail_claim != table.current_row.id:  # type: ignore[union-attr]
                await pilot.pause()
            assert committed, "the key reached the action"
            after = [frame for frame in frames if frame >= committed[0]]
            assert after, "a frame was drawn after the change"
            first_frame.append(after[0] - started)
            settled.append(after[-1] - started)
            pressed.append((claim.id, status))
            shown = screen.view.row(table.cursor - 1)
            assert shown is not None and shown.id == claim.id and shown.status == status, "screen shows the change"
    conn = sqlite3.connect(db_path)
    try:
        for claim_id, status in pressed:
            stored = conn.execute("SELECT status FROM reviews WHERE claim_id = ?", [claim_id]).fetchone()[0]
            assert stored == status, f"{claim_id}: {stored} on disk, expected {status}"
        # Put the benchmark database back as it was, so every run measures the same thing.
        conn.execute("UPDATE reviews SET status = 'unreviewed' WHERE reviewer = 'bench-keys'")
        conn.execute("DELETE FROM review_history WHERE reviewer = 'bench-keys'")
        conn.commit()
    finally:
        conn.close()
    return first_frame, settled


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * share), len(ordered) - 1)]


# -- driver --------------------------------------------------------------------------------------------------


def database_for(workdir: Path, size: int) -> Path:
    from synthetic_db import build

    path = workdir / f"bench-ui-{size}.db"
    if not path.exists():
        started = time.perf_counter()
        build(path, size)
        print(f"  built {path} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    from workbench.store import open_store

    with open_store(path):
        pass  # a database cached by an older version is upgraded here, not inside the first paint timed below
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description="Review UI benchmark (see the module docstring).")
    parser.add_argument("--sizes", type=int, nargs="+", default=[60, 10_000, 100_000])
    parser.add_argument("--presses", type=int, default=50)
    parser.add_argument("--bare-timeout", type=float, default=40.0)
    parser.add_argument("--workdir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")))
    parser.add_argument("--child", nargs=3, metavar=("KIND", "DB", "STARTED_AT"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        kind, db, started_at = arguments.child
        (child_ours if kind == "ours" else child_bare)(Path(db), float(started_at))
        return
    sys.path.insert(0, str(HERE))
    print(
        f"{'claims':>8} | {'first paint':>11} | {'key→shown median/p95':>21} | {'key→settled median/p95':>22} | "
        f"{'peak RSS':>8} | {'bare DataTable paint':>20} | {'bare RSS':>8}"
    )
    for size in arguments.sizes:
        db_path = database_for(arguments.workdir, size)
        ours = run_child("ours", db_path, timeout=120)
        assert ours is not None
        shown, settled = asyncio.run(key_latency(db_path, arguments.presses))
        shown_ms = f"{statistics.median(shown) * 1000:.1f} / {percentile(shown, 0.95) * 1000:.1f} ms"
        settled_ms = f"{statistics.median(settled) * 1000:.1f} / {percentile(settled, 0.95) * 1000:.1f} ms"
        bare = run_child("bare", db_path, timeout=arguments.bare_timeout)
        bare_paint = f"{bare['first_paint']:.2f} s" if bare else f"> {arguments.bare_timeout:.0f} s"
        bare_rss = f"{bare['peak_rss_mb']:.0f} MB" if bare else "—"
        print(
            f"{size:>8} | {ours['first_paint']:>9.2f} s | {shown_ms:>21} | {settled_ms:>22} | "
            f"{ours['peak_rss_mb']:>5.0f} MB | {bare_paint:>20} | {bare_rss:>8}",
            flush=True,
        )
    print("targets: first paint < 1 s at 100k, status key < 50 ms, RSS < 300 MB at 100k")


if __name__ == "__main__":
    main()
