"""The only way the core reaches a connector: by the channel's kind."""

from __future__ import annotations

from connectors.base import ChannelRef, Connector
from connectors.demo import DemoConnector
from connectors.email import EmailConnector
from connectors.facebook import FacebookConnector
from connectors.portal import PortalConnector
from connectors.telegram import TelegramConnector
from connectors.zalo import ZaloConnector

_CONNECTORS: dict[str, Connector] = {
    connector.kind: connector
    for connector in (
        TelegramConnector(),
        FacebookConnector(),
        ZaloConnector(),
        EmailConnector(),
        PortalConnector(),
    )
}
_DEMO = DemoConnector()


def kinds() -> list[str]:
    return sorted(_CONNECTORS)


def get(kind: str) -> Connector | None:
    return _CONNECTORS.get(kind)


def pollable_kinds() -> list[str]:
    """Kinds whose connector reads messages by polling (their `poll` method)."""
    return sorted(kind for kind, connector in _CONNECTORS.items() if hasattr(connector, "poll"))


def for_channel(channel: ChannelRef) -> Connector:
    """The connector that talks to this channel's platform (a stand-in for demo channels)."""
    if channel.demo:
        return _DEMO
    connector = _CONNECTORS.get(channel.kind)
    if connector is None:
        raise LookupError(f"no connector for channel kind {channel.kind!r}")
    return connector
