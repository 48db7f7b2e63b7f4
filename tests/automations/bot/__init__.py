"""The bot: FAQ matching, flows through real webhook payloads, external bots."""
