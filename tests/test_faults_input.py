"""Bad input through the real `workbench ingest`: one clear line per bad file, no traceback, the rest ingested.

Every case runs the CLI in a child process with a good article beside the bad one, then checks the exit code,
the `error: <file>: <reason>` line on stderr and that the good article is in the database.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from processes import (
    REPO_ROOT,
    assert_no_traceback,
    child_env,
    error_lines,
    query_one,
    run_workbench,
    sqlite_connection,
    workbench_command,
)

from workbench.ingest import FileProblem, decode_bytes

SEEDS = REPO_ROOT / "seeds"
GOOD_ARTICLE = sorted(SEEDS.glob("*.txt"))[0]
GOOD_TITLE = "Russia Says It Foiled Kremlin Drone Attack Aimed At Putin"
MEGABYTE = 1_048_576


def stored_file_names(db_path: Path) -> set[str]:
    with sqlite_connection(db_path) as conn:
        return {row[0] for row in conn.execute("SELECT file_name FROM documents")}


def random_bytes_without_nul(size: int, seed: int) -> bytes:
    """Bytes that are no text encoding: random values 1..255 (no NUL, so the quick binary check cannot fire)."""
    rng = random.Random(seed)
    return bytes(rng.randint(1, 255) for _ in range(size))


def make_empty(folder: Path) -> Path:
    path = folder / "empty.txt"
    path.write_bytes(b"")
    return path


def make_whitespace_only(folder: Path) -> Path:
    path = folder / "blank.txt"
    path.write_bytes(b" \n\t\n\r\n   \n")
    return path


def make_binary(folder: Path) -> Path:
    path = folder / "random.txt"
    path.write_bytes(random.Random(1).randbytes(8192))
    return path


def make_undecodable(folder: Path) -> Path:
    path = folder / "undecodable.txt"
    path.write_bytes(random_bytes_without_nul(6000, seed=2))
    return path


def make_bad_utf8_with_bom(folder: Path) -> Path:
    path = folder / "broken_bom.txt"
    path.write_bytes(b"\xef\xbb\xbfHeadline\n\nThe mayor said \xff\xfe\xfa that 12 people were hurt.\n")
    return path


def make_boilerplate_only(folder: Path) -> Path:
    path = folder / "furniture.txt"
    path.write_text("Back to top\nExit mobile version\nAdvertisement\n", encoding="utf-8")
    return path


def make_fifo(folder: Path) -> Path:
    # Reading a FIFO blocks until a writer comes: ingest must refuse it without opening it for a blocking read.
    path = folder / "pipe.txt"
    os.mkfifo(path)
    return path


def make_folder_named_like_a_file(folder: Path) -> Path:
    path = folder / "folder.txt"
    path.mkdir()
    (path / "inner.md").write_bytes(b"")  # an empty file inside: its own failure, named by its own path
    return path / "inner.md"


BAD_FILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "empty": (make_empty, "empty file"),
    "whitespace only": (make_whitespace_only, "empty file"),
    "random bytes named .txt": (make_binary, "binary content"),
    "undecodable bytes without NUL": (make_undecodable, "cannot tell the text encoding"),
    "invalid UTF-8 after a BOM": (make_bad_utf8_with_bom, "not valid utf-8"),
    "nothing but page furniture": (make_boilerplate_only, "no article text left"),
    "FIFO named .txt": (make_fifo, "not a regular file"),
    "folder named .txt": (make_folder_named_like_a_file, "empty file"),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_bad_file_fails_alone_with_one_line_naming_it(kind: str, tmp_path: Path) -> None:
    make, reason = BAD_FILES[kind]
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(GOOD_ARTICLE, folder / "good.txt")
    bad = make(folder)
    db_path = tmp_path / "wb.db"

    result = run_workbench("ingest", str(folder), "--db", str(db_path), timeout=30)

    assert result.returncode == 1, result.stderr
    assert_no_traceback(result)
    [line] = error_lines(result)
    assert line.startswith(f"error: {bad}: ") and reason in line, line
    assert "1 added" in result.stdout and "1 failed" in result.stdout
    assert stored_file_names(db_path) == {"good.txt"}


def test_undecodable_random_bytes_are_refused_for_many_seeds() -> None:
    """Random non-NUL bytes must never pass as text (charset detection happily guesses on such input)."""
    for seed in range(40):
        for size in (64, 700, 5000):
            with pytest.raises(FileProblem):
                decode_bytes(random_bytes_without_nul(size, seed))


def test_latin1_and_windows1252_are_decoded_not_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    latin = "Élections\n\nLe préfet a déclaré mardi que 1 200 électeurs étaient inscrits à Besançon.\n"
    windows = "Budget\n\nThe minister said \u201cwe will spend 5\u20ac more\u201d \u2014 a 12% rise on last year.\n"
    (folder / "latin1.txt").write_bytes(latin.encode("latin-1"))
    (folder / "cp1252.md").write_bytes(windows.encode("cp1252"))
    db_path = tmp_path / "wb.db"

    result = run_workbench("ingest", str(folder), "--db", str(db_path), timeout=30)

    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    assert error_lines(result) == []
    with sqlite_connection(db_path) as conn:
        texts = {row[0]: row[1] for row in conn.execute("SELECT file_name, text FROM documents")}
    assert "Le préfet a déclaré mardi que 1 200 électeurs étaient inscrits à Besançon." in texts["latin1.txt"]
    assert "\u201cwe will spend 5\u20ac more\u201d \u2014 a 12% rise" in texts["cp1252.md"]


def test_all_good_files_exit_zero_and_report_no_error(tmp_path: Path) -> None:
    db_path = tmp_path / "wb.db"
    result = run_workbench("ingest", str(SEEDS), "--db", str(db_path), timeout=30)
    assert result.returncode == 0, result.stderr
    assert error_lines(result) == []
    assert "3 added, 0 skipped, 0 failed" in result.stdout


def test_mixed_batch_lists_every_failure_and_ingests_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, folder / seed.name)
    bad_paths = [make(folder) for make, _reason in BAD_FILES.values()]
    # symbolic link loops: a folder linking to itself and to its parent, and two files linking to each other
    (folder / "loops").mkdir()
    (folder / "loops" / "self").symlink_to(".")
    (folder / "loops" / "parent").symlink_to("..")
    (folder / "a.txt").symlink_to("b.txt")
    (folder / "b.txt").symlink_to("a.txt")
    (folder / "dangling.md").symlink_to("nowhere.md")
    missing = tmp_path / "does-not-exist"
    db_path = tmp_path / "wb.db"

    started = time.monotonic()
    result = run_workbench("ingest", str(folder), str(missing), "--db", str(db_path), timeout=60)
    elapsed = time.monotonic() - started

    assert result.returncode == 1
    assert_no_traceback(result)
    failed = {line.split(": ", 2)[1]: line.split(": ", 2)[2] for line in error_lines(result)}
    expected_failures = {
        *map(str, bad_paths),
        str(folder / "a.txt"),
        str(folder / "b.txt"),
        str(folder / "dangling.md"),
        str(missing),
    }
    assert set(failed) == expected_failures, result.stderr
    assert "looping" in failed[str(folder / "a.txt")] and "no such file" in failed[str(missing)]
    assert stored_file_names(db_path) == {path.name for path in SEEDS.glob("*.txt")}
    assert f"3 added, 0 skipped, {len(expected_failures)} failed" in result.stdout
    assert elapsed < 30, f"a batch with link loops took {elapsed:.1f}s"


def test_symlinked_article_is_ingested_once(tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(GOOD_ARTICLE, folder / "real.txt")
    (folder / "alias.txt").symlink_to("real.txt")
    (folder / "nested").mkdir()
    (folder / "nested" / "back").symlink_to("..")
    db_path = tmp_path / "wb.db"
    result = run_workbench("ingest", str(folder), "--db", str(db_path), timeout=30)
    assert result.returncode == 0, result.stderr
    assert query_one(db_path, "SELECT COUNT(*) FROM documents") == 1


# --- unreadable files --------------------------------------------------------------------------------------------

# root reads any file whatever its mode (CAP_DAC_OVERRIDE). To test a refusal the kernel really makes, the child
# drops that capability (and CAP_DAC_READ_SEARCH) before running workbench; files it owns then obey their mode.
DROP_READ_OVERRIDE_THEN_RUN_WORKBENCH = textwrap.dedent(
    """
    import ctypes, runpy, sys

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    libc = ctypes.CDLL(None, use_errno=True)
    header, data = Header(0x20080522, 0), (Data * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        sys.exit(97)
    keep = ~((1 << 1) | (1 << 2)) & 0xFFFFFFFF  # CAP_DAC_OVERRIDE = 1, CAP_DAC_READ_SEARCH = 2
    for name in ("effective", "permitted", "inheritable"):
        setattr(data[0], name, getattr(data[0], name) & keep)
    if libc.capset(ctypes.byref(header), data) != 0:
        sys.exit(97)
    sys.argv = ["workbench", *sys.argv[1:]]
    runpy.run_module("workbench", run_name="__main__", alter_sys=True)
    """
)


def run_without_read_override(*args: str) -> subprocess.CompletedProcess[str]:
    if os.geteuid() != 0:
        command = workbench_command(*args)
    else:
        command = [sys.executable, "-c", DROP_READ_OVERRIDE_THEN_RUN_WORKBENCH, *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=30, cwd=REPO_ROOT, env=child_env())
    if result.returncode == 97:
        pytest.skip("running as root and this kernel/container does not let the test drop CAP_DAC_OVERRIDE")
    return result


def test_unreadable_file_and_folder_are_named_and_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(GOOD_ARTICLE, folder / "good.txt")
    secret = folder / "secret.txt"
    shutil.copy(sorted(SEEDS.glob("*.txt"))[1], secret)
    locked_folder = folder / "locked"
    locked_folder.mkdir()
    shutil.copy(sorted(SEEDS.glob("*.txt"))[2], locked_folder / "inside.txt")
    secret.chmod(0)
    locked_folder.chmod(0)
    db_path = tmp_path / "wb.db"
    try:
        result = run_without_read_override("ingest", str(folder), "--db", str(db_path))
    finally:
        locked_folder.chmod(0o755)
        secret.chmod(0o644)

    assert result.returncode == 1, result.stderr
    assert_no_traceback(result)
    assert f"error: {secret}: permission denied" in error_lines(result)
    assert any(line.startswith(f"error: {locked_folder}: ") for line in error_lines(result)), result.stderr
    assert stored_file_names(db_path) == {"good.txt"}


# --- size limit and memory ---------------------------------------------------------------------------------------

PEAK_RSS_OF_CHILD = textwrap.dedent(
    """
    import json, resource, subprocess, sys
    result = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=60)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"returncode": result.returncode, "stdout": result.stdout, "stderr": result.stderr,
                      "peak_kb": peak_kb}))
    """
)


def run_measuring_memory(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run workbench under a fresh parent so RUSAGE_CHILDREN covers that one child only; returns peak RSS in MB."""
    wrapper = subprocess.run(
        [sys.executable, "-c", PEAK_RSS_OF_CHILD, *workbench_command(*args)],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=REPO_ROOT,
        env=child_env(),
    )
    assert wrapper.returncode == 0, wrapper.stderr
    measured = json.loads(wrapper.stdout)
    result = subprocess.CompletedProcess(args, measured["returncode"], measured["stdout"], measured["stderr"])
    return result, measured["peak_kb"] / 1024


def write_big_text_file(path: Path, megabytes: int) -> None:
    paragraph = ("The mayor said that 12 people were evacuated from the district on Tuesday. " * 40 + "\n\n").encode()
    with path.open("wb") as handle:
        handle.write(b"A very long article\n\n")
        for _ in range(megabytes * MEGABYTE // len(paragraph) + 1):
            handle.write(paragraph)


def test_50_megabyte_file_is_refused_quickly_in_bounded_memory(tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(GOOD_ARTICLE, folder / "good.txt")
    huge = folder / "huge.txt"
    write_big_text_file(huge, 50)
    db_path = tmp_path / "wb.db"

    started = time.monotonic()
    result, peak_mb = run_measuring_memory("ingest", str(folder), "--db", str(db_path))
    elapsed = time.monotonic() - started

    assert result.returncode == 1
    assert_no_traceback(result)
    [line] = error_lines(result)
    assert line.startswith(f"error: {huge}: file is 50.0 MB, over the 5 MB limit"), line
    assert "--max-size" in line
    assert stored_file_names(db_path) == {"good.txt"}
    assert peak_mb < 200, f"refusing a 50 MB file peaked at {peak_mb:.0f} MB"
    assert elapsed < 20, f"refusing a 50 MB file took {elapsed:.1f}s"


def test_max_size_option_sets_the_limit(tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    write_big_text_file(article, 1)
    db_path = tmp_path / "wb.db"
    result = run_workbench("ingest", str(article), "--max-size", "0.5", "--db", str(db_path), timeout=30)
    assert result.returncode == 1
    assert_no_traceback(result)
    assert error_lines(result)[0].startswith(f"error: {article}: file is 1.0 MB, over the 0.5 MB limit")
    refused_option = run_workbench("ingest", str(article), "--max-size", "-3", "--db", str(db_path), timeout=30)
    assert refused_option.returncode == 2 and "--max-size" in refused_option.stderr
    assert_no_traceback(refused_option)


# --- names and paths that look like markup -----------------------------------------------------------------------


def test_file_names_with_markup_are_printed_literally(tmp_path: Path) -> None:
    """Rich would read `[/x]` in a path as a closing tag and crash the summary; names must be printed as-is."""
    folder = tmp_path / "batch"
    (folder / "[").mkdir(parents=True)
    tricky_good = folder / "[" / "x].txt"  # its path reads "[/x].txt"
    shutil.copy(GOOD_ARTICLE, tricky_good)
    tricky_bad = folder / "[bold red]empty[" / "].txt"
    tricky_bad.parent.mkdir()
    tricky_bad.write_bytes(b"")
    db_path = tmp_path / "wb.db"
    result = run_workbench("ingest", str(folder), "--db", str(db_path), timeout=30)
    assert result.returncode == 1
    assert_no_traceback(result)
    assert error_lines(result) == [f"error: {tricky_bad}: empty file"]
    assert "[/x].txt" in result.stdout and "[bold red]empty[/].txt" in result.stdout
    assert stored_file_names(db_path) == {"x].txt"}
