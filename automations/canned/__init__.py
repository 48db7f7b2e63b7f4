"""Canned responses: `/shortcode` texts with placeholders, global or per team, and their API.

May import `inbox` and `automations.rules` (fields and templates fill the placeholders).
"""
