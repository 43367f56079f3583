"""The sender posts with `api_call` and a body of its own: it must be the body slack-sdk's
`chat_postMessage` would send for the same message."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient

from scheduler.messages import Message
from scheduler.sender import EVENT_TYPE, POST_METHOD, post_body


class Recording(WebClient):
    def __init__(self) -> None:
        super().__init__(token="xoxb-test")
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def api_call(self, api_method: str, **kwargs: Any) -> Any:  # type: ignore[override]
        self.calls.append((api_method, kwargs))
        return None


BLOCKS = (
    {"type": "header", "text": {"type": "plain_text", "text": "Week of Dec 1"}},
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Calls* 12 of 40 <@U1> & co"}},
)


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")  # slack-sdk's
@pytest.mark.parametrize(
    "message",
    [
        Message("C1", "Weekly digest", BLOCKS),
        Message("U1", "You are behind on calls"),
        Message("D1", "", BLOCKS),
    ],
)
def test_post_body_is_what_chat_post_message_sends(message: Message) -> None:
    key = "nudge|4|2026-12-04|U1|"
    stock = Recording()
    stock.chat_postMessage(
        channel=message.recipient,
        text=message.text,
        blocks=list(message.blocks) or None,
        metadata={"event_type": EVENT_TYPE, "event_payload": {"key": key}},
    )
    [(method, kwargs)] = stock.calls
    body = post_body(message.recipient, message, key)
    assert (method, kwargs) == (POST_METHOD, {"json": body})
    assert list(kwargs["json"]) == list(body)  # the same keys in the same order: same JSON
