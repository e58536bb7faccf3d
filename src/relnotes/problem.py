"""A warning about the user's notes or setup: the one type every layer reports with."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem"]


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """Something wrong with the user's notes or setup, reported as a warning."""

    path: str  # vault-relative POSIX path ("" for the vault as a whole)
    line: int | None
    message: str

    def sort_key(self) -> tuple:
        return (self.path, self.line or 0, self.message)

    def to_json(self) -> dict:
        return {"path": self.path, "line": self.line, "message": self.message}
