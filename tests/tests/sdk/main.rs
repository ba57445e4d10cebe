//! The ergonomic `bosbase-backups` crate against real PocketBase servers.

mod auth;
mod backups;
mod errors;
mod names;
mod schema;

pub use bosbase_backups_tests::login;

pub use bosbase_backups_tests::keys;

/// Writes a small valid-looking backup zip (with a `data.db`) to `path`.
fn write_backup_zip(path: &std::path::Path, extra: &[u8]) {
    bosbase_backups_tests::write_zip(
        path,
        &[
            ("data.db", bosbase_backups_tests::SQLITE_HEADER),
            ("extra.bin", extra),
        ],
    );
}
