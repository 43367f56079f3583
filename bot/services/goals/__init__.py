"""Goals: whose goal it is and who may set it (`owners`), what a goal would be before it is
stored (`drafts`), the rules every goal write follows (`setting`: overlaps, versions,
removal, lowering that waits for approval), requests that wait for a decision and deciding
them (`decisions`), one /goal being answered (`calls`: whose goal it names), setting and
removing one goal (`changes`), plans, suggestions and splits from history (`plans`), a
number cascaded down a team tree (`cascade`), a rep's own goal waiting for a manager
(`proposals`) and what /goal list and /goal history show (`listing`)."""
