"""What the service does, without HTTP: reporting, triage, lookups, imports, erasure,
validation against the contract, the loaded classifier. Views and commands call these."""
