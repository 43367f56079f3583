"""The stored records a service may hand to a renderer, read-only: Slack's edge (handlers/,
the console) names them from here and never imports storage. A listener reads their fields
to draw a reply; it never changes or saves one (every write is a service's, through storage).
"""

from storage.models import CrmOwner, CustomMetric, Entry, Goal, GoalRequest, Person, Team, Workspace

__all__ = [
    "CrmOwner",
    "CustomMetric",
    "Entry",
    "Goal",
    "GoalRequest",
    "Person",
    "Team",
    "Workspace",
]
