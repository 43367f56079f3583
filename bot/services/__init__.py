"""The use cases, between the ways in (handlers/ for Slack, the console, the CLI, the
importer, the CRM sync, the scheduler) and the pure core, the renderers and storage. Each
module is one family; each function takes the `Services` context (or the database and the
clock) and the caller, owns its transaction and its authorization, and returns plain
results (dataclasses, read-only records) for a renderer:

- `context`: what every use case needs (the database, the clock, the people directory,
  cached metric catalogues); `records`: the stored records a renderer may read.
- `people`: who is calling and who a mention or name is (Slack profiles, identities).
- `access`: roles (admin, manager of a team, rep) and whose numbers a caller may see.
- `activity`: logging, fixing, undoing and listing entries, time off.
- `goals/`: setting, planning, suggesting, splitting, cascading, proposing and deciding
  goals (its `__init__` names each module); `custom_metrics`: a workspace's own metrics.
- `teams`: `/team` — teams, members, managers, settings, schedules, links; `installs`: a
  workspace uninstalled or served again.
- `reports`: the read model every figure comes from (docs/pace.md), and what reads it:
  `progress` (/progress), `leaderboards` (/leaderboard), `exports` (CSV exports),
  `home` (App Home), `team_weeks` (what the scheduled posts of a week read).
- `later`: Slack work that waits until a listener has answered.
"""
