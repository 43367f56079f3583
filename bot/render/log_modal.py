"""The /log modal: one number per metric, a date picker and a note."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_sdk.models.views import View

from bot.core.metrics import MetricCatalog

CALLBACK_ID = "log_modal"
AMOUNT_ACTION = "amount"
DAY_BLOCK, DAY_ACTION = "day", "day"
NOTE_BLOCK, NOTE_ACTION = "note", "note"


def metric_block_id(metric_key: str) -> str:
    return f"metric:{metric_key}"


def log_modal(catalog: MetricCatalog, today: date, private_metadata: str = "") -> dict:
    blocks: list[dict] = [
        {
            "type": "input",
            "block_id": DAY_BLOCK,
            "label": {"type": "plain_text", "text": "Day"},
            "element": {
                "type": "datepicker",
                "action_id": DAY_ACTION,
                "initial_date": today.isoformat(),
            },
        }
    ]
    # Modals hold 100 blocks; two are the date and the note.
    for metric in catalog.metrics[:98]:
        hint = "e.g. $4,500 or 4.5k" if metric.is_money else "a whole number"
        blocks.append(
            {
                "type": "input",
                "block_id": metric_block_id(metric.key),
                "optional": True,
                "label": {"type": "plain_text", "text": metric.key.capitalize()},
                "element": {
                    "type": "plain_text_input",
                    "action_id": AMOUNT_ACTION,
                    "placeholder": {"type": "plain_text", "text": hint},
                },
            }
        )
    blocks.append(
        {
            "type": "input",
            "block_id": NOTE_BLOCK,
            "optional": True,
            "label": {"type": "plain_text", "text": "Note"},
            "element": {"type": "plain_text_input", "action_id": NOTE_ACTION, "max_length": 500},
        }
    )
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": {"type": "plain_text", "text": "Log activity"},
        "submit": {"type": "plain_text", "text": "Log"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": private_metadata,
        "blocks": blocks,
    }
    View(**view).validate_json()  # fails loudly here rather than as invalid_blocks in Slack
    return view
