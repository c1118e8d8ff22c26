"""MvmError: the one exception the SDK raises, with the codes shared with mvm-sdk and mvmctl."""
from __future__ import annotations

from dataclasses import dataclass

from ._error_codes import ERROR_CODES


@dataclass(frozen=True)
class SourceLocation:
    """Where in a source file a problem is: 1-based line, 1-based column counted in Unicode code points."""

    file: str
    line: int
    column: int


class MvmError(Exception):
    """A declaration (or emit) problem. Match on ``code``, never on the wording.

    ``str(err)`` reads ``file:line:col: error[CODE]: message`` plus a ``hint:`` line, the form every mvm
    front end prints. ``path`` says where in the declaration the defect is, e.g. ``("env", "API_KEY")``.
    """

    def __init__(
        self,
        code: str,
        message: str,
        hint: str | None = None,
        *,
        location: SourceLocation | None = None,
        path: tuple[str | int, ...] | list[str | int] = (),
    ) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"{code!r} is not in the shared error-code table")
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint
        self.location = location
        self.path = tuple(path)

    def at(self, location: SourceLocation | None) -> MvmError:
        """Attaches the source position unless one is already known (the innermost call site wins)."""
        if location is not None and self.location is None:
            self.location = location
        return self

    def format(self) -> str:
        where = f"{self.location.file}:{self.location.line}:{self.location.column}: " if self.location else ""
        hint = f"\nhint: {self.hint}" if self.hint else ""
        return f"{where}error[{self.code}]: {self.message}{hint}"

    def __str__(self) -> str:
        return self.format()


MvmError.__module__ = "mvm"
