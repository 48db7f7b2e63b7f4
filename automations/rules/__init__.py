"""Automation rules: definitions, conditions over fields, the action catalogue and its
runners, templates, the engine that runs rules for each event, time triggers, signed
webhooks, built-in rules and their REST API.

May import `inbox` (`inbox.business_hours` for business-hours conditions) and
`automations.routing` (assign and escalate actions); nothing else in `automations`.
"""
