"""Team settings from `workbench.toml`: status vocabulary and keys, organisation, reviewer, sign-off rule.

Looked up beside the database first, then in the user config folder; defaults apply where neither exists.

    organisation = "Example Fact Check"
    reviewer = "ana"
    required_signoffs = 1          # 2: a verdict counts as final only when two reviewers agree

    [[status]]                     # replaces the whole default scale, in this order
    name = "true"                  # stored value (letters, digits, _)
    label = "True"                 # shown in the UI and exported as the rating label
    key = "t"                      # key in the review UI (one character, or backspace/delete/f1..f12)
    color = "green"

Instead of [[status]], `scale = "politifact"` picks a shipped scale (PolitiFact's six points on keys 1-6).
A status key may not be one the review UI already uses (RESERVED_UI_KEYS); that is a one-line error naming the file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_config_dir

from workbench.errors import InvalidValueError
from workbench.models import UNREVIEWED

CONFIG_FILE_NAME = "workbench.toml"
_STATUS_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True, slots=True)
class StatusDef:
    name: str
    label: str
    key: str | None
    color: str


DEFAULT_STATUS_DEFS: tuple[StatusDef, ...] = (
    StatusDef(UNREVIEWED, "Unreviewed", "backspace", "grey50"),
    StatusDef("true", "True", "t", "green"),
    StatusDef("false", "False", "f", "red"),
    StatusDef("misleading", "Misleading", "m", "dark_orange"),
    StatusDef("unverifiable", "Unverifiable", "u", "magenta"),
    StatusDef("not_checkworthy", "Not check-worthy", "x", "blue"),
)


@dataclass(frozen=True)
class Config:
    statuses: tuple[StatusDef, ...] = DEFAULT_STATUS_DEFS
    organisation: str = "Unknown"
    reviewer: str | None = None
    required_signoffs: int = 1
    source: Path | None = field(default=None, compare=False)

    @property
    def status_names(self) -> tuple[str, ...]:
        return tuple(status.name for status in self.statuses)

    def status(self, name: str) -> StatusDef:
        for status in self.statuses:
            if status.name == name:
                return status
        return StatusDef(name, name.replace("_", " ").capitalize(), None, "white")


# PolitiFact's Truth-O-Meter: six points from true to "pants on fire", on the number keys.
POLITIFACT_STATUS_DEFS: tuple[StatusDef, ...] = (
    DEFAULT_STATUS_DEFS[0],
    StatusDef("true", "True", "1", "green"),
    StatusDef("mostly_true", "Mostly true", "2", "chartreuse3"),
    StatusDef("half_true", "Half true", "3", "yellow"),
    StatusDef("mostly_false", "Mostly false", "4", "dark_orange"),
    StatusDef("false", "False", "5", "red"),
    StatusDef("pants_on_fire", "Pants on fire", "6", "bright_red"),
    StatusDef("not_checkworthy", "Not check-worthy", "x", "blue"),
)
SCALES: dict[str, tuple[StatusDef, ...]] = {"default": DEFAULT_STATUS_DEFS, "politifact": POLITIFACT_STATUS_DEFS}

# Keys the review UI binds itself, with what for: a status key must not shadow one of them.
RESERVED_UI_KEYS: dict[str, str] = {
    **dict.fromkeys(("j", "k", "up", "down"), "moving between claims"),
    **dict.fromkeys(("g", "G", "home", "end", "pageup", "pagedown", "ctrl+d", "ctrl+u"), "moving between claims"),
    **dict.fromkeys(("[", "]", "left_square_bracket", "right_square_bracket"), "next/previous unreviewed"),
    "n": "note",
    "z": "undo",
    **dict.fromkeys(("/", "slash"), "search"),
    "s": "filter",
    "o": "sort",
    "e": "export",
    "q": "quit",
    "r": "reload",
    "h": "history",
    **dict.fromkeys(("?", "question_mark"), "help"),
    "M": "merge into another claim",
    "X": "split a source passage off",
    "W": "edit wording and claimant",
    "D": "flagged (discrepancies) filter",
    "C": "reviewer conflicts",
    "L": "jump to a contradicting claim",
    **dict.fromkeys(("escape", "enter", "tab", "space", "ctrl+s", "ctrl+p"), "the UI itself"),
}
NAMED_STATUS_KEYS: frozenset[str] = frozenset({"backspace", "delete", "insert"} | {f"f{n}" for n in range(1, 13)})


def config_candidates(db_path: Path | None) -> list[Path]:
    candidates = []
    if db_path is not None:
        candidates.append(Path(db_path).resolve().parent / CONFIG_FILE_NAME)
    candidates.append(Path(user_config_dir("workbench")) / CONFIG_FILE_NAME)
    return candidates


def load_config(db_path: Path | None = None, path: Path | None = None) -> Config:
    """The first config file found (or `path`), validated; a bad file is a one-line error naming it."""
    for candidate in [path] if path is not None else config_candidates(db_path):
        if candidate.is_file():
            return parse_config(candidate)
    return Config()


def parse_config(path: Path) -> Config:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidValueError(f"{path}: cannot read config ({error})") from error
    except tomllib.TOMLDecodeError as error:
        raise InvalidValueError(f"{path}: invalid TOML ({error})") from error
    statuses = DEFAULT_STATUS_DEFS
    scale = data.get("scale")
    if scale is not None:
        if "status" in data:
            raise InvalidValueError(f"{path}: give either scale or [[status]], not both")
        if not isinstance(scale, str) or scale not in SCALES:
            raise InvalidValueError(f"{path}: unknown scale {scale!r}; expected one of: {', '.join(SCALES)}")
        statuses = SCALES[scale]
    if "status" in data:
        statuses = _parse_statuses(path, data["status"])
    organisation = data.get("organisation", data.get("organization", "Unknown"))
    reviewer = data.get("reviewer")
    signoffs = data.get("required_signoffs", 1)
    if not isinstance(organisation, str) or not organisation.strip():
        raise InvalidValueError(f"{path}: organisation must be a non-empty string")
    if reviewer is not None and (not isinstance(reviewer, str) or not reviewer.strip()):
        raise InvalidValueError(f"{path}: reviewer must be a non-empty string")
    if not isinstance(signoffs, int) or signoffs not in (1, 2):
        raise InvalidValueError(f"{path}: required_signoffs must be 1 or 2")
    return Config(statuses, organisation.strip(), reviewer, signoffs, source=path)


def _parse_statuses(path: Path, entries: object) -> tuple[StatusDef, ...]:
    if not isinstance(entries, list) or not entries:
        raise InvalidValueError(f"{path}: [[status]] must be a non-empty list of tables")
    parsed: list[StatusDef] = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise InvalidValueError(f"{path}: every [[status]] needs a name")
        name = entry["name"]
        if not _STATUS_NAME.match(name):
            raise InvalidValueError(f"{path}: status name {name!r} must be lowercase letters, digits or _")
        key = entry.get("key")
        if key is not None and not isinstance(key, str):
            raise InvalidValueError(f"{path}: key of status {name!r} must be a string")
        if key is not None:
            _check_status_key(path, name, key)
        parsed.append(
            StatusDef(
                name=name,
                label=str(entry.get("label", name.replace("_", " ").capitalize())),
                key=key,
                color=str(entry.get("color", "white")),
            )
        )
    names = [status.name for status in parsed]
    if len(set(names)) != len(names):
        raise InvalidValueError(f"{path}: status names must be unique")
    keys = [status.key for status in parsed if status.key]
    if len(set(keys)) != len(keys):
        raise InvalidValueError(f"{path}: status keys must be unique")
    if UNREVIEWED not in names:
        parsed.insert(0, DEFAULT_STATUS_DEFS[0])
    return tuple(parsed)


def _check_status_key(path: Path, name: str, key: str) -> None:
    if key in RESERVED_UI_KEYS:
        raise InvalidValueError(
            f"{path}: key {key!r} of status {name!r} is already used by the review UI for {RESERVED_UI_KEYS[key]!r}"
        )
    if not (len(key) == 1 and key.isprintable() and not key.isspace()) and key not in NAMED_STATUS_KEYS:
        raise InvalidValueError(
            f"{path}: key {key!r} of status {name!r} must be one character or one of: "
            f"{', '.join(sorted(NAMED_STATUS_KEYS))}"
        )
