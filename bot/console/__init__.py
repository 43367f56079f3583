"""The local console: act as a person, type slash commands, see what the app sends to Slack.

Same Bolt app, handlers and storage as production; only the transport differs: commands are
signed and dispatched in-process, and the app's Web API calls land on a loopback stand-in.
"""

import logging

# Importing the app imports Alembic, which logs its plugin set-up at INFO: in the console
# those lines would land in the middle of the conversation. A level set on purpose stays.
if logging.getLogger("alembic").level == logging.NOTSET:
    logging.getLogger("alembic").setLevel(logging.WARNING)
