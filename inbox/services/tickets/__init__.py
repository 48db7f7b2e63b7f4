"""Ticket services: `lifecycle` (create, promote, read, change, transitions), `lists`
(filters, order, search, saved views), `thread`, `relations` (merge, links), `history`,
`categories`, custom `fields`, and the worker event handlers `auto_tickets`, `followup` and
`customer_updates`.

May import `inbox` (store, events, models, other services); never `automations` or a
connector.
"""
