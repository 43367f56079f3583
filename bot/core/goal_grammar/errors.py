"""The /goal errors shared by several sub-commands."""

from __future__ import annotations

from bot.core.errors import UserError
from bot.core.mentions import shorten


class UnlinkedName(UserError):
    """`/goal set ben calls 60/week`: a bare word where a person goes. The handler looks the
    name up among the workspace's people (and teams) and says whether `command` (with `@ben`)
    or `team_command` (with `team:ben`, None when that would not parse) is meant."""

    def __init__(self, name: str, command: str, team_command: str | None = None) -> None:
        self.name = name
        self.command = command
        self.team_command = team_command
        super().__init__(
            f'"{shorten(name)}" is not a metric. To set a goal for a person, mention them: type @ '
            "and pick them so Slack links the name.",
            command,
        )


def unknown_word(token: str, command: str, known: str, example: str) -> UserError:
    return UserError(
        f'Unknown word "{shorten(token)}" in `/goal {command}`. It takes: {known}.', example
    )


def no_note(verb: str, note: str | None, example: str) -> None:
    if note is not None:
        raise UserError(f"`/goal {verb}` takes no `--` note.", example)
