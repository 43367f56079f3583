"""Schema, engine, sessions, queries and migrations. Nothing outside storage writes SQL."""
