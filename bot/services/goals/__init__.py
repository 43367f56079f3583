"""Goals: the rules every goal write follows (`setting`: overlaps, versions, approvals, goal
requests and their decisions), one /goal being answered (`calls`: whose goal it names),
setting and removing one goal (`changes`), plans, suggestions and splits from history
(`plans`), a number cascaded down a team tree (`cascade`), a rep's own goal waiting for a
manager (`proposals`) and what /goal list and /goal history show (`listing`)."""
