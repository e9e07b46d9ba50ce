"""The Textual review UI (the only part of workbench that imports Textual)."""
