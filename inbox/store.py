"""The MongoDB client, the collections and every declared index, in one place.

Each query shape a service uses must be served by an index declared here (or by `_id`);
`tests/test_indexes.py` checks that over the whole test run with `inbox.query_audit`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from bson import ObjectId
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorCollection, AsyncIOMotorDatabase
from pymongo import ASCENDING, DESCENDING

from inbox.errors import NotFound
from inbox.query_audit import AuditedCollection, QueryAudit
from inbox.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Index:
    """One declared index: keys in order, each ascending unless written ("field", -1)."""

    keys: tuple[tuple[str, int], ...]
    unique: bool = False
    partial: dict[str, Any] | None = None
    expire_after_seconds: int | None = None

    @classmethod
    def on(cls, *fields: str | tuple[str, int], **options: Any) -> Index:
        keys = tuple((f, ASCENDING) if isinstance(f, str) else f for f in fields)
        return cls(keys=keys, **options)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.keys)

    def options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"unique": self.unique}
        if self.partial is not None:
            options["partialFilterExpression"] = self.partial
        if self.expire_after_seconds is not None:
            options["expireAfterSeconds"] = self.expire_after_seconds
        return options


@dataclass(frozen=True)
class CollectionSpec:
    """A collection and its indexes; `small` ones (configuration) may be read whole."""

    indexes: list[Index] = field(default_factory=list)
    small: bool = False


HAS_STRING = {"$type": "string"}

COLLECTIONS: dict[str, CollectionSpec] = {
    "agents": CollectionSpec([Index.on("email", unique=True)], small=True),
    "teams": CollectionSpec([Index.on("name", unique=True)], small=True),
    "sessions": CollectionSpec([Index.on("token_hash", unique=True), Index.on("agent_id")]),
    "api_tokens": CollectionSpec([Index.on("token_hash", unique=True), Index.on("agent_id")]),
    "channels": CollectionSpec([Index.on("kind"), Index.on("credentials_expire_at")], small=True),
    "contacts": CollectionSpec(
        [
            Index.on(("created_at", DESCENDING)),
            Index.on("merged_into", ("created_at", DESCENDING)),
            Index.on("search_terms", ("created_at", DESCENDING)),
            Index.on("tags", ("created_at", DESCENDING)),
            Index.on("identities.channel_id", ("created_at", DESCENDING)),
            Index.on("attribute_pairs", ("created_at", DESCENDING)),
            Index.on("emails"),
            Index.on("phones"),
            Index.on(("last_seen_at", DESCENDING)),
        ]
    ),
    "contact_identities": CollectionSpec([Index.on("contact_id")]),
    "audit_log": CollectionSpec([Index.on("subject_id", "at")]),
    "contact_attributes": CollectionSpec([Index.on("key", unique=True)], small=True),
    "conversations": CollectionSpec(
        [
            Index.on("open_key", unique=True, partial={"open_key": HAS_STRING}),
            Index.on(("last_message_at", DESCENDING)),
            Index.on("status", ("last_message_at", DESCENDING)),
            Index.on("team_id", "status", ("last_message_at", DESCENDING)),
            Index.on("assignee_id", "status", ("last_message_at", DESCENDING)),
            Index.on("channel_id", "status", ("last_message_at", DESCENDING)),
            Index.on("contact_id", ("last_message_at", DESCENDING)),
            Index.on("search_terms", ("last_message_at", DESCENDING)),
            Index.on("status", "snoozed_until"),
            Index.on("thread_id", "channel_id", ("created_at", DESCENDING)),
            Index.on("number", unique=True, partial={"number": {"$type": "int"}}),
            Index.on("ticket_id"),
        ]
    ),
    "messages": CollectionSpec(
        [
            Index.on("channel_id", "external_id", unique=True, partial={"external_id": HAS_STRING}),
            Index.on("conversation_id", "created_at"),
            Index.on("ticket_id", "created_at"),
            Index.on("sent_for", unique=True, partial={"sent_for": HAS_STRING}),
            Index.on("delivery.status", "delivery.retry_at"),
            Index.on("copy_due_at"),
            Index.on("attachments.file_ref"),
        ]
    ),
    "events": CollectionSpec(
        [
            Index.on("processed_at", "retry_at"),
            Index.on("processed_at", "created_at"),
            Index.on("subject.id", "created_at"),
        ]
    ),
    "dead_letters": CollectionSpec(
        [
            Index.on("channel_id", ("received_at", DESCENDING)),
            Index.on("received_at", expire_after_seconds=30 * 86400),
        ]
    ),
    "files": CollectionSpec(
        [
            Index.on("conversation_id"),
            Index.on("ticket_id"),
            Index.on("sha256", "size"),
            Index.on("chunks_of"),
            Index.on("created_at"),
        ]
    ),
    "oauth_requests": CollectionSpec(
        [
            Index.on("state_hash", "agent_id", unique=True),
            Index.on("expires_at", expire_after_seconds=0),
        ]
    ),
    "file_chunks": CollectionSpec([Index.on("file_id", "n", unique=True)]),
    "tickets": CollectionSpec(
        [
            Index.on("seq", unique=True),
            Index.on("rank"),
            Index.on("status", "rank"),
            Index.on("assignee_ids", "status", "rank"),
            Index.on("team_id", "status", "rank"),
            Index.on("priority", "rank"),
            Index.on("contact_id", "rank"),
            Index.on("channel_id", "rank"),
            Index.on("category_ids", "rank"),
            Index.on("tags", "rank"),
            Index.on("search_terms", "rank"),
            Index.on("created_at", "rank"),
            Index.on("conversation_ids"),
            Index.on("thread_keys", "updated_at"),
            Index.on("status", "status_changed_at"),
            Index.on("sla.next_check_at"),
            Index.on("sla.targets.first_response.breached_at"),
            Index.on("sla.targets.next_response.breached_at"),
            Index.on("sla.targets.resolution.breached_at"),
        ]
    ),
    "ticket_history": CollectionSpec([Index.on("ticket_id", "at")]),
    "escalations": CollectionSpec(
        [Index.on("ticket_id", "at"), Index.on("conversation_id", "at"), Index.on("close_by")]
    ),
    "rules": CollectionSpec([Index.on("event", "position")], small=True),
    "rule_runs": CollectionSpec(  # one document per event: every rule's run on it
        [
            Index.on("runs.rule_id", ("at", DESCENDING)),
            Index.on("at", expire_after_seconds=30 * 86400),
        ]
    ),
    "time_triggers": CollectionSpec([Index.on("rule_id", "ticket_id", "since", unique=True)]),
    "macros": CollectionSpec([Index.on("name", unique=True)], small=True),
    "calendars": CollectionSpec([Index.on("name", unique=True)], small=True),
    "sla_policies": CollectionSpec([Index.on("name", unique=True)], small=True),
    "canned_responses": CollectionSpec([Index.on("shortcode", unique=True)], small=True),
    "faqs": CollectionSpec(small=True),
    "faq_misses": CollectionSpec([Index.on(("at", DESCENDING))]),
    "bots": CollectionSpec(small=True),
    "categories": CollectionSpec(
        [Index.on("path_key", unique=True), Index.on("parent_id")], small=True
    ),
    "ticket_fields": CollectionSpec([Index.on("key", unique=True)], small=True),
    "ticket_views": CollectionSpec([Index.on("agent_id", "name", unique=True)]),
    "notifications": CollectionSpec([Index.on("agent_id", "read_at", ("created_at", DESCENDING))]),
    "customer_updates": CollectionSpec(small=True),
    "installation": CollectionSpec(small=True),
    "surveys": CollectionSpec(
        [
            Index.on("resolution_key", unique=True),
            Index.on("status", "due_at"),
            Index.on("token_hash", unique=True, partial={"token_hash": HAS_STRING}),
            Index.on("ticket_id"),
            Index.on("ticket_id", "status", ("sent_at", DESCENDING)),
            Index.on(("rated_at", DESCENDING)),
        ]
    ),
    "counters": CollectionSpec(small=True),
    "report_facts": CollectionSpec(),
    "agent_presence": CollectionSpec([Index.on("agent_id", "start")]),
    "report_rollups": CollectionSpec(
        [
            Index.on("level", "day"),
            Index.on("team_id", "level", "day"),
            Index.on("agent_id", "level", "day"),
            Index.on("channel_id", "level", "day"),
            Index.on("category_id", "level", "day"),
        ]
    ),
    "portal_sessions": CollectionSpec(
        [
            Index.on("token_hash", unique=True),
            Index.on("contact_id"),
            Index.on("expires_at", expire_after_seconds=0),
        ]
    ),
    "portal_links": CollectionSpec(
        [
            Index.on("token_hash", unique=True),
            Index.on("code_hash"),
            Index.on("contact_id"),
            Index.on("expires_at", expire_after_seconds=86400),
        ]
    ),
    "portal_seen": CollectionSpec(),
    "portal_departments": CollectionSpec([Index.on("position")], small=True),
    "portal_deflections": CollectionSpec([Index.on("department_id", "at"), Index.on("at")]),
    "portal_notices": CollectionSpec(
        [
            Index.on("status", "retry_at"),
            Index.on("ticket_id", "created_at"),
            Index.on("contact_id"),
            Index.on("cause", unique=True, partial={"cause": HAS_STRING}),
        ]
    ),
}


class Store:
    """The database handle. `store["messages"]` gives a declared collection, nothing else."""

    def __init__(self, client: AsyncIOMotorClient, database: str, audit: QueryAudit | None = None):
        self.client = client
        self.db: AsyncIOMotorDatabase = client[database]
        self.audit = audit

    @classmethod
    def open(cls, settings: Settings, audit: QueryAudit | None = None) -> Store:
        if settings.embedded_store:
            from mongomock_motor import AsyncMongoMockClient

            from inbox.embedded import mongomock_hooks as mongomock_speedups

            mongomock_speedups.install()
            client = AsyncMongoMockClient(tz_aware=True)
        else:
            client = AsyncIOMotorClient(settings.mongodb_url, tz_aware=True)
        if audit is None and settings.audit_queries:
            audit = QueryAudit(
                COLLECTIONS, on_unserved=lambda shape: log.warning("unindexed query: %s", shape)
            )
        return cls(client, settings.mongodb_database, audit)

    def __getitem__(self, name: str) -> AsyncIOMotorCollection:
        if name not in COLLECTIONS:
            raise KeyError(f"collection {name!r} is not declared in inbox.store.COLLECTIONS")
        collection = self.db[name]
        if self.audit is not None:
            return AuditedCollection(collection, name, self.audit)  # type: ignore[return-value]
        return collection

    async def get(
        self, collection: str, doc_id: Any, what: str, also: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The document with this `_id` (and matching `also`), or NotFound naming `what`."""
        doc = await self[collection].find_one({"_id": doc_id, **(also or {})})
        if doc is None:
            raise NotFound(f"No {what} with id {doc_id}.")
        return doc

    async def name_of(self, collection: str, doc_id: Any) -> str:
        """The `name` of an agent, team, channel... by id (a string or ObjectId); "" if none."""
        if not doc_id or not ObjectId.is_valid(doc_id):
            return ""
        doc = await self[collection].find_one({"_id": ObjectId(doc_id)}, projection={"name": 1})
        return doc["name"] if doc else ""

    async def ensure_indexes(self) -> None:
        # One create_index per index: mongomock's create_indexes drops partial filters.
        for name, spec in COLLECTIONS.items():
            for index in spec.indexes:
                await self.db[name].create_index(list(index.keys), **index.options())

    async def ping(self) -> None:
        await self.db.command("ping")

    def close(self) -> None:
        self.client.close()
