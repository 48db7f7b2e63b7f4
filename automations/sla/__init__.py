"""Service levels: calendars and business-time arithmetic, policies per priority, the clocks
of a ticket's targets, the tracker that moves them from events and ticks, and the REST API.

May import `inbox` only; `business_hours` is pure and used by rules and the bot.
"""
