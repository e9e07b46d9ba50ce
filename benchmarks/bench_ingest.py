"""Ingest throughput and memory at 1,000 and 10,000 articles, beside the floor of merely splitting and storing.

    .venv/bin/python benchmarks/bench_ingest.py [--sizes 1000,10000] [--seed 0] [--workdir DIR] [--timeout 1800]
                                                [--no-cli] [--index-caps CLAIMS,WORDINGS] [--rounds N]
                                                [--no-stage-timers]

For each size, `benchmarks/corpus.py:generate_corpus(N)` is written to files under --workdir (once; reused), then,
in this order and in the same run:

* floor: each file is read, decoded, split with the project's splitter (`workbench.extract.split_sentences`) and
  its sentences stored with sqlite-utils `insert_all` into a fresh database: one transaction per article, WAL and
  synchronous=NORMAL like the workbench store, so the floor pays the same durability. Best of two runs.
* ingest: `workbench.ingest.ingest_paths` on a fresh database (the real path: read, clean, split, extract, score,
  group, store, summaries, discrepancy and contradiction flags), in a child process. The child also times the
  main stages by wrapping them (a few microseconds a call), so the output says where the time goes.
  Extraction runs in the preparation worker process there (workbench/prepare.py), out of reach of the wrappers:
  the output says how long the worker was busy and how long the ingest process waited for it.
* CLI: `python -m workbench ingest DIR --db FRESH` in a child process. Its peak RSS counts every process of the
  run: the peak (VmHWM, sampled from /proc) of the CLI and of each process it started (the preparation worker,
  multiprocessing's resource tracker). `ru_maxrss` alone is a maximum over a process and its children, not a
  sum, so it would hide the worker; and a child's `ru_maxrss` starts at its parent's RSS when it execs, so it
  would count the generated corpus this script holds. The sum of peaks is an upper bound of the run's peak.

With --rounds N the floor and the ingest child run N times in turn (floor, ingest, floor, ingest, ...) and the
figures are those of the round whose ratio is the median (of an even number, the lower middle one), every round's
ratio listed: on this shared 2-core machine one round alone moved by 10-20% (three rounds at 10,000 articles: 4.2x,
5.2x, 5.5x), the floor as much as the ingest.

Prints seconds, sentences per second, the ratio ingest / floor (target <= 5x), the largest / smallest size time
ratio (linearity: 10x the articles should take at most ~10x the time) and peak RSS per size (target: bounded,
independent of corpus size), with how full the grouping index is as the run goes: the ingest process's memory grows
with the index's claims and remembered wordings until their caps are reached (`--index-caps` lowers them, to show
the level it then keeps). A child that runs past --timeout is stopped and reported with how far it got.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import weakref
from pathlib import Path

from procstat import peak_rss_kb, vm_kb

REPO_ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
# Stages timed inside the ingest child: (module or module:Class, attribute, label). Calls nest only where noted in
# the labels. The first three run in the ingest process only for files it prepares itself (the worker does the rest).
TIMED_STAGES = (
    ("workbench.ingest", "read_document", "read + decode + clean"),
    ("workbench.ingest", "split_sentences", "split"),
    ("workbench.ingest", "extract_claims", "extract + score"),
    # Mostly unpickling the outcome (about 0.1 ms a document); waiting only when the worker is behind.
    ("workbench.prepare:PreparationWorker", "take", "taking the worker's outcomes"),
    # A few bytes a file, but the write wakes the worker, and on a loaded machine the waker can lose its core.
    ("workbench.prepare:PreparationWorker", "submit", "handing files to the worker"),
    ("workbench.ingest:Ingester", "stored_already", "stored already? (hash)"),
    # A passage repeating a wording the index remembers is matched and added in one call; the others go through
    # match (scoring candidates) and add.
    ("workbench.match:ClaimMatcher", "add_repeat", "group: verbatim repeats"),
    ("workbench.match:ClaimMatcher", "match", "group: match"),
    ("workbench.match:ClaimMatcher", "add", "group: add"),
    ("workbench.ingest", "load_matcher", "group: load index"),
    ("workbench.corrections", "apply_corrections", "corrections"),
    ("workbench.ingest", "refresh_claim_summaries", "summaries (recount)"),
    ("workbench.ingest:SummaryGains", "write", "summaries (incremental)"),
    # The pass over the run's pending claims: discrepancy flags, then contradictions (the worker shares it).
    ("workbench.ingest:Ingester", "finish", "flags + contradictions"),
    # Inside the pass, for a bulk load: the index of a claim's passages, built once instead of kept up to date.
    ("workbench.store:Store", "build_passages_by_claim_index", "flags: claim index built"),
)
# Stages timed inside another one (not added again when the rest is worked out): load_matcher's own adds are also
# counted under "group: add", and the claim index is built inside the flag pass.
NESTED_STAGES = frozenset({"group: load index", "flags: claim index built"})


# -- corpus ----------------------------------------------------------------------------------------------------


def write_corpus(workdir: Path, size: int, seed: int) -> Path:
    """The generated articles as files (written once per size and seed; a finished folder has a marker)."""
    folder = workdir / f"bench-ingest-corpus-{size}-{seed}"
    marker = folder / ".complete"
    if marker.exists():
        return folder
    sys.path.insert(0, str(HERE))
    from corpus import generate_corpus

    folder.mkdir(parents=True, exist_ok=True)
    for name, text in generate_corpus(size, seed):
        (folder / name).write_text(text, encoding="utf-8")
    marker.write_text("")
    return folder


def fresh_database(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        candidate = path.with_name(path.name + suffix)
        if candidate.exists():
            candidate.unlink()
    return path


# -- floor -----------------------------------------------------------------------------------------------------


def time_floor(folder: Path, database_path: Path) -> tuple[int, float]:
    """(sentences, seconds) to read, split and insert_all every article's sentences, one transaction each."""
    from sqlite_utils import Database

    sys.path.insert(0, str(HERE))
    from corpus import floor_sentence_rows

    files = sorted(path for path in folder.iterdir() if path.suffix == ".txt")
    database = Database(fresh_database(database_path))
    database.conn.execute("PRAGMA journal_mode = WAL")
    database.conn.execute("PRAGMA synchronous = NORMAL")
    started = time.perf_counter()
    count = 0
    for path in files:
        text = path.read_bytes().decode("utf-8")
        rows = floor_sentence_rows(path.name, text)
        count += len(rows)
        database["sentences"].insert_all(rows, batch_size=500)
    seconds = time.perf_counter() - started
    database.close()
    return count, seconds


# -- children --------------------------------------------------------------------------------------------------


def timed(function, totals: dict[str, float], label: str):  # noqa: ANN001, ANN201 - a thin timing wrapper
    """`function`, adding the seconds each call takes to `totals[label]`."""

    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            totals[label] += time.perf_counter() - started

    return wrapper


def child_ingest(
    folder: Path, database_path: Path, index_caps: tuple[int, int] | None, stage_timers: bool = True
) -> None:
    """Run ingest_paths (with stage timers unless told not to); print one JSON line. `index_caps` (claims, wordings)
    replace the grouping index's caps, to show where memory levels off once the index is full."""
    import importlib

    import workbench.ingest
    import workbench.match

    if index_caps is not None:
        workbench.match.MAX_INDEXED_CLAIMS, workbench.match.MAX_REMEMBERED_WORDINGS = index_caps

    totals: dict[str, float] = {label: 0.0 for _, _, label in TIMED_STAGES} if stage_timers else {}

    for target, attribute, label in TIMED_STAGES if stage_timers else ():
        module_name, _, class_name = target.partition(":")
        try:
            owner = importlib.import_module(module_name)
        except ImportError:  # stages a given version of workbench does not have are skipped
            continue
        owner = getattr(owner, class_name, None) if class_name else owner
        if owner is not None and hasattr(owner, attribute):
            setattr(owner, attribute, timed(getattr(owner, attribute), totals, label))

    from workbench.ingest import ingest_paths
    from workbench.store import open_store

    worker: dict = {}
    try:
        import workbench.prepare as prepare
    except ImportError:
        prepare = None
    if prepare is not None:
        pipelined = prepare.ingest_pipelined

        def recording(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - keeps the worker's goodbye figures
            stats = pipelined(*args, **kwargs)
            if stats is not None:
                worker.update(
                    documents=stats.documents, busy_seconds=stats.busy_seconds, peak_rss_mb=stats.peak_rss_kb / 1024
                )
            return stats

        prepare.ingest_pipelined = recording

    # The run's grouping index, whose claims and remembered wordings are what the ingest process's memory grows
    # with until their caps are reached. Only a weak reference: the run drops its index before the flag pass, and a
    # reference held here would keep it in the memory being measured.
    latest_index: list[weakref.ReferenceType] = []
    loading = workbench.ingest.load_matcher

    def noting_matcher(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - notes the index it returns
        matcher = loading(*args, **kwargs)
        latest_index[:] = [weakref.ref(matcher)]
        return matcher

    workbench.ingest.load_matcher = noting_matcher

    # Resident memory of the ingest process and its worker at every tenth of the files, with how full the grouping
    # index is: bounded memory shows as a plateau once the fixed-size caches and the index are full, whatever the
    # corpus size.
    progress = {"total": 0, "done": 0}
    trajectory: list[tuple[int, float, float, int, int]] = []

    def on_total(total: int) -> None:
        progress["total"] = total

    def on_file(_path: Path) -> None:
        progress["done"] += 1
        step = max(1, progress["total"] // 10)
        if progress["done"] % step == 0 or progress["done"] == progress["total"]:
            main_mb = vm_kb(os.getpid(), "VmRSS:") / 1024
            started_mb = sum(vm_kb(pid, "VmRSS:") for pid in _descendants(os.getpid())) / 1024
            index = latest_index[0]() if latest_index else None
            claims, wordings = (index.claims_held, index.wordings_held) if index is not None else (0, 0)
            trajectory.append((progress["done"], main_mb, started_mb, claims, wordings))

    with open_store(database_path) as store:
        started = time.perf_counter()
        report = ingest_paths(store, [folder], on_file=on_file, on_total=on_total)
        seconds = time.perf_counter() - started
        counts = {
            table: store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
            for table in ("documents", "sentences", "claims", "mentions")
        }
        largest_group = store.conn.execute("SELECT COALESCE(MAX(source_count), 0) FROM claims").fetchone()[0]
        # How much of the corpus repeats verbatim: the caches and the matcher's remembered wordings gain from it, the
        # floor does not, so the ratio depends on it.
        repetition = {
            "distinct_sentences": store.conn.execute("SELECT COUNT(DISTINCT text) FROM sentences").fetchone()[0],
            "distinct_wordings": store.conn.execute(
                "SELECT COUNT(*) FROM (SELECT DISTINCT claim_text, claimant FROM mentions)"
            ).fetchone()[0],
        }
    print(
        json.dumps(
            {
                "seconds": seconds,
                "failed": len(report.failed),
                "counts": counts,
                "largest_group": largest_group,
                "repetition": repetition,
                "stages": totals,
                "worker": worker,
                "rss_trajectory": trajectory,
                "index_caps": [workbench.match.MAX_INDEXED_CLAIMS, workbench.match.MAX_REMEMBERED_WORDINGS],
            }
        )
    )


class DescendantPeaks:
    """Peak RSS (VmHWM) of every process started under a root process, sampled from /proc while they live."""

    RESCAN_S = 0.25  # new processes are looked for this often; the peaks of known ones are read at every sample

    def __init__(self, root: int) -> None:
        self.root = root
        self.peaks_kb: dict[int, int] = {}
        self.root_peak_kb = 0
        self.roles: dict[int, str] = {}
        self._scanned = 0.0

    def sample(self) -> None:
        # The root's own high-water mark too: its wait4 ru_maxrss would start at this (the parent's) RSS, which
        # Linux carries over into the child's maximum at exec.
        root_hwm = peak_rss_kb(self.root)
        if root_hwm:
            self.root_peak_kb = max(root_hwm, self.root_peak_kb)
        now = time.perf_counter()
        if now - self._scanned >= self.RESCAN_S:
            self._scanned = now
            for pid in _descendants(self.root):
                self.roles.setdefault(pid, _role(pid))
        for pid in self.roles:
            hwm = peak_rss_kb(pid)
            if hwm:
                self.peaks_kb[pid] = max(hwm, self.peaks_kb.get(pid, 0))

    def by_role_mb(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for pid, peak in self.peaks_kb.items():
            totals[self.roles[pid]] = totals.get(self.roles[pid], 0.0) + peak / 1024
        return totals


def _descendants(root: int) -> list[int]:
    """Every living process started under `root`, from each thread's /proc children list."""
    found: list[int] = []
    frontier = [root]
    while frontier:
        pid = frontier.pop()
        try:
            for task in os.scandir(f"/proc/{pid}/task"):
                with open(f"{task.path}/children", encoding="utf-8") as handle:
                    children = [int(child) for child in handle.read().split()]
                found.extend(children)
                frontier.extend(children)
        except OSError:
            continue  # the process ended meanwhile
    return found


def _role(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            command = handle.read().decode(errors="replace")
    except OSError:
        return "other"
    if "resource_tracker" in command:
        return "resource tracker"
    if "spawn_main" in command or "forkserver" in command:
        return "worker"
    return "other"


def run_child(command: list[str], timeout: float) -> tuple[float, float, dict[str, float], str | None]:
    """(seconds, peak RSS MB of the child and what it started, the parts, stdout or None on timeout) of a child.

    The total is the child's own peak plus the sampled peak of each process it started: a sum of peaks, so an upper
    bound of the memory the run held at any one time. The child's own peak is its VmHWM, sampled every 50 ms (a
    high-water mark, so only the last 50 ms can escape it), not wait4's `ru_maxrss`: Linux starts a child's
    maximum at its parent's RSS when it execs, and this parent holds the generated corpus (at 40,000 articles
    ru_maxrss said 416 MB for an ingest that peaked under 200).
    """
    # Output goes to files, not pipes: the CLI names every file it ingested, more than a pipe buffer holds.
    with tempfile.TemporaryFile() as stdout_file, tempfile.TemporaryFile() as stderr_file:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, stdout=stdout_file, stderr=stderr_file, start_new_session=True
        )
        descendants = DescendantPeaks(process.pid)
        deadline = started + timeout

        def total(usage: os.struct_rusage) -> tuple[float, dict[str, float]]:
            own_kb = descendants.root_peak_kb or usage.ru_maxrss  # wait4's figure only if never sampled
            parts = {"main": own_kb / 1024, **descendants.by_role_mb()}
            return sum(parts.values()), parts

        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                _, status, usage = os.wait4(process.pid, 0)
                return time.perf_counter() - started, *total(usage), None
            descendants.sample()
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        stdout_file.seek(0)
        stderr_file.seek(0)
        stdout = stdout_file.read().decode(errors="replace")
        stderr = stderr_file.read().decode(errors="replace")
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{stderr[-3000:]}")
    return seconds, *total(usage), stdout


def stored_documents(database_path: Path) -> int:
    """How many documents a stopped child had committed (read-only; the child is gone)."""
    try:
        conn = sqlite3.connect(f"{database_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return int(conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


# -- driver ----------------------------------------------------------------------------------------------------


def measure_round(
    folder: Path,
    size: int,
    workdir: Path,
    timeout: float,
    index_caps: tuple[int, int] | None,
    stage_timers: bool = True,
) -> dict:
    """One floor (best of two) and, right after it, one ingest child: a ratio measured side by side."""
    floor_runs = [time_floor(folder, workdir / f"bench-ingest-floor-{size}.db") for _ in range(2)]
    result: dict = {"size": size, "sentences": floor_runs[0][0]}
    result["floor_seconds"] = min(seconds for _, seconds in floor_runs)
    ingest_db = fresh_database(workdir / f"bench-ingest-{size}.db")
    command = [sys.executable, __file__, "--child", str(folder), str(ingest_db)]
    if index_caps is not None:
        command += ["--index-caps", ",".join(map(str, index_caps))]
    if not stage_timers:
        command.append("--no-stage-timers")
    seconds, ingest_rss, ingest_rss_parts, stdout = run_child(command, timeout)
    result.update(ingest_rss=ingest_rss, ingest_rss_parts=ingest_rss_parts)
    if stdout is None:
        result.update(ingest_seconds=None, stopped_after=seconds)
        result["documents_done"] = stored_documents(ingest_db)
    else:
        child = json.loads(stdout.strip().splitlines()[-1])
        result.update(ingest_seconds=child["seconds"], child=child)
    return result


def measure(
    size: int,
    seed: int,
    workdir: Path,
    timeout: float,
    run_cli: bool,
    index_caps: tuple[int, int] | None,
    rounds: int = 1,
    stage_timers: bool = True,
) -> dict:
    """The size's figures: of the round with the median ratio when there are several (each round's floor and
    ingest side by side; a shared machine slows one round or another, the floor as much as the ingest)."""
    folder = write_corpus(workdir, size, seed)
    done: list[dict] = []
    for _ in range(rounds):
        done.append(measure_round(folder, size, workdir, timeout, index_caps, stage_timers))
        if done[-1]["ingest_seconds"] is None:
            break  # stopped: the figures say how far it got
    finished = [entry for entry in done if entry["ingest_seconds"] is not None]
    if len(finished) < len(done):
        result = done[-1]
    else:
        finished.sort(key=lambda entry: entry["ingest_seconds"] / entry["floor_seconds"])
        result = finished[(len(finished) - 1) // 2]
    if len(done) > 1:
        result["rounds"] = [[entry["floor_seconds"], entry["ingest_seconds"]] for entry in done]
    if run_cli and result["ingest_seconds"] is not None:
        cli_db = fresh_database(workdir / f"bench-ingest-cli-{size}.db")
        command = [sys.executable, "-m", "workbench", "ingest", str(folder), "--db", str(cli_db)]
        cli_seconds, cli_rss, cli_rss_parts, cli_out = run_child(command, timeout)
        result.update(
            cli_seconds=cli_seconds if cli_out is not None else None, cli_rss=cli_rss, cli_rss_parts=cli_rss_parts
        )
    return result


def describe_rss(parts: dict[str, float]) -> str:
    """'92 MB' for one process; 'main 80 + worker 70 + resource tracker 12 MB' when the run started others."""
    if len(parts) == 1:
        return f"{sum(parts.values()):.0f} MB"
    return " + ".join(f"{role} {megabytes:.0f}" for role, megabytes in parts.items()) + " MB (sum of peaks)"


def report(results: list[dict]) -> None:
    print(
        f"{'articles':>8} {'sentences':>9} | {'floor s':>7} {'floor sent/s':>12} | {'ingest s':>8} "
        f"{'ingest sent/s':>13} {'ratio':>6} | {'CLI s':>7} {'CLI peak RSS':>12}"
    )
    for result in results:
        floor = result["floor_seconds"]
        sentences = result["sentences"]
        if result["ingest_seconds"] is None:
            done = result["documents_done"]
            ingest = f"{'>' + format(result['stopped_after'], '.0f'):>8} {'(stopped)':>13} {'—':>6}"
            note = f"  stopped after {result['stopped_after']:.0f} s with {done} of {result['size']} articles stored"
        else:
            seconds = result["ingest_seconds"]
            ingest = f"{seconds:>8.1f} {sentences / seconds:>13.0f} {seconds / floor:>5.1f}x"
            note = ""
        cli = (
            f"{result['cli_seconds']:>7.1f} {result['cli_rss']:>9.0f} MB"
            if result.get("cli_seconds") is not None
            else f"{'—':>7} {'—':>12}"
        )
        print(f"{result['size']:>8} {sentences:>9} | {floor:>7.2f} {sentences / floor:>12.0f} | {ingest} | {cli}{note}")
    if any(len(result.get("cli_rss_parts", {})) > 1 for result in results):
        print("(CLI peak RSS: the CLI process and every process it started, a sum of their peaks)")
    for result in results:
        if "rounds" in result:
            each = ", ".join(
                f"{ingest:.1f} / {floor:.2f} s = {ingest / floor:.1f}x" if ingest is not None else "stopped"
                for floor, ingest in result["rounds"]
            )
            print(f"{result['size']} articles, every round (ingest / floor; the median one above): {each}")
    for result in results:
        child = result.get("child")
        if not child:
            continue
        counts = child["counts"]
        print(
            f"\n{result['size']} articles: {counts['documents']} documents, {counts['sentences']} sentences, "
            f"{counts['claims']} claims from {counts['mentions']} passages (largest group {child['largest_group']}); "
            f"ingest child peak RSS {describe_rss(result['ingest_rss_parts'])}"
        )
        if result.get("cli_rss_parts"):
            print(f"CLI peak RSS: {describe_rss(result['cli_rss_parts'])}")
        repetition = child.get("repetition")
        if repetition:
            print(
                f"Verbatim repetition: {repetition['distinct_sentences']} distinct sentence texts of "
                f"{counts['sentences']} ({100 * repetition['distinct_sentences'] / max(1, counts['sentences']):.1f}%), "
                f"{repetition['distinct_wordings']} distinct passage wordings (text + claimant) of "
                f"{counts['mentions']} ({100 * repetition['distinct_wordings'] / max(1, counts['mentions']):.1f}%)"
            )
        if not child["stages"]:
            print("Time of the ingest process by stage: not measured (--no-stage-timers)")
        else:
            print("Time of the ingest process by stage:")
        accounted = 0.0
        for label, seconds in sorted(child["stages"].items(), key=lambda item: -item[1]):
            if seconds >= 0.005:
                print(f"  {label:<26} {seconds:8.2f} s  {100 * seconds / child['seconds']:5.1f}%")
            if label not in NESTED_STAGES:
                accounted += seconds
        rest = child["seconds"] - accounted
        if child["stages"]:
            print(f"  {'storing + other':<26} {rest:8.2f} s  {100 * rest / child['seconds']:5.1f}%")
        worker = child.get("worker")
        if worker:
            print(
                f"  meanwhile in the preparation worker: read + clean + split + extract + score of "
                f"{worker['documents']} documents and its share of the flags, busy {worker['busy_seconds']:.2f} s "
                f"({100 * worker['busy_seconds'] / child['seconds']:.0f}% of the run), peak RSS "
                f"{worker['peak_rss_mb']:.0f} MB"
            )
        trajectory = child.get("rss_trajectory")
        if trajectory:
            print(
                "  RSS as the run went on (files done: ingest process + the processes it started, MB; the grouping "
                f"index's claims / remembered wordings, caps {child['index_caps'][0]} / {child['index_caps'][1]}):"
            )
            print(
                "    "
                + ", ".join(
                    f"{done}: {main:.0f}+{started:.0f} ({claims}/{wordings})"
                    for done, main, started, claims, wordings in trajectory
                )
            )
    finished = [result for result in results if result["ingest_seconds"] is not None]
    if len(finished) >= 2:
        small, large = finished[0], finished[-1]
        growth = large["size"] / small["size"]
        time_ratio = large["ingest_seconds"] / small["ingest_seconds"]
        floor_ratio = large["floor_seconds"] / small["floor_seconds"]
        print(
            f"\nlinearity: {growth:.0f}x the articles took {time_ratio:.1f}x the ingest time "
            f"(floor {floor_ratio:.1f}x; target <= ~{growth:.0f}x)"
        )
        if small.get("cli_rss") and large.get("cli_rss"):
            print(
                f"peak RSS of the CLI ingest: {small['cli_rss']:.0f} MB at {small['size']} articles, "
                f"{large['cli_rss']:.0f} MB at {large['size']} ({large['cli_rss'] / small['cli_rss']:.2f}x)"
            )
    print("targets: ingest <= 5x the floor; 10x the articles <= ~10x the time; ingest RSS bounded")
    print("BENCH_JSON " + json.dumps(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated article counts (default 1000,10000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")))
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds before a child is stopped")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI run (no peak RSS figure)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="floor-then-ingest rounds per size (default 1); the figures are the median round's by ratio, and every "
        "round's ratio is listed: on a shared machine one round alone can be off by 10-20%%",
    )
    parser.add_argument(
        "--index-caps",
        metavar="CLAIMS,WORDINGS",
        help="the grouping index's caps for the ingest child (default: workbench.match's MAX_INDEXED_CLAIMS and "
        "MAX_REMEMBERED_WORDINGS): smaller caps fill sooner, to show the ingest process's memory levelling off once "
        "they are full",
    )
    parser.add_argument(
        "--no-stage-timers",
        action="store_true",
        help="time the ingest child without wrapping its stages (each timed call costs about a microsecond, and some "
        "are made once a passage): for comparing two versions of workbench; no per-stage breakdown",
    )
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "DB"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    sys.path.insert(0, str(REPO_ROOT))
    index_caps = None
    if arguments.index_caps:
        try:
            claims, wordings = (int(value) for value in arguments.index_caps.split(","))
        except ValueError:
            parser.error(f"--index-caps takes two whole numbers, CLAIMS,WORDINGS, not {arguments.index_caps!r}")
        if claims < 1 or wordings < 1:
            parser.error(f"--index-caps must be at least 1,1, not {arguments.index_caps!r}")
        index_caps = (claims, wordings)
    if arguments.child:
        child_ingest(Path(arguments.child[0]), Path(arguments.child[1]), index_caps, not arguments.no_stage_timers)
        return
    if arguments.rounds < 1:
        parser.error(f"--rounds must be at least 1, not {arguments.rounds}")
    sizes = [int(size) for size in arguments.sizes.split(",") if size.strip()]
    results = []
    for size in sizes:
        results.append(
            measure(
                size,
                arguments.seed,
                arguments.workdir,
                arguments.timeout,
                not arguments.no_cli,
                index_caps,
                arguments.rounds,
                not arguments.no_stage_timers,
            )
        )
        # Each size's figures as soon as they exist: a 10k run stopped by hand still leaves the 1k ones.
        print(f"  [{size} articles measured] " + json.dumps(results[-1]), file=sys.stderr, flush=True)
    report(results)


if __name__ == "__main__":
    main()
