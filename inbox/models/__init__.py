"""Pydantic models of the documents as the API shows them, and of the API bodies.

One module per subject; import from the module (`from inbox.models.tickets import
TicketOut`). Models import only `inbox.clock`, `inbox.ids` and each other
(`common` first); never a service.
"""
