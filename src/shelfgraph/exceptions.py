"""Exceptions and warnings raised by shelfgraph.

Each error class also derives from the built-in exception a caller would
expect (``ValueError``, ``KeyError``, ...), so generic handlers keep working.
"""

from __future__ import annotations


class ShelfgraphError(Exception):
    """Base class of every error raised on purpose by shelfgraph."""


class DataError(ShelfgraphError, ValueError):
    """The input data cannot be used as given; the message says what to fix."""


class MissingColumnError(DataError, KeyError):
    """A required column is not in the frame."""

    def __init__(self, column: str, found: list[str], hint: str = "") -> None:
        self.column = column
        self.found = list(found)
        message = f"required column {column!r} not found; columns found: {self.found}"
        if hint:
            message += f". {hint}"
        super().__init__(message)

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class EmptyDataError(DataError):
    """The data is empty, or a step removed every row."""


class DatasetUnavailableError(ShelfgraphError, OSError):
    """A data file is not on disk and cannot be downloaded."""


class NotFittedError(ShelfgraphError, AttributeError):
    """A model was used before ``fit``."""


class UnknownIdError(ShelfgraphError, KeyError):
    """A user or item id was not seen in training."""

    def __init__(self, kind: str, ids: list[object], hint: str = "") -> None:
        self.kind = kind
        self.ids = list(ids)
        shown = ", ".join(repr(i) for i in self.ids[:5])
        more = f" and {len(self.ids) - 5} more" if len(self.ids) > 5 else ""
        message = f"unknown {kind} id {shown}{more}: not in the training data"
        if hint:
            message += f". {hint}"
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.args[0])


class LeakageError(DataError):
    """Train and test data overlap."""


class ShelfgraphWarning(UserWarning):
    """Base class of shelfgraph's warnings."""


class DataWarning(ShelfgraphWarning):
    """The data was changed to be usable; the message says how."""
