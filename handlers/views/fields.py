"""Reading a modal's fields as the server's own check: a submission is a request anyone can
forge, so the limits the modal sets in Slack (`max_length`, pickers, selects) are checked
again here. Each reader returns the value, or None after putting a short message for the
field's block in `errors`; a submission with any error stores nothing and Slack shows the
messages under the fields (`response_action: errors`)."""

from __future__ import annotations

import re
from datetime import date

from bot.core.log_grammar import MAX_NOTE_CHARS
from bot.render.text import clip

ERROR_CHARS = 150  # a field error is a line or two under the field
MAX_TEXT_CHARS = MAX_NOTE_CHARS  # a note or a reason, as in `/log … -- note` (the columns' size)
MAX_AMOUNT_CHARS = 30  # "$1,000,000.00" and then some; the modals' own max_length
MAX_OPTION_CHARS = 150  # Slack's limit for an option's value
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,30}")
_VIEW_ID = re.compile(r"[A-Za-z0-9]{1,64}")


def error_text(message: str) -> str:
    return clip(message, ERROR_CHARS)


def _raw(values: dict, block: str, action: str, key: str) -> object:
    found = values.get(block) if isinstance(values, dict) else None
    found = found.get(action) if isinstance(found, dict) else None
    return found.get(key) if isinstance(found, dict) else None


def text(
    values: dict, block: str, action: str, errors: dict[str, str], *, limit: int, what: str
) -> str | None:
    """A typed text, trimmed (None when empty); longer than `limit` is an error."""
    value = _raw(values, block, action, "value")
    if value is None:
        return None
    if not isinstance(value, str):
        errors[block] = error_text(f"The {what} is not text.")
        return None
    value = value.strip()
    if len(value) > limit:
        errors[block] = error_text(
            f"The {what} is too long ({len(value):,} characters; at most {limit:,})."
        )
        return None
    return value or None


def option(
    values: dict, block: str, action: str, errors: dict[str, str], *, missing: str
) -> str | None:
    """The value of a select's chosen option; an oversized one is refused like a missing one."""
    chosen = _raw(values, block, action, "selected_option")
    value = chosen.get("value") if isinstance(chosen, dict) else None
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_OPTION_CHARS:
        errors[block] = error_text(missing)
        return None
    return value


def day(values: dict, block: str, action: str, errors: dict[str, str]) -> date | None:
    """A date picker's day (None when left empty); anything but YYYY-MM-DD is an error."""
    value = _raw(values, block, action, "selected_date")
    if value is None or value == "":
        return None
    try:
        if isinstance(value, str) and _DAY.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    errors[block] = error_text("Pick a valid date.")
    return None


def user(values: dict, block: str, action: str, errors: dict[str, str]) -> str | None:
    """A user picker's Slack user id (None when left empty)."""
    value = _raw(values, block, action, "selected_user")
    if value is None or value == "":
        return None
    if isinstance(value, str) and _USER_ID.fullmatch(value):
        return value
    errors[block] = error_text("Pick a person from the list.")
    return None


def view_id_ok(view: dict) -> bool:
    """Whether the view's id looks like Slack's: it keys the submission's once-only write."""
    value = view.get("id")
    return isinstance(value, str) and bool(_VIEW_ID.fullmatch(value))


STALE_FORM = "This form is out of date — close it and open it again."
