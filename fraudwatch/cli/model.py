"""CLI commands for the model side (placeholder until its issue lands)."""
COMMANDS: list = []
