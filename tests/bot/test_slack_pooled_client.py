"""The sender's WebClient keeps its connections, sends what slack-sdk's own client sends, and
answers faults exactly as slack-sdk's does."""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot import slack_pooled_client
from bot.slack_pooled_client import PooledWebClient
from tests.support.slack_api import StandInSlack


@pytest.fixture
def slack() -> Iterator[StandInSlack]:
    with StandInSlack() as standin:
        yield standin


def _client(slack: StandInSlack, timeout: float = 5.0) -> PooledWebClient:
    return PooledWebClient(token="xoxb-test", base_url=slack.api_url, timeout=timeout)


# ---------------------------------------------------------------- keeping connections


def test_one_thread_reuses_one_connection_for_many_calls(slack: StandInSlack) -> None:
    client = _client(slack)
    for n in range(10):
        assert client.chat_postMessage(channel="C1", text=f"post {n}")["ok"]
    assert slack.connections_opened == 1
    assert [m["text"] for m in slack.messages_in("C1")] == [f"post {n}" for n in range(10)]


def test_slack_sdks_own_client_opens_a_connection_per_call(slack: StandInSlack) -> None:
    """The reason this client exists: the stock one cannot keep a connection."""
    client = WebClient(token="xoxb-test", base_url=slack.api_url, retry_handlers=[])
    for n in range(3):
        client.chat_postMessage(channel="C1", text=f"post {n}")
    assert slack.connections_opened == 3


def test_each_thread_has_its_own_connection(slack: StandInSlack) -> None:
    client = _client(slack)

    def post(thread: int) -> None:
        for n in range(5):
            client.chat_postMessage(channel=f"C{thread}", text=str(n))

    threads = [threading.Thread(target=post, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert slack.connections_opened == 4
    assert all(len(slack.messages_in(f"C{t}")) == 5 for t in range(4))


def test_an_idle_connection_is_replaced_before_use(
    slack: StandInSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _client(slack)
    client.chat_postMessage(channel="C1", text="a")
    client.chat_postMessage(channel="C1", text="b")
    assert slack.connections_opened == 1
    monkeypatch.setattr(slack_pooled_client, "MAX_IDLE_SECONDS", -1.0)
    client.chat_postMessage(channel="C1", text="c")
    assert slack.connections_opened == 2


def test_close_closes_this_threads_connection(slack: StandInSlack) -> None:
    client = _client(slack)
    client.auth_test()
    client.close()
    client.auth_test()
    assert slack.connections_opened == 2


def test_it_never_retries_by_default_and_takes_slack_sdks_path_when_given_retry_handlers(
    slack: StandInSlack,
) -> None:
    assert _client(slack).retry_handlers == []
    client = PooledWebClient(
        token="xoxb-test",
        base_url=slack.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    slack.fail_next("chat.postMessage", "ratelimited", retry_after=0)
    assert client.chat_postMessage(channel="C1", text="retried")["ok"]
    assert len(slack.calls_to("chat.postMessage")) == 2
    assert slack.connections_opened == 2  # slack-sdk's own path: a connection per call


# ---------------------------------------------------------------- Slack's refusals


def test_a_429_raises_with_its_retry_after_and_the_connection_stays_usable(
    slack: StandInSlack,
) -> None:
    client = _client(slack)
    slack.fail_next("chat.postMessage", "ratelimited", retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="first")
    assert raised.value.response.status_code == 429
    assert raised.value.response["error"] == "ratelimited"
    # slack-sdk offers it under both spellings; the sender reads either.
    assert (
        raised.value.response.headers["Retry-After"]
        == raised.value.response.headers["retry-after"]
        == "7"
    )
    assert client.chat_postMessage(channel="C1", text="second")["ok"]
    assert slack.connections_opened == 1


def test_a_500_raises_slack_api_error(slack: StandInSlack) -> None:
    client = _client(slack)
    slack.fail_next("chat.postMessage", "internal_error", status=500)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="x")
    assert (raised.value.response.status_code, raised.value.response["error"]) == (
        500,
        "internal_error",
    )


def test_an_ok_false_answer_raises_slack_api_error(slack: StandInSlack) -> None:
    slack.fail_next("chat.postMessage", "channel_not_found")
    with pytest.raises(SlackApiError) as raised:
        _client(slack).chat_postMessage(channel="C1", text="x")
    assert (raised.value.response.status_code, raised.value.response["error"]) == (
        200,
        "channel_not_found",
    )


# ---------------------------------------------------------------- lost answers


def test_a_dropped_connection_raises_is_not_resent_and_the_next_call_opens_a_new_one(
    slack: StandInSlack, caplog: pytest.LogCaptureFixture
) -> None:
    client = _client(slack)
    client.chat_postMessage(channel="C1", text="before")
    slack.fail_next("chat.postMessage", drop_connection=True, handled=True)
    with pytest.raises(http.client.RemoteDisconnected):  # an OSError: the sender's unknown outcome
        client.chat_postMessage(channel="C1", text="dropped")
    assert [m["text"] for m in slack.messages_in("C1")] == ["before", "dropped"]  # sent once
    assert len(slack.calls_to("chat.postMessage")) == 2
    answer = client.chat_postMessage(channel="C1", text="after")
    assert answer["message"]["text"] == "after"
    assert slack.connections_opened == 2
    assert (
        "Failed to send a request to Slack API server: Remote end closed connection without response"
        in caplog.messages
    )


def test_a_late_answer_is_never_read_as_the_next_calls_and_the_slow_call_is_not_resent(
    slack: StandInSlack,
) -> None:
    client = _client(slack, timeout=0.3)
    slack.fail_next("chat.postMessage", delay=1.0, handled=True)
    with pytest.raises(TimeoutError) as raised:  # the builtin one, as slack-sdk's client raises
        client.chat_postMessage(channel="C1", text="slow")
    assert type(raised.value) is TimeoutError
    answer = client.chat_postMessage(channel="C1", text="next")
    assert answer["message"]["text"] == "next"
    assert [c.params["text"] for c in slack.calls_to("chat.postMessage")] == ["slow", "next"]
    assert slack.connections_opened == 2


def test_a_refused_connection_raises_connection_refused(caplog: pytest.LogCaptureFixture) -> None:
    """The sender posts again without looking first only when connecting failed."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
    client = PooledWebClient(token="xoxb-test", base_url=f"http://127.0.0.1:{port}/api/", timeout=2)
    with pytest.raises(ConnectionRefusedError):
        client.auth_test()
    assert any(
        m.startswith("Failed to send a request to Slack API server: [Errno 111]")
        for m in caplog.messages
    )


# ---------------------------------------------------------------- what is sent


class Canned:
    """A loopback HTTP server answering every request with `answer(request)` (raw bytes),
    recording each request's head lines and body; one thread per connection."""

    def __init__(self, answer: Callable[[bytes], bytes]) -> None:
        self.answer = answer
        self.requests: list[tuple[list[str], bytes]] = []
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/api/"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:  # closed
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            buffered = b""
            while True:
                while b"\r\n\r\n" not in buffered:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffered += chunk
                head, _, buffered = buffered.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                length = next(
                    (
                        int(v)
                        for k, _, v in (line.partition(":") for line in lines[1:])
                        if k.lower() == "content-length"
                    ),
                    0,
                )
                while len(buffered) < length:
                    buffered += conn.recv(65536)
                body, buffered = buffered[:length], buffered[length:]
                self.requests.append((lines, body))
                conn.sendall(self.answer(body))

    def close(self) -> None:
        # shutdown() wakes the accepting thread (close() alone would leave it in accept(),
        # where it could take a later test's connections once the descriptor is reused).
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()


def _answer(
    status: str, body: bytes, content_type: str = "application/json; charset=utf-8", *extra: str
) -> bytes:
    head = [
        f"HTTP/1.1 {status}",
        f"Content-Type: {content_type}",
        f"Content-Length: {len(body)}",
        *extra,
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


@pytest.fixture
def canned() -> Iterator[Callable[[Callable[[bytes], bytes]], Canned]]:
    servers: list[Canned] = []

    def start(answer: Callable[[bytes], bytes]) -> Canned:
        servers.append(Canned(answer))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


OK = _answer(
    "200 OK", b'{"ok": true, "channel": {"id": "D1"}, "messages": [], "file": {"id": "F1"}}'
)

# Each call shape the sender makes, and one with a per-call token and bool arguments.
SENDER_CALLS: list[tuple[str, Callable[[WebClient], object]]] = [
    ("chat.postMessage", lambda c: c.chat_postMessage(
        channel="C1", text="hé <b>", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}],
        metadata={"event_type": "paceline_delivery", "event_payload": {"key": "nudge:1:2026-11-20:U1:"}},
    )),
    ("chat.update", lambda c: c.chat_update(channel="C1", ts="1.000002", text="edited", blocks=None)),
    ("conversations.history", lambda c: c.conversations_history(
        channel="C1", oldest="1700000000.000000", inclusive=True, include_all_metadata=True, limit=200, cursor=None,
    )),
    ("conversations.open", lambda c: c.conversations_open(users="U1")),
    ("files.getUploadURLExternal", lambda c: c.files_getUploadURLExternal(filename="a.png", length=3)),
    ("files.completeUploadExternal", lambda c: c.files_completeUploadExternal(
        files=[{"id": "F1", "title": "East, week 47"}], channel_id="C1", initial_comment="hi",
    )),
    ("auth.test", lambda c: c.auth_test()),
    ("users.info with a token argument", lambda c: c.api_call("users.info", params={"user": "U1", "token": "xoxb-other", "x": False})),
]  # fmt: skip


@pytest.mark.parametrize("name, call", SENDER_CALLS, ids=[name for name, _ in SENDER_CALLS])
def test_each_call_sends_what_slack_sdks_own_client_sends(canned, name, call) -> None:  # type: ignore[no-untyped-def]
    server = canned(lambda _body: OK)
    for kind in (WebClient, PooledWebClient):
        client = kind(token="xoxb-test", base_url=server.url, team_id="T1", retry_handlers=[])
        call(client)
    [(stock_head, stock_body), (head, body)] = server.requests
    assert head[0] == stock_head[0]  # POST /api/<method> HTTP/1.1, whatever the method's verb
    assert body == stock_body
    framing = {"connection"}  # urllib closes after each call; this client keeps it
    assert sorted(h for h in head[1:] if h.split(":")[0].lower() not in framing) == sorted(
        h for h in stock_head[1:] if h.split(":")[0].lower() not in framing
    )
    assert "Connection: close" in stock_head


def test_a_header_with_a_line_break_is_refused_before_anything_is_sent(canned, caplog) -> None:  # type: ignore[no-untyped-def]
    server = canned(lambda _body: OK)
    client = PooledWebClient(token="xoxb-test\r\nX-Evil: 1", base_url=server.url, timeout=5)
    with pytest.raises(ValueError, match="line break"):
        client.api_test()
    assert server.requests == []
    assert (
        "Failed to send a request to Slack API server: HTTP request line or header contains a line break"
        in caplog.messages
    )


# ---------------------------------------------------------------- how answers are read


def test_answers_carry_their_headers_and_are_decoded_by_their_charset(canned) -> None:  # type: ignore[no-untyped-def]
    body = '{"ok": true, "text": "café"}'.encode("iso-8859-1")
    server = canned(
        lambda _body: _answer(
            "200 OK", body, "application/json; charset=ISO-8859-1", "X-Slack-Req-Id: r1"
        )
    )
    answer = PooledWebClient(token="xoxb-test", base_url=server.url).api_test()
    assert answer["text"] == "café"
    assert answer.headers["X-Slack-Req-Id"] == "r1"
    assert answer.headers["Content-Type"] == "application/json; charset=ISO-8859-1"


def test_an_error_answer_is_decoded_by_its_charset_too(canned) -> None:  # type: ignore[no-untyped-def]
    body = '{"ok": false, "error": "é"}'.encode("iso-8859-1")
    server = canned(
        lambda _body: _answer("400 Bad Request", body, "application/json; charset=iso-8859-1")
    )
    with pytest.raises(SlackApiError) as raised:
        PooledWebClient(token="xoxb-test", base_url=server.url).api_test()
    assert (raised.value.response.status_code, raised.value.response["error"]) == (400, "é")


def test_an_answer_that_is_not_json_raises_as_slack_sdk_does(canned, caplog) -> None:  # type: ignore[no-untyped-def]
    server = canned(
        lambda _body: _answer(
            "502 Bad Gateway", b"<html>\r\n<b>Bad gateway</b>\n</html>", "text/html"
        )
    )
    clients = [
        kind(token="xoxb-test", base_url=server.url, retry_handlers=[])
        for kind in (WebClient, PooledWebClient)
    ]
    raised = []
    for client in clients:
        with pytest.raises(SlackApiError) as error:
            client.api_test()
        raised.append(error.value.response)
    stock, pooled = raised
    assert pooled.status_code == stock.status_code == 502
    assert (
        pooled.data
        == stock.data
        == {
            "ok": False,
            "error": "Received a response in a non-JSON format: <html><b>Bad gateway</b></html>",
        }
    )
    logged = [m for m in caplog.messages if m.startswith("Failed to decode Slack API response")]
    assert len(logged) == 2 and logged[0] == logged[1]


def test_a_gzip_answer_is_kept_as_bytes(canned) -> None:  # type: ignore[no-untyped-def]
    server = canned(lambda _body: _answer("200 OK", b"\x1f\x8b\x08gzipped", "application/gzip"))
    answer = PooledWebClient(token="xoxb-test", base_url=server.url).api_call(
        "admin.analytics.getFile"
    )
    assert answer.data == b"\x1f\x8b\x08gzipped"


def test_chunked_and_interim_answers_are_read_and_the_connection_kept(canned) -> None:  # type: ignore[no-untyped-def]
    chunked = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"ok"\r\nb;ext=1\r\n: true, "n"\r\n4\r\n: 1}\r\n0\r\nX-Trailer: t\r\n\r\n'
    interim = b"HTTP/1.1 100 Continue\r\n\r\n" + _answer("200 OK", b'{"ok": true, "n": 2}')
    answers = iter([chunked, interim])
    server = canned(lambda _body: next(answers))
    client = PooledWebClient(token="xoxb-test", base_url=server.url)
    assert client.api_test()["n"] == 1
    assert client.api_test()["n"] == 2
    assert server.connections == 1


def test_an_answer_that_closes_the_connection_is_read_and_the_next_call_reconnects(canned) -> None:  # type: ignore[no-untyped-def]
    server = canned(
        lambda _body: _answer("200 OK", b'{"ok": true}', "application/json", "Connection: close")
    )
    client = PooledWebClient(token="xoxb-test", base_url=server.url)
    assert client.api_test()["ok"]
    assert client.api_test()["ok"]
    assert server.connections == 2


def test_the_debug_line_of_each_request_is_slack_sdks(canned, caplog) -> None:  # type: ignore[no-untyped-def]
    server = canned(lambda _body: OK)
    caplog.set_level(logging.DEBUG, logger="slack_sdk.web.base_client")
    for kind in (WebClient, PooledWebClient):
        kind(token="xoxb-test", base_url=server.url, retry_handlers=[]).conversations_open(
            users="U1", return_im=True
        )
    sent = [m for m in caplog.messages if m.startswith("Sending a request")]
    assert len(sent) == 2 and sent[0] == sent[1]
    assert "'Authorization': '(redacted)'" in sent[1]


def test_files_upload_v2_works_against_the_stand_in(slack: StandInSlack) -> None:
    answer = _client(slack).files_upload_v2(
        channel="C1", content=b"png", filename="w.png", title="East, week 47"
    )
    assert answer["file"]["title"] == "East, week 47"
    assert (
        json.loads(json.dumps(slack.calls_to("files.completeUploadExternal")[0].params["files"]))[
            0
        ]["title"]
        == "East, week 47"
    )


def test_a_kept_connection_the_server_closed_while_idle_is_replaced_not_posted_into() -> None:
    """Servers close idle keep-alive connections without a word: the next call must open a
    new connection, not write its post into the closed one (that would raise, and the
    sender would treat a post Slack never got as an unknown outcome)."""
    closed = threading.Event()
    requests: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))

    def serve_two_connections() -> None:
        # Exactly two, then the thread ends: a thread left in accept() on a closed listener
        # could accept a later test's connections once the descriptor is reused.
        for _ in range(2):
            conn, _ = listener.accept()
            with conn:
                received = b""
                while b"\r\n\r\n" not in received:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    received += chunk
                requests.append(received)
                conn.sendall(_answer("200 OK", b'{"ok": true}'))  # keep-alive, then gone
            closed.set()

    server = threading.Thread(target=serve_two_connections, daemon=True)
    server.start()
    try:
        client = PooledWebClient(
            token="xoxb-test", base_url=f"http://127.0.0.1:{listener.getsockname()[1]}/api/"
        )
        assert client.api_test()["ok"]
        assert closed.wait(5)
        assert client.api_test()["ok"]
        server.join(5)
        assert len(requests) == 2
        assert not server.is_alive()
    finally:
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
