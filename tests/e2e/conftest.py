"""Fixtures several end-to-end modules share (a module's own fixture of the same name wins)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture
def east(workspace):
    """Team east: admin ada, manager dana, reps maria and bo (the goal tests' team)."""
    admin = workspace.user("ada", admin=True)
    dana = workspace.user("dana")
    maria, bo = workspace.user("maria"), workspace.user("bo")
    mention = workspace.names
    workspace.team(admin, f"create east manager <@{dana}|{mention[dana]}>")
    workspace.team(admin, f"add east <@{maria}|{mention[maria]}> <@{bo}|{mention[bo]}>")
    return SimpleNamespace(admin=admin, dana=dana, maria=maria, bo=bo)
