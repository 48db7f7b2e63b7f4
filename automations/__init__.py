"""Everything that acts on its own: automation rules, assignment, escalation, shortcuts."""
