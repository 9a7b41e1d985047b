"""What every HTTP audience shares: who is calling (tokens), the JSON error document,
security headers and the health endpoints."""
