"""Stand-ins for Slack used by the tests and the local console: Web API server, signed-request client."""
