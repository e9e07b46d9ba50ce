from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.config import POLITIFACT_STATUS_DEFS, RESERVED_UI_KEYS, load_config, parse_config
from workbench.errors import InvalidValueError
from workbench.store import Store


def write_config(folder: Path, text: str) -> Path:
    path = folder / "workbench.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_politifact_scale_preset(tmp_path: Path) -> None:
    config = parse_config(write_config(tmp_path, 'scale = "politifact"\norganisation = "Desk"\nreviewer = "ana"\n'))
    assert config.status_names == tuple(status.name for status in POLITIFACT_STATUS_DEFS)
    assert config.status_names[1:7] == (
        "true",
        "mostly_true",
        "half_true",
        "mostly_false",
        "false",
        "pants_on_fire",
    )
    assert [status.key for status in config.statuses[1:7]] == ["1", "2", "3", "4", "5", "6"]
    assert (config.organisation, config.reviewer) == ("Desk", "ana")
    assert not {status.key for status in config.statuses} & set(RESERVED_UI_KEYS)


def test_politifact_scale_is_used_by_set_and_status(seeded_store: Store, db_path: Path) -> None:
    write_config(db_path.parent, 'scale = "politifact"\nreviewer = "ana"\n')
    claim_id = seeded_store.query("SELECT id FROM claims ORDER BY sort_key LIMIT 1")[0][0]
    runner = CliRunner()

    result = runner.invoke(cli, ["set", claim_id, "--status", "half_true", "--db", str(db_path)])

    assert result.exit_code == 0, result.output
    row = seeded_store.query("SELECT new_value, reviewer FROM review_history WHERE claim_id = ?", [claim_id])[0]
    assert (row[0], row[1]) == ("half_true", "ana")  # the reviewer comes from the config
    status = runner.invoke(cli, ["status", "--db", str(db_path)], env={"COLUMNS": "200"})
    assert "Half true" in status.output and "Pants on fire" in status.output
    refused = runner.invoke(cli, ["set", claim_id, "--status", "misleading", "--db", str(db_path)])
    assert refused.exit_code != 0 and "unknown status 'misleading'" in str(refused.exception)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[status]]\nname = "half_true"\nkey = "h"\n',
            "key 'h' of status 'half_true' is already used by the review UI",
        ),
        ('[[status]]\nname = "merged"\nkey = "M"\n', "already used by the review UI for 'merge into another claim'"),
        ('[[status]]\nname = "long"\nkey = "ab"\n', "must be one character or one of"),
        ('scale = "snopes"\n', "unknown scale 'snopes'"),
        ('scale = "politifact"\n[[status]]\nname = "x"\n', "either scale or [[status]]"),
        ("required_signoffs = 3\n", "required_signoffs must be 1 or 2"),
        ("organisation = [1\n", "invalid TOML"),
    ],
)
def test_bad_config_is_an_error_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = write_config(tmp_path, text)
    with pytest.raises(InvalidValueError) as error:
        load_config(tmp_path / "workbench.db")
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)


def test_bad_config_through_the_cli_is_one_line(seeded_store: Store, db_path: Path) -> None:
    seeded_store.close()
    path = write_config(db_path.parent, '[[status]]\nname = "half_true"\nkey = "z"\n')
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "agreement", "--db", str(db_path)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and str(path) in result.stderr and "'undo'" in result.stderr
    assert "Traceback" not in result.stderr


def test_named_keys_and_single_characters_are_accepted(tmp_path: Path) -> None:
    config = parse_config(
        write_config(
            tmp_path,
            '[[status]]\nname = "correct"\nkey = "c"\n[[status]]\nname = "wrong"\nkey = "f5"\n'
            '[[status]]\nname = "unreviewed"\nkey = "backspace"\n',
        )
    )
    assert [status.key for status in config.statuses] == ["c", "f5", "backspace"]
