"""Domain operations. Every state change goes through a service, which emits its event."""
