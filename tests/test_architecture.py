"""The core must import and run without Textual, so the CLI and scripts stay light and testable."""

from __future__ import annotations

import subprocess
import sys

CORE_MODULES = [
    "workbench.cli",
    "workbench.store",
    "workbench.ingest",
    "workbench.extract",
    "workbench.match",
    "workbench.export",
    "workbench.review",
    "workbench.models",
]


def test_core_imports_without_textual() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in CORE_MODULES)
        + "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"core pulled in Textual: {result.stdout}"


def test_code_is_ruff_clean() -> None:
    import shutil
    from pathlib import Path

    import pytest

    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed (it comes with the test extras)")
    root = Path(__file__).resolve().parent.parent
    for command in ([ruff, "check", "."], [ruff, "format", "--check", "."]):
        result = subprocess.run(command, cwd=root, capture_output=True, text=True)
        assert result.returncode == 0, f"{' '.join(command[1:])}:\n{result.stdout}{result.stderr}"
