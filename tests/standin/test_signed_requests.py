"""The signed-request client, checked against slack_sdk's verifier and a real Bolt app."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from tests.support.signed_requests import HttpResponse, SignedSlackClient, slack_signature
from tests.support.slack_api import StandInSlack
from tests.support.waiting import poll

SECRET = "test-signing-secret"

# The example from Slack's "Verifying requests from Slack" documentation.
DOC_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DOC_TIMESTAMP = "1531420618"
DOC_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
    b"&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
    b"&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
    b"%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


# ---------------------------------------------------------------------- signature helper


def test_signature_matches_slack_documentation_vector() -> None:
    assert slack_signature(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY) == DOC_SIGNATURE


def test_signature_accepted_by_slack_sdk_verifier() -> None:
    body = b'{"type":"event_callback"}'
    now = str(int(time.time()))
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(body, now, slack_signature(SECRET, now, body))
    assert not verifier.is_valid(body, now, slack_signature("other-secret", now, body))
    assert not verifier.is_valid(body + b" ", now, slack_signature(SECRET, now, body))
    stale = str(int(time.time()) - 600)
    assert not verifier.is_valid(body, stale, slack_signature(SECRET, stale, body))


# ---------------------------------------------------------------------- against a Bolt app


class _QuietWSGIHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output readable; failures show up in assertions


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    # Non-daemon, joined on server_close(), so the test can prove nothing is left running.
    daemon_threads = False
    block_on_close = True


@dataclass
class BoltHarness:
    standin: StandInSlack
    app: App
    client: SignedSlackClient
    seen: dict[str, Any]


@pytest.fixture
def bolt() -> Iterator[BoltHarness]:
    threads_before = set(threading.enumerate())
    standin = StandInSlack().start()
    seen: dict[str, Any] = {}
    app = App(
        signing_secret=SECRET,
        client=WebClient(token="xoxb-test", base_url=standin.api_url),
        process_before_response=True,
    )

    @app.command("/echo")
    def echo(ack: Any, command: dict[str, Any]) -> None:
        seen["command"] = command
        ack(command["text"])

    @app.command("/later")
    def later(ack: Any, respond: Any) -> None:
        ack()
        respond("done later")

    @app.action("pick")
    def pick(ack: Any, body: dict[str, Any]) -> None:
        seen["action"] = body
        ack()

    @app.view("set_goal")
    def set_goal(ack: Any, view: dict[str, Any]) -> None:
        seen["view"] = view
        amount = view["state"]["values"]["amount"]["amount_input"]["value"]
        if not amount.isdigit():
            ack(response_action="errors", errors={"amount": "Use a number"})
        else:
            ack()

    @app.event("app_mention")
    def mention(event: dict[str, Any], say: Any) -> None:
        say(f"hi <@{event['user']}>")

    server = make_server(
        "127.0.0.1",
        0,
        SlackRequestHandler(app),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietWSGIHandler,
    )
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    serving.start()
    client = SignedSlackClient(
        f"http://127.0.0.1:{server.server_address[1]}",
        SECRET,
        response_url=standin.response_url("cmd"),
    )
    try:
        yield BoltHarness(standin, app, client, seen)
    finally:
        client.close()
        server.shutdown()
        server.server_close()
        serving.join()
        standin.stop()
        assert poll(lambda: set(threading.enumerate()) <= threads_before), (
            set(threading.enumerate()) - threads_before
        )


def test_app_startup_called_auth_test_on_the_standin(bolt: BoltHarness) -> None:
    [call] = bolt.standin.calls_to("auth.test")
    assert call.token == "xoxb-test"


def test_signed_command_is_acked_with_its_text(bolt: BoltHarness) -> None:
    resp = bolt.client.command("/echo", "hello world")
    assert resp.status == 200
    assert resp.text == "hello world"
    command = bolt.seen["command"]
    assert command["user_id"] == "U_MARIA"
    assert command["user_name"] == "maria"
    assert command["channel_id"] == "C_GENERAL"
    assert command["team_id"] == "T_TEST"
    assert command["response_url"] == bolt.standin.response_url("cmd")
    assert command["trigger_id"]


def test_many_commands_in_a_row(bolt: BoltHarness) -> None:
    for i in range(20):
        assert bolt.client.command("/echo", str(i)).text == str(i)


def test_bad_signature_is_rejected(bolt: BoltHarness) -> None:
    assert bolt.client.command("/echo", "x", signature="v0=" + "0" * 64).status == 401
    assert bolt.client.command("/echo", "x", secret="not-the-secret").status == 401
    assert "command" not in bolt.seen


def test_stale_timestamp_is_rejected(bolt: BoltHarness) -> None:
    stale = int(time.time()) - 600
    assert bolt.client.command("/echo", "x", timestamp=stale).status == 401
    assert "command" not in bolt.seen


def test_post_raw_without_signature_is_rejected(bolt: BoltHarness) -> None:
    resp = bolt.client.post_raw(
        "/slack/events",
        b"command=%2Fecho&text=x",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert resp.status == 401


def test_get_unknown_path(bolt: BoltHarness) -> None:
    resp = bolt.client.get("/nope")
    assert isinstance(resp, HttpResponse)
    assert resp.status == 404


def test_respond_goes_to_the_response_url(bolt: BoltHarness) -> None:
    assert bolt.client.command("/later").status == 200
    [call] = bolt.standin.wait_for("response_url")
    assert call.key == "cmd"
    assert call.params["text"] == "done later"


def test_block_action_payload_is_understood_by_bolt(bolt: BoltHarness) -> None:
    resp = bolt.client.block_action("pick", value="goal-7")
    assert resp.status == 200
    body = bolt.seen["action"]
    assert body["actions"][0]["value"] == "goal-7"
    assert body["container"]["type"] == "message"

    resp = bolt.client.block_action("pick", value="v", view={"id": "V9", "callback_id": "x"})
    assert resp.status == 200
    assert bolt.seen["action"]["container"] == {"type": "view", "view_id": "V9"}


def test_view_submission_payload_is_understood_by_bolt(bolt: BoltHarness) -> None:
    def values(amount: str) -> dict[str, Any]:
        return {"amount": {"amount_input": {"type": "plain_text_input", "value": amount}}}

    resp = bolt.client.view_submission("set_goal", values("ten"), private_metadata="m")
    assert resp.status == 200
    assert resp.json() == {"response_action": "errors", "errors": {"amount": "Use a number"}}
    assert bolt.seen["view"]["private_metadata"] == "m"

    resp = bolt.client.view_submission("set_goal", values("10"))
    assert resp.status == 200
    assert resp.body == b""


def test_event_reaches_listener_which_posts_through_the_standin(bolt: BoltHarness) -> None:
    event = {
        "type": "app_mention",
        "user": "U_MARIA",
        "text": "<@UBOT> hi",
        "channel": "C_GENERAL",
        "ts": "1700000000.000100",
        "event_ts": "1700000000.000100",
    }
    assert bolt.client.event(event).status == 200
    [call] = bolt.standin.wait_for("chat.postMessage")
    assert call.params["channel"] == "C_GENERAL"
    assert call.params["text"] == "hi <@U_MARIA>"


def test_url_verification(bolt: BoltHarness) -> None:
    resp = bolt.client.url_verification("abc123")
    assert resp.status == 200
    assert resp.json() == {"challenge": "abc123"}


# ---------------------------------------------------------------------- keep-alive behaviour


class _CountingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _CountingServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        self.server.requests.append((self.client_address[1], dict(self.headers), body))
        payload = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        # Close without announcing it, as an idle-timeout would: the client only finds out
        # when it next uses the connection.
        if self.server.close_after_next:
            self.server.close_after_next = False
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _CountingServer(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _CountingHandler)
        self.requests: list[tuple[int, dict[str, str], bytes]] = []
        self.close_after_next = False


@pytest.fixture
def counting_server() -> Iterator[_CountingServer]:
    server = _CountingServer()
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    serving.start()
    try:
        yield server
    finally:
        server.shutdown()
        serving.join()
        # Joins handler threads; the clients below close first so they can finish.
        server.server_close()


def test_connection_is_reused_and_reopened_after_server_close(
    counting_server: _CountingServer,
) -> None:
    url = f"http://127.0.0.1:{counting_server.server_address[1]}"
    with SignedSlackClient(url, SECRET) as client:
        client.command("/a")
        client.command("/b")
        counting_server.close_after_next = True
        client.command("/c")
        client.command("/d")  # the kept-alive socket is dead now: must reconnect, once
        ports = [port for port, _, _ in counting_server.requests]
    assert len(ports) == 4
    assert ports[0] == ports[1] == ports[2]
    assert ports[3] != ports[2]


def test_each_thread_gets_its_own_connection(counting_server: _CountingServer) -> None:
    url = f"http://127.0.0.1:{counting_server.server_address[1]}"
    with SignedSlackClient(url, SECRET) as client:
        workers = [threading.Thread(target=client.command, args=("/x",)) for _ in range(3)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    assert len({port for port, _, _ in counting_server.requests}) == 3


def test_request_shape_and_signing_overrides(counting_server: _CountingServer) -> None:
    url = f"http://127.0.0.1:{counting_server.server_address[1]}"
    fixed_clock = lambda: 1_700_000_000.5  # noqa: E731
    with SignedSlackClient(url, SECRET, clock=fixed_clock, enterprise_id="E1") as client:
        client.command("/goal", "set 10", timestamp=1_700_000_123)
        client.event({"type": "app_home_opened", "user": "U1"}, headers={"X-Slack-Retry-Num": "1"})
    (_, cmd_headers, cmd_body), (_, ev_headers, ev_body) = counting_server.requests

    assert cmd_headers["X-Slack-Request-Timestamp"] == "1700000123"
    assert cmd_headers["X-Slack-Signature"] == slack_signature(SECRET, "1700000123", cmd_body)
    assert cmd_headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert b"enterprise_id=E1" in cmd_body
    assert b"command=%2Fgoal" in cmd_body

    assert ev_headers["X-Slack-Request-Timestamp"] == "1700000000"
    assert ev_headers["X-Slack-Retry-Num"] == "1"
    envelope = json.loads(ev_body)
    assert envelope["type"] == "event_callback"
    assert envelope["event"] == {"type": "app_home_opened", "user": "U1"}
    assert envelope["event_id"].startswith("Ev")
    assert envelope["authorizations"][0]["user_id"] == "UBOT"
    assert envelope["enterprise_id"] == "E1"


def test_rejects_non_http_urls() -> None:
    with pytest.raises(ValueError):
        SignedSlackClient("ftp://127.0.0.1", SECRET)
