"""Alembic migrations of every slice's tables, and the functions that run them."""
