"""Modal submissions share one shape: field errors keep the modal open; otherwise it closes
and the confirmation goes to the submitter's DM with the app."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

SubmissionHandler = Callable[[WebClient, dict, dict], tuple[dict[str, str], str | None]]


def register_submission(app: App, callback_id: str, handle: SubmissionHandler) -> None:
    @app.view(callback_id)
    def submit(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        errors, reply = handle(client, body, view)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        if reply:
            try:
                client.chat_postMessage(channel=body["user"]["id"], text=reply)
            except SlackApiError as error:
                log.warning("could not confirm a %s submission: %s", callback_id, error.response.get("error"))
