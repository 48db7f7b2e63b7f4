"""Omnichannel shared inbox: the channel-independent core (store, services, API, pages)."""
