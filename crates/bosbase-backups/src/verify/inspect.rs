//! The zip side of a verify, on any `Read + Seek` (a local file, or HTTP ranges): the central
//! directory, then the database entries (or, in full mode, every entry in file order), each read
//! to its end so that the `zip` crate checks its CRC-32.

use std::io::{self, Read, Seek, Write};

use super::sqlite;
use super::{StorageFiles, VerifyReport};
use crate::error::Error;

/// The entry every PocketBase backup has.
pub(crate) const DATA_DB: &str = "data.db";
/// The other database PocketBase backs up (its logs).
const AUXILIARY_DB: &str = "auxiliary.db";
/// Beyond an entry's data: its local header's name and extra field, and a data descriptor.
const ENTRY_SLACK: u64 = 30 + 1024 + 24;

/// Why a verify failed other than through its reader.
pub(crate) enum Failure {
    /// The backup is damaged.
    Damaged { entry: String, problem: String },
    /// A local failure (the temporary directory).
    Local(Error),
}

/// What an inspection found, and the first failure, if any.
pub(crate) struct Outcome {
    pub(crate) report: VerifyReport,
    pub(crate) failure: Option<Failure>,
}

fn damaged(entry: &str, problem: impl Into<String>) -> Failure {
    Failure::Damaged {
        entry: entry.into(),
        problem: problem.into(),
    }
}

/// Inspects the zip of `reader`. `will_read(start, end)` is told the byte range the next reads
/// cover, so that a remote reader fetches it in one request.
pub(crate) fn inspect<R: Read + Seek>(
    reader: R,
    full: bool,
    will_read: &dyn Fn(u64, u64),
) -> Outcome {
    let mut report = VerifyReport {
        full,
        ..VerifyReport::default()
    };
    let failure = inspect_into(reader, full, will_read, &mut report).err();
    Outcome { report, failure }
}

struct Entry {
    index: usize,
    name: String,
    header_start: u64,
    compressed: u64,
    size: u64,
    is_dir: bool,
    database: bool,
}

/// The uploaded files under `storage/`: without the `<file>.attrs` beside each, which PocketBase's
/// file store writes for its own metadata.
fn storage_files(entries: &[Entry]) -> StorageFiles {
    let names: std::collections::HashSet<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    let mut storage = StorageFiles::default();
    for e in entries {
        let sidecar = e
            .name
            .strip_suffix(".attrs")
            .is_some_and(|file| names.contains(file));
        if e.name.starts_with("storage/") && !e.is_dir && !sidecar {
            storage.files += 1;
            storage.bytes += e.size;
        }
    }
    storage
}

fn inspect_into<R: Read + Seek>(
    reader: R,
    full: bool,
    will_read: &dyn Fn(u64, u64),
    report: &mut VerifyReport,
) -> Result<(), Failure> {
    let mut zip = zip::ZipArchive::new(reader)
        .map_err(|e| damaged("zip", format!("not a readable zip file ({e})")))?;
    let mut entries = Vec::with_capacity(zip.len());
    for index in 0..zip.len() {
        let entry = zip
            .by_index_data(index)
            .map_err(|e| damaged("zip", format!("central directory entry {index}: {e}")))?;
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        report.entries += 1;
        report.uncompressed_bytes += entry.size();
        entries.push(Entry {
            index,
            database: name == DATA_DB || name == AUXILIARY_DB,
            header_start: entry.header_start(),
            compressed: entry.compressed_size(),
            size: entry.size(),
            is_dir: entry.is_dir(),
            name,
        });
    }
    report.storage = storage_files(&entries);
    if !entries.iter().any(|e| e.name == DATA_DB) {
        return Err(damaged(
            DATA_DB,
            "missing: every PocketBase backup has it, and the server cannot restore without it",
        ));
    }

    // In file order: a remote reader then streams forward, one request for all of it.
    entries.sort_by_key(|e| e.header_start);
    let cd_start = zip.central_directory_start();
    if full && let Some(first) = entries.first() {
        will_read(first.header_start, cd_start);
    }
    let temp = tempfile::Builder::new()
        .prefix("bosbase-verify-")
        .tempdir()
        .map_err(|e| {
            Failure::Local(Error::io(
                "cannot create a temporary directory in",
                std::env::temp_dir(),
                e,
            ))
        })?;
    // Damage found in one database does not stop the check of the other: report both.
    let mut first_damage = None;
    for entry in entries.iter().filter(|e| full || e.database) {
        if !full {
            let end = entry.header_start + entry.name.len() as u64 + entry.compressed + ENTRY_SLACK;
            will_read(entry.header_start, end.min(cd_start));
        }
        let mut file = zip
            .by_index(entry.index)
            .map_err(|e| damaged(&entry.name, format!("cannot read its local header ({e})")))?;
        if !entry.database {
            io::copy(&mut file, &mut io::sink()).map_err(|e| read_error(&entry.name, e))?;
            continue;
        }
        let path = temp.path().join(&entry.name);
        let mut out = std::fs::File::create(&path)
            .map_err(|e| Failure::Local(Error::io("cannot create", &path, e)))?;
        let size = copy_entry(&mut file, &mut out, &entry.name, &path)?;
        drop(out);
        let check = sqlite::check(&path, &entry.name, size, entry.name == DATA_DB, report);
        // The database file can be large: gone as soon as it is checked.
        let _ = std::fs::remove_file(&path);
        if let Err(problem) = check
            && first_damage.is_none()
        {
            first_damage = Some(damaged(&entry.name, problem));
        }
    }
    // data.db first, as the server needs it most.
    report
        .databases
        .sort_by_key(|d| (d.name != DATA_DB, d.name.clone()));
    match first_damage {
        Some(damage) => Err(damage),
        None => Ok(()),
    }
}

/// Copies an entry to `out`; read errors are damage, write errors local failures.
fn copy_entry(
    file: &mut impl Read,
    out: &mut impl Write,
    name: &str,
    path: &std::path::Path,
) -> Result<u64, Failure> {
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => return Ok(size),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_error(name, e)),
        };
        out.write_all(&buf[..n])
            .map_err(|e| Failure::Local(Error::io("cannot write", path, e)))?;
        size += n as u64;
    }
}

/// A read error of an entry, in words. (A failure of the reader itself is taken from the reader,
/// which wins over this: see `finish`.)
fn read_error(name: &str, e: io::Error) -> Failure {
    let text = e.to_string();
    if text.contains("Invalid checksum") {
        damaged(
            name,
            "CRC mismatch: its bytes are not those that were zipped",
        )
    } else if e.kind() == io::ErrorKind::UnexpectedEof {
        damaged(name, "truncated: the zip ends inside it")
    } else {
        damaged(name, format!("cannot be read ({text})"))
    }
}
