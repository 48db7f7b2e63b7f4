"""Rule engine: conditions, actions, runs, end to end through webhooks."""
