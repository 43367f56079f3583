"""The local console: act as a person, type slash commands, see what the app sends to Slack.

Same Bolt app, handlers and storage as production; only the transport differs: commands are
signed and dispatched in-process, and the app's Web API calls land on a loopback stand-in.
"""
