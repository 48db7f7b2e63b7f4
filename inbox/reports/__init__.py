"""Reports: what each conversation, ticket and survey contributes to the figures (`facts`),
kept as small per-day rollups by a worker event handler and rebuilt from the source
collections on demand (`rollups`), percentiles from log-spaced histograms (`histograms`),
and the queries the report API answers (`queries`, `api`)."""
