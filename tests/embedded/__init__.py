"""The embedded store and broker: journal, crash recovery, flat-cost lookups, supervision."""
