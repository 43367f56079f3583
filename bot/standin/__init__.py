"""The stand-in for Slack's Web API the local console runs the app against (slack_api), and the
loopback HTTP plumbing it serves with (loopback). The tests' doubles build on these
(tests/support/)."""
