"""Putting people's own words into Slack messages safely."""

from __future__ import annotations


def escape(text: str) -> str:
    """Escape user text for mrkdwn, so a note holding `<!channel>` or `<@U1>` shows as typed
    instead of pinging a channel or a person (Slack's three control characters)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
