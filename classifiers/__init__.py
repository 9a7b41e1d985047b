"""Scam classification library: normalisation, signals, model, training, evaluation.

Usable without Flask, Redis or a database.
"""
