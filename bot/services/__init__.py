"""The use cases, between Slack's edge (handlers/, the console, the CLI, the importer, the
scheduler) and the pure core, the renderers and storage. Each module is one family:

- `context`: what every use case needs (the database, the clock, the people directory,
  cached metric catalogues).
- `people`: who is calling and who a mention or name is (Slack profiles, identities).
- `access`: roles (admin, manager of a team, rep) and whose numbers a caller may see.
- `activity`: logging, fixing and undoing entries.
- `goal_setting`: set, plan, suggest, split, propose and decide goals; `goal_cascade`
  cascades a number down a team tree.
- `reports`: the read model every figure comes from (docs/pace.md).
- `later`: Slack work that waits until a listener has answered.

Services own transactions and authorization and return plain results for a renderer.
"""
