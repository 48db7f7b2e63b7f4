"""Automation rules: definitions, conditions over fields, the action catalogue, templates,
the engine that runs rules for each event, time triggers, signed webhooks, built-in rules
and their REST API.

May import `inbox`, `automations.routing` (assign and escalate actions) and
`automations.sla.business_hours` (business-hours conditions); nothing else in `automations`.
"""
