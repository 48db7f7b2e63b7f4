"""The bot that answers first: per-channel configuration, the built-in engine (greeting,
department menu, questions, FAQ deflection, hand-off), FAQ matching, external bots and the
REST API.

May import `inbox`, `connectors.registry`, `automations.routing.assignment` (hand-off) and
`inbox.business_hours` (in or out of hours).
"""
