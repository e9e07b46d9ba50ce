"""Snapshots of the review UI on the fixed test database (fixed content, timestamps, reviewer, terminal size).

Update with `pytest tests/test_ui_snapshots.py --snapshot-update` and look at the report before committing.
"""

from __future__ import annotations

from pathlib import Path

from ui_data import build_review_db

from workbench.ui.app import create_app

TERMINAL = (140, 36)


def make_app(tmp_path: Path):  # noqa: ANN201 - the snapshot fixture takes any App
    return create_app(build_review_db(tmp_path / "review.db"), "ana", poll_seconds=0)


def test_main_screen(snap_compare, tmp_path: Path) -> None:
    # Second claim: two sources would do too, but this one shows a stored verdict, a note and context on both sides.
    assert snap_compare(make_app(tmp_path), terminal_size=TERMINAL, press=["j"])


def test_main_screen_with_two_sources_and_a_verdict_set(snap_compare, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("workbench.review.utc_now", lambda: "2024-05-05T08:00:00.000Z")  # shown in the detail
    assert snap_compare(make_app(tmp_path), terminal_size=TERMINAL, press=["m", "k"])


def test_main_screen_narrow(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=(90, 40))


def test_help_screen(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=(140, 50), press=["question_mark"])


def test_note_editor(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=TERMINAL, press=["j", "n", "space", *"Checked"])


def test_discrepancy_view(snap_compare, tmp_path: Path) -> None:
    # The last claim: two sources that differ in a number, a name's spelling and a hedge, side by side.
    assert snap_compare(make_app(tmp_path), terminal_size=(150, 44), press=["G"])


def test_contradiction_link(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=TERMINAL, press=["j", "j"])
