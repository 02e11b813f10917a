"""The conversation layouts a source can name, and where each keeps its parts (no imports: the
sources YAML parser reads these)."""

STYLES = ("messages", "sharegpt", "chatlog")
ROLES = ("system", "user", "assistant", "tool")
CONVERSATION_FIELDS = ("messages", "system", "response", "feedback", "edited", "regenerated")
# Where each layout keeps its parts when `fields` does not say.
DEFAULT_FIELDS = {
    "messages": {"messages": "messages", "system": "system"},
    "sharegpt": {"messages": "conversations", "system": "system"},
    "chatlog": {"messages": "request.messages", "system": "request.system", "response": "response"},
}
