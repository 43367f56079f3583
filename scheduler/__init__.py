"""Scheduled posts (SPEC §5): APScheduler fires each team's jobs at the team's local time,
jobs put messages in the outbox, and the sender delivers each exactly once."""
