"""SQLModel tables. Every row belongs to one workspace; every query filters by it.

Instants are aware UTC datetimes (SQLModel's UTCDateTime); `day` columns are the person's
local date.
Quantities are integers in the metric's base unit: a count, or cents for money.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class Workspace(SQLModel, table=True):
    __tablename__ = "workspace"
    __table_args__ = (sa.UniqueConstraint("slack_team_id", name="uq_workspace_slack_team"),)

    id: int | None = Field(default=None, primary_key=True)
    slack_team_id: str = Field(max_length=32)
    enterprise_id: str | None = Field(default=None, max_length=32)
    name: str | None = Field(default=None, max_length=200)
    fiscal_year_start_month: int = 1
    active: bool = True
    created_at: datetime


class Person(SQLModel, table=True):
    __tablename__ = "person"
    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "slack_user_id", name="uq_person_slack_user"),
        sa.Index("ix_person_workspace_name", "workspace_id", "name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    # None for people imported from a CRM before anyone linked them to a Slack user.
    slack_user_id: str | None = Field(default=None, max_length=32)
    name: str = Field(max_length=200)
    real_name: str | None = Field(default=None, max_length=200)
    display_name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    tz: str | None = Field(default=None, max_length=64)
    slack_admin: bool = False
    is_bot: bool = False
    deactivated: bool = False
    start_date: date | None = None
    created_at: datetime
    refreshed_at: datetime
    # The period their App Home shows ("week", "month", "quarter", "year"); None: the week.
    home_period: str | None = Field(default=None, max_length=8)


class Team(SQLModel, table=True):
    __tablename__ = "team"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "name_key", name="uq_team_name"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    name: str = Field(max_length=40)
    name_key: str = Field(max_length=40)
    channel_id: str | None = Field(default=None, max_length=32)
    channel_name: str | None = Field(default=None, max_length=100)
    tz: str = Field(default="UTC", max_length=64)
    # Weekday numbers, Monday = 0, comma separated ("0,1,2,3,4").
    workweek: str = Field(default="0,1,2,3,4", max_length=20)
    holidays_country: str | None = Field(default=None, max_length=8)
    parent_id: int | None = Field(default=None, foreign_key="team.id")
    threshold_ahead: int = 110
    threshold_on_pace: int = 90
    threshold_behind: int = 75
    approvals: bool = False
    # Live wins posted to the channel: a comma list of "deals", "hits", "team", or "off".
    celebrate: str = Field(
        default="hits,team", max_length=40, sa_column_kwargs={"server_default": "hits,team"}
    )
    # The smallest revenue (cents) a deal post needs; None: every deal.
    celebrate_min: int | None = Field(default=None, sa_type=sa.BigInteger)
    # When the team's channel may be posted to, local "HH:MM-HH:MM", or "any".
    work_hours: str = Field(
        default="08:00-19:00", max_length=11, sa_column_kwargs={"server_default": "08:00-19:00"}
    )
    # Metrics only the CRM may record for this team, comma separated ("calls,deals"); "" none.
    crm_only: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    created_at: datetime


class TeamMember(SQLModel, table=True):
    __tablename__ = "team_member"
    # A rep belongs to at most one team.
    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "person_id", name="uq_member_person"),
        sa.Index("ix_member_team", "team_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    team_id: int = Field(foreign_key="team.id")
    person_id: int = Field(foreign_key="person.id")
    added_at: datetime


class TeamManager(SQLModel, table=True):
    __tablename__ = "team_manager"
    __table_args__ = (
        sa.UniqueConstraint("team_id", "person_id", name="uq_manager_team_person"),
        sa.Index("ix_manager_person", "workspace_id", "person_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    team_id: int = Field(foreign_key="team.id")
    person_id: int = Field(foreign_key="person.id")
    added_at: datetime


class TeamSchedule(SQLModel, table=True):
    __tablename__ = "team_schedule"
    __table_args__ = (sa.UniqueConstraint("team_id", "job", name="uq_schedule_team_job"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    team_id: int = Field(foreign_key="team.id")
    job: str = Field(max_length=32)
    # Weekday numbers ("2" = Wednesday, "0,1,2,3,4" = weekdays); None when off.
    days: str | None = Field(default=None, max_length=20)
    at_time: str | None = Field(default=None, max_length=5)
    enabled: bool = True
    updated_at: datetime


class CustomMetric(SQLModel, table=True):
    __tablename__ = "custom_metric"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "key", name="uq_metric_key"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    key: str = Field(max_length=40)
    kind: str = Field(default="count", max_length=8)
    aliases: str = Field(default="", max_length=200)
    cap: int = Field(sa_type=sa.BigInteger)
    created_at: datetime


class Entry(SQLModel, table=True):
    """One amount of one metric for one person's local day. Never hard-deleted."""

    __tablename__ = "entry"
    __table_args__ = (
        # Week totals and the /log reply: one person's metric over a day range.
        # deleted_at and quantity ride along so totals are read from the index alone.
        sa.Index(
            "ix_entry_person_metric_day",
            "workspace_id",
            "person_id",
            "metric",
            "day",
            "deleted_at",
            "quantity",
        ),
        # Undo: the caller's most recent /log.
        sa.Index("ix_entry_enterer_created", "workspace_id", "entered_by_id", "id"),
        # Live wins: the undos since the last look. Partial, so a new entry's INSERT skips it.
        sa.Index(
            "ix_entry_deleted",
            "deleted_at",
            postgresql_where=sa.text("deleted_at IS NOT NULL"),
            sqlite_where=sa.text("deleted_at IS NOT NULL"),
        ),
        # Partial: most entries have no key, and an index they skip costs their INSERT nothing.
        # CRM sync: the live entries of the objects in one page.
        sa.Index(
            "ix_entry_external_ref",
            "workspace_id",
            "external_ref",
            postgresql_where=sa.text("external_ref IS NOT NULL"),
            sqlite_where=sa.text("external_ref IS NOT NULL"),
        ),
        sa.Index(
            "uq_entry_idempotency",
            "idempotency_key",
            unique=True,
            postgresql_where=sa.text("idempotency_key IS NOT NULL"),
            sqlite_where=sa.text("idempotency_key IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    person_id: int = Field(foreign_key="person.id")
    metric: str = Field(max_length=40)
    day: date
    quantity: int = Field(sa_type=sa.BigInteger)
    note: str | None = Field(default=None, max_length=500)
    # "log" adds to the day; "fix" is a correction that sets the day's total.
    kind: str = Field(default="log", max_length=8)
    source: str = Field(default="slack", max_length=16)
    # The entries of one /log share a batch so undo removes them together.
    batch_id: str = Field(max_length=32)
    entered_by_id: int = Field(foreign_key="person.id")
    created_at: datetime
    deleted_at: datetime | None = None
    deleted_by_id: int | None = Field(default=None, foreign_key="person.id")
    # Set for modal submissions, imports and retries: a second copy is refused by the database.
    idempotency_key: str | None = Field(default=None, max_length=200)
    # The CRM object an entry was synced from ("hubspot:deals:1234"); None when typed.
    external_ref: str | None = Field(default=None, max_length=80)


class TimeOff(SQLModel, table=True):
    __tablename__ = "time_off"
    __table_args__ = (sa.Index("ix_time_off_person", "workspace_id", "person_id", "start"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    person_id: int = Field(foreign_key="person.id")
    start: date
    end: date
    reason: str | None = Field(default=None, max_length=500)
    created_by_id: int = Field(foreign_key="person.id")
    created_at: datetime
    deleted_at: datetime | None = None


class AuditEvent(SQLModel, table=True):
    """Append-only: who did what, when, with the state before and after (JSON)."""

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_subject", "workspace_id", "subject_type", "subject_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    at: datetime
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    action: str = Field(max_length=64)
    subject_type: str = Field(max_length=32)
    subject_id: int | None = None
    before: str | None = Field(default=None, sa_type=sa.Text)
    after: str | None = Field(default=None, sa_type=sa.Text)
    reason: str | None = Field(default=None, max_length=500)


class Goal(SQLModel, table=True):
    """A target for a person or a team, recurring every period from `start` until `end`.

    kind: "individual" (person), "team" (team total), "collective" (each member of a team,
    all-or-nothing), "contest" (most wins in one period; no target), "ramp" (person; the
    target climbs from `target` to `ramp_last` by `ramp_step` each period).
    """

    __tablename__ = "goal"
    __table_args__ = (
        sa.Index("ix_goal_person", "workspace_id", "person_id", "metric"),
        sa.Index("ix_goal_team", "workspace_id", "team_id"),
        sa.Index(
            "uq_goal_idempotency",
            "idempotency_key",
            unique=True,
            postgresql_where=sa.text("idempotency_key IS NOT NULL"),
            sqlite_where=sa.text("idempotency_key IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    kind: str = Field(max_length=16)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    team_id: int | None = Field(default=None, foreign_key="team.id")
    metric: str = Field(max_length=40)
    period_kind: str = Field(max_length=8)
    target: int | None = Field(default=None, sa_type=sa.BigInteger)
    start: date
    end: date | None = None
    stretch_pct: int | None = None
    # Shares of sub-periods, e.g. "20,25,25,30" for a yearly goal's quarters.
    weights: str | None = Field(default=None, max_length=200)
    reward: str | None = Field(default=None, max_length=200)
    prize: str | None = Field(default=None, max_length=200)
    ramp_last: int | None = Field(default=None, sa_type=sa.BigInteger)
    ramp_step: int | None = Field(default=None, sa_type=sa.BigInteger)
    # How it came to be: "set", "plan", "split", "proposal", "modal".
    origin: str = Field(default="set", max_length=16)
    created_by_id: int = Field(foreign_key="person.id")
    created_at: datetime
    removed_at: datetime | None = None
    removed_by_id: int | None = Field(default=None, foreign_key="person.id")
    # A modal's view id: Slack may deliver one submission twice; it sets one goal.
    idempotency_key: str | None = Field(default=None, max_length=200)


class GoalRequest(SQLModel, table=True):
    """A change that waits for someone's decision: a rep's proposal, or lowering a started goal."""

    __tablename__ = "goal_request"
    __table_args__ = (
        sa.Index("ix_goal_request_status", "workspace_id", "status"),
        sa.Index(
            "uq_goal_request_idempotency",
            "idempotency_key",
            unique=True,
            postgresql_where=sa.text("idempotency_key IS NOT NULL"),
            sqlite_where=sa.text("idempotency_key IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    # "proposal" (a rep proposes a goal; the team's managers decide) or "lower" (lowering a
    # started goal in a team with approvals on; admins decide).
    kind: str = Field(max_length=16)
    team_id: int | None = Field(default=None, foreign_key="team.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    goal_id: int | None = Field(default=None, foreign_key="goal.id")
    # The goal as it would be: JSON with metric, target, period_kind, start, end, reason…
    payload: str = Field(sa_type=sa.Text)
    reason: str | None = Field(default=None, max_length=500)
    requested_by_id: int = Field(foreign_key="person.id")
    status: str = Field(default="pending", max_length=16)
    decided_by_id: int | None = Field(default=None, foreign_key="person.id")
    decided_at: datetime | None = None
    # Where the Approve / Reject buttons were posted, so every copy is updated once decided.
    messages: str = Field(default="[]", sa_type=sa.Text)
    created_at: datetime
    idempotency_key: str | None = Field(default=None, max_length=200)


class Outbox(SQLModel, table=True):
    """One scheduled Slack post, kept until Slack has it: the outbox makes delivery exactly
    once (SPEC §5). `delivery_key` is DeliveryKey.text(); a second enqueue of the same key is
    a no-op. See docs/delivery.md for the states and the rules that move a row between them."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "delivery_key", name="uq_outbox_key"),
        # Claiming: the due pending rows and the sending rows whose lease ran out.
        sa.Index("ix_outbox_due", "status", "not_before"),
        # `paceline jobs list`: a team's rows by job.
        sa.Index("ix_outbox_team", "workspace_id", "team_id", "job"),
        # Claiming: a recipient's unfinished rows, to find the head of its queue.
        sa.Index("ix_outbox_recipient", "recipient", "status"),
        # Claiming: the rows still to send in queue order, without walking past sent ones.
        sa.Index(
            "ix_outbox_unfinished",
            "id",
            postgresql_where=sa.text("status IN ('pending', 'sending')"),
            sqlite_where=sa.text("status IN ('pending', 'sending')"),
        ),  # fmt: skip
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    delivery_key: str = Field(max_length=300)
    job: str = Field(max_length=32)
    team_id: int | None = Field(default=None, foreign_key="team.id")
    period: str = Field(max_length=64)
    # A user id ("U…"/"W…") for a DM, a channel id ("C…"/"G…"), or "" when the team has
    # no channel (the row is parked and the team's managers are told).
    recipient: str = Field(max_length=64)
    part: str = Field(default="", max_length=16)
    # JSON: {"text", "blocks", "file": {"filename", "title", "content" (base64)} | null}.
    payload: str = Field(sa_type=sa.Text)
    # pending → sending → sent; or back to pending (retry), or failed / parked.
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    not_before: datetime
    lease_owner: str | None = Field(default=None, max_length=255)
    lease_until: datetime | None = None
    # Set when a try may have reached Slack without us hearing back (a timeout, a dropped
    # connection, a process that died while sending): look in the channel before posting.
    outcome_unknown: bool = False
    channel_id: str | None = Field(default=None, max_length=32)
    slack_ts: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None = None


class JobRun(SQLModel, table=True):
    """One run of a team's job for one occurrence: a second process (or a restart) finds the
    row and does not run the occurrence again."""

    __tablename__ = "job_run"
    __table_args__ = (
        sa.UniqueConstraint(
            "workspace_id", "team_id", "job", "occurrence", name="uq_job_run_occurrence"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    team_id: int = Field(foreign_key="team.id")
    job: str = Field(max_length=32)
    # The team-local date the run was scheduled for ("2026-11-25").
    occurrence: str = Field(max_length=32)
    scheduled_for: datetime
    started_at: datetime
    finished_at: datetime | None = None
    messages: int = 0


class CelebrationPost(SQLModel, table=True):
    """One live-wins post to a team's channel: it waits for its batching minute (and the
    team's working hours), then goes to the outbox once; later changes edit it there."""

    __tablename__ = "celebration_post"
    __table_args__ = (sa.Index("ix_celebration_post_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    team_id: int = Field(foreign_key="team.id")
    channel_id: str = Field(max_length=32)
    # "waiting" until due, then "posted" (its outbox row carries `delivery_key`).
    status: str = Field(default="waiting", max_length=16)
    due_at: datetime
    delivery_key: str | None = Field(default=None, max_length=300)
    # How many edits were queued: each edit's outbox key ends with its number.
    edits: int = 0
    created_at: datetime
    updated_at: datetime


class Celebration(SQLModel, table=True):
    """One win, celebrated at most once per team: a deal, a goal hit or stretch hit, a team
    goal, an all-or-nothing goal made, or an import's summary. `fact_key` names it so a
    retry, a relog after an undo, a second instance or a restart finds it again."""

    __tablename__ = "celebration"
    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "team_id", "fact_key", name="uq_celebration_fact"),
        sa.Index("ix_celebration_post", "post_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    team_id: int = Field(foreign_key="team.id")
    # None for wins never posted (an import of history, one an import summary covers).
    post_id: int | None = Field(default=None, foreign_key="celebration_post.id")
    fact_key: str = Field(max_length=200)
    kind: str = Field(max_length=16)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    # The goal period a hit belongs to ("week:2026-11-30"), or the day of a deal.
    period: str = Field(max_length=32)
    line: str = Field(default="", sa_type=sa.Text)
    # "live" (shown), "struck" (undone after it was posted), "absorbed" (never posted).
    state: str = Field(default="live", max_length=16)
    created_at: datetime
    updated_at: datetime


class CelebrationCursor(SQLModel, table=True):
    """How far the live-wins worker has read: entries above `entry_id`, undos after
    `deleted_since`. One row (id 1) for the whole database."""

    __tablename__ = "celebration_cursor"

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(default=0, sa_type=sa.BigInteger)
    deleted_since: datetime
    updated_at: datetime


class CrmConnection(SQLModel, table=True):
    """A workspace's link to its CRM: the token (encrypted; None when the environment's
    HUBSPOT_ACCESS_TOKEN serves the one workspace), the mapping, the sync's cursors and lock."""

    __tablename__ = "crm_connection"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "provider", name="uq_crm_connection"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    provider: str = Field(max_length=16)
    token_encrypted: str | None = Field(default=None, sa_type=sa.Text)
    # JSON: the mapping's settings that differ from the defaults (docs/crm.md).
    mapping: str = Field(default="{}", sa_type=sa.Text)
    # JSON: object type -> the last-modified instant (ISO) read up to.
    cursors: str = Field(default="{}", sa_type=sa.Text)
    active: bool = True
    # Two instances: the one whose lease is current syncs; the other skips.
    lock_owner: str | None = Field(default=None, max_length=255)
    lock_until: datetime | None = None
    last_sync_at: datetime | None = None
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    last_error_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class CrmOwner(SQLModel, table=True):
    """A CRM user who owns records, and the person they are (matched or linked by hand)."""

    __tablename__ = "crm_owner"
    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "provider", "owner_id", name="uq_crm_owner"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    provider: str = Field(max_length=16)
    owner_id: str = Field(max_length=64)
    email: str | None = Field(default=None, max_length=320)
    first_name: str | None = Field(default=None, max_length=200)
    last_name: str | None = Field(default=None, max_length=200)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    # "email", "name" or "hand"; None while unmatched.
    matched_by: str | None = Field(default=None, max_length=8)
    # When admins were told the owner is unmatched (once).
    reported_at: datetime | None = None
    updated_at: datetime


class CrmRecord(SQLModel, table=True):
    """The facts Paceline keeps of one CRM object, from which its entries are derived: a
    link by hand or a change of mapping re-derives them without asking the CRM."""

    __tablename__ = "crm_record"
    __table_args__ = (
        sa.UniqueConstraint(
            "workspace_id", "provider", "object_type", "object_id", name="uq_crm_record"
        ),
        sa.Index("ix_crm_record_owner", "workspace_id", "provider", "owner_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    provider: str = Field(max_length=16)
    object_type: str = Field(max_length=16)
    object_id: str = Field(max_length=64)
    owner_id: str | None = Field(default=None, max_length=64)
    # JSON of the object's properties Paceline reads (docs/crm.md).
    facts: str = Field(sa_type=sa.Text)
    archived: bool = False
    modified_at: datetime
    synced_at: datetime
