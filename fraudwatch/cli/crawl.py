"""CLI commands for the crawl side (placeholder until its issue lands)."""
COMMANDS: list = []
