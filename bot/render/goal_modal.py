"""The /goal modal: a person or a team, a metric, a target, a period, an optional start date
and reason. Its submission goes through the same rules as `/goal set`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.views import View

from bot.core.metrics import MetricCatalog
from bot.core.periods import PeriodKind

CALLBACK_ID = "goal_modal"
PERSON_BLOCK, PERSON_ACTION = "person", "person"
TEAM_BLOCK, TEAM_ACTION = "team", "team"
METRIC_BLOCK, METRIC_ACTION = "metric", "metric"
TARGET_BLOCK, TARGET_ACTION = "target", "target"
PERIOD_BLOCK, PERIOD_ACTION = "period", "period"
FROM_BLOCK, FROM_ACTION = "from", "from"
REASON_BLOCK, REASON_ACTION = "reason", "reason"

# Static selects hold at most 100 options.
MAX_OPTIONS = 100
_PERIOD_LABELS = {
    PeriodKind.DAY: "per day",
    PeriodKind.WEEK: "per week",
    PeriodKind.MONTH: "per month",
    PeriodKind.QUARTER: "per quarter",
    PeriodKind.YEAR: "per year",
}


def _option(text: str, value: str) -> dict:
    # Option text is at most 75 characters.
    return {"text": {"type": "plain_text", "text": text[:75]}, "value": value}


def goal_modal(
    catalog: MetricCatalog, choosable_teams: Sequence[tuple[int, str]], private_metadata: str = ""
) -> dict:
    """The modal; `choosable_teams` are (id, name) of the teams the opener may set goals for."""
    metric_options = [_option(m.key, m.key) for m in catalog.metrics[:MAX_OPTIONS]]
    period_options = [_option(label, kind.value) for kind, label in _PERIOD_LABELS.items()]
    blocks: list[dict] = [
        {
            "type": "input",
            "block_id": PERSON_BLOCK,
            "optional": True,
            "label": {"type": "plain_text", "text": "Person"},
            "hint": {"type": "plain_text", "text": "Pick a person, or a team below."},
            "element": {"type": "users_select", "action_id": PERSON_ACTION},
        }
    ]
    if choosable_teams:
        blocks.append(
            {
                "type": "input",
                "block_id": TEAM_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Team (a team total)"},
                "element": {
                    "type": "static_select",
                    "action_id": TEAM_ACTION,
                    "options": [
                        _option(name, str(team_id))
                        for team_id, name in choosable_teams[:MAX_OPTIONS]
                    ],
                },
            }
        )
    blocks += [
        {
            "type": "input",
            "block_id": METRIC_BLOCK,
            "label": {"type": "plain_text", "text": "Metric"},
            "element": {
                "type": "static_select",
                "action_id": METRIC_ACTION,
                "options": metric_options,
                "initial_option": metric_options[0],
            },
        },
        {
            "type": "input",
            "block_id": TARGET_BLOCK,
            "label": {"type": "plain_text", "text": "Target"},
            "element": {
                "type": "plain_text_input",
                "action_id": TARGET_ACTION,
                "placeholder": {"type": "plain_text", "text": "e.g. 60, or $4,000 for revenue"},
                "max_length": 30,
            },
        },
        {
            "type": "input",
            "block_id": PERIOD_BLOCK,
            "label": {"type": "plain_text", "text": "Period"},
            "element": {
                "type": "static_select",
                "action_id": PERIOD_ACTION,
                "options": period_options,
                "initial_option": period_options[1],
            },
        },
        {
            "type": "input",
            "block_id": FROM_BLOCK,
            "optional": True,
            "label": {"type": "plain_text", "text": "Starting"},
            "hint": {"type": "plain_text", "text": "Leave empty to start with the current period."},
            "element": {"type": "datepicker", "action_id": FROM_ACTION},
        },
        {
            "type": "input",
            "block_id": REASON_BLOCK,
            "optional": True,
            "label": {"type": "plain_text", "text": "Reason"},
            "hint": {
                "type": "plain_text",
                "text": "Needed to replace or change a goal that has started.",
            },
            "element": {"type": "plain_text_input", "action_id": REASON_ACTION, "max_length": 500},
        },
    ]
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": {"type": "plain_text", "text": "Set a goal"},
        "submit": {"type": "plain_text", "text": "Set goal"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": private_metadata,
        "blocks": blocks,
    }
    View(**view).validate_json()  # fails loudly here rather than as invalid_blocks in Slack
    return view
