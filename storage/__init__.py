"""Storage: SQLModel models, every query, the schedule model and Alembic migrations."""
