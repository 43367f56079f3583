"""Every command and interaction with a slow Slack: the stand-in answers each call (Web API,
response URL, upload) 400 ms late, and each request's answer time is measured over signed
HTTP (waitress + Bolt, as in production), with the time until the person is told the
outcome (the response URL, a DM, a form or their Home). Target: every answer within 1 s
(Slack allows 3 s); the slowest is named.

Set-up runs at full speed; each measured request is sent `repeat` times, each time to
fresh data where it changes something (25 new people for every `/team add`, a new request
for every Approve). Results go to bench/results/slow_slack.md.

    .venv/bin/python -m bench.slow_slack [--backend sqlite|postgresql|all] [--latency 0.4] [--repeat 5] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bench import seed
from bench.harness import (
    SIGNING_SECRET,
    Options,
    Outcome,
    Say,
    backend_name,
    reply_text,
    shown_path,
    start_app,
    start_standin,
    table_row,
    write_results,
)
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
from tests.support.signed_requests import HttpResponse, SignedSlackClient
from tests.support.slack_api import RecordedCall

RESULTS_NAME = "slow_slack.md"
LATENCY = 0.4
ANSWER_TARGET_MS = 1000.0
OUTCOME_TIMEOUT = 60.0
TEAM_ADD = 25

Send = Callable[[], HttpResponse]
# Waits for the outcome of a request sent at wall time `since`; returns the recorded call.
Told = Callable[[float], RecordedCall]


@dataclass
class Case:
    label: str
    how_told: str
    answers_ms: list[float] = field(default_factory=list)
    outcomes_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


@dataclass
class BackendResult:
    backend: str
    cases: list[Case] = field(default_factory=list)
    error: str | None = None


class Scene:
    """The app, the stand-in and the people; `measure` times one request and its outcome."""

    def __init__(self, app, url: str, standin, latency: float) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.standin = standin
        self.latency = latency
        # Set-up: each request returns once the app's work after its answer is done too.
        self.setup = SignedSlackClient(
            url,
            SIGNING_SECRET,
            team_id=seed.TEAM_ID,
            response_url=standin.response_url(),
            on_response=lambda _r: self.settle(),
        )
        # Measured requests: returned as soon as the app answers.
        self.client = SignedSlackClient(
            url, SIGNING_SECRET, team_id=seed.TEAM_ID, response_url=standin.response_url()
        )
        self.names: dict[str, str] = {}
        self._ids = 0

    def close(self) -> None:
        self.setup.close()
        self.client.close()

    def settle(self) -> None:
        if not self.app.background.idle(OUTCOME_TIMEOUT):
            raise RuntimeError("the app's work after its answers did not finish")

    def user(self, name: str, *, admin: bool = False) -> str:
        self._ids += 1
        user_id = f"USLOW{self._ids:05d}"
        self.standin.add_user(user_id, name, tz=seed.REP_TZ, is_admin=admin, team_id=seed.TEAM_ID)
        self.names[user_id] = name
        return user_id

    def mention(self, user_id: str) -> str:
        return f"<@{user_id}|{self.names[user_id]}>"

    def run(self, name: str, user_id: str, text: str = "") -> str:
        """A set-up command at full speed; its answer (or the outcome that follows it)."""
        response = self.setup.command(name, text, user_id=user_id, user_name=self.names[user_id])
        if response.status != 200:
            raise RuntimeError(f"{name} {text}: HTTP {response.status}")
        return reply_text(response)

    def command(self, name: str, user_id: str, text: str = "") -> Send:
        return lambda: self.client.command(
            name, text, user_id=user_id, user_name=self.names[user_id]
        )

    def home_click(self, user_id: str, action_id: str, value: str = "", **kw) -> Send:  # type: ignore[no-untyped-def]
        view = {"id": "VHOME" + user_id, "type": "home"}
        return lambda: self.client.block_action(
            action_id, value=value, user_id=user_id, view=view, **kw
        )

    def told(self, method: str, where: Callable[[RecordedCall], bool]) -> Told:
        def wait(since: float) -> RecordedCall:
            found = self.standin.wait_for(
                method, 1, OUTCOME_TIMEOUT, lambda c: c.at >= since and where(c)
            )
            return found[0]

        return wait

    def measure(self, case: Case, send: Send, told: Told | None, expect: str = "") -> None:
        """Send at the slow latency; the answer's time, and the outcome's when there is one."""
        self.settle()
        self.standin.clear()
        self.standin.latency = self.latency
        try:
            since = time.time()
            started = time.perf_counter()
            response = send()
            answered = time.perf_counter()
            if response.status != 200:
                case.failures.append(f"HTTP {response.status}: {response.text[:120]!r}")
                return
            if expect and not reply_text(response).startswith(expect):
                case.failures.append(
                    f"answer {reply_text(response)[:120]!r} does not start with {expect!r}"
                )
            case.answers_ms.append((answered - started) * 1000)
            if told is not None:
                call = told(since)
                case.outcomes_ms.append((call.at - since) * 1000)
            self.settle()
        except Exception as error:  # a missing outcome is a failed case, not a crash
            case.failures.append(f"{type(error).__name__}: {str(error)[:200]}")
        finally:
            self.standin.latency = 0.0


def _home_lines(call: RecordedCall) -> list[str]:
    from bot.console.render import Names, render_blocks

    view = call.params.get("view")
    return render_blocks(view.get("blocks") or [], Names()) if isinstance(view, dict) else []


def run_backend(backend: str, repeat: int, latency: float, say: Say) -> BackendResult:
    result = BackendResult(backend)
    try:
        with contextlib.ExitStack() as stack:
            database = stack.enter_context(
                seed.bench_database(backend, name=f"{seed.PG_DATABASE}_slow")
            )
            standin = start_standin(stack, [])
            app, url = start_app(stack, standin.api_url, database.url)
            scene = Scene(app, url, standin, latency)
            stack.callback(scene.close)
            result.cases = _measure_all(scene, repeat, say, backend)
    except Exception:
        result.error = traceback.format_exc()
        say(f"[{backend}] FAILED:\n{result.error}")
    return result


def _measure_all(s: Scene, repeat: int, say: Say, backend: str) -> list[Case]:
    """One scenario, read top to bottom: the set-up, then every command and interaction."""
    admin, dana = s.user("ada", admin=True), s.user("dana")
    reps = [
        s.user(f"rep{n}") for n in range(repeat + 2)
    ]  # maria, bo, and one a goal to lower each time
    maria, bo = reps[0], reps[1]
    s.run("/team", admin, f"create east manager {s.mention(dana)} tz America/New_York")
    s.run("/team", admin, "add east " + " ".join(s.mention(r) for r in reps))
    s.run("/team", admin, "create west")
    for rep in reps:
        s.run("/goal", dana, f"set {s.mention(rep)} calls 60/week")
        s.run("/log", rep, "calls 10")
    say(
        f"[{backend}] set up: team east of {len(reps)} reps, Slack answering {s.latency * 1000:.0f} ms late from now on"
    )
    cases: list[Case] = []

    def case(label: str, how_told: str) -> Case:
        cases.append(Case(label, how_told))
        return cases[-1]

    def to_response_url(client: SignedSlackClient) -> Told:
        key = client.response_url.rsplit("/", 1)[-1]
        return s.told("response_url", lambda c: c.key == key)

    def dm(user_id: str, contains: str = "") -> Told:
        return s.told(
            "chat.postMessage",
            lambda c: c.params.get("channel") == user_id and contains in str(c.params),
        )

    def home(user_id: str, shows: str = "") -> Told:
        """The Home published for `user_id`, with a line starting with `shows`."""
        return s.told(
            "views.publish",
            lambda c: (
                c.params.get("user_id") == user_id
                and any(line.startswith(shows) for line in _home_lines(c))
            ),
        )

    def form(callback_id: str) -> Told:
        return s.told(
            "views.open", lambda c: (c.params.get("view") or {}).get("callback_id") == callback_id
        )

    def uploaded(user_id: str) -> Told:
        return s.told(
            "files.completeUploadExternal", lambda c: c.params.get("channel_id") == "D" + user_id
        )

    # --- commands
    c = case("/log calls 3 (a known caller)", "the answer")
    for _ in range(repeat):
        s.measure(c, s.command("/log", maria, "calls 3"), None, "Logged 3 calls")
    c = case("/log calls 3 (a first-time caller: users.info first)", "the answer")
    for n in range(repeat):
        s.measure(c, s.command("/log", s.user(f"first{n}"), "calls 3"), None, "Logged 3 calls")
    c = case("/log (opens the form)", "the form (views.open before the answer)")
    for _ in range(repeat):
        s.measure(c, s.command("/log", maria), form("log_modal"))
    c = case(f"/team add of {TEAM_ADD} new people", "response URL")
    for n in range(repeat):
        people = [s.user(f"new{n}x{k:02d}") for k in range(TEAM_ADD)]
        text = "add west " + " ".join(s.mention(p) for p in people)
        s.measure(
            c, s.command("/team", admin, text), to_response_url(s.client), "⏳ Adding 25 people"
        )
    c = case("/team manager (someone new)", "response URL")
    for n in range(repeat):
        s.measure(
            c,
            s.command("/team", admin, f"manager west {s.mention(s.user(f'boss{n}'))}"),
            to_response_url(s.client),
            "⏳",
        )
    c = case("/team show east", "the answer")
    for _ in range(repeat):
        s.measure(c, s.command("/team", dana, "show east"), None, "*Team east*")
    c = case("/goal propose", "DM to the manager")
    for n in range(repeat):
        s.measure(
            c,
            s.command("/goal", bo, f"propose calls {70 + n}/week"),
            dm(dana, APPROVE_ACTION),
            "Proposed calls",
        )
    c = case("/goal set (lowering: asks an admin)", "DM to the admin")
    s.run("/team", admin, "set east approvals on")
    for n in range(repeat):
        rep = reps[n + 2]
        s.run(
            "/goal", dana, f"set {s.mention(rep)} demos 20/week"
        )  # a goal to lower, started Monday
        lower = f"set {s.mention(rep)} demos 1/week -- bench"
        s.measure(c, s.command("/goal", dana, lower), dm(admin, APPROVE_ACTION), "Lowering")
    s.run("/team", admin, "set east approvals off")
    c = case("/goal (opens the form)", "the form (views.open before the answer)")
    for _ in range(repeat):
        s.measure(c, s.command("/goal", dana), form("goal_modal"))
    c = case("/progress", "the answer")
    for _ in range(repeat):
        s.measure(c, s.command("/progress", maria), None, "*Your progress")
    c = case("/progress export", "file in the DM")
    for n in range(repeat):
        who = [dana, admin, *reps][n % (len(reps) + 2)]
        s.measure(c, s.command("/progress", who, "export"), uploaded(who), "Preparing your export")
    c = case("/leaderboard", "the answer")
    for _ in range(repeat):
        s.measure(c, s.command("/leaderboard", maria), None)

    # --- a request's buttons, in the DM
    for label, action_id in (
        ("Approve (in the DM)", APPROVE_ACTION),
        ("Reject (in the DM)", REJECT_ACTION),
    ):
        c = case(label, "response URL, the DM copies, the requester's DM")
        for _ in range(repeat):
            s.run("/goal", bo, "propose calls 71/week")
            request_id, ts = _last_request(s, dana)
            where = "D" + dana

            def click(
                action_id: str = action_id,
                request_id: str = request_id,
                ts: str = ts,
                where: str = where,
            ) -> HttpResponse:
                return s.client.block_action(
                    action_id,
                    value=request_id,
                    user_id=dana,
                    channel_id=where,
                    message_ts=ts,
                    container={"type": "message", "channel_id": where, "message_ts": ts},
                )

            s.measure(c, click, dm(bo, f"request #{request_id}) was"))

    # --- App Home
    event = {
        "type": "app_home_opened",
        "user": maria,
        "channel": "D" + maria,
        "tab": "home",
        "event_ts": "1.0",
    }
    c = case("app_home_opened", "views.publish")
    for _ in range(repeat):
        s.measure(c, lambda: s.client.event(event), home(maria))
    c = case("app_home_opened, retried by Slack (skipped)", "nothing (already published)")
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    for n in range(repeat):
        event_id = f"EvSLOWRETRY{n:04d}"
        s.client.event(event, event_id=event_id)
        s.settle()
        s.measure(
            c,
            lambda event_id=event_id: s.client.event(event, event_id=event_id, headers=retry),
            None,
        )
    c = case("Home: Undo", "Home published with a notice")
    for _ in range(repeat):
        s.run("/log", maria, "calls 1")
        entry_id = _last_entry_id(s)
        s.measure(c, s.home_click(maria, HOME_UNDO_ACTION, entry_id), home(maria, "↩️ Undid"))
    for label, action_id, who, callback_id in (
        ("Home: Log activity", HOME_LOG_ACTION, maria, "log_modal"),
        ("Home: Propose a goal", HOME_PROPOSE_ACTION, bo, PROPOSE_CALLBACK_ID),
        ("Home: Set a goal", HOME_SET_GOAL_ACTION, dana, "goal_modal"),
    ):
        c = case(label, "the form (views.open after the answer)")
        for _ in range(repeat):
            s.measure(c, s.home_click(who, action_id), form(callback_id))
    c = case("Home: Export CSV", "file in the DM")
    for n in range(repeat):
        who = reps[n % len(reps)]  # a second click by the same person within 10 s sends nothing
        s.measure(c, s.home_click(who, HOME_EXPORT_ACTION), uploaded(who))
    c = case("Home: period picker", "Home published")
    picked = {
        "type": "static_select",
        "selected_option": {
            "text": {"type": "plain_text", "text": "This quarter"},
            "value": "quarter",
        },
    }
    for _ in range(repeat):
        s.measure(
            c, s.home_click(maria, HOME_PERIOD_ACTION, action=picked), home(maria, "This quarter (")
        )
    c = case("Home: Approve", "Home published, the DM copies, the requester's DM")
    for _ in range(repeat):
        s.run("/goal", bo, "propose calls 72/week")
        request_id, _ts = _last_request(s, dana)
        s.measure(c, s.home_click(dana, APPROVE_ACTION, request_id), home(dana, "✅ Approved"))

    # --- forms and a reminder's button
    c = case("the /log form submitted", "DM")
    logged = {"metric:calls": {"amount": {"type": "plain_text_input", "value": "2"}}}
    for n in range(repeat):
        send = lambda n=n: s.client.view_submission(  # noqa: E731
            "log_modal", logged, user_id=maria, view_id=f"VSLOWLOG{n}"
        )
        s.measure(c, send, dm(maria, "Logged 2 calls"))
    c = case("the Home's propose form submitted", "DM to the manager, then to the rep")
    for n in range(repeat):
        values = {
            "metric": {"metric": {"type": "static_select", "selected_option": {"value": "calls"}}},
            "target": {"target": {"type": "plain_text_input", "value": str(80 + n)}},
            "period": {"period": {"type": "static_select", "selected_option": {"value": "week"}}},
        }
        send = lambda n=n, values=values: s.client.view_submission(  # noqa: E731
            PROPOSE_CALLBACK_ID, values, user_id=bo, view_id=f"VSLOWPROP{n}"
        )
        s.measure(c, send, dm(bo, "Proposed calls"))
    c = case("a log reminder's Log button", "the form (views.open before the answer)")
    for _ in range(repeat):
        s.measure(
            c,
            lambda: s.client.block_action(LOG_OPEN_ACTION, value="", user_id=maria),
            form("log_modal"),
        )
    say(f"[{backend}] measured {len(cases)} commands and interactions × {repeat}")
    return cases


def _last_request(s: Scene, manager: str) -> tuple[str, str]:
    """The latest request DM'd to `manager`: its id and the message's ts."""
    message = [m for m in s.standin.messages_in("D" + manager) if m.get("blocks")][-1]
    for block in message["blocks"]:
        for element in block.get("elements") or []:
            if element.get("action_id") == APPROVE_ACTION:
                return str(element["value"]), str(message["ts"])
    raise RuntimeError("the request DM has no Approve button")


def _last_entry_id(s: Scene) -> str:
    import sqlalchemy as sa

    from storage.models import Entry

    with s.app.db.read() as session:
        return str(session.scalar(sa.select(sa.func.max(Entry.id))))


# ---------------------------------------------------------------------------- report


def _ms(values: list[float], how: Callable[[list[float]], float]) -> str:
    return f"{how(values):,.0f}" if values else "–"


def report(
    results: list[BackendResult], repeat: int, latency: float, took: float
) -> tuple[str, bool, bool]:
    broken = any(r.error or any(c.failures for c in r.cases) for r in results)
    lines = [
        "# Commands and interactions with a slow Slack",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.python_implementation()} {platform.python_version()} · "
        f"the stand-in Slack answers every call {latency * 1000:.0f} ms late · each request {repeat}× over signed HTTP "
        f"(waitress + Bolt) · {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} · {took:.0f} s in all",
        "",
        "*Answer*: from sending the signed request to the app's HTTP answer (Slack allows 3 s; target "
        f"{ANSWER_TARGET_MS:,.0f} ms). *Told*: from sending it to the call that tells the person the outcome "
        "reaching Slack (the stand-in records a call when it arrives, before its latency).",
        "",
    ]
    all_pass = not broken
    for result in results:
        lines += [f"## {backend_name(result.backend)}", ""]
        if result.error:
            lines += ["```", result.error.strip(), "```", ""]
            continue
        lines += [
            table_row(
                "Command or interaction",
                "answer p50 ms",
                "answer max ms",
                "told p50 ms",
                "told max ms",
                "how the person is told",
                "check",
            ),
            table_row("---", "---:", "---:", "---:", "---:", "---", "---"),
        ]
        for c in result.cases:
            ok = not c.failures and c.answers_ms and max(c.answers_ms) < ANSWER_TARGET_MS
            all_pass = all_pass and bool(ok)
            lines.append(
                table_row(
                    c.label,
                    _ms(c.answers_ms, statistics.median),
                    _ms(c.answers_ms, max),
                    _ms(c.outcomes_ms, statistics.median),
                    _ms(c.outcomes_ms, max),
                    c.how_told,
                    "PASS" if ok else "FAIL" + (f": {c.failures[0]}" if c.failures else ""),
                )
            )
        measured = [c for c in result.cases if c.answers_ms]
        if measured:
            slowest = max(measured, key=lambda c: max(c.answers_ms))
            lines += [
                "",
                f"Slowest answer: **{slowest.label}**, {max(slowest.answers_ms):,.0f} ms at most "
                f"(p50 {statistics.median(slowest.answers_ms):,.0f} ms).",
            ]
        lines.append("")
    return "\n".join(lines), broken, all_pass


def run(options: Options, load: object, say: Say) -> Outcome:
    """`python -m bench` entry point (`load` is not used: one client in this process)."""
    repeat = 2 if options.quick else 5
    return _run(options.backends, repeat, LATENCY, say)


def _run(backends: tuple[str, ...], repeat: int, latency: float, say: Say) -> Outcome:
    started = time.perf_counter()
    say(
        f"bench: commands and interactions with a Slack {latency * 1000:.0f} ms a call, backends: {', '.join(backends)}"
    )
    results = [run_backend(backend, repeat, latency, say) for backend in backends]
    text, broken, all_pass = report(results, repeat, latency, time.perf_counter() - started)
    return Outcome("slow Slack", text, write_results(RESULTS_NAME, text), broken, all_pass)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.slow_slack", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "all"), default="all")
    parser.add_argument(
        "--latency",
        type=float,
        default=LATENCY,
        help="seconds the stand-in takes per call (default 0.4)",
    )
    parser.add_argument(
        "--repeat", type=int, default=None, help="requests per row (default 5; --quick: 2)"
    )
    parser.add_argument("--quick", action="store_true", help="2 requests per row")
    args = parser.parse_args(argv)
    backends = ("sqlite", "postgresql") if args.backend == "all" else (args.backend,)
    repeat = args.repeat or (2 if args.quick else 5)
    started = time.perf_counter()

    def say(text: str) -> None:
        print(f"{time.perf_counter() - started:6.1f}s  {text}", flush=True)

    outcome = _run(backends, repeat, args.latency, say)
    print()
    print(outcome.text)
    print(f"(written to {shown_path(outcome.path)})")
    return 1 if outcome.broken or not outcome.all_pass else 0


if __name__ == "__main__":
    raise SystemExit(main())
