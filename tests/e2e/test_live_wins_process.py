"""Live wins in `paceline run` as an operator starts it: the scheduler's worker posts a win
to the team channel on its own, with no test code ticking it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from tests.e2e.test_process import running_paceline
from tests.e2e.test_two_instances import _midday_zone


def test_the_running_app_posts_a_win_within_its_batching_time(tmp_path, slack):
    team_id = "TW" + uuid.uuid4().hex[:8].upper()
    with running_paceline(
        tmp_path, slack, team_id, PACELINE_CELEBRATION_BATCH_SECONDS="1"
    ) as client:
        channel = "CW" + uuid.uuid4().hex[:8].upper()
        slack.add_channel(channel, "sales-wins")
        ada, maria = "UWA" + uuid.uuid4().hex[:7].upper(), "UWM" + uuid.uuid4().hex[:7].upper()
        slack.add_user(ada, "ada", team_id=team_id, is_admin=True)
        slack.add_user(maria, "maria", team_id=team_id)
        # Noon in the team's zone: inside the default working hours whenever the test runs.
        zone = _midday_zone(datetime.now(UTC))
        for command, text, user in (
            ("/team", f"create wins <#{channel}|sales-wins> tz {zone}", ada),
            ("/team", f"add wins <@{maria}|maria>", ada),
            ("/goal", f"set <@{maria}|maria> calls 10/week", ada),
            ("/log", "calls 12", maria),
        ):
            response = client.command(command, text, user_id=user)
            assert response.status == 200, response.text
        [post] = slack.wait_for(
            "chat.postMessage", where=lambda c: c.params.get("channel") == channel, timeout=30
        )
        assert post.params["text"] == "🎯 maria hit the weekly calls goal: 12 / 10"
