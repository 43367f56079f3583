"""A slow Slack: with the stand-in answering every call (Web API, response URL, upload) after
400 ms, every command and interaction is answered within a second — its Slack calls come
after the answer (bot/services/later.py) — and the person is then told the outcome (through the
response URL, a DM, a form or their Home), which each test waits for and reads.

The answers are timed with time.perf_counter around the signed request, sent by a client
that returns as soon as the app answers (the suite's usual client also waits for the app's
work after the answer). Retried Events API deliveries are acknowledged and skipped.
Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from types import SimpleNamespace

import pytest

from bot.console.render import Names, render_blocks
from bot.render.app_home import (
    HOME_EXPORT_ACTION,
    HOME_LOG_ACTION,
    HOME_PERIOD_ACTION,
    HOME_PROPOSE_ACTION,
    HOME_SET_GOAL_ACTION,
    HOME_UNDO_ACTION,
    PROPOSE_CALLBACK_ID,
)
from bot.render.goals import APPROVE_ACTION, REJECT_ACTION
from bot.render.nudge import LOG_OPEN_ACTION
from bot.services.later import WORKING
from storage.models import GoalRequest, Team, TeamMember
from tests.conftest import DEFAULT_NOW, SIGNING_SECRET, answer_text
from tests.support.signed_requests import HttpResponse, SignedSlackClient
from tests.support.slack_api import RecordedCall

SLOW = 0.4  # seconds the stand-in takes to answer each call
BUDGET = 1.0  # seconds within which every command and interaction is answered
OUTCOME = 30.0  # deadline for the outcome that follows (25 look-ups take 10 s at 400 ms)


def _m(workspace, user_id):
    return f"<@{user_id}|{workspace.names[user_id]}>"


@pytest.fixture
def east(workspace):
    """Team east (New York; it is Fri 20 Nov, 10:00 there): manager dana, reps maria and bo,
    admin ada. maria has 60 calls a week and has logged 20 of them. Set up at full speed."""
    admin = workspace.user("ada", admin=True)
    dana, maria, bo = workspace.user("dana"), workspace.user("maria"), workspace.user("bo")
    workspace.team(admin, f"create east manager {_m(workspace, dana)} tz America/New_York")
    workspace.team(admin, f"add east {_m(workspace, maria)} {_m(workspace, bo)}")
    workspace.reply("/goal", dana, f"set {_m(workspace, maria)} calls 60/week")
    workspace.log(maria, "calls 10 wed")
    workspace.log(maria, "calls 10 thu")
    return SimpleNamespace(admin=admin, dana=dana, maria=maria, bo=bo)


@pytest.fixture
def slack_side(workspace, running_app, slack) -> Iterator[SignedSlackClient]:
    """Slack's side, answered as soon as the app answers, with a response URL of its own.
    The calls the app made before (the set-up) are forgotten."""
    client = SignedSlackClient(
        running_app.url,
        SIGNING_SECRET,
        team_id=workspace.team_id,
        response_url=slack.response_url(),
    )
    assert running_app.paceline.background.idle(60)
    slack.clear()
    try:
        yield client
    finally:
        client.close()
        # Nothing of this test's work after the answer runs into the next test.
        assert running_app.paceline.background.idle(60)


def answered(send: Callable[[], HttpResponse], what: str) -> HttpResponse:
    """Send one signed request and check that the app answered within BUDGET."""
    started = time.perf_counter()
    response = send()
    took = time.perf_counter() - started
    assert response.status == 200, response.text
    assert took < BUDGET, (
        f"{what} was answered after {took:.2f} s with a Slack taking {SLOW} s a call"
    )
    return response


def told(slack, client: SignedSlackClient, count: int = 1) -> list[str]:
    """What the app said through `client`'s response URL, once it has said `count` things."""
    key = client.response_url.rsplit("/", 1)[-1]
    return [
        c.params.get("text", "")
        for c in slack.wait_for("response_url", count, OUTCOME, lambda c: c.key == key)
    ]


def calls(
    slack, method: str, where: Callable[[RecordedCall], bool], count: int = 1
) -> list[RecordedCall]:
    return slack.wait_for(method, count, OUTCOME, where)


def home_notice(slack, user_id: str, notice: str) -> None:
    """Wait until `user_id`'s Home was published with `notice` at its top."""
    calls(
        slack,
        "views.publish",
        lambda c: c.params.get("user_id") == user_id and _home_lines(c)[2].startswith(notice),
    )


def _home_lines(call: RecordedCall) -> list[str]:
    return render_blocks(call.params["view"]["blocks"], Names())


def click(
    client: SignedSlackClient, user_id: str, action_id: str, value: str = "", **kw
) -> HttpResponse:
    """A click on a button of `user_id`'s Home tab."""
    return client.block_action(
        action_id,
        value=value,
        user_id=user_id,
        view={"id": "VHOME" + user_id, "type": "home"},
        **kw,
    )


def command(
    workspace, client: SignedSlackClient, name: str, user_id: str, text: str = ""
) -> HttpResponse:
    return client.command(name, text, user_id=user_id, user_name=workspace.names[user_id])


# --- /team ------------------------------------------------------------------------------------------


def test_team_add_of_25_new_people_answers_at_once_and_tells_who_was_added(
    workspace, east, slack, slack_side
):
    people = [workspace.user(f"p{n:02d}") for n in range(25)]
    text = "add east " + " ".join(_m(workspace, p) for p in people)
    with slack.slowed(SLOW):
        response = answered(
            lambda: command(workspace, slack_side, "/team", east.admin, text), "/team add of 25"
        )
        assert answer_text(response) == (
            "⏳ Adding 25 people to team *east* — looking them up in Slack; the result follows here."
        )
        [outcome] = told(slack, slack_side)
    assert outcome == f"Added {', '.join(f'p{n:02d}' for n in range(25))} to team *east*."
    assert len([c for c in slack.calls_to("users.info") if c.params.get("user") in people]) == 25
    [team] = [t for t in workspace.rows(Team) if t.name == "east"]
    assert len([m for m in workspace.rows(TeamMember) if m.team_id == team.id]) == 27


def test_team_add_of_known_people_answers_with_the_outcome(workspace, east, slack, slack_side):
    """Nobody to look up: no Slack call, and the answer is the outcome, as before."""
    workspace.team(east.admin, "create west")
    slack.clear()
    with slack.slowed(SLOW):
        response = answered(
            lambda: command(
                workspace, slack_side, "/team", east.admin, f"add west {_m(workspace, east.admin)}"
            ),
            "/team add",
        )
    assert answer_text(response) == "Added ada to team *west*."
    assert [c.method for c in slack.calls if c.path.startswith("/api/")] == []


def test_a_refusal_needs_no_look_up_and_comes_at_once(workspace, east, slack, slack_side):
    newcomer = workspace.user("nova")
    with slack.slowed(SLOW):
        response = answered(
            lambda: command(
                workspace, slack_side, "/team", east.dana, f"add north {_m(workspace, newcomer)}"
            ),
            "/team add",
        )
    assert answer_text(response).startswith('Unknown team "north". Teams: east.')
    assert all(c.params.get("user") != newcomer for c in slack.calls_to("users.info"))


def test_team_manager_of_someone_new_tells_the_outcome(workspace, east, slack, slack_side):
    eve = workspace.user("eve")
    with slack.slowed(SLOW):
        response = answered(
            lambda: command(
                workspace, slack_side, "/team", east.admin, f"manager east {_m(workspace, eve)}"
            ),
            "/team manager",
        )
        assert (
            answer_text(response)
            == f"⏳ Team *east*: looking <@{eve}> up in Slack — the result follows here."
        )
        assert told(slack, slack_side) == ["eve now manages *east*."]


def test_a_bot_named_in_team_add_is_refused_in_the_outcome(workspace, east, slack, slack_side):
    robot = workspace.user("robo")
    slack.add_user(robot, "robo", is_bot=True, team_id=workspace.team_id)
    with slack.slowed(SLOW):
        response = answered(
            lambda: command(
                workspace, slack_side, "/team", east.admin, f"add east {_m(workspace, robot)}"
            ),
            "/team add",
        )
        assert answer_text(response).startswith(WORKING)
        [outcome] = told(slack, slack_side)
    assert outcome.startswith("robo is a bot and cannot be on a team.")


# --- /goal ------------------------------------------------------------------------------------------


def _request_dm(slack, user_id: str) -> RecordedCall:
    [call] = calls(
        slack,
        "chat.postMessage",
        lambda c: (
            c.params.get("channel") == user_id and APPROVE_ACTION in str(c.params.get("blocks"))
        ),
    )[-1:]
    return call


def test_goal_propose_answers_at_once_and_the_manager_gets_the_request(
    workspace, east, slack, slack_side
):
    with slack.slowed(SLOW):
        response = answered(
            lambda: command(workspace, slack_side, "/goal", east.bo, "propose calls 70/week"),
            "/goal propose",
        )
        [request] = workspace.rows(GoalRequest)
        assert answer_text(response) == (
            f"Proposed calls 70/week from the day it is approved (request #{request.id}). Sent to dana to approve — "
            "you'll get a DM when they decide."
        )
        dm = _request_dm(slack, east.dana)
    assert dm.params["text"].startswith("*bo* proposes calls 70/week for bo")


def _decide(workspace, east, slack, slack_side, action_id: str) -> tuple[GoalRequest, str]:
    workspace.reply("/goal", east.bo, "propose calls 70/week")
    [request] = workspace.rows(GoalRequest)
    ts = [m for m in slack.messages_in("D" + east.dana) if m.get("blocks")][-1]["ts"]
    where = "D" + east.dana
    with slack.slowed(SLOW):
        answered(
            lambda: slack_side.block_action(
                action_id,
                value=str(request.id),
                user_id=east.dana,
                channel_id=where,
                message_ts=ts,
                container={"type": "message", "channel_id": where, "message_ts": ts},
            ),
            action_id,
        )
        [outcome] = told(slack, slack_side)
        [update] = calls(
            slack,
            "chat.update",
            lambda c: c.params.get("channel") == where and c.params.get("ts") == ts,
        )
        [dm] = calls(
            slack,
            "chat.postMessage",
            lambda c: c.params.get("channel") == east.bo and "was " in c.params.get("text", ""),
        )
    assert outcome in update.params["text"]
    return request, outcome + "\n" + dm.params["text"]


def test_approve_answers_at_once_then_the_decider_the_copies_and_the_requester_are_told(
    workspace, east, slack, slack_side
):
    request, said = _decide(workspace, east, slack, slack_side, APPROVE_ACTION)
    assert "✅ Approved by dana. Set #" in said and "calls 70/week for bo from Fri 20 Nov." in said
    assert f"Your proposal (request #{request.id}) was approved by dana." in said


def test_reject_answers_at_once_then_the_decider_the_copies_and_the_requester_are_told(
    workspace, east, slack, slack_side
):
    request, said = _decide(workspace, east, slack, slack_side, REJECT_ACTION)
    assert "❌ Rejected by dana. Nothing changed." in said
    assert f"Your proposal (request #{request.id}) was rejected by dana. Nothing changed." in said


def test_lowering_a_started_goal_answers_at_once_and_the_admin_gets_the_request(
    workspace, east, slack, slack_side
):
    workspace.team(east.admin, "set east approvals on")
    with slack.slowed(SLOW):
        response = answered(
            lambda: command(
                workspace,
                slack_side,
                "/goal",
                east.dana,
                f"set {_m(workspace, east.maria)} calls 40/week -- fewer leads",
            ),
            "/goal set (lowering)",
        )
        assert "needs an admin's approval" in answer_text(response) and "Asked ada" in answer_text(
            response
        )
        _request_dm(slack, east.admin)


def test_goal_without_text_opens_the_form_within_the_budget(workspace, east, slack, slack_side):
    """The form needs the command's trigger: views.open is the one Slack call before the answer."""
    with slack.slowed(SLOW):
        answered(lambda: command(workspace, slack_side, "/goal", east.dana), "/goal (form)")
    [opened] = slack.calls_to("views.open")[-1:]
    assert opened.params["view"]["callback_id"] == "goal_modal"


# --- /log and /progress -----------------------------------------------------------------------------------


def test_log_of_a_known_caller_makes_no_slack_call(workspace, east, slack, slack_side):
    slack.clear()
    with slack.slowed(SLOW):
        response = answered(
            lambda: command(workspace, slack_side, "/log", east.maria, "calls 12"), "/log"
        )
    assert answer_text(response).startswith("Logged 12 calls on Fri 20 Nov.")
    assert [c for c in slack.calls if c.path.startswith("/api/")] == []


def test_a_first_time_caller_waits_for_one_profile_look_up_only(workspace, east, slack, slack_side):
    """Their time zone says what "today" is and their admin flag what they may do: the one
    Slack call made before an answer, once per person."""
    newcomer = workspace.user("nia")
    slack.clear()
    with slack.slowed(SLOW):
        response = answered(
            lambda: command(workspace, slack_side, "/log", newcomer, "calls 3"), "a first /log"
        )
    assert answer_text(response).startswith("Logged 3 calls on Fri 20 Nov.")
    assert [c.method for c in slack.calls if c.path.startswith("/api/")] == ["users.info"]


def test_a_stale_profile_is_refreshed_after_the_answer(
    workspace, east, running_app, slack, slack_side
):
    """Two days on, bo's profile is stale: he is answered from the stored one at once, and
    users.info follows in the background."""
    running_app.clock.set(DEFAULT_NOW + timedelta(days=2))
    with slack.slowed(SLOW):
        response = answered(
            lambda: command(workspace, slack_side, "/log", east.bo, "calls 2"),
            "/log with a stale profile",
        )
        assert answer_text(response).startswith("Logged 2 calls on Sun 22 Nov.")
        calls(slack, "users.info", lambda c: c.params.get("user") == east.bo)


def test_log_without_text_opens_the_form_within_the_budget(workspace, east, slack, slack_side):
    with slack.slowed(SLOW):
        answered(lambda: command(workspace, slack_side, "/log", east.maria), "/log (form)")
    [opened] = slack.calls_to("views.open")[-1:]
    assert opened.params["view"]["callback_id"] == "log_modal"


def test_progress_export_answers_at_once_and_the_file_follows(workspace, east, slack, slack_side):
    with slack.slowed(SLOW):
        response = answered(
            lambda: command(workspace, slack_side, "/progress", east.dana, "export"),
            "/progress export",
        )
        assert answer_text(response).startswith("Preparing your export for ")
        [done] = calls(
            slack,
            "files.completeUploadExternal",
            lambda c: c.params.get("channel_id") == "D" + east.dana,
        )
    assert done.params["initial_comment"].startswith("Your Paceline export for ")


# --- modals -------------------------------------------------------------------------------------------------


def test_a_log_form_submission_closes_at_once_and_the_confirmation_follows(
    workspace, east, slack, slack_side
):
    values = {"metric:calls": {"amount": {"type": "plain_text_input", "value": "8"}}}
    with slack.slowed(SLOW):
        response = answered(
            lambda: slack_side.view_submission(
                "log_modal", values, user_id=east.maria, view_id="VSLOWLOG"
            ),
            "the /log form",
        )
        assert response.body in (b"", b"{}") or "errors" not in response.text
        [dm] = calls(
            slack,
            "chat.postMessage",
            lambda c: (
                c.params.get("channel") == east.maria
                and "Logged 8 calls" in c.params.get("text", "")
            ),
        )
    assert "This week: 28 / 60 calls" in dm.params["text"]


def test_the_home_propose_form_closes_at_once_then_the_manager_and_the_rep_hear(
    workspace, east, slack, slack_side
):
    values = {
        "metric": {"metric": {"type": "static_select", "selected_option": {"value": "calls"}}},
        "target": {"target": {"type": "plain_text_input", "value": "70"}},
        "period": {"period": {"type": "static_select", "selected_option": {"value": "week"}}},
        "reason": {"reason": {"type": "plain_text_input", "value": "new territory"}},
    }
    with slack.slowed(SLOW):
        answered(
            lambda: slack_side.view_submission(
                PROPOSE_CALLBACK_ID, values, user_id=east.bo, view_id="VSLOWPROP"
            ),
            "the propose form",
        )
        _request_dm(slack, east.dana)
        [dm] = calls(slack, "chat.postMessage", lambda c: c.params.get("channel") == east.bo)
    [request] = workspace.rows(GoalRequest)
    assert dm.params["text"].startswith(
        f"Proposed calls 70/week from the day it is approved (request #{request.id}). Sent to dana"
    )


# --- App Home -------------------------------------------------------------------------------------------------


def test_app_home_opened_is_answered_at_once_and_the_home_published(
    workspace, east, slack, slack_side
):
    event = {
        "type": "app_home_opened",
        "user": east.maria,
        "channel": "D" + east.maria,
        "tab": "home",
        "event_ts": "1.0",
    }
    with slack.slowed(SLOW):
        answered(lambda: slack_side.event(event), "app_home_opened")
        [published] = calls(slack, "views.publish", lambda c: c.params.get("user_id") == east.maria)
    assert "20 / 60 calls" in "\n".join(_home_lines(published))


def test_home_undo_answers_at_once_and_the_home_says_what_was_undone(
    workspace, east, slack, slack_side
):
    thu = next(e for e in workspace.entries() if e.day.isoformat() == "2026-11-19")
    with slack.slowed(SLOW):
        answered(lambda: click(slack_side, east.maria, HOME_UNDO_ACTION, str(thu.id)), "Home undo")
        assert thu.id not in {e.id for e in workspace.entries()}  # done before the answer
        home_notice(slack, east.maria, "↩️ Undid Thu 19 Nov · 10 calls.")


@pytest.mark.parametrize(
    ("action_id", "who", "form"),
    [
        (HOME_LOG_ACTION, "maria", "log_modal"),
        (HOME_PROPOSE_ACTION, "bo", PROPOSE_CALLBACK_ID),
        (HOME_SET_GOAL_ACTION, "dana", "goal_modal"),
    ],
)
def test_home_form_buttons_answer_at_once_and_open_their_form(
    workspace, east, slack, slack_side, action_id, who, form
):
    user_id = getattr(east, who)
    with slack.slowed(SLOW):
        answered(lambda: click(slack_side, user_id, action_id), action_id)
        [opened] = calls(
            slack, "views.open", lambda c: c.params.get("view", {}).get("callback_id") == form
        )
    assert opened.params["trigger_id"]  # the click's, used first thing after the answer


def test_set_a_goal_refuses_a_rep_on_their_home(workspace, east, slack, slack_side):
    with slack.slowed(SLOW):
        answered(lambda: click(slack_side, east.maria, HOME_SET_GOAL_ACTION), "Home set a goal")
        home_notice(
            slack,
            east.maria,
            "⛔ Managers set goals — *Propose a goal* and your manager approves it.",
        )


def test_home_export_answers_at_once_then_the_file_and_the_home_follow(
    workspace, east, slack, slack_side
):
    with slack.slowed(SLOW):
        answered(lambda: click(slack_side, east.dana, HOME_EXPORT_ACTION), "Home export")
        calls(
            slack,
            "files.completeUploadExternal",
            lambda c: c.params.get("channel_id") == "D" + east.dana,
        )
        home_notice(slack, east.dana, "📎 This month's CSV is in your DM from Paceline.")


def test_home_period_choice_answers_at_once_and_the_home_shows_the_quarter(
    workspace, east, slack, slack_side
):
    picked = {
        "type": "static_select",
        "selected_option": {
            "text": {"type": "plain_text", "text": "This quarter"},
            "value": "quarter",
        },
    }
    with slack.slowed(SLOW):
        answered(
            lambda: click(slack_side, east.maria, HOME_PERIOD_ACTION, action=picked), "Home period"
        )
        [published] = calls(slack, "views.publish", lambda c: c.params.get("user_id") == east.maria)
    assert any("quarter" in line.lower() for line in _home_lines(published))


def test_approve_from_home_answers_at_once_then_the_dm_copy_and_the_home_follow(
    workspace, east, slack, slack_side
):
    workspace.reply("/goal", east.bo, "propose calls 70/week")
    [request] = workspace.rows(GoalRequest)
    with slack.slowed(SLOW):
        answered(
            lambda: click(slack_side, east.dana, APPROVE_ACTION, str(request.id)), "Approve on Home"
        )
        calls(
            slack,
            "chat.update",
            lambda c: (
                c.params.get("channel") == "D" + east.dana
                and "✅ Approved by dana." in c.params["text"]
            ),
        )
        home_notice(slack, east.dana, "✅ Approved by dana.")


def test_the_log_button_of_a_reminder_opens_the_form_within_the_budget(
    workspace, east, slack, slack_side
):
    with slack.slowed(SLOW):
        answered(
            lambda: slack_side.block_action(
                LOG_OPEN_ACTION, value="2026-11-19", user_id=east.maria
            ),
            "a reminder's Log",
        )
    [opened] = slack.calls_to("views.open")[-1:]
    assert opened.params["view"]["callback_id"] == "log_modal"


# --- Events API retries ------------------------------------------------------------------------------------


def _home_event(user_id: str) -> dict:
    return {
        "type": "app_home_opened",
        "user": user_id,
        "channel": "D" + user_id,
        "tab": "home",
        "event_ts": "1.0",
    }


def _publishes(slack, user_id: str) -> list[RecordedCall]:
    return [c for c in slack.calls_to("views.publish") if c.params.get("user_id") == user_id]


def test_a_retried_event_is_acknowledged_and_does_no_work_twice(
    workspace, east, running_app, slack, slack_side
):
    event_id = f"EvRETRY{workspace.team_id}"
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    with slack.slowed(SLOW):
        answered(
            lambda: slack_side.event(_home_event(east.bo), event_id=event_id), "app_home_opened"
        )
        answered(
            lambda: slack_side.event(_home_event(east.bo), event_id=event_id, headers=retry),
            "its retry",
        )
        calls(slack, "views.publish", lambda c: c.params.get("user_id") == east.bo)
        assert running_app.paceline.background.idle(OUTCOME)
    assert len(_publishes(slack, east.bo)) == 1
    # A third delivery, retried again, is skipped too.
    retry["X-Slack-Retry-Num"] = "2"
    assert slack_side.event(_home_event(east.bo), event_id=event_id, headers=retry).status == 200
    assert running_app.paceline.background.idle(OUTCOME)
    assert len(_publishes(slack, east.bo)) == 1


def test_a_retry_of_an_event_not_seen_here_or_answered_with_an_error_is_done(
    workspace, east, running_app, slack, slack_side
):
    """The first delivery never reached this instance, or this app answered it with an
    error: the retry does the work."""
    unseen = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert (
        slack_side.event(
            _home_event(east.bo), event_id=f"EvUNSEEN{workspace.team_id}", headers=unseen
        ).status
        == 200
    )
    calls(slack, "views.publish", lambda c: c.params.get("user_id") == east.bo)
    event_id = f"EvERROR{workspace.team_id}"
    assert slack_side.event(_home_event(east.bo), event_id=event_id).status == 200
    failed = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
    assert slack_side.event(_home_event(east.bo), event_id=event_id, headers=failed).status == 200
    calls(slack, "views.publish", lambda c: c.params.get("user_id") == east.bo, count=3)
