//! `Store` adapters: SQLite (feature `sqlite`, the default) and in-memory.
