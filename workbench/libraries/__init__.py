"""Library management: the ingest pipeline (and later discovery, updates, compliance)."""
