"""Delivers the outbox to Slack: every row once, one recipient's rows in order, several
recipients at a time, with retries, rate limits and parking. docs/delivery.md explains
the rules; storage/outbox.py holds the SQL."""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
from collections import deque
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from sqlalchemy.orm import Session

from bot.clock import Clock
from scheduler.messages import DeliveryKey, Message, Outgoing
from storage import outbox, teams
from storage.db import Database
from storage.outbox import Claimed

log = logging.getLogger(__name__)

T = TypeVar("T")
ManagersOf = Callable[[Session, int, int], list[str]]

EVENT_TYPE = "paceline_delivery"
POST_METHOD = "chat.postMessage"
# Our clock and Slack's may disagree a little: look this far before a row's creation.
HISTORY_SKEW = timedelta(minutes=5)
# A 429 is waited out in place this many times in a row before the row is handed back.
MAX_RATE_LIMITED = 10
MAX_BACKOFF_SECONDS = 3600.0
# Database hiccups (SQLite locked, PostgreSQL reconnecting) are retried in place: doubling
# from DB_RETRY_FIRST seconds, DB_RETRIES times (≈ 3 s in all).
DB_RETRY_FIRST = 0.05
DB_RETRIES = 7
_DB_ERRORS = (sa.exc.OperationalError, sa.exc.InterfaceError)

# A channel post parked for these tells the team's managers (once per channel and reason).
CHANNEL_PROBLEMS = frozenset({"no_channel", "not_in_channel", "channel_not_found", "is_archived"})
# Problems of the message itself: the recipient's later rows may still go through.
MESSAGE_PROBLEMS = frozenset(
    {
        "invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text",
        "invalid_arguments", "invalid_metadata_format", "invalid_metadata_schema",
        "metadata_too_large", "too_many_attachments", "invalid_attachments",
    }
)  # fmt: skip
# Slack's docs say these may come after part of the work was done.
_MAYBE_DONE = frozenset({"internal_error", "fatal_error"})
_RETRYABLE = _MAYBE_DONE | {"service_unavailable", "request_timeout", "ratelimited"}
_REASONS = {
    "not_in_channel": "Paceline is not a member of the channel: invite @Paceline to it",
    "channel_not_found": "Slack cannot find the channel (deleted, or private without Paceline in it)",
    "is_archived": "the channel is archived",
    "invalid_blocks": "Slack rejected the message layout (invalid_blocks): a Paceline bug, please report it",
    "invalid_blocks_format": "Slack rejected the message layout (invalid_blocks_format): a Paceline bug, please report it",
    "msg_too_long": "the message is longer than Slack allows (msg_too_long): a Paceline bug, please report it",
    "user_not_found": "Slack has no such user (user_not_found): they may have left the workspace",
    "account_inactive": "the Slack account is deactivated (account_inactive)",
    "user_disabled": "the Slack account is disabled (user_disabled)",
    "cannot_dm_bot": "the recipient is a bot, and bots cannot get DMs (cannot_dm_bot)",
    "invalid_auth": "Paceline's Slack token is not valid (invalid_auth): reinstall the app",
    "token_revoked": "Paceline's Slack token was revoked (token_revoked): reinstall the app",
    "not_authed": "Paceline has no Slack token for this workspace (not_authed): it was uninstalled; reinstall the app",
    "missing_scope": "Paceline lacks a Slack permission (missing_scope): reinstall it with the scopes in its manifest",
}


@dataclass
class DeliveryStats:
    sent: int = 0
    retried: int = 0
    parked: int = 0
    failed: int = 0
    checked_unknown: int = 0  # rows looked up in history before (re)posting
    db_errors: int = 0  # database writes that failed even after retrying in place
    elapsed: float = 0.0


# ---------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class _Sent:
    channel_id: str | None
    ts: str | None


@dataclass(frozen=True)
class _Retry:
    error: str
    unknown: bool  # Slack may have the post: look before posting again
    count: bool = True  # False for rate limits: waiting is not a failed attempt
    delay: float | None = None  # None: the exponential backoff


@dataclass(frozen=True)
class _Park:
    code: str  # Slack's error, or "no_channel"
    recipient_wide: bool  # the recipient's later rows would fail the same way

    def reason(self, team_name: str | None, channel: str) -> str:
        if self.code == "no_channel":
            name = team_name or "?"
            return (
                f"team {name} has no channel: set one with /team set {name} channel #channel-name"
            )
        text = _REASONS.get(self.code, f"Slack refused the message ({self.code})")
        return f"{text} ({channel})" if self.code in CHANNEL_PROBLEMS else text


_Outcome = _Sent | _Retry | _Park


class _RateLimited(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"still rate limited after {MAX_RATE_LIMITED} waits")
        self.retry_after = retry_after


class _LeaseLost(Exception):
    """Another process took the rows over (our lease ran out): touch nothing more."""


# Not outcomes of a Slack call: they end the group's delivery and leave its rows as they are.
_ABANDON = (*_DB_ERRORS, _LeaseLost)


@dataclass
class _Group:
    """What one worker learns while delivering one recipient's rows."""

    rows: list[Claimed]
    lease_until: datetime
    position: int = 0  # the row being delivered; it and those after it are still held
    channel: str | None = None
    # From conversations.history, fetched at most once: delivery key → ts, file title → ts.
    keys: dict[str, str] | None = None
    titles: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------- the sender


class _Feed:
    """The groups claimed ahead of the workers. When fewer than CLAIM_LOW per worker are
    left, the next batch is claimed on the sender's bookkeeping thread while the workers
    keep posting; once a claim has found nothing due, none is started ahead again until the
    backlog runs out (claiming ahead then would find nothing again, each time taking CPU
    from the last posts). A worker that finds nothing left waits for a claim started after
    it asked, and ends when that claim found nothing due (so notices other workers enqueue
    on the way are still delivered in this round)."""

    def __init__(
        self, sender: Sender, stats: DeliveryStats, bookkeeping: ThreadPoolExecutor
    ) -> None:
        self._sender, self._stats, self._bookkeeping = sender, stats, bookkeeping
        self._cond = threading.Condition()
        self._backlog: deque[tuple[list[Claimed], datetime]] = deque()
        self._pending = False  # a claim is under way
        self._started = 0  # claims started so far
        self._found_nothing = 0  # the number of the latest claim that found nothing due

    def next(self) -> tuple[list[Claimed], datetime] | None:
        sender = self._sender
        with self._cond:
            asked_after = self._started
            while True:
                if sender._stopping():
                    return None
                if self._backlog:
                    taken = self._backlog.popleft()
                    low = len(self._backlog) < sender.concurrency * CLAIM_LOW
                    # Claims run one at a time: with none pending, the latest started is
                    # the latest finished, and it is dry if it found nothing.
                    dry = self._found_nothing == self._started
                    if low and not self._pending and not dry:
                        self._start_claim()
                    return taken
                if self._found_nothing > asked_after:
                    return None
                if not self._pending:
                    self._start_claim()
                self._cond.wait()

    def _start_claim(self) -> None:
        """Under the lock."""
        self._pending = True
        self._started += 1
        self._bookkeeping.submit(self._claim, self._started)

    def _claim(self, number: int) -> None:
        sender = self._sender
        groups: list[list[Claimed]] = []
        claimed_at = sender.clock.now()
        try:
            groups = sender._claim(sender.concurrency * CLAIM_AHEAD, self._stats)
        finally:
            with self._cond:
                self._pending = False
                self._backlog.extend((group, claimed_at) for group in groups)
                if not groups:
                    self._found_nothing = max(self._found_nothing, number)
                self._cond.notify_all()

    def leftover(self) -> list[tuple[list[Claimed], datetime]]:
        with self._cond:
            left, self._backlog = list(self._backlog), deque()
        return left


# Claims and sent-marks run on the bookkeeping thread, whose CPU the workers' posts wait for
# (one GIL), and each costs a transaction and its statements however few rows it holds: so
# few, big ones. A batch of marks lost with its process only costs a look in the channel's
# history per row.
SENT_BATCH = 128  # posts recorded as sent per transaction
CLAIM_AHEAD = 16  # rows claimed per worker at a time; they wait far less than the lease
# Groups per worker left when the next claim starts: about 60 ms of posts at full speed,
# longer than a claim of CLAIM_AHEAD takes, so no worker waits for one.
CLAIM_LOW = 12


class Sender:
    def __init__(
        self,
        db: Database,
        client_for: Callable[[int], WebClient],
        clock: Clock,
        owner: str,
        *,
        concurrency: int = 8,
        lease_seconds: float = 60.0,
        max_attempts: int = 5,
        backoff_seconds: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        managers_of: ManagersOf | None = None,
        poll_interval: float = 5.0,
        workspace_ids: Collection[int] | None = None,
    ) -> None:
        """`client_for` gives each workspace's WebClient, with `retry_handlers = []`: the
        sender owns every retry. The lease must outlast the client's timeout twice over, or
        a slow post could be taken over and sent again. `workspace_ids` limits the sender
        to some workspaces (None: all)."""
        if concurrency < 1 or max_attempts < 1:
            raise ValueError("concurrency and max_attempts must be at least 1")
        self.db = db
        self.client_for = client_for
        self.clock = clock
        self.owner = owner
        self.concurrency = concurrency
        self.lease = timedelta(seconds=lease_seconds)
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.poll_interval = poll_interval
        self.workspace_ids = None if workspace_ids is None else frozenset(workspace_ids)
        self._sleep = sleep
        self._managers_of = managers_of or _slack_ids_of_managers
        self._wake = threading.Event()
        self._stop: threading.Event | None = None
        self._stats_lock = threading.Lock()
        self._marks: list[outbox.SentMark] = []
        self._marks_lock = threading.Lock()
        self._bookkeeping: ThreadPoolExecutor | None = None
        # Rows claimed by this process and not finished: never claimed again by it meanwhile.
        self._held: set[int] = set()
        self._held_lock = threading.Lock()
        self._warned = False

    # ------------------------------------------------------------------ loop

    def wake(self) -> None:
        """Start the next round now (jobs call it after enqueueing)."""
        self._wake.set()

    def run(self, stop: threading.Event) -> None:
        """Deliver until `stop` is set; set it and call wake() to end the wait at once."""
        self._stop = stop
        while not stop.is_set():
            try:
                self.deliver_due()
            except Exception:  # keep the loop alive; the rows stay in the outbox
                log.exception("delivery round failed")
            self._wake.wait(self.poll_interval)
            self._wake.clear()

    def deliver_due(self) -> DeliveryStats:
        """Claim and deliver everything due now, including notices it enqueues on the way;
        returns when nothing due is left (rows waiting for a backoff stay for later)."""
        started = time.monotonic()
        stats = DeliveryStats()
        # Claims and sent-marks run on one bookkeeping thread, so all `concurrency` workers
        # keep posting (a worker doing them would leave its post slot empty meanwhile).
        # Each worker takes its next group from the shared backlog itself: handing every
        # post through one dispatching thread would cost a thread switch per post.
        with ThreadPoolExecutor(1, thread_name_prefix="paceline-sender-db") as bookkeeping:
            self._bookkeeping = bookkeeping
            feed = _Feed(self, stats, bookkeeping)
            try:
                with ThreadPoolExecutor(
                    self.concurrency, thread_name_prefix="paceline-sender"
                ) as pool:
                    workers = [
                        pool.submit(self._work, feed, stats) for _ in range(self.concurrency)
                    ]
            finally:
                self._bookkeeping = None
        for worker in workers:
            if worker.exception() is not None:
                log.error("delivery worker failed", exc_info=worker.exception())
        self._flush_sent()
        left = feed.leftover()
        if left:  # stopping: hand the rows not started back at once, not at lease expiry
            ids = [row.id for group, _ in left for row in group]
            self._write(lambda s: outbox.release(s, ids, owner=self.owner, now=self.clock.now()))
            for group, _ in left:
                self._let_go(group)
        stats.elapsed = time.monotonic() - started
        if stats.sent or stats.retried or stats.parked or stats.failed or stats.db_errors:
            log.info(
                "delivery round: sent=%d retried=%d parked=%d failed=%d checked=%d db_errors=%d in %.2fs",
                stats.sent, stats.retried, stats.parked, stats.failed,
                stats.checked_unknown, stats.db_errors, stats.elapsed,
            )  # fmt: skip
        return stats

    def _stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    def _work(self, feed: _Feed, stats: DeliveryStats) -> None:
        while (taken := feed.next()) is not None:
            group, claimed_at = taken
            try:
                self._deliver_group(group, stats, claimed_at)
            except Exception:  # one group's bug must not end the round for the rest
                log.exception("delivery of %s failed", group[0].delivery_key)
            finally:
                self._let_go(group)

    def _let_go(self, rows: list[Claimed]) -> None:
        with self._held_lock:
            self._held.difference_update(row.id for row in rows)

    def _claim(self, max_rows: int, stats: DeliveryStats) -> list[list[Claimed]]:
        now = self.clock.now()
        with self._held_lock:
            held = set(self._held)
        try:
            groups = self._write(
                lambda s: outbox.claim(
                    s,
                    owner=self.owner,
                    now=now,
                    lease=self.lease,
                    max_rows=max_rows,
                    workspace_ids=self.workspace_ids,
                    held=held,
                )  # fmt: skip
            )
            with self._held_lock:
                self._held.update(row.id for group in groups for row in group)
            return groups
        except _DB_ERRORS as error:
            # Nothing was claimed; the next round tries again.
            self._count(stats, db_errors=1)
            log.warning("could not claim outbox rows: %s", type(error.orig or error).__name__)
            return []

    # ------------------------------------------------------------------ one recipient

    def _deliver_group(
        self, rows: list[Claimed], stats: DeliveryStats, claimed_at: datetime | None = None
    ) -> None:
        group = _Group(rows, (claimed_at or self.clock.now()) + self.lease)
        client = self.client_for(rows[0].workspace_id)
        if (
            2 * float(getattr(client, "timeout", 0) or 0) > self.lease.total_seconds()
            and not self._warned
        ):
            self._warned = True
            log.warning("the lease (%.0fs) should be at least twice the Slack client's timeout "
                        "(%ss): a slow post could be taken over and sent twice",
                        self.lease.total_seconds(), client.timeout)  # fmt: skip
        try:
            for index, row in enumerate(rows):
                group.position = index
                self._hold(group)
                outcome = self._attempt(client, row, group, stats)
                if isinstance(outcome, _Sent):
                    self._remember_sent(row, outcome)
                    self._count(stats, sent=1)
                    log.debug("sent %s", row.delivery_key)
                elif isinstance(outcome, _Park):
                    self._park(row, outcome, stats)
                    if outcome.recipient_wide:
                        for later in rows[index + 1 :]:
                            self._park(later, outcome, stats)
                        return
                else:
                    self._retry(row, outcome, stats)
                    # Later rows wait, so the recipient still gets them in order.
                    rest = [r.id for r in rows[index + 1 :]]
                    self._write(
                        lambda s, ids=rest: outbox.release(
                            s, ids, owner=self.owner, now=self.clock.now()
                        )
                    )
                    return
        except _LeaseLost:
            log.warning(
                "lost the lease on %s; another process has it", rows[group.position].delivery_key
            )
        except _DB_ERRORS as error:
            # What Slack did may be unrecorded: the rows stay `sending` until their lease
            # runs out, and whoever claims them next looks in the channel before posting.
            self._count(stats, db_errors=1)
            log.warning("database unavailable, leaving %d row(s) to their lease: %s",
                        len(rows), type(error.orig or error).__name__)  # fmt: skip

    def _remember_sent(self, row: Claimed, outcome: _Sent) -> None:
        """Record a post as sent in batches, not a transaction each. A post whose batch is
        lost with its process stays `sending`; when its lease runs out the next claimer finds
        it in the channel's history and does not post it again."""
        mark = outbox.SentMark(row.id, outcome.channel_id, outcome.ts, self.clock.now())
        with self._marks_lock:
            self._marks.append(mark)
            full = len(self._marks) >= SENT_BATCH
        if full:
            bookkeeping = self._bookkeeping
            if bookkeeping is not None:
                try:
                    bookkeeping.submit(self._flush_sent)
                    return
                except RuntimeError:  # shutting down: record them here
                    pass
            self._flush_sent()

    def _flush_sent(self) -> None:
        with self._marks_lock:
            batch, self._marks = self._marks, []
        if not batch:
            return
        try:
            self._write(lambda s: outbox.mark_sent_many(s, batch))
        except _DB_ERRORS as error:
            log.warning("could not record %d sent post(s); their leases will settle them: %s",
                        len(batch), type(error.orig or error).__name__)  # fmt: skip

    def _hold(self, group: _Group) -> None:
        """Renew the lease when half of it is gone, before any Slack call: a call must never
        start on a row another process may already be delivering."""
        now = self.clock.now()
        if now < group.lease_until - self.lease / 2:
            return
        rest = [r.id for r in group.rows[group.position :]]
        held = self._write(
            lambda s: outbox.renew(s, rest, owner=self.owner, now=now, lease=self.lease)
        )
        if rest[0] not in held:
            raise _LeaseLost
        group.lease_until = now + self.lease

    def _attempt(
        self, client: WebClient, row: Claimed, group: _Group, stats: DeliveryStats
    ) -> _Outcome:
        if row.recipient == "":
            return _Park("no_channel", recipient_wide=True)
        message = row.message()
        checked = not row.outcome_unknown
        try:
            if message.edit_of is not None:
                # An edit sets the whole message: doing it twice does no harm, so an unknown
                # outcome needs no look in the channel first.
                return self._edit(client, row, message, group)
            if not checked:
                self._count(stats, checked_unknown=1)
                found = self._look_for(client, row, message, group)
                if found is not None:
                    log.info("found %s in Slack already; not posting it again", row.delivery_key)
                    return found
                checked = True
            return self._post(client, row, message, group)
        except SlackApiError as error:
            return _classify(error, unknown_before=not checked)
        except _RateLimited as error:
            return _Retry("rate limited", unknown=not checked, count=False, delay=error.retry_after)
        except SlackRequestError:  # uploading the bytes failed: the file was not shared
            return _Retry("the file upload failed", unknown=not checked)
        except OSError as error:  # timeouts, resets, refused connections (URLError too)
            sent = not _refused(error)
            return _Retry(f"no answer from Slack ({_describe(error)})", unknown=sent or not checked)
        except _ABANDON:
            raise
        except Exception as error:  # a bug: assume the worst, that Slack got it
            log.exception("unexpected error delivering %s", row.delivery_key)
            return _Retry(f"unexpected error: {type(error).__name__}", unknown=True)

    def _post(self, client: WebClient, row: Claimed, message: Message, group: _Group) -> _Sent:
        file = message.file
        if file is None:
            body = post_body(row.recipient, message, row.delivery_key)
            response = self._call(group, lambda: client.api_call(POST_METHOD, json=body))
            return _Sent(response.get("channel"), response.get("ts"))
        # Imported on the first chart: the CLI and the console load the sender without
        # needing matplotlib.
        from bot.render.chart import png_of

        channel = self._channel_of(client, row, group)
        response = self._call(
            group,
            lambda: client.files_upload_v2(
                channel=channel,
                content=png_of(file),
                filename=file.filename,
                title=file.title,
                initial_comment=message.text or None,
            ),
        )
        return _Sent(channel, _share_ts(response.get("file") or {}, channel))

    def _edit(self, client: WebClient, row: Claimed, message: Message, group: _Group) -> _Sent:
        """chat.update of the post this row's message replaces. The post went to the same
        recipient earlier, so the outbox delivered it first; one that never reached Slack
        (failed, parked) has nothing to edit."""
        assert message.edit_of is not None
        with self.db.read() as session:
            original = outbox.sent_post(session, row.workspace_id, message.edit_of)
        if original is None or original[0] != outbox.SENT or not original[1] or not original[2]:
            log.info("%s: the post it edits is not in Slack; nothing to edit", row.delivery_key)
            return _Sent(None, None)
        _, channel, ts = original
        self._call(
            group,
            lambda: client.chat_update(
                channel=channel, ts=ts, text=message.text, blocks=list(message.blocks) or None
            ),
        )
        return _Sent(channel, ts)

    def _look_for(
        self, client: WebClient, row: Claimed, message: Message, group: _Group
    ) -> _Sent | None:
        """The post if Slack already has it (a try whose answer never came back)."""
        channel = self._channel_of(client, row, group)
        if group.keys is None:
            group.keys = {}
            oldest = min(r.created_at for r in group.rows) - HISTORY_SKEW
            cursor = None
            while True:
                page = self._call(
                    group,
                    lambda c=cursor: client.conversations_history(
                        channel=channel,
                        oldest=f"{oldest.timestamp():.6f}",
                        inclusive=True,
                        include_all_metadata=True,
                        limit=200,
                        cursor=c,
                    ),  # fmt: skip
                )
                for found in page.get("messages") or []:
                    _index(found, group)
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        ts = group.keys.get(row.delivery_key)
        if ts is None and message.file is not None:
            ts = group.titles.get(message.file.title)
        return None if ts is None else _Sent(channel, ts)

    def _channel_of(self, client: WebClient, row: Claimed, group: _Group) -> str:
        """The conversation a recipient's posts land in; a DM is opened to learn its id."""
        if group.channel is None:
            group.channel = row.channel_id
        if group.channel is None and row.recipient[:1] in {"U", "W"}:
            opened = self._call(group, lambda: client.conversations_open(users=row.recipient))
            group.channel = opened["channel"]["id"]
            self._write(
                lambda s: outbox.remember_channel(s, row.id, group.channel, now=self.clock.now())
            )
        return group.channel or row.recipient

    def _call(self, group: _Group, request: Callable[[], T]) -> T:
        """One Web API call, waiting out 429s for exactly Retry-After (no attempt counted)."""
        retry_after = 1.0
        for _ in range(MAX_RATE_LIMITED):
            try:
                return request()
            except SlackApiError as error:
                if error.response.status_code != 429:
                    raise
                retry_after = _retry_after(error)
                log.info("Slack rate limit: waiting %.0fs", retry_after)
                self._sleep(retry_after)
                self._hold(group)  # the wait may have used up the lease
        raise _RateLimited(retry_after)

    # ------------------------------------------------------------------ recording outcomes

    def _retry(self, row: Claimed, outcome: _Retry, stats: DeliveryStats) -> None:
        now = self.clock.now()
        attempts = row.attempts + (1 if outcome.count else 0)
        if outcome.count and attempts >= self.max_attempts:
            reason = f"gave up after {attempts} attempts: {outcome.error}"
            if self._write(lambda s: outbox.park(s, row.id, owner=self.owner, now=now,
                                                 reason=reason, status=outbox.FAILED)):  # fmt: skip
                self._count(stats, failed=1)
                log.warning("failed %s: %s", row.delivery_key, reason)
            return
        delay = outcome.delay if outcome.delay is not None else self._backoff(attempts)
        if self._write(
            lambda s: outbox.schedule_retry(
                s,
                row.id,
                owner=self.owner,
                now=now,
                not_before=now + timedelta(seconds=delay),
                error=outcome.error,
                outcome_unknown=outcome.unknown,
                count_attempt=outcome.count,
            )  # fmt: skip
        ):
            self._count(stats, retried=1)
            log.warning("retrying %s in %.0fs: %s", row.delivery_key, delay, outcome.error)

    def _backoff(self, attempts: int) -> float:
        return min(self.backoff_seconds * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)

    def _park(self, row: Claimed, outcome: _Park, stats: DeliveryStats) -> None:
        def park(session: Session) -> str | None:
            team = teams.by_id(session, row.workspace_id, row.team_id) if row.team_id else None
            reason = outcome.reason(team.name if team else None, row.recipient)
            if not outbox.park(
                session, row.id, owner=self.owner, now=self.clock.now(), reason=reason
            ):
                return None
            if outcome.code in CHANNEL_PROBLEMS and team is not None:
                notices = self._notices(session, row, outcome.code, team.name)
                if outbox.enqueue(session, notices, self.clock.now()):
                    self.wake()
            return reason

        reason = self._write(park)
        if reason is not None:
            self._count(stats, parked=1)
            log.warning("parked %s: %s", row.delivery_key, reason)

    def _notices(self, session: Session, row: Claimed, code: str, team_name: str) -> list[Outgoing]:
        """A DM to each manager; the key (one per channel and reason) makes it once ever."""
        assert row.team_id is not None
        text = _notice_text(code, team_name, row.job, row.recipient)
        period = f"{code}:{row.recipient or 'none'}"
        return [
            Outgoing(
                row.workspace_id,
                DeliveryKey("notice", row.team_id, period, user_id),
                Message(user_id, text),
            )
            for user_id in self._managers_of(session, row.workspace_id, row.team_id)
        ]

    # ------------------------------------------------------------------ helpers

    def _write(self, work: Callable[[Session], T]) -> T:
        """One write transaction, retried in place when the database is briefly unavailable."""
        delay = DB_RETRY_FIRST
        for attempt in range(DB_RETRIES):
            try:
                with self.db.write() as session:
                    return work(session)
            except _DB_ERRORS as error:
                if attempt == DB_RETRIES - 1:
                    raise
                log.info("database busy or unreachable (%s); again in %.2fs",
                         type(error.orig or error).__name__, delay)  # fmt: skip
                self._sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def _count(self, stats: DeliveryStats, **changes: int) -> None:
        with self._stats_lock:
            for name, value in changes.items():
                setattr(stats, name, getattr(stats, name) + value)


# ---------------------------------------------------------------------- pure helpers


def post_body(channel: str, message: Message, delivery_key: str) -> dict[str, Any]:
    """chat.postMessage's JSON body for a message, as slack-sdk's `chat_postMessage` sends it
    (the same keys in the same order). The sender calls `api_call` with it directly: our
    blocks are plain dicts already, and `chat_postMessage` checks each of them against six
    Block Kit classes before sending, on the sender's hot path."""
    body: dict[str, Any] = {"channel": channel, "text": message.text}
    if message.blocks:
        body["blocks"] = list(message.blocks)
    body["metadata"] = {"event_type": EVENT_TYPE, "event_payload": {"key": delivery_key}}
    return body


def _slack_ids_of_managers(session: Session, workspace_id: int, team_id: int) -> list[str]:
    return [
        person.slack_user_id
        for person in teams.managers(session, workspace_id, team_id)
        if person.slack_user_id and not person.deactivated and not person.is_bot
    ]


def _classify(error: SlackApiError, *, unknown_before: bool) -> _Retry | _Park:
    status = error.response.status_code
    code = str(error.response.get("error") or f"http_{status}")
    if status >= 500 or code in _RETRYABLE:
        # A 503 is Slack turning work away. Other 5xx, and internal_error / fatal_error
        # ("some aspect of the operation may have succeeded"), may come after Slack stored
        # the post: look before posting again.
        refused = status == 503 or code == "service_unavailable"
        maybe_done = not refused and (status >= 500 or code in _MAYBE_DONE)
        return _Retry(f"Slack answered {status} {code}", unknown=unknown_before or maybe_done)
    return _Park(code, recipient_wide=code not in MESSAGE_PROBLEMS)


def _retry_after(error: SlackApiError) -> float:
    headers = {k.lower(): v for k, v in (error.response.headers or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(float(value), 0.0) if value is not None else 1.0
    except ValueError:
        return 1.0


def _refused(error: OSError) -> bool:
    """The request never left: connecting failed, so Slack cannot have the post."""
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    return isinstance(reason, ConnectionRefusedError)


def _describe(error: OSError) -> str:
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    return type(reason).__name__ if isinstance(reason, BaseException) else str(reason)


def _index(message: dict[str, Any], group: _Group) -> None:
    assert group.keys is not None
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") == EVENT_TYPE:
        key = (metadata.get("event_payload") or {}).get("key")
        if isinstance(key, str):
            group.keys.setdefault(key, message["ts"])
    for file in message.get("files") or []:
        title = file.get("title")
        if isinstance(title, str):
            group.titles.setdefault(title, message["ts"])


def _share_ts(file: dict[str, Any], channel: str) -> str | None:
    shares = file.get("shares") or {}
    for kind in ("public", "private"):
        posts = (shares.get(kind) or {}).get(channel) or []
        if posts:
            return posts[0].get("ts")
    return None


def _notice_text(code: str, team: str, job: str, channel: str) -> str:
    what = f"Paceline could not post the {job.replace('-', ' ')} for team {team}"
    change = f"`/team set {team} channel #channel-name`"
    if code == "no_channel":
        return f"{what}: the team has no channel. Set one with {change}."
    where = f"<#{channel}>"
    if code == "not_in_channel":
        return (f"{what} in {where}: Paceline is not a member of that channel. "
                f"Invite it by typing `/invite @Paceline` in {where}.")  # fmt: skip
    if code == "is_archived":
        return f"{what} in {where}: the channel is archived. Unarchive it or choose another with {change}."
    return (f"{what} in channel {channel}: Slack cannot find it (it was deleted, or it is "
            f"private and Paceline is not in it). Invite @Paceline to it or choose another "
            f"with {change}.")  # fmt: skip
