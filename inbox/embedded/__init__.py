"""Embedded mode for one machine: the journaled in-memory store (`durable`, `journal`, and
the `mongomock_hooks` and value-map `indexes` that make it durable and fast), the supervised
broker (`broker`), and the runtime that wires them with an in-process worker (`runtime`).

May import `inbox` (settings, store, runtime, events, queue); nothing imports it but the CLI,
`serve` and tests.
"""
