"""Screens of the review UI: main, help, note editor, export dialog, confirmation."""
