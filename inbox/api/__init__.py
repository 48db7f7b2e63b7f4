"""The REST API under /api/v1: one module per resource, declared through `inbox.api.routing`."""
