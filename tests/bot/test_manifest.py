import json
import subprocess
import sys

from bot.manifest import MANIFEST_PATH, PLACEHOLDER_URL, manifest


def test_checked_in_manifest_is_what_the_command_prints_with_the_placeholder():
    assert manifest() == json.loads(MANIFEST_PATH.read_text())
    commands = {c["command"]: c for c in manifest()["features"]["slash_commands"]}
    assert {"/log", "/team"} <= set(commands)
    assert all(c["should_escape"] and c["url"] == PLACEHOLDER_URL for c in commands.values())


def test_request_url_is_filled_in_everywhere():
    data = manifest("https://sales.example.org")
    url = "https://sales.example.org/slack/events"
    assert {c["url"] for c in data["features"]["slash_commands"]} == {url}
    assert data["settings"]["interactivity"]["request_url"] == url
    assert data["settings"]["socket_mode_enabled"] is False


def test_socket_mode_manifest_has_no_urls():
    data = manifest(socket_mode=True)
    assert data["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in data["settings"]["interactivity"]
    assert all("url" not in c for c in data["features"]["slash_commands"])


def test_paceline_manifest_prints_it(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "bot", "manifest", "--url", "https://x.example/slack/events"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"PATH": "", "PYTHONPATH": str(MANIFEST_PATH.parent.parent)},
    )
    assert out.returncode == 0, out.stderr
    assert (
        json.loads(out.stdout)["settings"]["interactivity"]["request_url"]
        == "https://x.example/slack/events"
    )


def test_the_bot_may_read_back_what_it_posted_to_settle_an_unknown_delivery():
    # The sender looks for a post's delivery key in the channel (or DM) before re-sending.
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    assert {
        "chat:write",
        "channels:history",
        "groups:history",
        "im:history",
        "files:write",
    } <= scopes
