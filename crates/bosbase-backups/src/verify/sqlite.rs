//! The database side of a verify: real SQLite (bundled) on a temporary copy of the entry.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::{CollectionCount, DatabaseCheck, VerifyReport};

/// Characters a path keeps in a `file:` URI; the rest is percent-encoded.
const PATH: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'.')
    .remove(b'-')
    .remove(b'_');
/// How many problems `integrity_check` reports at most.
const MAX_PROBLEMS: u32 = 10;

/// Checks the database at `path` (the entry `name`, `size` bytes) and adds it to `report`; for
/// `data.db`, also what a restore brings back. Returns the first problem, if any.
pub(crate) fn check(
    path: &Path,
    name: &str,
    size: u64,
    is_data_db: bool,
    report: &mut VerifyReport,
) -> Result<(), String> {
    let mut db = DatabaseCheck {
        name: name.into(),
        size,
        ok: false,
        problems: Vec::new(),
    };
    let result = open(path).and_then(|conn| {
        let problems = integrity(&conn)?;
        if !problems.is_empty() {
            return Ok((problems, None));
        }
        let contents = if is_data_db {
            Some(contents(&conn))
        } else {
            None
        };
        Ok((problems, contents))
    });
    let outcome = match result {
        Err(e) => Err(e.to_string()),
        Ok((problems, _)) if !problems.is_empty() => {
            db.problems = problems;
            Err(db.problems[0].clone())
        }
        Ok((_, Some(Err(problem)))) => Err(problem),
        Ok((_, contents)) => {
            if let Some(Ok(contents)) = contents {
                report.collections = contents.collections;
                report.superusers = contents.superusers;
                report.newest_migration = contents.newest_migration;
            }
            db.ok = true;
            Ok(())
        }
    };
    if let Err(problem) = &outcome
        && db.problems.is_empty()
    {
        db.problems.push(problem.clone());
    }
    report.databases.push(db);
    outcome
}

/// Opens the copy read-only and immutable: nothing else touches it, so SQLite needs neither locks
/// nor a `-wal`/`-shm` beside it.
fn open(path: &Path) -> rusqlite::Result<Connection> {
    let uri = format!(
        "file:{}?immutable=1",
        percent_encoding::utf8_percent_encode(&path.to_string_lossy(), PATH)
    );
    Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
    )
}

/// `PRAGMA integrity_check`: no problems, or the first ones.
fn integrity(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("PRAGMA integrity_check({MAX_PROBLEMS})"))?;
    let rows = stmt
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(if rows == ["ok"] { Vec::new() } else { rows })
}

struct Contents {
    collections: Vec<CollectionCount>,
    superusers: u64,
    newest_migration: Option<String>,
}

/// What a restore of this `data.db` brings back.
fn contents(conn: &Connection) -> Result<Contents, String> {
    let not_pocketbase = |e: rusqlite::Error| {
        format!("not a PocketBase database: cannot read its collections ({e})")
    };
    let mut stmt = conn
        .prepare("SELECT name, type FROM _collections ORDER BY name")
        .map_err(not_pocketbase)?;
    let names = stmt
        .query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(not_pocketbase)?;
    let mut collections = Vec::with_capacity(names.len());
    for (name, kind) in names {
        let sql = format!("SELECT COUNT(*) FROM \"{}\"", name.replace('"', "\"\""));
        let records: i64 = conn
            .query_row(&sql, [], |row| row.get(0))
            .map_err(|e| format!("cannot count the records of collection {name:?} ({e})"))?;
        collections.push(CollectionCount::new(name, kind, records as u64));
    }
    let superusers = collections
        .iter()
        .find(|c| c.name == "_superusers")
        .map_or(0, |c| c.records);
    // PocketBase records each applied migration with its time (microseconds).
    let newest_migration = conn
        .query_row(
            "SELECT file FROM _migrations ORDER BY applied DESC, file DESC LIMIT 1",
            [],
            |row| row.get::<_, String>(0),
        )
        .ok();
    Ok(Contents {
        collections,
        superusers,
        newest_migration,
    })
}
