"""Faults the tests' Slack stand-in answers with (``StandInSlack.fail_next``,
tests/support/slack_api.py), and answers that carry how they are delivered."""

from __future__ import annotations

from dataclasses import dataclass

from bot.standin.slack_api import _Answer

__all__ = ["Delivery", "Fault", "InFlightKey", "fault_answer", "handled_fault_answer"]

# A (method, channel) counter of requests being answered; channel None counts every channel.
InFlightKey = tuple[str, str | None]


@dataclass
class Fault:
    """``times`` (counted down in ``remaining``) calls to a method that fail this way."""

    error: str | None
    status: int
    retry_after: int | None
    drop_connection: bool
    delay: float
    remaining: int
    # Run the method as usual first (Slack did the work), then answer with the fault.
    handled: bool = False


@dataclass
class Delivery(_Answer):
    """An answer and how it goes out: held back ``delay`` seconds, or never (the connection
    is closed instead; its status is then 0, as the recorded call shows)."""

    drop_connection: bool = False
    delay: float = 0.0
    # The (method, channel) counters this request holds until it is answered.
    in_flight: tuple[InFlightKey, ...] = ()

    @classmethod
    def of(cls, answer: _Answer) -> Delivery:
        if isinstance(answer, Delivery):
            return answer
        return cls(answer.status, answer.body, answer.headers)


def fault_answer(fault: Fault) -> Delivery:
    if fault.drop_connection:
        return Delivery(0, drop_connection=True, delay=fault.delay)
    default_error = "ratelimited" if fault.status == 429 else "internal_error"
    headers = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = str(fault.retry_after)
    return Delivery(
        fault.status,
        {"ok": False, "error": fault.error or default_error},
        headers,
        delay=fault.delay,
    )


def handled_fault_answer(fault: Fault, handled: Delivery) -> Delivery:
    # The work is done; what the client gets is the fault's answer, or the real one late.
    if fault.drop_connection or fault.error is not None or fault.status != 200:
        return fault_answer(fault)
    handled.delay += fault.delay
    return handled
