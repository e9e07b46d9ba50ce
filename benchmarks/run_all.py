"""Run every benchmark script in turn, show its output, then one summary table: figure / measured / target / pass.

    .venv/bin/python benchmarks/run_all.py [--only ingest,ui,export,search] [--quick] [--workdir DIR]

Scripts: bench_ingest.py (1,000 and 10,000 articles beside the split+store floor), bench_ui.py (60, 10k and 100k
claims beside a bare DataTable), bench_export.py (100k claims), bench_search.py (100k claims). Each runs in its own
process, one after the other (never side by side: the machine has two cores). --quick runs smaller sizes
(ingest 200,2000 articles; UI 60 and 10k claims; export 20k claims) to check the scripts, not the targets.
Exit status 1 if any target is missed or a script failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent


@dataclass(frozen=True, slots=True)
class Figure:
    name: str
    measured: str
    target: str
    passed: bool | None  # None: informational, or not measured


def _json_line(output: str) -> object:
    for line in reversed(output.splitlines()):
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise ValueError("no BENCH_JSON line in the output")


def ingest_figures(output: str) -> list[Figure]:
    results = _json_line(output)
    assert isinstance(results, list)
    figures: list[Figure] = []
    finished = []
    for result in results:
        size = result["size"]
        if result["ingest_seconds"] is None:
            figures.append(
                Figure(
                    f"ingest {size} articles / floor",
                    f"stopped after {result['stopped_after']:.0f} s ({result['documents_done']} articles)",
                    "<= 5x",
                    False,
                )
            )
            continue
        finished.append(result)
        ratio = result["ingest_seconds"] / result["floor_seconds"]
        figures.append(
            Figure(
                f"ingest {size} articles / floor",
                f"{result['ingest_seconds']:.1f} s vs {result['floor_seconds']:.2f} s = {ratio:.1f}x",
                "<= 5x",
                ratio <= 5,
            )
        )
    if len(finished) >= 2:
        small, large = finished[0], finished[-1]
        growth = large["size"] / small["size"]
        time_ratio = large["ingest_seconds"] / small["ingest_seconds"]
        figures.append(
            Figure(
                f"ingest time {large['size']} / {small['size']} articles",
                f"{time_ratio:.1f}x",
                f"<= ~{growth:.0f}x (+10%)",
                time_ratio <= growth * 1.1,
            )
        )
    with_rss = [result for result in results if result.get("cli_rss")]
    if len(with_rss) >= 2:
        small, large = with_rss[0], with_rss[-1]
        growth = large["cli_rss"] / small["cli_rss"]
        figures.append(
            Figure(
                f"ingest peak RSS {small['size']} -> {large['size']} articles",
                f"{small['cli_rss']:.0f} -> {large['cli_rss']:.0f} MB ({growth:.2f}x)",
                "bounded (<= 1.5x)",
                growth <= 1.5,
            )
        )
    return figures


def ui_figures(output: str) -> list[Figure]:
    figures: list[Figure] = []
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) != 7 or not cells[0].isdigit():
            continue
        size = int(cells[0])
        paint = float(cells[1].removesuffix(" s"))
        shown_median, shown_p95 = (float(value) for value in re.findall(r"[\d.]+", cells[2])[:2])
        rss = float(cells[4].removesuffix(" MB"))
        if size >= 100_000:
            figures.append(Figure(f"UI first paint, {size} claims", f"{paint:.2f} s", "< 1 s", paint < 1))
            figures.append(Figure(f"UI peak RSS, {size} claims", f"{rss:.0f} MB", "< 300 MB", rss < 300))
        else:
            figures.append(Figure(f"UI first paint, {size} claims", f"{paint:.2f} s", "(info)", None))
        figures.append(
            Figure(
                f"UI status key -> shown, {size} claims",
                f"median {shown_median:.1f} / p95 {shown_p95:.1f} ms",
                "p95 < 50 ms",
                shown_p95 < 50,
            )
        )
        figures.append(Figure(f"bare DataTable first paint, {size} claims", cells[5], "(reference)", None))
    return figures


def export_figures(output: str) -> list[Figure]:
    claims_match = re.search(r"built ([\d,]+) claims", output)
    claims = claims_match.group(1) if claims_match else "?"
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == "csv":
            seconds, rss = float(parts[1]), float(parts[2])
            big = claims.replace(",", "").isdigit() and int(claims.replace(",", "")) >= 100_000
            return [
                Figure(f"export {claims} claims to CSV", f"{seconds:.2f} s", "< 5 s", seconds < 5 if big else None),
                Figure(f"export CSV peak RSS, {claims} claims", f"{rss:.0f} MB", "(info)", None),
            ]
    return []


def search_figures(output: str) -> list[Figure]:
    result = _json_line(output)
    assert isinstance(result, dict)
    figures = []
    for name, values in result["views"].items():
        figures.append(
            Figure(
                f"FTS search ({name}), {result['claims']} claims",
                f"median {values['median_ms']:.0f} / p95 {values['p95_ms']:.0f} / max {values['max_ms']:.0f} ms",
                "p95 < 100 ms",
                values["p95_ms"] < 100,
            )
        )
    return figures


def scripts(quick: bool, workdir: Path) -> dict[str, tuple[list[str], Callable[[str], list[Figure]]]]:
    python = sys.executable
    where = ["--workdir", str(workdir)]
    return {
        "ingest": (
            [
                python,
                str(HERE / "bench_ingest.py"),
                *(["--sizes", "200,2000"] if quick else ["--sizes", "1000,10000", "--rounds", "3"]),
                *where,
            ],
            ingest_figures,
        ),
        "ui": ([python, str(HERE / "bench_ui.py"), *(["--sizes", "60", "10000"] if quick else []), *where], ui_figures),
        "export": (
            [python, str(HERE / "bench_export.py"), *(["--claims", "20000"] if quick else [])],
            export_figures,
        ),
        "search": ([python, str(HERE / "bench_search.py"), *where], search_figures),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="ingest,ui,export,search", help="comma-separated subset, in this order")
    parser.add_argument("--quick", action="store_true", help="small sizes: checks the scripts, not the targets")
    parser.add_argument("--workdir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")))
    arguments = parser.parse_args()
    available = scripts(arguments.quick, arguments.workdir)
    figures: list[Figure] = []
    failed_scripts: list[str] = []
    for name in [part.strip() for part in arguments.only.split(",") if part.strip()]:
        command, parse = available[name]
        print(f"\n=== {name}: {' '.join(command)}", flush=True)
        started = time.perf_counter()
        completed = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
        print(completed.stdout, end="")
        if completed.returncode != 0:
            print(completed.stderr[-3000:], file=sys.stderr)
            failed_scripts.append(name)
            figures.append(Figure(f"{name} benchmark", f"failed (exit {completed.returncode})", "runs", False))
            continue
        print(f"--- {name} took {time.perf_counter() - started:.0f} s", flush=True)
        try:
            figures.extend(parse(completed.stdout))
        except (ValueError, KeyError, AssertionError) as error:
            figures.append(Figure(f"{name} benchmark", f"output not understood ({error})", "parsable", False))
    width = max((len(figure.name) for figure in figures), default=10)
    measured_width = max((len(figure.measured) for figure in figures), default=10)
    print(f"\n{'figure':<{width}}  {'measured':<{measured_width}}  {'target':<18}  pass")
    for figure in figures:
        verdict = {True: "yes", False: "NO", None: "-"}[figure.passed]
        print(f"{figure.name:<{width}}  {figure.measured:<{measured_width}}  {figure.target:<18}  {verdict}")
    sys.exit(1 if failed_scripts or any(figure.passed is False for figure in figures) else 0)


if __name__ == "__main__":
    main()
