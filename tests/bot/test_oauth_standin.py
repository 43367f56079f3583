"""The stand-in Slack's multi-workspace side, which the OAuth tests rely on: oauth.v2.access
answers per scripted code (once), checks the app's credentials, and every token then sees
only its own workspace; tokens it never issued keep the single-workspace answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.support.slack_api import StandInSlack


@pytest.fixture
def standin() -> Iterator[StandInSlack]:
    with StandInSlack() as slack:
        yield slack


def _error(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(SlackApiError) as raised:
        call()
    return str(raised.value.response["error"])


def test_each_scripted_code_gives_its_workspaces_token_once(standin: StandInSlack) -> None:
    bare = WebClient(base_url=standin.api_url)
    token_a = standin.add_install("code-a", "TAAAA", "Acme")
    token_b = standin.add_install("code-b", "TBBBB", "Bolt Inc", enterprise_id="E0GRID")
    a = bare.oauth_v2_access(client_id="c", client_secret="s", code="code-a")
    b = bare.oauth_v2_access(client_id="c", client_secret="s", code="code-b")
    assert (a["access_token"], a["team"], a["enterprise"]) == (
        token_a,
        {"id": "TAAAA", "name": "Acme"},
        None,
    )
    assert (b["access_token"], b["enterprise"]["id"]) == (token_b, "E0GRID")
    assert a["bot_user_id"] != b["bot_user_id"] and a["token_type"] == "bot"
    assert (
        _error(lambda: bare.oauth_v2_access(client_id="c", client_secret="s", code="code-a"))
        == "code_already_used"
    )
    assert (
        _error(lambda: bare.oauth_v2_access(client_id="c", client_secret="s", code="nope"))
        == "invalid_code"
    )
    assert (standin.team_of(token_a), standin.team_of(token_b), standin.team_of("xoxb-other")) == (
        "TAAAA",
        "TBBBB",
        None,
    )


def test_the_apps_credentials_are_checked_when_set(standin: StandInSlack) -> None:
    standin.set_oauth_client("CID", "CSECRET")
    standin.add_install("code-1", "TCRED")
    bare = WebClient(base_url=standin.api_url)
    assert (
        _error(
            lambda: bare.oauth_v2_access(client_id="other", client_secret="CSECRET", code="code-1")
        )
        == "invalid_client_id"
    )
    assert (
        _error(lambda: bare.oauth_v2_access(client_id="CID", client_secret="wrong", code="code-1"))
        == "bad_client_secret"
    )
    assert (
        bare.oauth_v2_access(client_id="CID", client_secret="CSECRET", code="code-1")["team"]["id"]
        == "TCRED"
    )


def test_a_token_sees_only_its_own_workspace(standin: StandInSlack) -> None:
    bare = WebClient(base_url=standin.api_url)
    standin.add_install("ca", "TAAAA")
    standin.add_install("cb", "TBBBB")
    token_a = bare.oauth_v2_access(client_id="c", client_secret="s", code="ca")["access_token"]
    token_b = bare.oauth_v2_access(client_id="c", client_secret="s", code="cb")["access_token"]
    standin.add_user("UA1", "ann", team_id="TAAAA")
    standin.add_user("UB1", "bea", team_id="TBBBB")
    a = WebClient(token=token_a, base_url=standin.api_url)
    b = WebClient(token=token_b, base_url=standin.api_url)
    assert a.auth_test()["team_id"] == "TAAAA" and b.auth_test()["team_id"] == "TBBBB"
    assert a.auth_test()["bot_id"] != b.auth_test()["bot_id"]
    assert a.users_info(user="UA1")["user"]["name"] == "ann"
    assert _error(lambda: a.users_info(user="UB1")) == "user_not_found"
    assert [m["id"] for m in b.users_list()["members"]] == ["UB1"]
    assert a.chat_postMessage(channel="C1", text="hi")["message"]["team"] == "TAAAA"

    assert standin.revoke("TAAAA") == [token_a]
    assert _error(lambda: a.auth_test()) == "token_revoked"
    assert b.auth_test()["ok"] is True


def test_tokens_it_never_issued_keep_the_single_workspace_answers(standin: StandInSlack) -> None:
    legacy = WebClient(token="xoxb-anything", base_url=standin.api_url)
    assert legacy.auth_test()["team_id"] == standin.team_id
    standin.add_user("UX1", "xena", team_id="TSOMEWHERE")
    assert legacy.users_info(user="UX1")["user"]["id"] == "UX1"
    # Before any install is scripted, any code answers for the stand-in's own workspace.
    assert WebClient(base_url=standin.api_url).oauth_v2_access(
        client_id="c", client_secret="s", code="x"
    )["ok"]
