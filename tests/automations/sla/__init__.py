"""SLA: business time, clocks, policies and calendars, ticket SLA end to end."""
