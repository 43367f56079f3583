"""The Web API stand-in, driven by slack_sdk's real WebClient over loopback HTTP."""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.standin.slack_api import StandInSlack as ConsoleSlack
from tests.support.slack_api import RecordedCall, StandInSlack
from tests.support.waiting import poll

# These tests post what Slack would refuse on purpose, to see the stand-in answer as Slack does.
pytestmark = pytest.mark.slack_payloads_unchecked


@pytest.fixture
def standin() -> Iterator[StandInSlack]:
    with StandInSlack() as s:
        yield s


@pytest.fixture
def client(standin: StandInSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=standin.api_url)


def test_urls_point_at_loopback(standin: StandInSlack) -> None:
    assert standin.base_url.startswith("http://127.0.0.1:")
    assert standin.api_url == standin.base_url + "/api/"
    assert standin.response_url("abc") == standin.base_url + "/response/abc"
    assert standin.response_url() != standin.response_url()


def test_auth_test_and_recorded_call(standin: StandInSlack, client: WebClient) -> None:
    resp = client.auth_test()
    assert resp["ok"] is True
    assert resp["user_id"] == "UBOT"
    assert resp["team_id"] == "T_TEST"
    assert resp["bot_id"]
    assert resp["is_enterprise_install"] is False

    [call] = standin.calls_to("auth.test")
    assert call.token == "xoxb-test"
    assert call.headers["authorization"] == "Bearer xoxb-test"
    assert call.status == 200
    assert call.at > 0


def test_the_consoles_stand_in_answers_alone_and_shows_every_call_to_on_call() -> None:
    seen: list[RecordedCall] = []
    with ConsoleSlack(team_id="T_CONSOLE", on_call=seen.append) as standin:
        console_client = WebClient(token="xoxb-console", base_url=standin.api_url)
        assert console_client.auth_test()["team_id"] == "T_CONSOLE"
        posted = console_client.chat_postMessage(channel="C1", text="hi")
        assert posted["ok"] is True and posted["message"]["team"] == "T_CONSOLE"
    assert [c.method for c in seen] == ["auth.test", "chat.postMessage"]
    assert not hasattr(standin, "calls") and not hasattr(standin, "fail_next")


def test_users_info_found_and_not_found(standin: StandInSlack, client: WebClient) -> None:
    added = standin.add_user("U1", "maria", real_name="Maria Lopez", is_admin=True, email="m@x.io")
    user = client.users_info(user="U1")["user"]
    assert user == added
    assert user["tz"] == "America/New_York"
    assert user["tz_offset"] in (-5 * 3600, -4 * 3600)
    assert user["profile"]["email"] == "m@x.io"
    assert user["is_admin"] is True

    with pytest.raises(SlackApiError) as err:
        client.users_info(user="U_NOBODY")
    assert err.value.response["error"] == "user_not_found"


def test_post_message_and_history_round_trip_with_metadata(
    standin: StandInSlack, client: WebClient
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    metadata = {"event_type": "goal_set", "event_payload": {"goal_id": 7}}
    first = client.chat_postMessage(channel="C1", text="hi", blocks=blocks, metadata=metadata)
    second = client.chat_postMessage(channel="C1", text="again")
    assert first["channel"] == "C1"
    assert first["message"]["blocks"] == blocks
    assert first["message"]["metadata"] == metadata
    assert float(second["ts"]) > float(first["ts"])

    history = client.conversations_history(channel="C1", include_all_metadata=True, limit=10)
    assert [m["text"] for m in history["messages"]] == ["again", "hi"]  # newest first
    assert history["messages"][1]["metadata"] == metadata
    assert history["messages"][1]["ts"] == first["ts"]

    stored = standin.messages_in("C1")
    assert [m["ts"] for m in stored] == [first["ts"], second["ts"]]
    assert stored[0]["metadata"] == metadata

    # `oldest` is exclusive, as in Slack.
    newer = client.conversations_history(channel="C1", oldest=first["ts"])
    assert [m["text"] for m in newer["messages"]] == ["again"]


def test_form_encoded_json_fields_are_decoded(standin: StandInSlack, client: WebClient) -> None:
    blocks = [{"type": "divider"}]
    client.api_call(
        "chat.postMessage", params={"channel": "C1", "text": "x", "blocks": json.dumps(blocks)}
    )
    [call] = standin.calls_to("chat.postMessage")
    assert call.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert call.params["blocks"] == blocks
    assert "token" not in call.params


def test_posting_to_a_user_lands_in_the_dm(standin: StandInSlack, client: WebClient) -> None:
    dm = client.conversations_open(users="U1")["channel"]["id"]
    assert dm == "DU1"
    resp = client.chat_postMessage(channel="U1", text="psst")
    assert resp["channel"] == "DU1"
    assert [m["text"] for m in standin.messages_in(dm)] == ["psst"]
    assert client.conversations_info(channel=dm)["channel"]["is_im"] is True


def test_update_and_delete_change_the_stored_messages(
    standin: StandInSlack, client: WebClient
) -> None:
    ts = client.chat_postMessage(channel="C1", text="draft")["ts"]
    client.chat_update(channel="C1", ts=ts, text="final")
    assert [m["text"] for m in standin.messages_in("C1")] == ["final"]
    client.chat_delete(channel="C1", ts=ts)
    assert standin.messages_in("C1") == []
    eph = client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    assert eph["message_ts"]


def test_post_message_validates_like_slack(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err, pytest.warns(UserWarning):
        client.chat_postMessage(channel="C1")
    assert err.value.response["error"] == "no_text"


def test_views_open_update_publish(standin: StandInSlack, client: WebClient) -> None:
    modal = {
        "type": "modal",
        "callback_id": "set_goal",
        "title": {"type": "plain_text", "text": "Goal"},
        "blocks": [],
    }
    opened = client.views_open(trigger_id="123.456.abc", view=modal)["view"]
    assert opened["id"].startswith("V")
    assert opened["callback_id"] == "set_goal"
    assert opened["hash"]
    [call] = standin.calls_to("views.open")
    assert call.params["view"] == modal

    updated = client.views_update(view_id=opened["id"], view={**modal, "private_metadata": "x"})
    assert updated["view"]["id"] == opened["id"]
    assert updated["view"]["private_metadata"] == "x"
    assert updated["view"]["hash"] != opened["hash"]

    pushed = client.views_push(trigger_id="t", view=modal)["view"]
    assert pushed["id"] != opened["id"]

    home = {"type": "home", "blocks": []}
    first = client.views_publish(user_id="U1", view=home)["view"]
    again = client.views_publish(user_id="U1", view=home)["view"]
    assert first["id"] == again["id"]
    assert first["type"] == "home"


def test_views_open_requires_a_trigger(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.views_open(trigger_id="", view={"type": "modal", "blocks": []})
    assert err.value.response["error"] == "invalid_arguments"


def test_files_upload_v2_delivers_the_bytes(standin: StandInSlack, client: WebClient) -> None:
    content = b"rep,quota\nmaria,10\n" * 100
    resp = client.files_upload_v2(
        content=content, filename="report.csv", title="Report", channel="C1"
    )
    assert resp["ok"] is True
    file_id = resp["file"]["id"]
    assert resp["file"]["title"] == "Report"
    assert standin.file_content(file_id) == content

    [upload] = standin.calls_to("files.upload_url")
    assert upload.params["size"] == len(content)
    assert upload.params["file_id"] == file_id == upload.key
    assert upload.body == content
    [complete] = standin.calls_to("files.completeUploadExternal")
    assert complete.params["files"] == [{"id": file_id, "title": "Report"}]
    assert complete.params["channel_id"] == "C1"


def test_rate_limit_with_retry_after(standin: StandInSlack) -> None:
    client = WebClient(token="xoxb-test", base_url=standin.api_url)
    standin.fail_next("auth.test", retry_after=0)
    with pytest.raises(SlackApiError) as err:
        client.auth_test()
    assert err.value.response.status_code == 429
    assert err.value.response["error"] == "ratelimited"
    assert err.value.response.headers["Retry-After"] == "0"

    # The SDK's handler sleeps Retry-After plus up to one second of jitter, then retries.
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    standin.fail_next("auth.test", retry_after=0)
    assert client.auth_test()["ok"] is True
    assert [c.status for c in standin.calls_to("auth.test")] == [429, 429, 200]


def test_server_error(standin: StandInSlack, client: WebClient) -> None:
    standin.fail_next("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="x")
    assert err.value.response.status_code == 500
    assert err.value.response["error"] == "internal_error"
    # The fault is used up; the next call goes through.
    assert client.chat_postMessage(channel="C1", text="x")["ok"] is True


def test_error_fault_with_ok_status_and_times(standin: StandInSlack, client: WebClient) -> None:
    standin.fail_next("users.info", error="fatal_error", times=2)
    standin.add_user("U1", "maria")
    for _ in range(2):
        with pytest.raises(SlackApiError) as err:
            client.users_info(user="U1")
        assert err.value.response.status_code == 200
        assert err.value.response["error"] == "fatal_error"
    assert client.users_info(user="U1")["ok"] is True


def test_dropped_connection_raises_without_retry_handlers(standin: StandInSlack) -> None:
    client = WebClient(token="xoxb-test", base_url=standin.api_url, retry_handlers=[])
    standin.fail_next("chat.postMessage", drop_connection=True)
    # urllib surfaces it as RemoteDisconnected or URLError, both OSErrors.
    with pytest.raises(OSError):
        client.chat_postMessage(channel="C1", text="x")
    [call] = standin.calls_to("chat.postMessage")
    assert call.status == 0
    assert standin.messages_in("C1") == []


def test_dropped_connection_is_retried_by_the_sdk_default(
    standin: StandInSlack, client: WebClient
) -> None:
    # WebClient ships with ConnectionErrorRetryHandler, so one drop is invisible to the app.
    standin.fail_next("chat.postMessage", drop_connection=True)
    assert client.chat_postMessage(channel="C1", text="x")["ok"] is True
    assert [c.status for c in standin.calls_to("chat.postMessage")] == [0, 200]


def test_delay_fault_makes_the_client_time_out(standin: StandInSlack) -> None:
    client = WebClient(token="xoxb-test", base_url=standin.api_url, timeout=0.2, retry_handlers=[])
    standin.fail_next("auth.test", status=200, error="ignored", delay=3.0)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        client.auth_test()
    assert time.monotonic() - started < 2.0


def test_missing_token_is_not_authed(standin: StandInSlack) -> None:
    with pytest.raises(SlackApiError) as err:
        WebClient(base_url=standin.api_url).auth_test()
    assert err.value.response["error"] == "not_authed"
    [call] = standin.calls_to("auth.test")
    assert call.token is None


def test_token_in_params_is_accepted(standin: StandInSlack) -> None:
    resp = WebClient(base_url=standin.api_url).auth_test(token="xoxb-param")
    assert resp["ok"] is True
    assert standin.calls_to("auth.test")[0].token == "xoxb-param"


def test_get_requests_with_query_string(standin: StandInSlack) -> None:
    url = standin.api_url + "users.info?user=U1"
    standin.add_user("U1", "maria")
    request = urllib.request.Request(url, headers={"Authorization": "Bearer xoxb-get"})
    with urllib.request.urlopen(request, timeout=5) as resp:
        assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
        body = json.loads(resp.read())
    assert body["user"]["id"] == "U1"
    [call] = standin.calls_to("users.info")
    assert call.http_method == "GET"
    assert call.params == {"user": "U1"}


def test_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.api_call("paceline.doesNotExist")
    assert err.value.response["error"] == "unknown_method"


def test_invalid_json_body(standin: StandInSlack) -> None:
    request = urllib.request.Request(
        standin.api_url + "chat.postMessage",
        data=b"{not json",
        headers={"Authorization": "Bearer x", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as resp:
        assert json.loads(resp.read()) == {"ok": False, "error": "invalid_json"}


def test_users_list_pagination(standin: StandInSlack, client: WebClient) -> None:
    for i in range(5):
        standin.add_user(f"U{i}", f"user{i}")
    # SlackResponse iteration mutates one object in place, so read each page as it comes.
    pages = [[m["id"] for m in page["members"]] for page in client.users_list(limit=2)]
    assert pages == [["U0", "U1"], ["U2", "U3"], ["U4"]]
    assert len(client.users_list()["members"]) == 5

    with pytest.raises(SlackApiError) as err:
        client.users_list(cursor="garbage!")
    assert err.value.response["error"] == "invalid_cursor"


def test_history_pagination(client: WebClient) -> None:
    for i in range(5):
        client.chat_postMessage(channel="C1", text=str(i))
    pages = [
        [m["text"] for m in page["messages"]]
        for page in client.conversations_history(channel="C1", limit=2)
    ]
    assert pages == [["4", "3"], ["2", "1"], ["0"]]


def test_team_info_and_oauth_without_token(standin: StandInSlack) -> None:
    bare = WebClient(base_url=standin.api_url)
    resp = bare.oauth_v2_access(client_id="cid", client_secret="secret", code="c0de")
    assert resp["access_token"] == "xoxb-standin-T_TEST"
    assert resp["team"] == {"id": "T_TEST", "name": "Paceline Test"}
    assert resp["token_type"] == "bot"
    assert resp["authed_user"]["id"]
    [call] = standin.calls_to("oauth.v2.access")
    assert call.headers["authorization"].startswith("Basic ")
    assert call.params["code"] == "c0de"

    team = WebClient(token="xoxb-x", base_url=standin.api_url).team_info()["team"]
    assert team["id"] == "T_TEST"


def test_set_handler_overrides_and_restores(standin: StandInSlack, client: WebClient) -> None:
    def denied(call: RecordedCall) -> tuple[int, dict, dict]:
        return (
            200,
            {"ok": False, "error": "invalid_code", "seen": call.params["code"]},
            {"X-T": "1"},
        )

    standin.set_handler("oauth.v2.access", denied)
    with pytest.raises(SlackApiError) as err:
        client.oauth_v2_access(client_id="a", client_secret="b", code="zzz")
    assert err.value.response["seen"] == "zzz"
    assert err.value.response.headers["X-T"] == "1"

    standin.set_handler("chat.getPermalink", lambda call: {"ok": True, "permalink": "p"})
    assert client.chat_getPermalink(channel="C1", message_ts="1.2")["permalink"] == "p"

    standin.set_handler("oauth.v2.access", None)
    assert client.oauth_v2_access(client_id="a", client_secret="b", code="zzz")["ok"] is True


def test_raising_handler_answers_500(standin: StandInSlack, client: WebClient) -> None:
    def broken(call: RecordedCall) -> dict:
        raise RuntimeError("boom")

    standin.set_handler("auth.test", broken)
    with pytest.raises(SlackApiError) as err:
        client.auth_test()
    assert err.value.response.status_code == 500


def test_response_url_is_recorded(standin: StandInSlack) -> None:
    resp = WebhookClient(standin.response_url("cmd-1")).send(text="done", response_type="ephemeral")
    assert resp.status_code == 200
    [call] = standin.wait_for("response_url")
    assert call.key == "cmd-1"
    assert call.params == {"text": "done", "response_type": "ephemeral"}
    assert call.token is None


def test_wait_for_sees_calls_made_by_another_thread(
    standin: StandInSlack, client: WebClient
) -> None:
    worker = threading.Thread(
        target=lambda: [client.chat_postMessage(channel=f"C{i}", text="x") for i in range(3)]
    )
    worker.start()
    calls = standin.wait_for(
        "chat.postMessage", count=2, where=lambda c: c.params["channel"] != "C9"
    )
    assert len(calls) >= 2
    worker.join()


def test_wait_for_timeout_explains_what_was_seen(standin: StandInSlack, client: WebClient) -> None:
    client.auth_test()
    client.chat_postMessage(channel="C1", text="x")
    with pytest.raises(AssertionError) as err:
        standin.wait_for(
            "chat.postMessage", timeout=0.1, where=lambda c: c.params["channel"] == "C2"
        )
    message = str(err.value)
    assert "chat.postMessage" in message
    assert "matching `where`" in message
    assert "auth.test x1" in message
    assert "'channel': 'C1'" in message


def test_clear_forgets_calls_but_keeps_state(standin: StandInSlack, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="kept")
    standin.clear()
    assert standin.calls == []
    assert len(standin.messages_in("C1")) == 1


def test_on_call_sees_every_call_and_may_fail(standin: StandInSlack, client: WebClient) -> None:
    seen: list[str] = []

    def observe(call: RecordedCall) -> None:
        seen.append(call.method)
        raise ValueError("a broken console must not break the app")

    standin.on_call = observe
    client.auth_test()
    client.chat_postMessage(channel="C1", text="x")
    assert seen == ["auth.test", "chat.postMessage"]


def test_unknown_path_is_404(standin: StandInSlack) -> None:
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(standin.base_url + "/nope", timeout=5)
    assert err.value.code == 404


def test_stop_ends_keep_alive_connections() -> None:
    before = set(threading.enumerate())
    standin = StandInSlack().start()
    port = int(standin.base_url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("POST", "/api/auth.test", body=b"", headers={"Authorization": "Bearer x"})
    assert json.loads(conn.getresponse().read())["ok"] is True
    # The connection stays open, so a handler thread is parked reading the next request.
    standin.stop()
    assert poll(lambda: set(threading.enumerate()) <= before)
    conn.close()


def test_only_loopback() -> None:
    with pytest.raises(ValueError):
        StandInSlack(host="0.0.0.0")


def test_a_request_whose_body_never_fully_arrived_is_not_a_call(
    standin: StandInSlack, client: WebClient
) -> None:
    """A client that dies between a request's head and the end of its body (a sender killed
    mid-post) sent no request: the stand-in drops the connection and records nothing."""
    import socket

    host, port = standin.base_url.removeprefix("http://").split(":")
    body = b"channel=C1&text=cut"
    head = (
        f"POST /api/chat.postMessage HTTP/1.1\r\nHost: {host}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Authorization: Bearer xoxb-test\r\nContent-Length: {len(body) + 40}\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=5) as cut:
        cut.sendall(head + body)
        cut.shutdown(socket.SHUT_WR)
        assert cut.recv(1024) == b""  # closed without an answer
    client.chat_postMessage(channel="C1", text="whole")
    assert [c.params.get("text") for c in standin.calls_to("chat.postMessage")] == ["whole"]
