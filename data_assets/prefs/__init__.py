"""The prefs stage."""
