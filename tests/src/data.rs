//! Test data: incompressible bytes (a backup of them takes real time, and neither side of a
//! transfer can compress them) and valid backup zips, written in constant memory.

use std::io::{self, Write};
use std::path::Path;

/// Writes `mib` MiB of incompressible bytes (xorshift) to `writer`, 1 MiB at a time.
pub fn write_incompressible(writer: &mut impl Write, mib: u64) -> io::Result<()> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut block = vec![0u8; 1 << 20];
    for _ in 0..mib {
        for b in block.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b.copy_from_slice(&x.to_le_bytes());
        }
        writer.write_all(&block)?;
    }
    Ok(())
}

/// A file of `mib` MiB of incompressible bytes (its directory is created).
pub fn incompressible_file(path: &Path, mib: u64) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    let mut file = io::BufWriter::new(std::fs::File::create(path).unwrap());
    write_incompressible(&mut file, mib).unwrap();
    file.flush().unwrap();
}

/// A stored zip of `entries` (name, contents): a small backup-looking file, or one that is not.
pub fn write_zip(path: &Path, entries: &[(&str, &[u8])]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, contents) in entries {
        zip.start_file(*name, opts).unwrap();
        zip.write_all(contents).unwrap();
    }
    zip.finish().unwrap();
}

/// The SHA-256 of a file, read 1 MiB at a time.
pub fn sha256_file(path: &Path) -> Vec<u8> {
    use sha2::Digest;
    let mut file =
        std::fs::File::open(path).unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = io::Read::read(&mut file, &mut buf).unwrap();
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    hasher.finalize().to_vec()
}

/// A stored zip that is a restorable-looking backup: a `data.db` and `mib` MiB of incompressible
/// data in `storage/random.bin`.
pub fn write_backup_zip(path: &Path, mib: u64) -> io::Result<()> {
    let file = io::BufWriter::new(std::fs::File::create(path)?);
    let mut zip = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    zip.start_file("data.db", opts)?;
    zip.write_all(b"SQLite format 3\0")?;
    zip.start_file("storage/random.bin", opts)?;
    write_incompressible(&mut zip, mib)?;
    zip.finish()?;
    Ok(())
}
