"""Live wins in `paceline run` as an operator starts it: the scheduler's worker posts a win
to the team channel on its own, with no test code ticking it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from tests.e2e.test_process import SECRET, _env, _free_port, _wait_healthy  # noqa: F401 (shared set-up)


def _midday_zone(now: datetime) -> str:
    """A fixed-offset zone where it is about noon now: inside the default working hours
    whenever the test runs."""
    offset = max(-12, min(14, 12 - now.hour))
    return "Etc/GMT" + (f"{-offset:+d}" if offset else "")


def test_the_running_app_posts_a_win_within_its_batching_time(tmp_path, slack):
    import signal
    import subprocess
    import sys

    from bot.standin.signed_requests import SignedSlackClient
    from tests.e2e.test_process import REPO

    port = _free_port()
    env = _env(
        SLACK_BOT_TOKEN="xoxb-process-wins", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.api_url,
        DATABASE_URL=f"sqlite:///{tmp_path}/wins.db", PORT=str(port), PACELINE_CELEBRATION_BATCH_SECONDS="1",
    )  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--host", "127.0.0.1"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    team_id = "TW" + uuid.uuid4().hex[:8].upper()
    client = SignedSlackClient(f"http://127.0.0.1:{port}", SECRET, team_id=team_id)
    try:
        _wait_healthy(client, process)
        channel = "CW" + uuid.uuid4().hex[:8].upper()
        slack.add_channel(channel, "sales-wins")
        ada, maria = "UWA" + uuid.uuid4().hex[:7].upper(), "UWM" + uuid.uuid4().hex[:7].upper()
        slack.add_user(ada, "ada", team_id=team_id, is_admin=True)
        slack.add_user(maria, "maria", team_id=team_id)
        zone = _midday_zone(datetime.now(UTC))
        for command, text, user in (
            ("/team", f"create wins <#{channel}|sales-wins> tz {zone}", ada),
            ("/team", f"add wins <@{maria}|maria>", ada),
            ("/goal", f"set <@{maria}|maria> calls 10/week", ada),
            ("/log", "calls 12", maria),
        ):
            response = client.command(command, text, user_id=user)
            assert response.status == 200, response.text
        [post] = slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == channel, timeout=30)
        assert post.params["text"] == "🎯 maria hit the weekly calls goal: 12 / 10"
    finally:
        client.close()
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
