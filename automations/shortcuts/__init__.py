"""Shortcuts (macros): one-click escalations and other sequences of actions that agents run on
a conversation or a ticket, asking for the inputs they need, and their REST API.

May import `inbox` and `automations.rules` (a shortcut runs the rules' action catalogue).
"""
