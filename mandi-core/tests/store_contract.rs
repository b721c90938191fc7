//! The `Store` contract suite on every adapter in this crate.

mod memory {
    mandi_core::store_contract!(mandi_core::store::MemoryStore::new());
}

mod sqlite_memory {
    mandi_core::store_contract!(
        mandi_core::store::SqliteStore::open_in_memory().expect("in-memory SQLite store")
    );
}

mod sqlite_file {
    mandi_core::store_contract!(
        mandi_core::store::SqliteStore::open_in_temp_dir().expect("SQLite store in a temp dir")
    );
}
