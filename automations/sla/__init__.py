"""Service levels: calendars, policies per priority, the clocks
of a ticket's targets, the tracker that moves them from events and ticks, and the REST API.

May import `inbox` only (business-time arithmetic is `inbox.business_hours`, shared with
rules, the bot and the reports).
"""
