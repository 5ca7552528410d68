"""Corridor's own errors: each carries a message a person can act on.

The CLI maps every CorridorError to exit code 2 and prints only its message.
"""

from __future__ import annotations

from pathlib import Path


class CorridorError(Exception):
    """Base class for errors Corridor reports to users (bad usage or bad input).

    `suggestion` is the nearest request that can be answered, as parameter changes (a value of
    None drops the parameter); each surface words it (CLI flags, the page's field names).
    `details` are lines for experts (`--verbose`, the JSON `details`), never shown by default.
    """

    def __init__(
        self,
        message: str = "",
        *,
        suggestion: dict[str, object] | None = None,
        details: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.suggestion = suggestion
        self.details = details or []

    def __reduce__(self) -> tuple:
        # Errors cross process boundaries (web compute workers): keep the suggestion and details.
        return (_rebuild_error, (type(self), str(self), self.suggestion, self.details))


def _rebuild_error(
    cls: type[CorridorError], message: str, suggestion: dict[str, object] | None, details: list[str]
) -> CorridorError:
    err = cls.__new__(cls)
    CorridorError.__init__(err, message, suggestion=suggestion, details=details)
    return err


class UsageError(CorridorError):
    """A request that cannot be answered as asked (bad option, unknown id, empty filter)."""


class InputError(CorridorError):
    """A source file that does not parse or validate; names the file, row and column."""

    def __init__(
        self,
        file: str | Path,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        sheet: str | None = None,
    ) -> None:
        self.file = str(file)
        self.row = row
        self.column = column
        self.sheet = sheet
        self.reason = message
        self.suggestion = None
        self.details = []
        where = [f"file {Path(self.file).name}"]
        if sheet is not None:
            where.append(f"sheet {sheet!r}")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        Exception.__init__(self, f"{', '.join(where)}: {message}")

    def __reduce__(self) -> tuple:
        # Parsing runs in worker processes: the error must survive pickling with its location.
        return (_rebuild_input_error, (self.file, self.reason, self.row, self.column, self.sheet))


def _rebuild_input_error(
    file: str, reason: str, row: int | None, column: str | None, sheet: str | None
) -> InputError:
    return InputError(file, reason, row=row, column=column, sheet=sheet)


class FetchError(CorridorError):
    """A download that failed after its retries (timeout, HTTP error, wrong content)."""


class NoCubeError(UsageError):
    """No encounter cube can answer a flows request; lists what is available."""


class WarehouseError(CorridorError):
    """The warehouse is missing, locked or not a Corridor warehouse."""
