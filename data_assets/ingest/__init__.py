"""Raw ingest: every configured source, verbatim, into `raw.documents`, `raw.preferences` and `raw.rejects`."""
