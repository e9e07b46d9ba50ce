"""What one run keeps in the store for the next (kept discrepancy scans, the grouping index's kept wordings): the
digest that ties kept data to the code that wrote it, and checked reading of its JSON.

Kept data is JSON, never pickles: a store file read here may come from anywhere, and reading it must not run code.
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path


def code_digest(*sources: Path) -> str:
    """A digest of the code in `sources`: data kept by other code (an upgrade, a fix) is never taken back."""
    digest = hashlib.sha256()
    try:
        for source in sources:
            digest.update(source.read_bytes())
    except OSError:  # no source to tell the code by: a value nothing kept has, so it is all computed again
        return secrets.token_hex(8)
    return digest.hexdigest()[:16]


def string_set(value: object) -> frozenset[str]:
    """A JSON list of strings as a set; TypeError for anything else."""
    if type(value) is not list:
        raise TypeError("not a list of strings")
    "".join(value)  # raises TypeError unless every item is a string (in C: a generator of checks cost 3x this)
    return frozenset(value)
