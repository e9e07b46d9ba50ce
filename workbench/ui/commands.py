"""Command palette (ctrl+p): every action of the live binding table, searchable by name, with its key."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

from workbench.ui.keys import section_of
from workbench.ui.screens.help import join_keys


class WorkbenchCommands(Provider):
    def _commands(self) -> list[tuple[str, str, DOMNode, str]]:
        """(title, help, node, action) for each binding with an id, keys joined, in binding-table order."""
        keys_by_id: dict[str, list[str]] = {}
        entries: dict[str, tuple[str, DOMNode, str, str]] = {}
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if binding.id is None or not binding.description:
                continue
            keys_by_id.setdefault(binding.id, []).append(self.app.get_key_display(binding))
            entries.setdefault(binding.id, (binding.description, active.node, binding.action, binding.tooltip))
        commands = []
        for binding_id, (description, node, action, tooltip) in entries.items():
            keys = join_keys(keys_by_id[binding_id])
            help_text = f"{section_of(binding_id)} · key {keys}" + (f" · {tooltip}" if tooltip else "")
            commands.append((description, help_text, node, action))
        return commands

    async def discover(self) -> Hits:
        for title, help_text, node, action in self._commands():
            yield DiscoveryHit(title, partial(self.app.run_action, action, node), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, node, action in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self.app.run_action, action, node), help=help_text)
