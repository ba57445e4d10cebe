//! The harness's S3 server (s3s-fs, SigV4, path-style, loopback) in a process of its own, for
//! benchmarks that must not count its memory and CPU as the client's.
//!
//! `s3-server BUCKET...` creates the buckets, prints `ENDPOINT DATA_DIR` on one line, and serves
//! until its standard input closes; then it stops and removes its data.

use std::io::{BufRead, Write};

use bosbase_backups_tests::s3::S3Server;

fn main() {
    let s3 = S3Server::start();
    for bucket in std::env::args().skip(1) {
        s3.create_bucket(&bucket);
    }
    println!("{} {}", s3.endpoint(), s3.root().display());
    std::io::stdout().flush().expect("stdout");
    let mut line = String::new();
    while std::io::stdin()
        .lock()
        .read_line(&mut line)
        .is_ok_and(|n| n > 0)
    {
        line.clear();
    }
}
