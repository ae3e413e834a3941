"""Inspect evaluations of LLM-agent self-replication."""
