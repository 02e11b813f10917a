"""The curves stage."""
