"""The one error type users see: what was wrong, and a correct example."""

from __future__ import annotations


class UserError(Exception):
    """Bad input from a person. The message is shown to them as-is; nothing is stored."""

    def __init__(self, message: str, example: str | None = None) -> None:
        self.message = message
        self.example = example
        super().__init__(self.text)

    @property
    def text(self) -> str:
        if self.example:
            return f"{self.message}\nExample: `{self.example}`"
        return self.message


class PermissionDenied(UserError):
    """The caller's role does not allow the action."""
