"""Everything that acts on its own, one sub-package per subject.

`rules` (the rule engine and its actions), `routing` (assignment, escalation, shortcuts),
`sla` (calendars, policies, ticket clocks), `bot` (the built-in and external bots, FAQ),
`canned` (canned responses), `demo` (their demo seed). Everything here may import `inbox`
and `connectors.registry`; `inbox` never imports `automations` (it names modules by string).
"""
