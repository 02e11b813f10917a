"""Profiles of a dataset stage: lengths, languages, verbs, duplicates."""
