"""The agent system: an LLM API server and an agent server that thinks through it."""
