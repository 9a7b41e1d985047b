"""Storage: every query fraudwatch makes lives in this package, as named functions.

Views and jobs call these with a SQLAlchemy session; they never write SQL themselves
(tests/fraudwatch/test_layers.py checks it).
"""
