"""The archive: SQLAlchemy models, repositories (take a session, never commit), migrations."""
