"""Infrastructure: Flask extensions (database engine, Redis), every Redis key, the lookup
cache, rate limits, JSON, the embedded Redis, process supervision and the web server worker."""
