"""Health and the API description."""

from __future__ import annotations

import aiohttp
from aiohttp.test_utils import TestServer

from inbox.api.routing import ROUTES
from inbox.app import create_app
from inbox.runtime import Runtime
from tests.conftest import Client, free_port


async def test_health_is_ok_when_store_redis_and_a_worker_answer(http):
    status, body = await http.get("/healthz")

    assert status == 200
    assert body == {"status": "ok", "checks": {"store": "ok", "redis": "ok", "worker": "ok"}}


async def test_health_is_503_and_says_why_without_a_worker(settings, store, redis_url):
    lonely = settings.model_copy(update={"redis_url": f"{redis_url}/7"})
    async with Runtime.open(lonely, store) as rt:
        server = TestServer(create_app(lonely, rt), host="127.0.0.1", port=free_port())
        await server.start_server()
        try:
            async with aiohttp.ClientSession() as session:
                status, body = await Client(session, f"http://127.0.0.1:{server.port}").get(
                    "/healthz"
                )
        finally:
            await server.close()

    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["worker"] == "no worker seen in the last minute"
    assert body["checks"]["store"] == "ok"


async def test_the_openapi_document_describes_every_api_route(http):
    status, document = await http.get("/api/openapi.json")

    assert status == 200
    assert document["openapi"].startswith("3.")
    described = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    assert described == {(route.method, route.path) for route in ROUTES}
    schemas = document["components"]["schemas"]

    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in refs(document):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref
    token = document["paths"]["/api/v1/auth/token"]["post"]
    assert token["security"] == []
    assert "TokenRequest" in token["requestBody"]["content"]["application/json"]["schema"]["$ref"]
