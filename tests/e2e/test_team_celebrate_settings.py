"""/team set NAME celebrate | celebrate-min | hours: live wins' settings, end to end over
signed HTTP — stored, shown, audited, refused when bad, and only for the team's managers."""

from __future__ import annotations

import json

import pytest

from storage.models import AuditEvent, Team


@pytest.fixture
def admin(workspace):
    return workspace.user("ada", admin=True)


def _m(workspace, user_id):
    return f"<@{user_id}|{workspace.names[user_id]}>"


def _team(workspace) -> Team:
    [team] = workspace.rows(Team)
    return team


def _settings(team: Team) -> tuple[str, int | None, str]:
    return team.celebrate, team.celebrate_min, team.work_hours


def _live_wins_line(shown: str) -> str:
    [line] = [line for line in shown.splitlines() if line.startswith("Live wins:")]
    return line


def test_a_new_team_has_the_defaults_and_shows_them(workspace, admin):
    workspace.team(admin, "create east <#C0EAST|sales-east> tz America/New_York")
    assert _settings(_team(workspace)) == ("hits,team", None, "08:00-19:00")
    shown = workspace.team(admin, "show east")
    assert _live_wins_line(shown) == "Live wins: hits, team goals · every deal · hours 08:00-19:00"


def test_celebrate_is_stored_shown_and_audited(workspace, admin):
    workspace.team(admin, "create east <#C0EAST|sales-east> tz America/New_York")
    reply = workspace.team(admin, "set east celebrate team, deals,hits")
    assert reply == "Team *east* now celebrates deals, hits and team goals in <#C0EAST>."
    assert _team(workspace).celebrate == "deals,hits,team"
    event = workspace.rows(AuditEvent)[-1]
    assert event.action == "team.set.celebrate" and event.subject_id == _team(workspace).id
    assert json.loads(event.before)["celebrate"] == "hits,team"
    assert json.loads(event.after)["celebrate"] == "deals,hits,team"

    assert (
        workspace.team(admin, "set east celebrate deals")
        == "Team *east* now celebrates deals in <#C0EAST>."
    )
    assert _team(workspace).celebrate == "deals"
    assert workspace.team(admin, "set east celebrate on") == (
        "Team *east* now celebrates hits and team goals in <#C0EAST>."
    )
    assert _team(workspace).celebrate == "hits,team"
    assert workspace.team(admin, "set east celebrate all").startswith(
        "Team *east* now celebrates deals, hits"
    )
    assert workspace.team(admin, "set east celebrate off") == "Team *east*: live wins off."
    assert _team(workspace).celebrate == "off"
    assert _live_wins_line(workspace.team(admin, "show east")) == (
        "Live wins: off · every deal · hours 08:00-19:00"
    )
    actions = [e.action for e in workspace.rows(AuditEvent)]
    assert actions.count("team.set.celebrate") == 5


def test_celebrations_without_a_channel_say_where_posts_need_to_go(workspace, admin):
    workspace.team(admin, "create east")
    assert workspace.team(admin, "set east celebrate hits") == (
        "Team *east* now celebrates hits — posts need a channel: `/team set east channel #…`."
    )
    assert _live_wins_line(workspace.team(admin, "show east")) == (
        "Live wins: hits · every deal · hours 08:00-19:00 (no channel: posts need `/team set east channel #…`)"
    )
    workspace.team(admin, "set east channel <#C0EAST|sales-east>")
    assert (
        workspace.team(admin, "set east celebrate hits")
        == "Team *east* now celebrates hits in <#C0EAST>."
    )
    assert "(no channel" not in workspace.team(admin, "show east")


def test_celebrate_min_is_stored_in_cents_and_shown_as_money(workspace, admin):
    workspace.team(admin, "create east <#C0EAST|sales-east>")
    workspace.team(admin, "set east celebrate all")
    assert (
        workspace.team(admin, "set east celebrate-min $5,000")
        == "Team *east*: deal posts from $5,000."
    )
    assert _team(workspace).celebrate_min == 500_000
    event = workspace.rows(AuditEvent)[-1]
    assert event.action == "team.set.celebrate-min"
    assert (
        json.loads(event.before)["celebrate_min"],
        json.loads(event.after)["celebrate_min"],
    ) == (None, 500_000)
    shown = workspace.team(admin, "show east")
    assert (
        _live_wins_line(shown)
        == "Live wins: deals, hits, team goals · deals from $5,000 · hours 08:00-19:00"
    )
    assert workspace.team(admin, "set east celebrate deals,team") == (
        "Team *east* now celebrates deals from $5,000 and team goals in <#C0EAST>."
    )

    assert (
        workspace.team(admin, "set east celebrate-min 2.5k")
        == "Team *east*: deal posts from $2,500."
    )
    assert _team(workspace).celebrate_min == 250_000
    assert (
        workspace.team(admin, "set east celebrate-min $99.50")
        == "Team *east*: deal posts from $99.50."
    )
    assert _team(workspace).celebrate_min == 9_950
    assert (
        workspace.team(admin, "set east celebrate-min none")
        == "Team *east*: a post for every deal."
    )
    assert _team(workspace).celebrate_min is None
    workspace.team(admin, "set east celebrate-min 1k")
    assert (
        workspace.team(admin, "set east celebrate-min 0") == "Team *east*: a post for every deal."
    )
    assert _team(workspace).celebrate_min is None


def test_a_deal_minimum_while_deals_are_not_celebrated_says_how_to_turn_them_on(workspace, admin):
    workspace.team(admin, "create east <#C0EAST|sales-east>")
    assert workspace.team(admin, "set east celebrate-min $5,000") == (
        "Team *east*: deal posts from $5,000. Deals are not celebrated now: "
        "`/team set east celebrate deals,hits,team` turns them on."
    )
    assert _team(workspace).celebrate_min == 500_000
    assert _live_wins_line(workspace.team(admin, "show east")) == (
        "Live wins: hits, team goals · deals from $5,000 · hours 08:00-19:00"
    )


def test_hours_are_stored_padded_and_shown_in_the_teams_zone(workspace, admin):
    workspace.team(admin, "create east <#C0EAST|sales-east> tz America/New_York")
    assert workspace.team(admin, "set east hours 8am-6pm") == (
        "Team *east* posts live wins between 08:00 and 18:00 (America/New_York)."
    )
    assert _team(workspace).work_hours == "08:00-18:00"
    event = workspace.rows(AuditEvent)[-1]
    assert event.action == "team.set.hours"
    assert (json.loads(event.before)["work_hours"], json.loads(event.after)["work_hours"]) == (
        "08:00-19:00",
        "08:00-18:00",
    )
    assert workspace.team(admin, "set east hours 7:30–20:00") == (
        "Team *east* posts live wins between 07:30 and 20:00 (America/New_York)."
    )
    assert _team(workspace).work_hours == "07:30-20:00"
    assert _live_wins_line(workspace.team(admin, "show east")).endswith("· hours 07:30-20:00")
    workspace.team(admin, "set east tz Europe/Berlin")
    assert workspace.team(admin, "set east hours 9-17") == (
        "Team *east* posts live wins between 09:00 and 17:00 (Europe/Berlin)."
    )
    assert workspace.team(admin, "set east hours any") == "Team *east* posts live wins at any hour."
    assert _team(workspace).work_hours == "any"
    assert (
        _live_wins_line(workspace.team(admin, "show east"))
        == "Live wins: hits, team goals · every deal · any hour"
    )
    workspace.team(admin, "set east celebrate off")
    assert workspace.team(admin, "set east hours 08:00-19:00") == (
        "Team *east* posts live wins between 08:00 and 19:00 (Europe/Berlin). "
        "Live wins are off now: `/team set east celebrate on` turns them on."
    )
    assert _team(workspace).work_hours == "08:00-19:00"


BAD_SETTINGS = [
    (
        "set east celebrate wins",
        '"wins" is not something to celebrate',
        "celebrate deals,hits,team",
    ),
    ("set east celebrate off,deals", "`off` stands alone", "celebrate deals,hits,team"),
    ("set east celebrate", "Give a value for celebrate.", "celebrate deals,hits,team"),
    ("set east celebrate-min lots", '"lots" is not an amount of money.', "celebrate-min $5,000"),
    ("set east celebrate-min -5", '"-5" is negative', "celebrate-min $5,000"),
    ("set east celebrate-min $1.005", "more than two decimals", "celebrate-min $5,000"),
    ("set east celebrate-min $20m", "more than any deal can be", "celebrate-min $5,000"),
    ("set east hours 19-8", "runs overnight", "hours 08:00-19:00"),
    ("set east hours 22:00-06:00", "runs overnight", "hours 08:00-19:00"),
    ("set east hours 9-9", "is empty", "hours 08:00-19:00"),
    ("set east hours 8-25", '"25" is not a time of day', "hours 08:00-19:00"),
    ("set east hours 13pm-2pm", '"13pm" is not a time of day', "hours 08:00-19:00"),
    ("set east hours sometimes", '"sometimes" is not a range of hours', "hours 08:00-19:00"),
    ("set nowhere celebrate all", 'Unknown team "nowhere". Teams: east.', "/team create east"),
]


@pytest.mark.parametrize(
    ("text", "mentions", "example"), BAD_SETTINGS, ids=[t[9:40] for t, _, _ in BAD_SETTINGS]
)
def test_bad_values_change_nothing(workspace, admin, text, mentions, example):
    workspace.team(admin, "create east <#C0EAST|sales-east>")
    workspace.team(admin, "set east celebrate-min 1k")
    before, row = workspace.snapshot(), _settings(_team(workspace))
    reply = workspace.team(admin, text)
    assert mentions in reply, reply
    assert "Example: `/team" in reply and example in reply, reply
    assert workspace.snapshot() == before
    assert _settings(_team(workspace)) == row == ("hits,team", 100_000, "08:00-19:00")


def test_managers_set_their_own_teams_live_wins_and_nobody_else_does(workspace, admin):
    dana, maria, walt = workspace.user("dana"), workspace.user("maria"), workspace.user("walt")
    workspace.team(admin, f"create east <#C0EAST|sales-east> manager {_m(workspace, dana)}")
    workspace.team(admin, f"create west manager {_m(workspace, walt)}")
    workspace.team(admin, f"add east {_m(workspace, maria)}")
    # A team's manager may, as with thresholds.
    assert workspace.team(dana, "set east celebrate deals,hits").startswith(
        "Team *east* now celebrates deals and hits"
    )
    assert (
        workspace.team(dana, "set east celebrate-min 10k")
        == "Team *east*: deal posts from $10,000."
    )
    assert workspace.team(dana, "set east hours 9-18").startswith(
        "Team *east* posts live wins between 09:00 and 18:00"
    )
    audited = [e for e in workspace.rows(AuditEvent) if e.action.startswith("team.set.")]
    assert [e.action for e in audited] == [
        "team.set.celebrate",
        "team.set.celebrate-min",
        "team.set.hours",
    ]
    east = [t for t in workspace.rows(Team) if t.name == "east"][0]
    assert _settings(east) == ("deals,hits", 1_000_000, "09:00-18:00")

    def unchanged() -> tuple:
        return workspace.snapshot(), [_settings(t) for t in workspace.rows(Team)]

    for text in ("set east celebrate off", "set east celebrate-min 0", "set east hours any"):
        # A manager of another team is refused…
        before = unchanged()
        assert workspace.team(walt, text).startswith(
            "Only an admin or a manager of team east can do that."
        )
        assert unchanged() == before
        # …and so is a rep, even of the team.
        reply = workspace.team(maria, text)
        assert reply.startswith("Only workspace admins and team managers can use /team.")
        assert unchanged() == before
