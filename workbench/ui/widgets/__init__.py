"""Widgets of the review UI: the virtual claims table, the detail pane, the header line."""
