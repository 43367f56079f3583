"""Jobs of a team with sub-teams (a region): its managers' lagging alert names the reps
behind everywhere below it, each under their own team; its channel's digest rolls
everyone below up and ranks its sub-teams. The sub-teams' own jobs, and a team elsewhere,
post exactly what they posted before; a re-run posts nothing; and the statements a build
runs do not grow with the number of teams or reps below a region."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from test_content_scale import counting
from test_content_seed import Seed

from bot.clock import FixedClock
from bot.render.block_limits import MESSAGE_TEXT, check
from bot.services import reports
from bot.services.team_weeks import load_weeks, region_board, region_rollup
from bot.slack_pooled_client import PooledWebClient
from scheduler.content import BATCH_BUILDERS
from scheduler.messages import Message
from scheduler.runner import JobRunner
from scheduler.sender import Sender
from scheduler.timing import Occurrence
from storage import teams
from storage.models import Team

# Thursday 19 November 2026, 09:00 in New York: Mon–Wed are complete, 36 of 60 expected.
THURSDAY = datetime(2026, 11, 19, 14, 0, tzinfo=UTC)
# Friday 20 November 2026, 16:00 in New York: Mon–Thu are complete, 48 of 60 expected.
FRIDAY = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
MON, TUE, THU = date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 19)
LAST_WEEK = MON - timedelta(weeks=1)


@pytest.fixture
def seed(running_app) -> Seed:
    return Seed(running_app.paceline.db)


def under(seed: Seed, child: int, parent: int) -> None:
    with seed.db.write() as session:
        session.execute(sa.update(Team).where(Team.id == child).values(parent_id=parent))


class Region:
    """central → {dustin, melvin, oscar → {pike}}, zed directly in central; east elsewhere."""

    def __init__(self, seed: Seed) -> None:
        self.seed = seed
        self.channel = "CCEN" + uuid.uuid4().hex[:8].upper()
        p = self.p = {
            n: seed.person(n)
            for n in ("rhea", "dana", "mel", "eve", "maria", "bo", "cy", "al", "zed", "pat", "ed")
        }
        self.central = seed.team(
            "Central", members=[p["zed"]], managers=[p["rhea"]], channel=self.channel
        )
        self.dustin = seed.team(
            "Dustin", members=[p["maria"], p["bo"]], managers=[p["dana"]], channel="CDUSTIN"
        )
        self.melvin = seed.team(
            "Melvin", members=[p["cy"], p["al"]], managers=[p["mel"]], channel="CMELVIN"
        )
        self.oscar = seed.team("Oscar", channel=None)
        self.pike = seed.team("Pike", members=[p["pat"]], channel="CPIKE")
        self.east = seed.team("East", members=[p["ed"]], managers=[p["eve"]], channel="CEAST")
        for child in (self.dustin, self.melvin, self.oscar):
            under(seed, child, self.central)
        under(seed, self.pike, self.oscar)
        for rep in ("maria", "bo", "cy", "al", "zed", "pat", "ed"):
            seed.goal("calls", 60, person=p[rep])
        seed.goal("calls", 300, team=self.central)  # everyone below: the region's total
        seed.goal("calls", 150, team=self.dustin)
        seed.goal("calls", 100, team=self.melvin)
        seed.goal("demos", 2, team=self.melvin, kind="collective")
        # Mon–Wed of this week, and last week (each rep's streak).
        seed.log_many([
            (p["maria"], MON, "calls", 30),  # 30 of 36: behind
            (p["bo"], MON, "calls", 10),  # at risk
            (p["cy"], MON, "calls", 40),  # ahead, but no demo yet: at risk on melvin's demos
            (p["al"], MON, "calls", 36), (p["al"], TUE, "demos", 2),  # on pace, demos done
            (p["zed"], MON, "calls", 20),  # at risk
            (p["pat"], MON, "calls", 30),  # behind
            (p["ed"], MON, "calls", 10),  # at risk
            (p["maria"], LAST_WEEK, "calls", 40),  # maria was at risk last week too, not before
            (p["maria"], LAST_WEEK - timedelta(weeks=1), "calls", 60),
            *((p[r], LAST_WEEK, "calls", 60) for r in ("bo", "cy", "al", "zed", "pat", "ed")),
            (p["cy"], LAST_WEEK, "demos", 2), (p["al"], LAST_WEEK, "demos", 2),
        ])  # fmt: skip

    @property
    def all_teams(self) -> list[int]:
        return [self.central, self.dustin, self.melvin, self.oscar, self.pike, self.east]

    def slack(self, name: str) -> str:
        return self.seed.slack_id(self.p[name])


def build_together(
    seed: Seed, job: str, team_ids: list[int], at: datetime
) -> dict[int, list[Message]]:
    with seed.db.read() as session:
        return BATCH_BUILDERS[job](session, seed.ws, teams.by_ids(session, seed.ws, team_ids), at)


def alerts(built: dict[int, list[Message]], team_id: int) -> dict[str, Message]:
    return {m.recipient: m for m in built[team_id]}


def lines(message: Message) -> list[str]:
    """Every text of the message's blocks, line by line."""
    found = []
    for block in message.blocks:
        if block["type"] in ("section", "header"):
            found += block["text"]["text"].split("\n")
        elif block["type"] == "context":
            found += [e["text"] for e in block["elements"]]
    return found


def test_the_region_manager_gets_everyone_behind_below_under_their_own_team(seed):
    r = Region(seed)
    built = build_together(seed, "lagging-alert", r.all_teams, THURSDAY)

    [alert] = built[r.central]  # central's own manager only, not the sub-teams'
    assert alert.recipient == r.slack("rhea")
    assert check(list(alert.blocks)) == []
    assert alert.text == (
        "Team Central: 5 reps behind or at risk this week — Central: zed (calls); Dustin: bo (calls), maria (calls); "
        "Melvin: cy (demos); Oscar › Pike: pat (calls)"
    )
    # Each rep on their own team's calendar, by the same rule and with the same streaks as
    # their team's own alert; the teams in /team list's order, the region's own people first.
    assert lines(alert) == [
        "*Team Central: 5 reps behind or at risk* — week of Mon 16 Nov, as of Thu 19 Nov",
        "*Central* · 1 rep",
        "🔴 *zed* — calls ▓▓▓░░┃░░░░ 33% — 20 / 60 calls · at risk · gap 16 calls (expected 36) · needs 20 calls/day · first week behind",
        "*Dustin* · 2 reps",
        "🔴 *bo* — calls ▓░░░░┃░░░░ 16% — 10 / 60 calls · at risk · gap 26 calls (expected 36) · needs 25 calls/day · first week behind",
        "⚠️ *maria* — calls ▓▓▓▓▓┃░░░░ 50% — 30 / 60 calls · behind · gap 6 calls (expected 36) · needs 15 calls/day · 2 weeks in a row",
        "*Melvin* · 1 rep",
        "🔴 *cy* — demos (team: everyone) ░░░░┃░░░░░ 0% — 0 / 2 demos · at risk · gap 1 demo (expected 1) · needs 2 more demos · first week behind",
        "*Oscar › Pike* · 1 rep",
        "⚠️ *pat* — calls ▓▓▓▓▓┃░░░░ 50% — 30 / 60 calls · behind · gap 6 calls (expected 36) · needs 15 calls/day · first week behind",
        "Each rep is under their own team. Gap: how far below where pace expects them today. Weeks in a row: "
        "this week plus each earlier week that ended behind or at risk.",
    ]

    # The sub-teams' managers get their own team's alert, as before the region existed.
    dustin = alerts(built, r.dustin)[r.slack("dana")]
    assert (
        dustin.text == "Team Dustin: 2 reps behind or at risk this week — bo (calls), maria (calls)"
    )
    assert lines(dustin)[1:3] == [
        "🔴 *bo* — calls ▓░░░░┃░░░░ 16% — 10 / 60 calls · at risk · gap 26 calls (expected 36) · needs 25 calls/day · first week behind",
        "⚠️ *maria* — calls ▓▓▓▓▓┃░░░░ 50% — 30 / 60 calls · behind · gap 6 calls (expected 36) · needs 15 calls/day · 2 weeks in a row",
    ]
    assert (
        alerts(built, r.melvin)[r.slack("mel")].text
        == "Team Melvin: 1 rep behind or at risk this week — cy (demos)"
    )
    assert built[r.oscar] == [] and built[r.pike] == []  # no managers
    assert (
        alerts(built, r.east)[r.slack("eve")].text
        == "Team East: 1 rep behind or at risk this week — ed (calls)"
    )
    # Byte for byte what each of them gets alone, and what they got with no region above them.
    for team_id in (r.dustin, r.melvin, r.east):
        assert seed.build("lagging-alert", team_id, THURSDAY) == built[team_id]
    for child in (r.dustin, r.melvin, r.oscar):
        with seed.db.write() as session:
            session.execute(sa.update(Team).where(Team.id == child).values(parent_id=None))
    flat = build_together(seed, "lagging-alert", r.all_teams, THURSDAY)
    assert {t: flat[t] for t in (r.dustin, r.melvin, r.east)} == {
        t: built[t] for t in (r.dustin, r.melvin, r.east)
    }


def test_a_rep_behind_on_the_regions_all_or_nothing_goal_is_flagged_under_their_team_with_its_streak(
    seed,
):
    boss, lead, x, y = (
        seed.person("boss"),
        seed.person("lead"),
        seed.person("xena"),
        seed.person("yann"),
    )
    region = seed.team("Central", managers=[boss], channel="CCENTRAL")
    a = seed.team("Alpha", members=[x], managers=[lead])
    b = seed.team("Beta", members=[y])
    under(seed, a, region)
    under(seed, b, region)
    seed.goal("demos", 2, team=region, kind="collective")
    seed.log(x, LAST_WEEK, demos=2)  # xena did her part last week; yann never did

    built = build_together(seed, "lagging-alert", [region, a, b], THURSDAY)

    [alert] = built[region]
    assert lines(alert)[1:5] == [
        "*Alpha* · 1 rep",
        "🔴 *xena* — demos (team: everyone) ░░░░┃░░░░░ 0% — 0 / 2 demos · at risk · gap 1 demo (expected 1) · needs 2 more demos · first week behind",
        "*Beta* · 1 rep",
        "🔴 *yann* — demos (team: everyone) ░░░░┃░░░░░ 0% — 0 / 2 demos · at risk · gap 1 demo (expected 1) · needs 2 more demos · 9+ weeks in a row",
    ]
    # Alpha's own alert knows nothing of the region's goal.
    [own] = built[a]
    assert (
        own.text
        == "All clear on team Alpha: no rep has a goal to be behind on (week of Mon 16 Nov)."
    )


def test_a_region_with_nobody_behind_gets_the_all_clear(seed):
    boss, x, y = seed.person("boss"), seed.person("xena"), seed.person("yann")
    region = seed.team("Central", managers=[boss], channel="CCENTRAL")
    a, b = seed.team("Alpha", members=[x]), seed.team("Beta", members=[y])
    under(seed, a, region)
    under(seed, b, region)
    seed.goals_for([x, y], "calls", 60)
    seed.log_many([(x, MON, "calls", 36), (y, MON, "calls", 40)])
    [alert] = build_together(seed, "lagging-alert", [region], THURSDAY)[region]
    assert (
        alert.text
        == "All clear on team Central: none of its 2 reps with goals is behind or at risk (week of Mon 16 Nov)."
    )


def test_a_big_region_alert_stays_within_slacks_limits(seed):
    boss = seed.person("boss")
    region = seed.team("Central", managers=[boss], channel="CCENTRAL")
    for i in range(6):
        reps = seed.many(f"team{i}-a-rather-long-display-name-for-a-sales-rep-", 8)
        team = seed.team(f"Team {i}", members=reps)
        under(seed, team, region)
        seed.goals_for(reps, "calls", 60)
        seed.goals_for(reps, "demos", 5)
    [alert] = build_together(seed, "lagging-alert", [region], THURSDAY)[region]
    assert check(list(alert.blocks)) == [] and len(alert.text) <= MESSAGE_TEXT
    text = "\n".join(lines(alert))
    assert "*Team Central: 48 reps behind or at risk*" in text
    assert text.count("🔴 *team") == 30
    assert (
        "…and 18 more behind or at risk (Team 3 2, Team 4 8, Team 5 8): `/progress team:Central` lists everyone."
        in text
    )
    assert "*Team 3* · 8 reps, 6 shown" in text


def test_the_region_digest_rolls_everyone_up_and_ranks_its_sub_teams(seed):
    r = Region(seed)
    seed.log_many([(r.p["maria"], THU, "calls", 40), (r.p["pat"], THU, "calls", 46)])
    built = build_together(seed, "weekly-digest", r.all_teams, FRIDAY)

    [post, chart] = built[r.central]
    assert (post.recipient, post.part, chart.recipient, chart.part) == (
        r.channel,
        "1",
        r.channel,
        "chart",
    )
    assert check(list(post.blocks)) == []
    # By hand: zed 20; Dustin: maria 30 + 40, bo 10 = 80; Melvin: cy 40, al 36 = 76;
    # Oscar (through Pike): pat 30 + 46 = 76. Central: 20 + 80 + 76 + 76 = 252 of 300,
    # 240 expected by Friday 16:00 (4 of 5 days): 105% of pace, on pace.
    assert post.text == "Team Central — week of 16 Nov: 252 / 300 calls (84%) · 2 goal hits"
    assert lines(post) == [
        "Team Central — week of 16 Nov",
        "Mon 16 Nov – Sun 22 Nov · 6 members · as of Fri 20 Nov 16:00",
        "*Team totals*",
        "✅ *Calls (team total)* ▓▓▓▓▓▓▓┃░░ 84% — 252 / 300 calls · 84% · on pace (expected 240)",
        "      48 calls/day to hit it (1 day left) · forecast 315 calls",
        # The sub-teams by total (ties share a rank: 1, =2, =2), then by % of their own
        # calls team goal: Melvin 76 of 100 (76%), Dustin 80 of 150 (53%); Oscar has none.
        "🏢 *Calls by team* — each counts everyone below it",
        "`  1`  Dustin — 80 calls  ▓▓▓▓▓░░┃░░ 53%",
        "` =2`  Melvin — 76 calls  ▓▓▓▓▓▓▓┃░░ 76%",
        "` =2`  Oscar — 76 calls",
        "🎯 *Calls by % of team goal*",
        "`  1`  Melvin — 76 of 100 calls  ▓▓▓▓▓▓▓┃░░ 76%",
        "`  2`  Dustin — 80 of 150 calls  ▓▓▓▓▓░░┃░░ 53%",
        "_1 team without a calls team goal this week is not ranked by %._",
        "🏆 *Goal hits* (2): maria (calls 70 / 60 calls), pat (calls 76 / 60 calls)",
        "`/progress team:Central` for everyone's numbers · `/leaderboard` for the board",
    ]
    assert chart.file is not None and chart.file.title == "Team Central — week of 16 Nov 2026"

    # A region without a channel (Oscar) gets no digest; its sub-team Pike gets its own.
    assert built[r.oscar] == []
    assert [m.recipient for m in built[r.pike]] == ["CPIKE", "CPIKE"]
    # The sub-teams and East: exactly what each gets alone, and with no region above them.
    for team_id in (r.dustin, r.melvin, r.pike, r.east):
        assert seed.build("weekly-digest", team_id, FRIDAY) == built[team_id]
    assert lines(built[r.dustin][0])[:4] == [
        "Team Dustin — week of 16 Nov",
        "Mon 16 Nov – Sun 22 Nov · 2 members · as of Fri 20 Nov 16:00",
        "*Team totals*",
        "🔴 *Calls (team total)* ▓▓▓▓▓░░┃░░ 53% — 80 / 150 calls · 53% · at risk (expected 120)",
    ]
    for child in (r.dustin, r.melvin, r.oscar):
        with seed.db.write() as session:
            session.execute(sa.update(Team).where(Team.id == child).values(parent_id=None))
    flat = build_together(seed, "weekly-digest", r.all_teams, FRIDAY)
    assert {t: flat[t] for t in (r.dustin, r.melvin, r.pike, r.east)} == {
        t: built[t] for t in (r.dustin, r.melvin, r.pike, r.east)
    }


def test_the_region_digest_reads_what_progress_and_the_team_leaderboard_read(seed):
    """The roll-up and the board come from the cohort's reads, not from bot.services.reports' own
    queries: they must be the same numbers `/progress team:central` and `/leaderboard calls
    week by team team:central` show."""
    r = Region(seed)
    seed.log_many([(r.p["maria"], THU, "calls", 40), (r.p["pat"], THU, "calls", 46)])
    with seed.db.read() as session:
        tree = teams.tree(session, seed.ws)
        loaded = load_weeks(session, seed.ws, load_teams(seed, r.all_teams), FRIDAY, tree=tree)
        assert set(loaded.regions) == {r.central, r.oscar} and set(loaded.teams) == {
            r.dustin,
            r.melvin,
            r.pike,
            r.east,
        }
        for region in loaded.regions.values():
            scope = reports.team_scope(session, seed.ws, region.team, tree)
            mine = region_rollup(session, region).report
            theirs = reports.rollup_report(session, seed.ws, scope, region.view, FRIDAY)
            assert (
                mine.team_totals,
                mine.members,
                mine.collectives,
                mine.contests,
                mine.member_names,
            ) == (
                theirs.team_totals,
                theirs.members,
                theirs.collectives,
                theirs.contests,
                theirs.member_names,
            )
            assert region_board(region, "calls") == reports.team_board(
                session, seed.ws, scope, "calls", region.view, FRIDAY
            )
        assert [row.total for row in region_board(loaded.regions[r.central], "calls")] == [
            80,
            76,
            76,
        ]


def test_region_jobs_post_once_through_the_outbox_and_a_rerun_posts_nothing(seed, slack):
    r = Region(seed)
    clock = FixedClock(THURSDAY)
    client = PooledWebClient(
        token="xoxb-test-token", base_url=slack.api_url, retry_handlers=[], timeout=5.0
    )
    sender = Sender(seed.db, lambda _ws: client, clock, "test-" + uuid.uuid4().hex[:6], sleep=lambda _s: None,
                    workspace_ids=[seed.ws], concurrency=2)  # fmt: skip

    def run(job: str, at: datetime, local: date) -> list[int]:
        clock.set(at)
        runner = JobRunner(seed.db, clock, sleep=lambda _s: None)  # a fresh process each time
        results = runner.run_cohort(seed.ws, r.all_teams, Occurrence(job, local, at))
        again = runner.run_teams_as_of(
            [t for t in load_teams(seed, r.all_teams)], job, at
        )  # `jobs run --at`
        assert all(result.new == 0 for result in again)
        sender.deliver_due()
        return [result.new for result in results]

    alert_new = run("lagging-alert", THURSDAY, THU)
    seed.log_many(
        [(r.p["maria"], THU, "calls", 40), (r.p["pat"], THU, "calls", 46)]
    )  # later on Thursday
    digest_new = run("weekly-digest", FRIDAY, THU + timedelta(days=1))
    # The managers of central, dustin, melvin and east; then (post, chart) to the channels of
    # central, dustin, melvin, pike and east (oscar has none).
    assert alert_new == [1, 1, 1, 0, 0, 1] and digest_new == [2, 2, 2, 0, 2, 2]

    def posted() -> dict[str, list[str]]:
        return {
            "rhea": [m["text"] for m in slack.messages_in("D" + r.slack("rhea"))],
            "dana": [m["text"] for m in slack.messages_in("D" + r.slack("dana"))],
            "central": [m["text"] for m in slack.messages_in(r.channel)],
        }

    before = posted()
    assert before["rhea"] == [
        "Team Central: 5 reps behind or at risk this week — Central: zed (calls); Dustin: bo (calls), maria (calls); "
        "Melvin: cy (demos); Oscar › Pike: pat (calls)"
    ]
    assert before["dana"] == [
        "Team Dustin: 2 reps behind or at risk this week — bo (calls), maria (calls)"
    ]
    assert before["central"] == [
        "Team Central — week of 16 Nov: 252 / 300 calls (84%) · 2 goal hits",
        "Team Central — week of 16 Nov 2026: each rep's week against target.",  # the chart's comment
    ]

    # The same week again, scheduled or by hand, in another process: nothing new is posted.
    assert run("lagging-alert", THURSDAY, THU) == [0] * 6
    assert run("weekly-digest", FRIDAY, THU + timedelta(days=1)) == [0] * 6
    assert posted() == before


def load_teams(seed: Seed, team_ids: list[int]) -> list[Team]:
    with seed.db.read() as session:
        return teams.by_ids(session, seed.ws, team_ids)


def region_of(seed: Seed, name: str, sub_teams: int, reps: int) -> int:
    """A region with `sub_teams` teams (the last one a level deeper) of `reps` reps each,
    everyone behind on calls, some with the region's demos goal done."""
    boss = seed.person(f"{name}-boss")
    region = seed.team(name, managers=[boss], channel="C" + name.upper())
    seed.goal("calls", 100 * sub_teams * reps, team=region)
    seed.goal("demos", 1, team=region, kind="collective")
    parent = region
    for i in range(sub_teams):
        people = seed.many(f"{name}{i}-", reps)
        team = seed.team(f"{name} {i}", members=people, managers=[seed.person(f"{name}{i}-lead")])
        under(seed, team, parent)
        if i == sub_teams - 2:
            parent = team  # the last one under this one
        seed.goals_for(people, "calls", 60)
        seed.goal("calls", 50 * reps, team=team)
        seed.log_many(
            [(p, MON, "calls", 10 + j) for j, p in enumerate(people)]
            + [(people[0], LAST_WEEK, "demos", 1)]
        )
    return region


@pytest.mark.parametrize("job", ["lagging-alert", "weekly-digest"])
def test_statements_do_not_grow_with_the_teams_and_reps_below_a_region(seed, running_app, job):
    east = seed.team(
        "East", members=[seed.person("ed")], managers=[seed.person("eve")], channel="CEAST"
    )
    seed.goal("calls", 60, person=seed.person("ed-2"))
    small = region_of(seed, "Small", 2, 2)
    large = region_of(seed, "Large", 6, 7)
    db = running_app.paceline.db
    at = THURSDAY if job == "lagging-alert" else FRIDAY
    with counting(db) as few:
        built_small = build_together(seed, job, [east, small], at)
    with counting(db) as many:
        built_large = build_together(seed, job, [east, small, large], at)
    assert built_small[small] and built_large[large], "the regions post, so every query runs"
    assert len(few) == len(many), (len(few), len(many))
    assert len(many) <= 11
