"""The reports page (`/reports`): filters, figure cards with the previous period beside
them, volume per day as a chart and a table, the agents table; its script reads
`/api/v1/reports/...`, which narrows what each person sees."""

from __future__ import annotations

from aiohttp import web

from inbox.auth import Access, access
from inbox.web.rendering import render


@access(Access.AGENT)
async def reports_page(request: web.Request) -> web.StreamResponse:
    return render(request, "reports.html", {"page": "reports"})


def setup(app: web.Application) -> None:
    app.router.add_get("/reports", reports_page)
