"""The benchmark scripts still run end to end (at toy sizes: these check the scripts, not the targets)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _run(script: str, *arguments: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *arguments],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _bench_json(output: str) -> list[dict]:
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    return json.loads(line.removeprefix("BENCH_JSON "))


def test_ingest_benchmark_reports_ratio_stages_and_index_fill(tmp_path: Path) -> None:
    result = _run(
        "bench_ingest.py", "--sizes", "12,24", "--no-cli", "--index-caps", "5,40", "--rounds", "3",
        "--workdir", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "linearity: 2x the articles" in result.stdout
    assert "24 articles, every round" in result.stdout
    assert "caps 5 / 40" in result.stdout
    measured = _bench_json(result.stdout)
    assert [entry["size"] for entry in measured] == [12, 24]
    for entry in measured:
        ratios = sorted(ingest / floor for floor, ingest in entry["rounds"])
        assert len(ratios) == 3 and entry["ingest_seconds"] / entry["floor_seconds"] == ratios[1]  # the median round
        child = entry["child"]
        assert child["counts"]["documents"] == entry["size"]
        assert entry["ingest_seconds"] > 0 and entry["floor_seconds"] > 0
        assert child["index_caps"] == [5, 40]
        # (files done, ingest MB, started MB, claims held, wordings held): the caps are never exceeded.
        done, _, _, claims, wordings = child["rss_trajectory"][-1]
        assert done == entry["size"]
        assert 0 < claims <= 5 and 0 < wordings <= 40


@pytest.mark.parametrize("caps", ["5", "5,x", "0,40"])
def test_ingest_benchmark_refuses_bad_caps_in_one_line(tmp_path: Path, caps: str) -> None:
    result = _run("bench_ingest.py", "--sizes", "12", "--index-caps", caps, "--workdir", str(tmp_path))
    assert result.returncode == 2
    assert "--index-caps" in result.stderr and "Traceback" not in result.stderr


def test_extract_benchmark_fingerprint_runs() -> None:
    result = _run("bench_extract.py", "--fingerprint", "--articles", "10")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "corpus --articles 10 --seed 0" in result.stdout
    assert "rounded" in result.stdout and "exact" in result.stdout


def test_search_and_export_benchmarks_run(tmp_path: Path) -> None:
    search = _run("bench_search.py", "--claims", "400", "--runs", "1", "--workdir", str(tmp_path))
    assert search.returncode == 0, search.stderr[-2000:]
    assert "median" in search.stdout
    export = _run("bench_export.py", "--claims", "300", "--keep", str(tmp_path / "export"))
    assert export.returncode == 0, export.stderr[-2000:]
    assert "csv" in export.stdout.lower()


def test_ingest_benchmark_refuses_zero_rounds_in_one_line(tmp_path: Path) -> None:
    result = _run("bench_ingest.py", "--sizes", "12", "--rounds", "0", "--workdir", str(tmp_path))
    assert result.returncode == 2
    assert "--rounds must be at least 1" in result.stderr and "Traceback" not in result.stderr


def test_ingest_benchmark_times_stages_unless_told_not_to(tmp_path: Path) -> None:
    timed = _run("bench_ingest.py", "--sizes", "40", "--no-cli", "--workdir", str(tmp_path))
    untimed = _run("bench_ingest.py", "--sizes", "40", "--no-cli", "--no-stage-timers", "--workdir", str(tmp_path))
    assert timed.returncode == 0 and untimed.returncode == 0, (timed.stderr[-2000:], untimed.stderr[-2000:])
    stages = _bench_json(timed.stdout)[0]["child"]["stages"]
    assert stages["group: verbatim repeats"] > 0 and stages["group: match"] > 0
    [untimed_entry] = _bench_json(untimed.stdout)
    assert untimed_entry["child"]["stages"] == {} and untimed_entry["child"]["counts"]["documents"] == 40
    assert "by stage: not measured (--no-stage-timers)" in untimed.stdout and "storing + other" not in untimed.stdout


def test_incremental_benchmark_adds_a_batch_to_a_built_store_and_times_its_parts(tmp_path: Path) -> None:
    arguments = ("--sizes", "12", "--batches", "3", "--rounds", "2", "--workdir", str(tmp_path))
    result = _run("bench_incremental.py", *arguments)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "12 stored +    3 new articles, first batch" in result.stdout
    assert "12 stored +    3 new articles, next  batch" in result.stdout
    first, following = _bench_json(result.stdout)
    assert [(measured["store"], measured["batch"], measured["which"]) for measured in (first, following)] == [
        (12, 3, "first"),
        (12, 3, "next"),
    ]
    for measured in (first, following):
        child = measured["child"]
        assert child["added"] == 3  # new articles, not ones the store holds
        assert child["index"] > 0 and child["end_of_run"] > 0 and child["files"] > 0
        assert child["total"] == sorted(measured["rounds"])[0]  # of two rounds, the lower middle one
        assert len(measured["cli"]) == 2 and all(seconds > 0 for seconds in measured["cli"])
    # The next batch went into the store with the first one.
    assert (first["child"]["documents"], following["child"]["documents"]) == (15, 18)
    again = _run("bench_incremental.py", *arguments)  # the store is built once, then reused
    assert again.returncode == 0 and "building the store" not in again.stdout


@pytest.mark.parametrize("option", [("--sizes", "0"), ("--batches", "5,x"), ("--rounds", "0")])
def test_incremental_benchmark_refuses_bad_figures_in_one_line(tmp_path: Path, option: tuple[str, str]) -> None:
    result = _run("bench_incremental.py", *option, "--workdir", str(tmp_path))
    assert result.returncode == 2
    assert option[0] in result.stderr and "Traceback" not in result.stderr
