"""The augment stage."""
