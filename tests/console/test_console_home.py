"""The console's `home`: the App Home tab the app publishes, rendered like every message."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.console.demo import demo_people
from tests.console.transcript import console_transcript


def _console(tmp_path: Path, lines: list[str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TZ", "America/New_York")
    return console_transcript(f"sqlite:///{tmp_path}/c.db", lines, demo=True)


def _after(text: str, marker: str) -> str:
    start = text.index(marker) + len(marker)
    end = text.find("> ", start)
    return text[start:] if end < 0 else text[start:end]


def test_home_shows_the_managers_and_the_reps_tab(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The demo's reps come from the shared CRM sample when it is there, else a built-in
    # list: take the weakest rep either way (behind on calls, so "calls/day" shows).
    rep_handle = demo_people()[1][-1].handle
    out = _console(
        tmp_path, ["home", "help", "as @dana", "home", f"as @{rep_handle}", "home"], monkeypatch
    )
    assert "Choose who you are first: as @maria — then home" in out
    assert "home               your App Home tab" in out
    manager = _after(out, "dana> home")
    assert "[Home tab of @dana]" in manager
    assert "Paceline — dana" in manager
    assert "[ Log activity ]  [ Set a goal ]  [ Export CSV ]" in manager
    assert "This week (week of Mon 16 Nov) · updated Fri 20 Nov 10:00" in manager
    assert "*Team east* — 8 members ·" in manager
    assert "*Everyone, worst first* (8 with goals this week)" in manager
    rep = _after(out, f"{rep_handle}> home")
    assert f"[Home tab of @{rep_handle}]" in rep
    assert "[ Log activity ]  [ Propose a goal ]" in rep
    assert "*Your goals — this week* (week of Mon 16 Nov)" in rep
    assert "*Calls* " in rep and "calls/day to hit it" in rep
    assert "🏁 *Meetings contest* (prize: a golf lesson): " in rep and " · you rank " in rep
    assert "*Your last entries*" in rep and "   [ Undo ]" in rep
