//! Damaged copies of real backups, for the tests of verify and restore.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use zip::write::SimpleFileOptions;

/// The contents of the entry `name` of the zip at `path`.
pub fn zip_entry(path: &Path, name: &str) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = Vec::new();
    zip.by_name(name).unwrap().read_to_end(&mut out).unwrap();
    out
}

/// Copies the zip `src` to `dst` with the entry `name` replaced by `contents`, or left out when
/// `contents` is `None`. The other entries are copied as they are.
pub fn replace_entry(src: &Path, dst: &Path, name: &str, contents: Option<&[u8]>) {
    let mut out = copy_except(src, dst, name);
    if let Some(contents) = contents {
        let opts =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        out.start_file(name, opts).unwrap();
        out.write_all(contents).unwrap();
    }
    out.finish().unwrap();
}

/// Copies the zip `src` to `dst` with one byte in the middle of the entry `name` changed and its
/// CRC-32 left as it was: an entry whose CRC check fails. The entry is stored uncompressed so
/// that the change keeps the zip readable.
pub fn corrupt_entry(src: &Path, dst: &Path, name: &str) {
    let contents = zip_entry(src, name);
    assert!(!contents.is_empty(), "{name} is empty");
    let mut out = copy_except(src, dst, name);
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    out.start_file(name, opts).unwrap();
    out.write_all(&contents).unwrap();
    out.finish().unwrap();

    let data_start = {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(dst).unwrap()).unwrap();
        zip.by_name(name).unwrap().data_start().unwrap()
    };
    let mut file = std::fs::File::options()
        .read(true)
        .write(true)
        .open(dst)
        .unwrap();
    let at = data_start + contents.len() as u64 / 2;
    let mut byte = [0u8];
    file.seek(SeekFrom::Start(at)).unwrap();
    file.read_exact(&mut byte).unwrap();
    file.seek(SeekFrom::Start(at)).unwrap();
    file.write_all(&[byte[0] ^ 0xFF]).unwrap();
}

/// A writer to `dst` that holds every entry of `src` but `name`, copied as they are.
fn copy_except(src: &Path, dst: &Path, name: &str) -> zip::ZipWriter<std::fs::File> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(src).unwrap()).unwrap();
    let mut out = zip::ZipWriter::new(std::fs::File::create(dst).unwrap());
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).unwrap();
        if entry.name_raw() != name.as_bytes() {
            out.raw_copy_file(entry).unwrap();
        }
    }
    out
}

/// The compressed size of the entry `name` of the zip at `path`.
pub fn compressed_size(path: &Path, name: &str) -> Option<u64> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).ok()?).ok()?;
    let index = zip.index_for_name(name)?;
    zip.by_index_raw(index).ok().map(|e| e.compressed_size())
}
