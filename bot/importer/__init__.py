"""`paceline import` and `paceline export`: history in and out of Paceline as CSV files.

Pure parts (row parsing, team naming, people matching) are plain functions tested on their
own; the shell (`cli.py`) reads files in two streaming passes, asks Slack who is who and
writes through `storage/imports.py`. docs/importing.md has the rules.
"""
