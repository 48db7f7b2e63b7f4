"""Who handles what: assignment (round robin, least loaded, capacity, offline hand-over),
escalation (functional to a team, hierarchical L0-L3) and their REST API.

May import `inbox` only; rules, shortcuts and the bot call it.
"""
