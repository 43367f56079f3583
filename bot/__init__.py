"""Paceline: goal tracking for sales teams, in Slack."""
