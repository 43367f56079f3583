"""Rendering shared by handlers and the scheduler: text, Block Kit, progress bars."""
