"""The LLM layer: one resource through which every model call is cached, counted, priced and retried."""
