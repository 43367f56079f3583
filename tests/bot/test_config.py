"""Settings: every variable read, and one clear line naming the variable when one is bad."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, RunMode, load_settings

SECRET = "0123456789abcdef0123456789abcdef"


def load(**env):
    return load_settings(environ=env, dotenv_path=None)


def test_no_credentials_means_the_console_with_defaults():
    settings = load()
    assert settings.mode is RunMode.CONSOLE
    assert (settings.database_url, settings.slack_api_url, settings.port) == (
        "sqlite:///paceline.db",
        "https://slack.com/api/",
        3000,
    )


def test_http_and_socket_modes():
    assert load(SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET=SECRET).mode is RunMode.HTTP
    socket = load(SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN="xapp-1")
    assert socket.mode is RunMode.SOCKET


def test_values_are_normalised():
    settings = load(
        DATABASE_URL="postgresql://u:p@db/paceline",
        SLACK_API_URL="http://127.0.0.1:9/api",
        PORT="8080",
        PACELINE_ADMINS="U01ABC, W02DEF",
    )
    assert settings.database_url == "postgresql+psycopg://u:p@db/paceline"
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert settings.port == 8080
    assert settings.admins == frozenset({"U01ABC", "W02DEF"})


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"PORT": "abc"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://x@y/z"}, "DATABASE_URL"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token", "SLACK_SIGNING_SECRET": SECRET}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "not-hex!"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong", "SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN"),
        ({"SLACK_CLIENT_ID": "123.456"}, "SLACK_CLIENT_SECRET"),
        ({"PACELINE_ADMINS": "maria"}, "PACELINE_ADMINS"),
        ({"HUBSPOT_API_URL": "api.hubapi.com"}, "HUBSPOT_API_URL"),
        ({"PACELINE_CRM_SYNC_MINUTES": "five"}, "PACELINE_CRM_SYNC_MINUTES"),
        ({"PACELINE_CRM_SYNC_MINUTES": "2000"}, "PACELINE_CRM_SYNC_MINUTES"),
    ],
)
def test_a_bad_value_names_its_variable_in_one_line(env, variable):
    with pytest.raises(ConfigError) as raised:
        load(**env)
    message = str(raised.value)
    assert raised.value.variable == variable
    assert message.startswith(f"Configuration error: {variable} ") and "\n" not in message


def test_environment_wins_over_dotenv(tmp_path, monkeypatch):
    dotenv = tmp_path / ".env"
    dotenv.write_text("PORT=4000\nPACELINE_ADMINS=U0DOTENV\n")
    settings = load_settings(environ={"PORT": "5000"}, dotenv_path=dotenv)
    assert settings.port == 5000
    assert settings.admins == frozenset({"U0DOTENV"})


def test_secrets_never_appear_in_the_repr():
    settings = load(
        SLACK_BOT_TOKEN="xoxb-very-secret",
        SLACK_SIGNING_SECRET=SECRET,
        DATABASE_URL="postgresql://u:hunter2@db/p",
    )
    text = repr(settings)
    assert "xoxb-very-secret" not in text and SECRET not in text and "hunter2" not in text


def test_hubspot_settings_and_their_secrets():
    key = "ducoAHnkTbmAn3bGOZaD2eNAIeQlX5oM72w0CTDetis="
    settings = load(
        HUBSPOT_ACCESS_TOKEN="pat-na1-very-secret", HUBSPOT_API_URL="http://127.0.0.1:9/",
        PACELINE_SECRET_KEY=f"{key}, other", PACELINE_CRM_SYNC_MINUTES="15",
    )  # fmt: skip
    assert settings.hubspot_access_token == "pat-na1-very-secret"
    assert settings.hubspot_api_url == "http://127.0.0.1:9"
    assert settings.secret_keys == (key, "other")
    assert settings.crm_sync_minutes == 15
    assert "pat-na1-very-secret" not in repr(settings) and key not in repr(settings)
    assert load().hubspot_api_url == "https://api.hubapi.com" and load().crm_sync_minutes == 5
