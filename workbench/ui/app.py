"""The review app: `create_app(db_path, reviewer)` builds it (tests drive it with `run_test()`), `run_app` runs it.

The app owns one store connection, used only from the UI thread; workers open their own.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding

from workbench.config import Config, load_config
from workbench.store import Store, open_store
from workbench.ui.commands import WorkbenchCommands
from workbench.ui.keys import APP_BINDINGS, NOTE_EDITOR_BINDINGS, check_status_keys, load_keymap
from workbench.ui.screens.help import HelpScreen, help_rows
from workbench.ui.screens.main import POLL_SECONDS, MainScreen


class WorkbenchApp(App[None]):
    CSS_PATH = Path(__file__).with_name("workbench.tcss")  # absolute, so subclasses elsewhere find it too
    TITLE = "workbench"
    BINDINGS = APP_BINDINGS
    COMMANDS = App.COMMANDS | {WorkbenchCommands}

    def __init__(
        self,
        store: Store,
        reviewer: str,
        config: Config,
        *,
        keymap: dict[str, str] | None = None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        super().__init__()
        self.store = store
        self.reviewer = reviewer
        self.config = config
        self.poll_seconds = poll_seconds
        self.sub_title = f"{store.path.name} · {reviewer}"
        if keymap:
            self.set_keymap(keymap)

    @property
    def default_export_path(self) -> Path:
        """A CSV beside the database, named after it."""
        return self.store.path.with_name(f"{self.store.path.stem}-verdicts.csv")

    @property
    def extra_help(self) -> list[Binding]:
        """Keys of screens that are not open when help is asked for (the note editor), as remapped."""
        return [
            binding.with_key(self._keymap.get(binding.id, binding.key)) if binding.id else binding
            for binding in NOTE_EDITOR_BINDINGS
        ]

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(help_rows(self, self.screen.active_bindings, self.extra_help)))

    def get_default_screen(self) -> MainScreen:
        return MainScreen(self.store, poll_seconds=self.poll_seconds)

    def on_unmount(self) -> None:
        self.store.close()


def create_app(
    db_path: Path | str,
    reviewer: str,
    config: Config | None = None,
    *,
    poll_seconds: float = POLL_SECONDS,
) -> WorkbenchApp:
    """Open the database and build the app; bad files or settings raise WorkbenchError before any screen shows."""
    path = Path(db_path)
    config = config if config is not None else load_config(path)
    check_status_keys(config)
    keymap = load_keymap(config)
    store = open_store(path)
    return WorkbenchApp(store, reviewer, config, keymap=keymap, poll_seconds=poll_seconds)


def run_app(db_path: Path | str, reviewer: str) -> None:
    create_app(db_path, reviewer).run()
