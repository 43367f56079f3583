"""Goals as text and Block Kit: one-line descriptions ("#12 calls 60/week for maria from
Mon 16 Nov (stretch 125%)"), audit-trail lines, and the Approve / Reject messages that
proposals and lowering requests send. Shared by /goal, its modal and the buttons."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.core.amounts import format_amount
from bot.core.dates import format_day
from bot.core.metrics import Metric
from bot.core.periods import PeriodKind
from bot.core.standings import GoalSpec
from bot.render.text import clip, escape

APPROVE_ACTION = "goal_request_approve"
REJECT_ACTION = "goal_request_reject"
# A section's text holds 3,000 characters; a reason is at most 500, so this only guards
# against a pathological mix of long names and labels.
SECTION_CHARS = 2900
MESSAGE_TEXT_CHARS = 3000


def amount_text(amount: int, metric: Metric) -> str:
    """ "60" or "$4,000": the amount as a person would type it back."""
    return format_amount(amount, metric)


def rate_text(amount: int, metric: Metric, period: PeriodKind | str) -> str:
    """ "calls 60/week", "revenue $4,000/month"."""
    return f"{metric.key} {amount_text(amount, metric)}/{PeriodKind(period).value}"


def owner_phrase(spec: GoalSpec, names: Mapping[tuple[str, int], str]) -> str:
    """ " for maria", " for team east", " each in team east"; "" when the owner is unknown
    (the audit line is already about them)."""
    if spec.person_id is not None:
        name = names.get(("person", spec.person_id))
        return f" for {escape(name)}" if name else ""
    if spec.team_id is not None:
        name = names.get(("team", spec.team_id))
        if not name:
            return ""
        return (
            f" each in team {escape(name)}"
            if spec.kind == "collective"
            else f" for team {escape(name)}"
        )
    return ""


def describe(
    spec: GoalSpec,
    metric: Metric,
    names: Mapping[tuple[str, int], str],
    today: date,
    *,
    with_id: bool = True,
    with_span: bool = True,
) -> str:
    """One line naming a goal the way people set it, e.g.
    "#12 calls 60/week for maria from Mon 16 Nov (stretch 125%)" (without "from …" when
    `with_span` is False)."""
    ident = f"#{spec.id} " if with_id and spec.id else ""
    head = target_text(spec, metric) + owner_phrase(spec, names)
    span = ""
    if with_span:
        span = f" from {format_day(spec.start, today)}"
        if spec.end is not None:
            span += f" to {format_day(spec.end, today)}"
    extras = _extras(spec)
    return f"{ident}{head}{span}" + (f" ({', '.join(extras)})" if extras else "")


def target_text(spec: GoalSpec, metric: Metric) -> str:
    """What a goal asks, without its owner and dates: "calls 60/week",
    "emails 50 to 100 step 10/week", "meetings contest"."""
    if spec.kind == "contest":
        return f"{metric.key} contest"
    if spec.kind == "ramp" and spec.ramp_last is not None and spec.ramp_step is not None:
        first, last = amount_text(spec.target or 0, metric), amount_text(spec.ramp_last, metric)
        step = amount_text(spec.ramp_step, metric)
        return f"{metric.key} {first} to {last} step {step}/{spec.period_kind.value}"
    return rate_text(spec.target or 0, metric, spec.period_kind)


def _extras(spec: GoalSpec) -> list[str]:
    extras = []
    if spec.stretch_pct:
        extras.append(f"stretch {spec.stretch_pct}%")
    if spec.weights:
        extras.append("weights " + ",".join(_weight_text(w) for w in spec.weights))
    if spec.reward:
        extras.append(f"reward: {escape(spec.reward)}")
    if spec.prize:
        extras.append(f"prize: {escape(spec.prize)}")
    return extras


def _weight_text(weight: Decimal) -> str:
    return f"{weight.normalize():f}"


def spec_from_state(state: Mapping[str, Any]) -> GoalSpec:
    """The goal an audit event's JSON (storage.goals.state) or a request payload describes."""
    weights = state.get("weights")
    return GoalSpec(
        id=int(state.get("id") or 0),
        kind=str(state.get("kind") or "individual"),
        metric=str(state["metric"]),
        period_kind=PeriodKind(state.get("period") or state.get("period_kind") or "week"),
        target=state.get("target"),
        start=_day(state.get("start")) or date.min,
        end=_day(state.get("end")),
        person_id=state.get("person_id"),
        team_id=state.get("team_id"),
        stretch_pct=state.get("stretch_pct"),
        weights=tuple(Decimal(w) for w in str(weights).split(",")) if weights else None,
        ramp_last=state.get("ramp_last"),
        ramp_step=state.get("ramp_step"),
        reward=state.get("reward"),
        prize=state.get("prize"),
    )


def _day(value: object) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# --- the audit trail -----------------------------------------------------------------------

_VERBS = {
    "goal.create": "set",
    "goal.end": "ended",
    "goal.remove": "removed",
    "goal_request.propose": "proposed",
    "goal_request.lower": "asked to lower",
    "goal_request.approve": "approved",
    "goal_request.reject": "rejected",
}


def when_text(at: datetime, tz: Any, today: date) -> str:
    """ "Fri 20 Nov 10:00" in the reader's zone (with the year when it is not this year's)."""
    local = at.astimezone(tz)
    return f"{format_day(local.date(), today)} {local:%H:%M}"


def history_line(
    *,
    when: str,
    actor: str,
    action: str,
    subject_id: int | None,
    before: str | None,
    after: str | None,
    reason: str | None,
    metric_of: Any,
    names: Mapping[tuple[str, int], str],
    today: date,
) -> str:
    """One audit event: who, when, what (before → after) and why.

    `before`/`after` are the event's JSON; `metric_of(key)` gives the Metric for a key."""
    verb = _VERBS.get(action, action)
    old, new = _loads(before), _loads(after)
    if action == "goal.end" and (new or {}).get("removal"):
        verb = "removed"  # a removal of a started goal ends it yesterday
    if action.startswith("goal_request."):
        what = _request_what(action, subject_id, old, new, metric_of, names, today)
    else:
        old_text = _state_text(old, metric_of, names, today) if old else None
        new_text = _state_text(new, metric_of, names, today) if new else None
        ident = f"#{subject_id}" if subject_id else ""
        if action == "goal.end" and old and new:
            what = f"{ident}: {old_text} → ends {format_day(_day(new.get('end')) or today, today)}"
            if new.get("replaced_by"):
                what += f", replaced by #{new['replaced_by']}"
        elif action == "goal.remove":
            replaced = (new or {}).get("replaced_by")
            what = f"{ident}: {old_text} → " + (
                f"replaced by #{replaced}" if replaced else "removed"
            )
        elif old_text and new_text:
            what = f"{ident}: {old_text} → {new_text}"
        else:
            what = f"{ident}: {old_text or new_text or 'a goal'}"
    if (new or {}).get("backdated"):
        what += " (backdated)"
    why = f" — “{escape(reason)}”" if reason else ""
    return f"• {when} · {escape(actor)} {verb} {what}{why}"


def _request_what(
    action: str,
    request_id: int | None,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    metric_of: Any,
    names: Mapping[tuple[str, int], str],
    today: date,
) -> str:
    ident = f"request #{request_id}" if request_id else "a request"
    payload = (new or {}).get("goal") or (old or {}).get("goal")
    if not payload:
        return ident
    return f"{ident}: {_state_text(payload, metric_of, names, today, with_id=False)}"


def _state_text(
    state: Mapping[str, Any],
    metric_of: Any,
    names: Mapping[tuple[str, int], str],
    today: date,
    *,
    with_id: bool = False,
) -> str:
    spec = spec_from_state(state)
    return describe(spec, metric_of(spec.metric), names, today, with_id=with_id)


def _loads(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    value = json.loads(text)
    return value if isinstance(value, dict) else None


# --- versions -------------------------------------------------------------------------------

_PERIOD_WORDS = {
    "day": "per day",
    "week": "per week",
    "month": "per month",
    "quarter": "per quarter",
    "year": "per year",
}


def goal_heading(spec: GoalSpec, metric: Metric, names: Mapping[tuple[str, int], str]) -> str:
    """The goal its versions belong to: "*calls per week · maria*",
    "*demos per week · each in team east*", "*meetings contests · team east*"."""
    owner = owner_phrase(spec, names).strip().removeprefix("for ")
    if spec.kind == "contest":
        what = f"{metric.key} contests"
    else:
        what = f"{metric.key} {_PERIOD_WORDS.get(spec.period_kind.value, spec.period_kind.value)}"
    return f"*{what}{' · ' + owner if owner else ''}*"


def version_span(start: date, end: date | None, today: date) -> str:
    """ "Mon 16 Nov – Thu 19 Nov", "Fri 20 Nov onwards"."""
    if end is None:
        return f"{format_day(start, today)} onwards"
    if end == start:
        return format_day(start, today)
    return f"{format_day(start, today)} – {format_day(end, today)}"


def version_line(
    spec: GoalSpec,
    metric: Metric,
    today: date,
    *,
    set_by: str,
    reason: str | None,
    origin: str = "set",
) -> str:
    """One version of a goal: its target, the days it is (or was, or will be) in force, who
    set it and why, e.g. "• #14 calls 70/week · Fri 20 Nov onwards · in force · set by dana — “more leads”"."""
    extras = _extras(spec)
    target = target_text(spec, metric) + (f" ({', '.join(extras)})" if extras else "")
    if spec.start > today:
        when = "coming"
    elif spec.end is not None and spec.end < today:
        when = ""
    else:
        when = "in force"
    how = {
        "plan": ", from a plan",
        "split": ", from a split",
        "proposal": ", proposed and approved",
    }.get(origin, "")
    parts = [f"#{spec.id} {target}", version_span(spec.start, spec.end, today)]
    if when:
        parts.append(when)
    parts.append(f"set by {escape(set_by)}{how}")
    why = f" — “{escape(reason)}”" if reason else ""
    return "• " + " · ".join(parts) + why


# --- approval messages ----------------------------------------------------------------------


def request_message(
    headline: str, details: Sequence[str], request_id: int
) -> tuple[str, list[dict]]:
    """A request for a decision: the headline, details and Approve / Reject buttons
    (value = the request id). Returns (fallback text, blocks)."""
    value = str(request_id)
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=_clip(headline, SECTION_CHARS))),
    ]
    if details:
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=_clip(" · ".join(details), SECTION_CHARS))]
            )
        )
    blocks.append(
        ActionsBlock(
            block_id=f"goal_request:{value}",
            elements=[
                ButtonElement(
                    text="Approve", action_id=APPROVE_ACTION, value=value, style="primary"
                ),
                ButtonElement(text="Reject", action_id=REJECT_ACTION, value=value, style="danger"),
            ],
        )
    )
    return _clip(headline, MESSAGE_TEXT_CHARS), [b.to_dict() for b in blocks]


def decided_message(headline: str, outcome: str) -> tuple[str, list[dict]]:
    """The same request once decided: what it was and the outcome, without buttons."""
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=_clip(headline, SECTION_CHARS))),
        ContextBlock(elements=[MarkdownTextObject(text=_clip(outcome, SECTION_CHARS))]),
    ]
    return _clip(f"{outcome}\n{headline}", MESSAGE_TEXT_CHARS), [b.to_dict() for b in blocks]


def _clip(text: str, limit: int) -> str:
    return clip(text, limit)  # never through an escaped entity or a mention
