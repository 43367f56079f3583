"""Pure domain logic: no Slack SDK, no SQL, no clock reads (time is passed in)."""
