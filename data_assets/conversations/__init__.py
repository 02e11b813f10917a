"""Multi-turn conversations: reading the chat formats, feedback pairs, and the conversation stage
(compliance per turn, exact dedup, first-turn decontamination)."""
