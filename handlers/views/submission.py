"""Modal submissions share one shape: field errors keep the modal open; otherwise it closes
and the confirmation goes to the submitter's DM with the app — after the answer, like every
Slack call a submission makes (bot/services/later.py), so the modal closes at once."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import later

log = logging.getLogger(__name__)

SubmissionHandler = Callable[[WebClient, dict, dict], tuple[dict[str, str], str | None]]


def register_submission(app: App, callback_id: str, handle: SubmissionHandler) -> None:
    def submit(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext) -> None:
        with later.answering(context):
            errors, reply = handle(client, body, view)
            if not errors and reply:
                later.after_answer(_confirm(callback_id, body["user"]["id"], reply))
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()

    app.view(callback_id)(ack=submit, lazy=[later.run])


def _confirm(callback_id: str, user_id: str, reply: str) -> later.Task:
    def confirm(client: WebClient, _respond: Respond | None) -> None:
        try:
            client.chat_postMessage(channel=user_id, text=reply)
        except SlackApiError as error:
            log.warning(
                "could not confirm a %s submission: %s", callback_id, error.response.get("error")
            )

    return confirm
