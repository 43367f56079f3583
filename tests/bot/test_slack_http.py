"""The sender's WebClient keeps its connections, and answers faults exactly as slack-sdk's."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import slack_http
from bot.slack_http import KeepAliveWebClient
from bot.standin.slack_api import StandInSlack


@pytest.fixture
def slack() -> Iterator[StandInSlack]:
    with StandInSlack() as standin:
        yield standin


def _client(slack: StandInSlack, timeout: float = 5.0) -> KeepAliveWebClient:
    return KeepAliveWebClient(token="xoxb-test", base_url=slack.api_url, retry_handlers=[], timeout=timeout)


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


def test_a_429_raises_with_its_retry_after_and_the_connection_stays_usable(slack: StandInSlack) -> None:
    client = _client(slack)
    slack.fail_next("chat.postMessage", "ratelimited", retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="first")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert client.chat_postMessage(channel="C1", text="second")["ok"]
    assert slack.connections_opened == 1


def test_a_500_raises_slack_api_error(slack: StandInSlack) -> None:
    client = _client(slack)
    slack.fail_next("chat.postMessage", "internal_error", status=500)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="x")
    assert raised.value.response.status_code == 500


def test_a_dropped_connection_raises_and_the_next_call_opens_a_new_one(slack: StandInSlack) -> None:
    client = _client(slack)
    client.chat_postMessage(channel="C1", text="before")
    slack.fail_next("chat.postMessage", drop_connection=True)
    with pytest.raises(Exception):  # noqa: B017 (whatever http.client raises: the outcome is unknown)
        client.chat_postMessage(channel="C1", text="dropped")
    answer = client.chat_postMessage(channel="C1", text="after")
    assert answer["message"]["text"] == "after"
    assert slack.connections_opened == 2


def test_a_late_answer_is_never_read_as_the_next_calls(slack: StandInSlack) -> None:
    client = _client(slack, timeout=0.3)
    slack.fail_next("chat.postMessage", delay=1.0, handled=True)
    with pytest.raises(TimeoutError):
        client.chat_postMessage(channel="C1", text="slow")
    answer = client.chat_postMessage(channel="C1", text="next")
    assert answer["message"]["text"] == "next"
    assert slack.connections_opened == 2


def test_an_idle_connection_is_replaced_before_use(slack: StandInSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(slack_http, "MAX_IDLE_SECONDS", -1.0)
    client = _client(slack)
    client.chat_postMessage(channel="C1", text="a")
    client.chat_postMessage(channel="C1", text="b")
    assert slack.connections_opened == 2


def test_answers_carry_their_headers_and_charset(slack: StandInSlack) -> None:
    answer = _client(slack).auth_test()
    assert answer["ok"] and answer.headers["Content-Type"].startswith("application/json")


def test_content_type_and_charset_are_read_from_the_header() -> None:
    assert slack_http._content_type({"content-type": 'text/plain; charset="latin-1"'}) == ("text/plain", "latin-1")
    assert slack_http._content_type({"Content-Type": "application/json"}) == ("application/json", "utf-8")
    assert slack_http._content_type({}) == ("", "utf-8")


# ---------------------------------------------------------------- the HTTP/1.1 exchange itself


class CannedServer:
    """A loopback server that reads one request per answer and writes the canned bytes,
    recording each request's head."""

    def __init__(self, answers: list[bytes]) -> None:
        import socket

        self.answers = answers
        self.requests: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:  # closed without a client
            return
        with conn:
            buffered = b""
            for answer in self.answers:
                while b"\r\n\r\n" not in buffered:
                    buffered += conn.recv(65536)
                head, _, buffered = buffered.partition(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0)
                while len(buffered) < length:
                    buffered += conn.recv(65536)
                buffered = buffered[length:]
                self.requests.append(head)
                conn.sendall(answer)

    def close(self) -> None:
        self.listener.close()
        self.thread.join(timeout=5)


JSON_OK = b'{"ok": true, "n": %d}'


def _canned(*answers: bytes) -> tuple[CannedServer, KeepAliveWebClient]:
    server = CannedServer(list(answers))
    client = KeepAliveWebClient(token="xoxb-test", base_url=f"http://127.0.0.1:{server.port}/api/", retry_handlers=[], timeout=5)
    return server, client


def test_chunked_and_interim_answers_are_read_and_the_connection_kept() -> None:
    chunked = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"ok\"\r\nb;ext=1\r\n: true, \"n\"\r\n4\r\n: 1}\r\n0\r\nX-Trailer: t\r\n\r\n"
    body = JSON_OK % 2
    interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    server, client = _canned(chunked, interim)
    try:
        assert client.api_test()["n"] == 1
        assert client.api_test()["n"] == 2
        assert len(server.requests) == 2
        head = server.requests[0].decode()
        assert head.startswith("POST /api/api.test HTTP/1.1\r\n") and f"Host: 127.0.0.1:{server.port}" in head
        assert "Authorization: Bearer xoxb-test" in head
    finally:
        server.close()


def test_an_answer_that_closes_the_connection_is_read_to_its_end() -> None:
    body = JSON_OK % 7
    server, client = _canned(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + body)
    try:
        # The server closes after writing: the body is everything up to the close.
        assert client.api_test()["n"] == 7
        assert client._kept() == {}  # not kept: the server said it closes
    finally:
        server.close()


def test_a_header_with_a_line_break_is_refused_before_anything_is_sent() -> None:
    server, _ = _canned(b"")
    client = KeepAliveWebClient(token="xoxb-test\r\nX-Evil: 1", base_url=f"http://127.0.0.1:{server.port}/api/", retry_handlers=[], timeout=5)
    try:
        with pytest.raises(ValueError, match="line break"):
            client.api_test()
        assert server.requests == []
    finally:
        server.close()


class Trickle(io.RawIOBase):
    """A socket's reads, a few bytes at a time: the head never arrives in one piece."""

    def __init__(self, data: bytes, step: int = 7) -> None:
        self.data, self.step = data, step

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        piece, self.data = self.data[: self.step], self.data[self.step :]
        buffer[: len(piece)] = piece
        return len(piece)


@pytest.mark.parametrize("step", [7, 4096])
def test_an_answer_is_read_alike_whether_its_head_arrives_whole_or_in_pieces(step: int) -> None:
    body = b'{"ok": true}'
    answer = b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nContent-Length: %d\r\nX-A: b\r\n\r\n%sHTTP/1.1" % (len(body), body)
    connection = object.__new__(slack_http._Connection)
    connection.reader = io.BufferedReader(Trickle(answer, step))
    got = connection._answer("POST")
    assert (got.status, got.reason, got.body, got.will_close) == (429, "Too Many Requests", body, False)
    assert got.headers == {"Retry-After": "3", "Content-Length": str(len(body)), "X-A": "b"}
    assert got.header_block == b"Retry-After: 3\r\nContent-Length: 12\r\nX-A: b\r\n\r\n"
    assert connection.reader.read() == b"HTTP/1.1"  # the next answer's bytes stay unread
