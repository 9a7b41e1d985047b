"""Crawling library: safe fetching, page analysis, lookalike domains, message import.

Usable without Flask or a database.
"""
