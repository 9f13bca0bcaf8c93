"""The central ticket store server: websockets + SQLAlchemy, SQLite or PostgreSQL."""
