"""`paceline run` picks its transport from the credentials it is given."""

from __future__ import annotations

import argparse

import slack_bolt.adapter.socket_mode as socket_mode

from bot import cli
from bot.config import Settings


def test_an_app_token_means_socket_mode(monkeypatch, slack, tmp_path):
    started = {}

    class RecordingHandler:
        def __init__(self, app, app_token):
            started["app"], started["token"] = app, app_token

        def start(self):
            started["started"] = True

    monkeypatch.setattr(socket_mode, "SocketModeHandler", RecordingHandler)
    settings = Settings(
        bot_token="xoxb-socket",
        app_token="xapp-socket-token",
        slack_api_url=slack.api_url,
        database_url=f"sqlite:///{tmp_path}/s.db",
    )
    assert cli._run(settings, argparse.Namespace(host="127.0.0.1", threads=2, demo=False)) == 0
    assert started["token"] == "xapp-socket-token" and started["started"] is True
    assert any(c.method == "auth.test" and c.token == "xoxb-socket" for c in slack.calls)
