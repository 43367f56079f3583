"""What the tests (and the benches) stand in for Slack and HubSpot with, beyond what the local
console needs (bot/standin/): the signed-request client that plays Slack's side of the app's
endpoints, the Slack stand-in with recorded calls, faults and OAuth installs, the HubSpot
stand-in, and helpers that wait for what the app does after its answer."""
