"""`paceline run` as an operator starts it: a separate process configured by the environment."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.signed_requests import SignedSlackClient

REPO = Path(__file__).resolve().parents[2]
SECRET = "0123456789abcdef0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "PACELINE_", "DATABASE_URL", "PORT"))
    }
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


def _wait_healthy(
    client: SignedSlackClient, process: subprocess.Popen, deadline_s: float = 30.0
) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"paceline exited early: {process.stderr.read()}")
        try:
            if client.get("/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)  # polling a port that is not open yet, under a deadline
    raise AssertionError("paceline did not become healthy in time")


@contextmanager
def running_paceline(
    tmp_path: Path, slack, team_id: str = "T0PROCESS", cwd: Path | None = None, **env: str
) -> Iterator[SignedSlackClient]:  # type: ignore[no-untyped-def]
    """`paceline run` in a process of its own against the stand-in Slack, until the block
    ends (then stopped with SIGINT, as an operator would); a signed client to it."""
    port = _free_port()
    settings = _env(
        SLACK_BOT_TOKEN="xoxb-process-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url,
        DATABASE_URL=f"sqlite:///{tmp_path}/run.db",
        PORT=str(port),
        **env,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--host", "127.0.0.1"],
        cwd=cwd or tmp_path,
        env=settings,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    client = SignedSlackClient(f"http://127.0.0.1:{port}", SECRET, team_id=team_id)
    try:
        _wait_healthy(client, process)
        yield client
    finally:
        client.close()
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def paceline_process(tmp_path, slack):
    with running_paceline(tmp_path, slack) as client:
        yield client


def test_the_production_process_serves_signed_commands_and_health(paceline_process, slack):
    slack.add_user("U0PROC1", "maria", team_id="T0PROCESS")
    health = paceline_process.get("/healthz")
    assert (health.status, health.json()) == (200, {"ok": True, "database": "ok"})
    reply = paceline_process.command("/log", "calls 12", user_id="U0PROC1")
    assert reply.status == 200 and reply.text.startswith("Logged 12 calls on ")
    forged = paceline_process.command("/log", "calls 99", user_id="U0PROC1", secret="f" * 32)
    assert forged.status == 401
    listed = paceline_process.command("/log", "list", user_id="U0PROC1").text
    assert "12 calls" in listed and "99" not in listed


@pytest.mark.parametrize(
    ("env", "line"),
    [
        (
            {"PORT": "eighty", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": SECRET},
            "Configuration error: PORT must be",
        ),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "Configuration error: SLACK_SIGNING_SECRET is missing"),
        (
            {"DATABASE_URL": "oracle://x"},
            "Configuration error: DATABASE_URL names an unsupported database",
        ),
    ],
)
def test_bad_configuration_stops_start_up_with_one_line(tmp_path, env, line):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith(line)
    assert len(result.stderr.strip().splitlines()) == 1
