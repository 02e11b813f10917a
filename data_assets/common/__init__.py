"""Small helpers every stage shares: Dagster metadata rendering and progress logging."""
