//! Is a local file a backup the server can restore? A zip (it starts with a local file header,
//! `PK\x03\x04`) whose central directory lists a top-level `data.db`, as the server's own backups
//! do. Reads the central directory entry by entry, so memory stays constant whatever the size of
//! the zip or its number of entries (ZIP64 included).

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

const LOCAL_HEADER: &[u8; 4] = b"PK\x03\x04";
const EOCD: &[u8; 4] = b"PK\x05\x06";
const ZIP64_LOCATOR: &[u8; 4] = b"PK\x06\x07";
const ZIP64_EOCD: &[u8; 4] = b"PK\x06\x06";
const CENTRAL_HEADER: &[u8; 4] = b"PK\x01\x02";
/// The end-of-central-directory record without its comment.
const EOCD_LEN: u64 = 22;
/// Its comment is at most this long.
const MAX_COMMENT: u64 = 0xFFFF;

/// Why a file is not a backup zip.
#[derive(Debug, PartialEq, Eq)]
pub enum Problem {
    /// It does not start with a zip signature.
    NotZip,
    /// A zip, but its central directory cannot be read.
    Corrupt(String),
    /// A zip without a top-level `data.db`.
    NoDataDb,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::NotZip => f.write_str("it is not a zip file (no zip signature at its start)"),
            Problem::Corrupt(why) => write!(f, "its zip central directory cannot be read: {why}"),
            Problem::NoDataDb => f.write_str(
                "it is a zip without a data.db at its top level, so not a BosBase or PocketBase \
                 backup: a restore of it would fail",
            ),
        }
    }
}

/// Checks the file at `path`. `Ok(Err(problem))` when it is readable but not a backup zip.
pub fn check(path: &Path) -> io::Result<Result<(), Problem>> {
    let mut file = File::open(path)?;
    check_reader(&mut file)
}

/// Same, for any seekable reader.
pub fn check_reader<R: Read + Seek>(r: &mut R) -> io::Result<Result<(), Problem>> {
    let len = r.seek(SeekFrom::End(0))?;
    if len < 4 {
        return Ok(Err(Problem::NotZip));
    }
    let mut head = [0u8; 4];
    r.seek(SeekFrom::Start(0))?;
    r.read_exact(&mut head)?;
    if &head != LOCAL_HEADER {
        return Ok(Err(Problem::NotZip));
    }
    let Some(dir) = find_central_directory(r, len)? else {
        return Ok(Err(Problem::Corrupt(
            "no end-of-central-directory record (the file is truncated?)".into(),
        )));
    };
    let dir = match dir {
        Ok(dir) => dir,
        Err(why) => return Ok(Err(Problem::Corrupt(why))),
    };
    r.seek(SeekFrom::Start(dir.offset))?;
    let mut entries = BufReader::with_capacity(64 * 1024, r.take(dir.size));
    let mut name = Vec::new();
    for i in 0..dir.entries {
        let mut fixed = [0u8; 46];
        if let Err(e) = entries.read_exact(&mut fixed) {
            return match e.kind() {
                io::ErrorKind::UnexpectedEof => Ok(Err(Problem::Corrupt(format!(
                    "the central directory ends after {i} of {} entries",
                    dir.entries
                )))),
                _ => Err(e),
            };
        }
        if &fixed[..4] != CENTRAL_HEADER {
            return Ok(Err(Problem::Corrupt(format!(
                "entry {i} of the central directory has no entry signature"
            ))));
        }
        let name_len = u16_at(&fixed, 28) as usize;
        let skip = u64::from(u16_at(&fixed, 30)) + u64::from(u16_at(&fixed, 32));
        name.resize(name_len, 0);
        entries.read_exact(&mut name)?;
        if name == b"data.db" {
            return Ok(Ok(()));
        }
        let skipped = io::copy(&mut (&mut entries).take(skip), &mut io::sink())?;
        if skipped != skip {
            return Ok(Err(Problem::Corrupt(
                "the central directory is cut short".into(),
            )));
        }
    }
    Ok(Err(Problem::NoDataDb))
}

struct Directory {
    entries: u64,
    size: u64,
    offset: u64,
}

/// Finds the end-of-central-directory record (and its ZIP64 twin when the sizes overflow).
/// `None` when there is none, `Some(Err)` when it is inconsistent.
fn find_central_directory<R: Read + Seek>(
    r: &mut R,
    len: u64,
) -> io::Result<Option<Result<Directory, String>>> {
    let tail_len = len.min(EOCD_LEN + MAX_COMMENT);
    let tail_start = len - tail_len;
    r.seek(SeekFrom::Start(tail_start))?;
    let mut tail = vec![0u8; tail_len as usize];
    r.read_exact(&mut tail)?;
    // The last signature whose comment length reaches exactly to the end of the file.
    let Some(at) = (0..tail.len().saturating_sub(EOCD_LEN as usize - 1))
        .rev()
        .find(|&i| {
            &tail[i..i + 4] == EOCD
                && i + EOCD_LEN as usize + u16_at(&tail, i + 20) as usize == tail.len()
        })
    else {
        return Ok(None);
    };
    let eocd_pos = tail_start + at as u64;
    let record = &tail[at..at + EOCD_LEN as usize];
    let mut dir = Directory {
        entries: u16_at(record, 10).into(),
        size: u32_at(record, 12).into(),
        offset: u32_at(record, 16).into(),
    };
    let mut dir_end = eocd_pos;
    if dir.entries == 0xFFFF || dir.size == 0xFFFF_FFFF || dir.offset == 0xFFFF_FFFF {
        // ZIP64: a locator just before the record points at the ZIP64 end record.
        if eocd_pos < 20 {
            return Ok(Some(Err("a ZIP64 zip without its ZIP64 locator".into())));
        }
        let mut locator = [0u8; 20];
        r.seek(SeekFrom::Start(eocd_pos - 20))?;
        r.read_exact(&mut locator)?;
        if &locator[..4] != ZIP64_LOCATOR {
            return Ok(Some(Err("a ZIP64 zip without its ZIP64 locator".into())));
        }
        let record_pos = u64_at(&locator, 8);
        if record_pos + 56 > eocd_pos - 20 {
            return Ok(Some(
                Err("the ZIP64 locator points outside the file".into()),
            ));
        }
        let mut record = [0u8; 56];
        r.seek(SeekFrom::Start(record_pos))?;
        r.read_exact(&mut record)?;
        if &record[..4] != ZIP64_EOCD {
            return Ok(Some(Err("the ZIP64 end record is missing".into())));
        }
        dir = Directory {
            entries: u64_at(&record, 32),
            size: u64_at(&record, 40),
            offset: u64_at(&record, 48),
        };
        dir_end = record_pos;
    }
    match dir.offset.checked_add(dir.size) {
        Some(end) if end <= dir_end => Ok(Some(Ok(dir))),
        _ => Ok(Some(Err(
            "the central directory lies outside the file".into()
        ))),
    }
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"))
}

fn u64_at(b: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A stored (uncompressed) zip of `files`, with an optional ZIP64 end and a comment.
    fn zip(files: &[(&str, &[u8])], zip64: bool, comment: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data) in files {
            let offset = out.len() as u32;
            out.extend_from_slice(LOCAL_HEADER);
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // version, flags, method, time, date
            out.extend_from_slice(&0u32.to_le_bytes()); // crc (not checked)
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);

            central.extend_from_slice(CENTRAL_HEADER);
            central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&0u32.to_le_bytes());
            central.extend_from_slice(&(data.len() as u32).to_le_bytes());
            central.extend_from_slice(&(data.len() as u32).to_le_bytes());
            central.extend_from_slice(&(name.len() as u16).to_le_bytes());
            central.extend_from_slice(&4u16.to_le_bytes()); // extra
            central.extend_from_slice(&3u16.to_le_bytes()); // comment
            central.extend_from_slice(&[0; 8]); // disk, attributes
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
            central.extend_from_slice(b"XXXX");
            central.extend_from_slice(b"abc");
        }
        let dir_offset = out.len() as u64;
        let dir_size = central.len() as u64;
        out.extend_from_slice(&central);
        let n = files.len() as u64;
        if zip64 {
            let record_pos = out.len() as u64;
            out.extend_from_slice(ZIP64_EOCD);
            out.extend_from_slice(&44u64.to_le_bytes());
            out.extend_from_slice(&[45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&dir_size.to_le_bytes());
            out.extend_from_slice(&dir_offset.to_le_bytes());
            out.extend_from_slice(ZIP64_LOCATOR);
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&record_pos.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
        }
        out.extend_from_slice(EOCD);
        out.extend_from_slice(&[0; 4]);
        let (entries, size, offset) = if zip64 {
            (0xFFFF, 0xFFFF_FFFF, 0xFFFF_FFFF)
        } else {
            (n as u16, dir_size as u32, dir_offset as u32)
        };
        out.extend_from_slice(&entries.to_le_bytes());
        out.extend_from_slice(&entries.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&(comment.len() as u16).to_le_bytes());
        out.extend_from_slice(comment);
        out
    }

    fn check(bytes: Vec<u8>) -> Result<(), Problem> {
        check_reader(&mut Cursor::new(bytes)).unwrap()
    }

    #[test]
    fn a_backup_has_a_top_level_data_db() {
        let files: &[(&str, &[u8])] = &[
            ("storage/a.txt", b"x"),
            ("data.db", b"SQLite format 3\0"),
            ("auxiliary.db", b""),
        ];
        assert_eq!(check(zip(files, false, b"")), Ok(()));
        assert_eq!(check(zip(files, true, b"")), Ok(()));
        // A comment that contains an end signature itself does not mislead the search.
        assert_eq!(check(zip(files, false, b"PK\x05\x06 tricky")), Ok(()));
    }

    #[test]
    fn other_zips_and_files_are_refused() {
        let files: &[(&str, &[u8])] = &[("dir/data.db", b"x"), ("data.db.bak", b"y")];
        assert_eq!(check(zip(files, false, b"")), Err(Problem::NoDataDb));
        assert_eq!(check(zip(&[], false, b"")), Err(Problem::NotZip)); // an empty zip starts with PK\5\6
        assert_eq!(check(b"not a zip at all".to_vec()), Err(Problem::NotZip));
        assert_eq!(check(Vec::new()), Err(Problem::NotZip));
        let mut cut = zip(&[("data.db", b"x")], false, b"");
        cut.truncate(cut.len() - 5);
        assert!(matches!(check(cut), Err(Problem::Corrupt(_))));
        let mut lying = zip(&[("data.db", b"x")], false, b"");
        let n = lying.len();
        lying[n - 6..n - 2].copy_from_slice(&9999u32.to_le_bytes()); // directory offset
        assert!(matches!(check(lying), Err(Problem::Corrupt(_))));
    }
}
