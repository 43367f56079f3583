"""What the app sent to Slack, as a person would see it: every post, ephemeral message,
update, response URL reply, form and Home tab is printed as it arrives (on the stand-in's
threads), and whatever has buttons is remembered on the click board."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.console import clicks
from bot.console.directory import Directory, channel_of
from bot.console.forms import Forms
from bot.console.printer import Printer, indented
from bot.console.render import Names, render_message
from bot.standin.slack_api import RecordedCall, StandInSlack


class SlackScreen:
    """Prints what the app sends and keeps, per response URL, where its replies land."""

    def __init__(
        self,
        standin: StandInSlack,
        out: Printer,
        directory: Directory,
        forms: Forms,
        board: clicks.ClickBoard,
    ) -> None:
        self.standin = standin
        self.out = out
        self.directory = directory
        self.forms = forms
        self.board = board  # what `click` can press
        self._lock = threading.Lock()
        self._response_channels: dict[str, str] = {}
        self._response_users: dict[str, str] = {}  # response URL key → who may see its messages
        self._answers: dict[int, dict[str, Any]] = {}  # id(call) → the stand-in's answer
        self._image_dir: Path | None = None

    def route_response(self, key: str, channel_id: str, user_id: str) -> None:
        """Replies through the response URL `key` land in `channel_id`, seen by `user_id`
        unless they are in_channel."""
        with self._lock:
            self._response_channels[key] = channel_id
            self._response_users[key] = user_id

    def keep_answer(self, call: RecordedCall) -> Any:
        """The stand-in's usual answer, kept for on_call (the ts of a post, the id of a
        Home view), which sees only what the app sent."""
        answer = self.standin.default_answer(call)
        if isinstance(answer, dict):
            with self._lock:
                self._answers[id(call)] = answer
        return answer

    def on_call(self, call: RecordedCall) -> None:
        """Print what the app sent to Slack (runs on a stand-in thread)."""
        p = call.params
        names = self.directory.names()
        place = self.directory.place
        with self._lock:
            answer = self._answers.pop(id(call), None)
        header: str | None = None
        if call.method == "chat.postMessage":
            header = f"[{place(str(p.get('channel') or ''))}]"
        elif call.method == "chat.postEphemeral":
            user = names.users.get(str(p.get("user")), str(p.get("user")))
            header = f"[only @{user} sees this, in {place(str(p.get('channel') or ''))}]"
        elif call.method == "chat.update":
            header = f"[message updated in {place(str(p.get('channel') or ''))}]"
        elif call.method == "views.publish":
            header = (
                f"[Home tab of @{names.users.get(str(p.get('user_id')), str(p.get('user_id')))}]"
            )
        if header is not None:
            message = p.get("view") if call.method == "views.publish" else p
            body = render_message(message if isinstance(message, Mapping) else {}, names)
            self.out.lines([header, *indented(body)])
            if call.status == 200:
                self._show_on_board(call, answer or {})
        elif call.method == "chat.delete" and call.status == 200:
            self.board.delete(channel_of(str(p.get("channel") or "")), str(p.get("ts") or ""))
        elif call.method == "response_url":
            self._print_response_url(call, names)
        elif call.method in ("views.open", "views.push"):
            self.forms.print_opened(p, names)
        elif call.method == "views.update":
            self.forms.print_update(p, names)
        elif call.method == "files.completeUploadExternal":
            files = p.get("files") if isinstance(p.get("files"), list) else []
            titles = ", ".join(
                str(f.get("title") or f.get("id")) for f in files if isinstance(f, dict)
            )
            where = place(str(p.get("channel_id") or p.get("channels") or ""))
            lines = [f"[file in {where}] {titles}"]
            for file in files:
                saved = self._save_image(file) if isinstance(file, dict) else None
                if saved is not None:
                    lines.append(f"  (image saved to {saved})")
            self.out.lines(lines)

    def show_reply(self, message: Mapping[str, Any], response_key: str, in_channel: bool) -> None:
        """A command's answer or a response URL message: a new message for the person who
        got it (everyone, in_channel), or the message it replaces."""
        if not clicks.has_buttons(message) and not message.get("replace_original"):
            return
        with self._lock:
            channel_id = self._response_channels.get(response_key, "")
            user_id = self._response_users.get(response_key)
        original = self.board.by_response(response_key) if message.get("replace_original") else None
        if original is not None:
            content = {
                **original.content,
                "text": message.get("text") or "",
                "blocks": message.get("blocks") or [],
            }
            self.board.show(
                replace(original, content=content, response_keys=set(original.response_keys))
            )
            return
        if not clicks.has_buttons(message):
            return
        ts = _made_up_ts()
        place = self.directory.place
        if in_channel or user_id is None:
            where = place(channel_id) if channel_id else "channel"
            viewer = None
        else:
            where = (
                f"message only @{self.directory.user_name(user_id)} sees, in {place(channel_id)}"
            )
            viewer = user_id
        item = clicks.Clickable(
            "message",
            where,
            viewer,
            channel_id,
            ts,
            not in_channel,
            _message_of(message, ts),
            {response_key},
        )
        self.board.show(item)

    def _save_image(self, file: Mapping[str, Any]) -> Path | None:
        """Charts can't show in a terminal: keep each PNG in a temporary folder to open."""
        content = self.standin.file_content(str(file.get("id") or ""))
        if not content or not content.startswith(b"\x89PNG"):
            return None
        if self._image_dir is None:
            self._image_dir = Path(tempfile.mkdtemp(prefix="paceline-console-"))
        path = self._image_dir / f"{file.get('id')}.png"
        path.write_bytes(content)
        return path

    def _print_response_url(self, call: RecordedCall, names: Names) -> None:
        p = call.params
        if p.get("delete_original"):
            self.out.lines(["[the original message was deleted]"])
            original = self.board.by_response(call.key)
            if original is not None:
                self.board.remove(original)
            return
        with self._lock:
            channel_id = self._response_channels.get(call.key, "")
        if p.get("response_type") == "in_channel":
            header = f"[{self.directory.place(channel_id) if channel_id else 'in the channel'}]"
        else:
            header = "[only you see this]"
        if p.get("replace_original"):
            header += " (replaces the message)"
        self.out.lines([header] + indented(render_message(p, names)))
        self.show_reply(p, call.key, in_channel=p.get("response_type") == "in_channel")

    def _show_on_board(self, call: RecordedCall, answer: Mapping[str, Any]) -> None:
        """Remember a message or Home tab the app sent, with its buttons, for `click`."""
        p = call.params
        if call.method == "views.publish":
            view = answer.get("view")
            user_id = str(p.get("user_id") or "")
            if isinstance(view, dict) and view.get("id") and user_id:
                place = f"Home tab of @{self.directory.user_name(user_id)}"
                self.board.show(
                    clicks.Clickable("home", place, user_id, "", str(view["id"]), False, dict(view))
                )
            return
        channel_id = channel_of(str(answer.get("channel") or p.get("channel") or ""))
        place = self.directory.place(channel_id)
        dm_of = channel_id[1:] if channel_id[:1] == "D" and channel_id[1:2] in ("U", "W") else None
        if call.method == "chat.postMessage":
            message = answer.get("message")
            content = (
                dict(message)
                if isinstance(message, dict)
                else _message_of(p, str(answer.get("ts") or ""))
            )
            ts = str(answer.get("ts") or content.get("ts") or _made_up_ts())
            content["ts"] = ts
            self.board.show(
                clicks.Clickable("message", place, dm_of, channel_id, ts, False, content)
            )
        elif call.method == "chat.postEphemeral":
            user_id = str(p.get("user") or "")
            ts = str(answer.get("message_ts") or _made_up_ts())
            place = f"message only @{self.directory.user_name(user_id)} sees, in {place}"
            self.board.show(
                clicks.Clickable(
                    "message", place, user_id, channel_id, ts, True, _message_of(p, ts)
                )
            )
        elif call.method == "chat.update":
            self.board.edit(channel_id, str(p.get("ts") or ""), p, place, dm_of)


def _message_of(p: Mapping[str, Any], ts: str) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "message", "ts": ts, "text": p.get("text") or ""}
    for key in ("blocks", "attachments"):
        if p.get(key) is not None:
            message[key] = p[key]
    return message


def _made_up_ts() -> str:
    # A ts for a message Slack gives none back for (a command's answer, a response URL post).
    return f"{time.time():.6f}"
