"""The index audit itself: a query shape without a declared index must be reported.

(conftest.py records every query of the whole test session and fails the session when one
is unserved; these tests make sure that check can fail.)
"""

from __future__ import annotations

import pytest

from inbox.query_audit import QueryAudit, QueryShape, is_served, shapes_of
from inbox.store import COLLECTIONS, CollectionSpec, Index

SPECS = {
    "things": CollectionSpec([Index.on("status", ("updated_at", -1)), Index.on("owner_id")]),
    "settings": CollectionSpec(small=True),
}


@pytest.mark.parametrize(
    ("query", "sort", "served"),
    [
        ({"_id": 1}, None, True),
        ({"_id": {"$in": [1, 2]}}, None, True),
        ({"_id": {"$gt": 1}}, None, False),
        ({"status": "open"}, None, True),
        ({"status": "open"}, [("updated_at", -1)], True),
        ({"status": "open"}, [("created_at", -1)], False),
        ({"owner_id": 1, "status": "open"}, None, True),
        ({"colour": "red"}, None, False),
        ({}, None, False),
        ({}, [("status", 1)], True),
        ({}, [("_id", 1)], True),
        ({"$or": [{"status": "a"}, {"owner_id": 2}]}, None, True),
        ({"$or": [{"status": "a"}, {"colour": "red"}]}, None, False),
        ({"$and": [{"$or": [{"status": "a"}, {"owner_id": 1}]}]}, None, True),
    ],
)
def test_which_shapes_an_index_serves(query, sort, served):
    assert (
        all(is_served(shape, SPECS["things"]) for shape in shapes_of("things", query, sort))
        is served
    )


def test_small_collections_may_be_read_whole():
    assert is_served(QueryShape("settings", frozenset()), SPECS["settings"])


def test_the_audit_reports_unserved_shapes_once():
    reported: list[QueryShape] = []
    audit = QueryAudit(SPECS, on_unserved=reported.append)

    audit.record("things", {"colour": "red"})
    audit.record("things", {"colour": "blue"})
    audit.record("things", {"status": "open"})

    assert reported == [QueryShape("things", frozenset({"colour"}))]
    assert audit.unserved() == reported


async def test_queries_through_the_store_are_recorded(settings):
    from inbox.store import Store

    audit = QueryAudit(COLLECTIONS)
    store = Store.open(settings, audit=audit)
    await store["messages"].find_one({"conversation_id": 1})
    await store["messages"].find({"text": "x"}).to_list(None)
    await store["messages"].count_documents({"channel_id": 1, "external_id": "x"})

    assert audit.unserved() == [QueryShape("messages", frozenset({"text"}))]


def test_every_declared_collection_has_a_spec_the_store_can_create():
    for name, spec in COLLECTIONS.items():
        for index in spec.indexes:
            assert index.fields, name
