"""Database plumbing shared by the slices: declarative base, engine, column types."""
