"""People and channels named in command text, and splitting that text into words.

Slack escapes mentions in slash commands (the manifest sets `should_escape: true`), so a
command arrives as `<@U123|maria>` or `<#C123|sales-east>`; the local console types the
plain `@maria` / `#sales-east`. Both forms are accepted everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Slack IDs are upper-case alphanumerics (U…/W… for people, C…/G… for channels); the part
# after `|` is whatever name Slack had at the time and may be empty.
_ESCAPED_USER = re.compile(r"<@([A-Z0-9]+)(?:\|([^<>]*))?>")
_ESCAPED_CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|([^<>]*))?>")
# Handles and channel names: letters, digits, `.`, `-`, `_` (Slack's own rules), any script.
_PLAIN_NAME = r"([\w.\-]{1,80})"
_PLAIN_USER = re.compile("@" + _PLAIN_NAME)
_PLAIN_CHANNEL = re.compile("#" + _PLAIN_NAME)

# A token is a run of: an escape `<…>`, a quoted string, or any other non-space character.
# Curly quotes count because macOS and iOS turn "…" into “…” as people type in Slack.
_TOKEN = re.compile(r'(?:<[^<>\s][^<>]*>|"[^"]*"|“[^”]*”|\S)+')
_QUOTES = {'"': '"', "“": "”"}


@dataclass(frozen=True)
class UserRef:
    """A person as written: a Slack user ID (escaped form), a handle (plain form), or both."""

    user_id: str | None
    name: str | None

    @property
    def display(self) -> str:
        # Slack renders `<@U123>` as the person's current name, so prefer the ID.
        if self.user_id:
            return f"<@{self.user_id}>"
        return f"@{self.name}"


@dataclass(frozen=True)
class ChannelRef:
    """A channel as written: a Slack channel ID (escaped form), a name (plain form), or both."""

    channel_id: str | None
    name: str | None

    @property
    def display(self) -> str:
        if self.channel_id:
            return f"<#{self.channel_id}>"
        return f"#{self.name}"


def parse_user_ref(token: str) -> UserRef | None:
    """`<@U123|maria>`, `<@U123>` or `@maria` as a UserRef; None for anything else."""
    token = token.strip()
    if match := _ESCAPED_USER.fullmatch(token):
        return UserRef(match.group(1), match.group(2) or None)
    if match := _PLAIN_USER.fullmatch(token):
        return UserRef(None, match.group(1))
    return None


def parse_channel_ref(token: str) -> ChannelRef | None:
    """`<#C123|sales-east>`, `<#C123>` or `#sales-east` as a ChannelRef; None otherwise."""
    token = token.strip()
    if match := _ESCAPED_CHANNEL.fullmatch(token):
        return ChannelRef(match.group(1), match.group(2) or None)
    if match := _PLAIN_CHANNEL.fullmatch(token):
        return ChannelRef(None, match.group(1))
    return None


def tokenize(text: str) -> list[str]:
    """Split on whitespace, keeping `<…>` escapes and quoted strings whole (quotes kept).

    An unmatched quote is an ordinary character, so tokenizing never fails.
    """
    return _TOKEN.findall(text)


def unquote(token: str) -> str:
    """The text inside a quoted token (`"team lunch"` → `team lunch`); others unchanged."""
    if len(token) >= 2 and _QUOTES.get(token[0]) == token[-1]:
        return token[1:-1]
    return token


def unescape_slack(text: str) -> str:
    """Undo Slack's escaping of `&`, `<` and `>` in typed text (`&amp;` last, as Slack says)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def clean_word(token: str) -> str:
    """A command word without invisible characters (zero-width spaces, bidi overrides, controls).

    Such characters are invisible when typed or pasted, and a bidi override echoed back in an
    error message would reverse the rest of the message; notes keep them (emoji need ZWJ).
    """
    return "".join(ch for ch in token if unicodedata.category(ch) not in ("Cc", "Cf"))


def shorten(text: str, limit: int = 40) -> str:
    """Echo user input in messages without letting a long paste swamp them."""
    return text if len(text) <= limit else text[:limit] + "…"
