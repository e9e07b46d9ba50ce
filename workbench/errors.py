"""Errors the CLI and the UI turn into one clear line for the user (never a traceback)."""


class WorkbenchError(Exception):
    """A problem the user can act on; the message names the file or value at fault."""


class DatabaseError(WorkbenchError):
    """The database cannot be opened or used as asked (foreign, damaged, newer, read-only, missing folder)."""


class ReadOnlyError(DatabaseError):
    """A write was attempted on a database opened read-only."""


class NotFoundError(WorkbenchError):
    """An id or name given by the user does not exist."""


class InvalidValueError(WorkbenchError):
    """A value given by the user is not allowed (unknown status, bad option value)."""
