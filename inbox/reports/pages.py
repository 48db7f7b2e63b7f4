"""The reports page (`/reports`): filters, figure cards with the previous period beside
them, volume per day as a chart and a table, the agents table; its script reads
`/api/v1/reports/...`, which narrows what each person sees."""

from __future__ import annotations

from aiohttp import web

from inbox.auth import Access, access
from inbox.keys import runtime
from inbox.reports import rollups
from inbox.web.rendering import render


@access(Access.AGENT)
async def reports_page(request: web.Request) -> web.StreamResponse:
    zone = await rollups.zone_of(runtime(request))
    return render(request, "reports.html", {"page": "reports", "zone": zone.key})


def setup(app: web.Application) -> None:
    app.router.add_get("/reports", reports_page)
