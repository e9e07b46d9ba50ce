"""Every key binding of the review UI, declared here and nowhere else.

Each binding has an `id=` so a team can remap it: a `[keys]` table in workbench.toml maps binding ids to keys
(`"claim.note" = "N"`, several keys comma-separated) and is applied as Textual's keymap. Status keys come from
the `[[status]]` scale in the same file. The help screen and the command palette read the live binding table,
so remapped keys show everywhere.

Where a binding lives decides when it is active: navigation on the claims table, reviewing on the main screen
(so typing in the search box or the note editor never triggers them), app-wide keys on the app.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode

from workbench.config import Config, StatusDef
from workbench.errors import InvalidValueError
from workbench.models import UNREVIEWED

# Sections of the help screen, by binding id prefix, in the order they are shown.
SECTIONS: dict[str, str] = {
    "nav": "Move",
    "status": "Verdict",
    "claim": "Claim",
    "conflicts": "Conflicts",
    "view": "View",
    "app": "App",
}

NAVIGATION_BINDINGS: list[Binding] = [
    Binding("j,down", "cursor_down", "Down", show=False, id="nav.down", tooltip="Next claim"),
    Binding("k,up", "cursor_up", "Up", show=False, id="nav.up", tooltip="Previous claim"),
    Binding("g,home", "cursor_first", "First", show=False, id="nav.first", tooltip="First claim"),
    Binding("G,end", "cursor_last", "Last", show=False, id="nav.last", tooltip="Last claim"),
    Binding("pagedown,ctrl+d", "page_down", "Page down", show=False, id="nav.page_down"),
    Binding("pageup,ctrl+u", "page_up", "Page up", show=False, id="nav.page_up"),
]

REVIEW_BINDINGS: list[Binding] = [
    Binding(
        "right_square_bracket",
        "next_unreviewed",
        "Next unreviewed",
        show=False,
        key_display="]",
        id="nav.next_unreviewed",
        tooltip="Jump to the next claim nobody has reviewed",
    ),
    Binding(
        "left_square_bracket",
        "previous_unreviewed",
        "Previous unreviewed",
        show=False,
        key_display="[",
        id="nav.previous_unreviewed",
        tooltip="Jump to the previous unreviewed claim",
    ),
    Binding(
        "L",
        "follow_contradiction",
        "Contradicting claim",
        show=False,
        id="nav.contradiction",
        tooltip="Jump to a claim that asserts the opposite (again for the next one)",
    ),
    Binding("n", "edit_note", "Note", id="claim.note", tooltip="Write a note on the selected claim"),
    Binding("z", "undo", "Undo", id="claim.undo", tooltip="Undo your last status, note or correction"),
    Binding("h", "history", "History", id="claim.history", tooltip="Who changed what on this claim, and when"),
    Binding(
        "M",
        "merge_claim",
        "Merge",
        id="claim.merge",
        tooltip="Fold this claim's sources into another claim, picked by search",
    ),
    Binding(
        "X",
        "split_source",
        "Split off",
        show=False,
        id="claim.split",
        tooltip="Take one source passage out into a claim of its own",
    ),
    Binding("W", "edit_claim", "Edit", show=False, id="claim.edit", tooltip="Fix the claim's wording and claimant"),
    # Priority: handled as soon as it arrives, so keys typed right after it reach the search box (a normal binding
    # runs only after those keys were already sent to the table, where "e" would open the export dialog).
    Binding(
        "slash",
        "search",
        "Search",
        key_display="/",
        priority=True,
        id="view.search",
        tooltip="Search claims as you type",
    ),
    Binding(
        "s",
        "cycle_filter",
        "Filter",
        id="view.filter",
        tooltip="All claims, one status, or those flagged, contradicted or in conflict",
    ),
    Binding(
        "D",
        "toggle_flagged",
        "Flagged",
        id="view.flagged",
        tooltip="Only claims whose sources disagree (again for all claims)",
    ),
    Binding(
        "C",
        "conflicts",
        "Conflicts",
        show=False,
        id="view.conflicts",
        tooltip="Verdicts another reviewer disagrees with",
    ),
    Binding("o", "cycle_sort", "Sort", show=False, id="view.sort", tooltip="Document order, check-worthiness, sources"),
    Binding("r", "refresh", "Reload", show=False, id="view.refresh", tooltip="Re-read the database now"),
    Binding("escape", "clear_search", "Clear search", show=False, id="view.clear_search"),
    Binding("e", "export", "Export", id="app.export", tooltip="Export the verdicts as CSV"),
]

APP_BINDINGS: list[Binding] = [
    Binding("question_mark", "help", "Help", key_display="?", id="app.help", tooltip="Every key"),
    Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit (everything is already saved)"),
]

NOTE_EDITOR_BINDINGS: list[Binding] = [
    Binding("ctrl+s", "save", "Save note", id="note.save", priority=True),
    Binding("escape", "cancel", "Cancel", id="note.cancel", priority=True),
]

DIALOG_BINDINGS: list[Binding] = [
    Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
]

CONFIRM_BINDINGS: list[Binding] = [
    Binding("y", "answer(True)", "Yes", id="confirm.yes"),
    Binding("n,escape", "answer(False)", "No", id="confirm.no"),
]

# The claim picker (merge target, source passage): type to search, arrows to choose, enter to take it.
PICKER_BINDINGS: list[Binding] = [
    Binding("escape", "cancel", "Cancel", id="picker.cancel", priority=True),
    Binding("down", "focus_choices", "Choices", show=False, id="picker.choices"),
]

EDIT_CLAIM_BINDINGS: list[Binding] = [
    Binding("ctrl+s", "save", "Save", id="edit.save", priority=True),
    Binding("escape", "cancel", "Cancel", id="edit.cancel", priority=True),
]

CLOSE_BINDINGS: list[Binding] = [
    Binding("escape,q,h", "close", "Close", id="screen.close"),
]

CONFLICT_BINDINGS: list[Binding] = [
    Binding("escape,q", "close", "Close", id="conflicts.close"),
    Binding("enter", "show_claim", "Show claim", id="conflicts.show", tooltip="Select the claim in the list"),
]


def resolve_bindings(statuses: Iterable[StatusDef]) -> list[Binding]:
    """On the conflicts screen a status key settles the conflict on that status. Same ids as the status keys, so a
    team's remapped verdict keys work here too."""
    return [
        Binding(
            status.key,
            f"resolve({status.name!r})",
            f"Settle: {status.label}",
            show=status.name != UNREVIEWED,
            key_display="⌫" if status.key == "backspace" else None,
            id=f"status.{status.name}",
        )
        for status in statuses
        if status.key and status.name != UNREVIEWED
    ]


def status_bindings(statuses: Iterable[StatusDef]) -> list[Binding]:
    """One binding per status that has a key, in the order of the team's scale."""
    return [
        Binding(
            status.key,
            f"set_status({status.name!r})",
            status.label,
            # Back to unreviewed is rare and listed in help: the footer keeps its room for the verdicts.
            show=status.name != UNREVIEWED,
            key_display="⌫" if status.key == "backspace" else None,
            id=f"status.{status.name}",
            tooltip=f"Store {status.label} at once, then go to the next claim",
        )
        for status in statuses
        if status.key
    ]


def add_bindings(node: DOMNode, bindings: Iterable[Binding]) -> None:
    """Bind keys known only at run time (the team's status keys) on one node, before its class BINDINGS, so the
    verdicts come first in the footer (where a narrow terminal cuts the end off)."""
    # Textual builds a node's bindings from class attributes; merging into the instance's map is the way to add
    # per-instance bindings that still take part in keymaps, the footer and `active_bindings`.
    node._bindings = BindingsMap.merge([BindingsMap(list(bindings)), node._bindings])


def section_of(binding_id: str | None) -> str:
    prefix = (binding_id or "").split(".", 1)[0]
    return SECTIONS.get(prefix, "Other")


def load_keymap(config: Config) -> dict[str, str]:
    """The `[keys]` table of the team's workbench.toml (binding id -> keys), checked against known ids."""
    if config.source is None:
        return {}
    try:
        data = tomllib.loads(config.source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InvalidValueError(f"{config.source}: cannot read keys ({error})") from error
    table = data.get("keys", {})
    if not isinstance(table, Mapping):
        raise InvalidValueError(f'{config.source}: [keys] must be a table of binding id = "key"')
    known = known_binding_ids(config)
    keymap: dict[str, str] = {}
    for binding_id, keys in table.items():
        if binding_id not in known:
            raise InvalidValueError(
                f"{config.source}: unknown key binding id {binding_id!r} in [keys]; known: {', '.join(sorted(known))}"
            )
        if not isinstance(keys, str) or not keys.strip():
            raise InvalidValueError(f'{config.source}: [keys] {binding_id} must be a key name such as "ctrl+n"')
        keymap[binding_id] = ",".join(key.strip() for key in keys.split(","))
    return keymap


def check_status_keys(config: Config) -> None:
    """A team's status key must not take a key the UI already uses (it would silently never fire)."""
    taken = {
        key.strip(): binding.description
        for binding in [*NAVIGATION_BINDINGS, *REVIEW_BINDINGS, *APP_BINDINGS]
        for key in binding.key.split(",")
    }
    for status in config.statuses:
        if status.key and status.key in taken:
            where = config.source or "workbench.toml"
            raise InvalidValueError(
                f"{where}: key {status.key!r} of status {status.name!r} is already used for {taken[status.key]!r}"
            )


def known_binding_ids(config: Config) -> set[str]:
    every = [
        *NAVIGATION_BINDINGS,
        *REVIEW_BINDINGS,
        *APP_BINDINGS,
        *NOTE_EDITOR_BINDINGS,
        *EDIT_CLAIM_BINDINGS,
        *CONFLICT_BINDINGS,
        *status_bindings(config.statuses),
    ]
    return {binding.id for binding in every if binding.id}
