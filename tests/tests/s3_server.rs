//! The harness's S3 server: it refuses unsigned requests, serves buckets path-style, and stops,
//! cuts and restarts as the tests that use it need.

use std::net::{Ipv4Addr, TcpStream};

use bosbase_backups_tests::s3::S3Server;

fn refused(port: u16) -> bool {
    TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err()
}

#[tokio::test]
async fn refuses_unsigned_requests_and_stops_and_restarts_on_the_same_port() {
    let mut s3 = S3Server::start();
    s3.create_bucket("backups");
    std::fs::write(s3.bucket_dir("backups").join("a.zip"), b"zip").unwrap();
    let http = reqwest::Client::new();

    // No signature: SigV4 auth is on, so the object is not served.
    let answer = http
        .get(format!("{}/backups/a.zip", s3.endpoint()))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 403, "{}", answer.text().await.unwrap());
    assert!(s3.is_running());

    let port = s3.port();
    s3.stop();
    assert!(!s3.is_running());
    assert!(refused(port), "the port still accepts after stop()");

    s3.restart();
    assert_eq!(s3.port(), port);
    // A new client: the old one's pooled connection died with the server.
    let answer = reqwest::Client::new()
        .get(format!("{}/backups/a.zip", s3.endpoint()))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 403);
    assert!(s3.bucket_dir("backups").join("a.zip").is_file());
}

#[test]
fn stop_after_received_cuts_a_request_in_its_middle() {
    use std::io::{Read, Write};
    let mut s3 = S3Server::start();
    s3.create_bucket("backups");
    s3.stop_after_received(64 * 1024);
    // A request whose head alone is 256 KiB: the server reads it in pieces and is cut mid-way.
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, s3.port())).unwrap();
    let request = format!(
        "GET /backups/a.zip HTTP/1.1\r\nHost: 127.0.0.1\r\nx-pad: {}\r\n\r\n",
        "p".repeat(256 * 1024)
    );
    let _ = stream.write_all(request.as_bytes());
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    assert!(
        answer.is_empty(),
        "the server answered: {}",
        String::from_utf8_lossy(&answer)
    );
    // The cut stops the whole server, as a crash would.
    for _ in 0..100 {
        if !s3.is_running() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(!s3.is_running());
    assert!(refused(s3.port()));
    s3.restart();
    assert!(s3.is_running());
    assert!(!refused(s3.port()));
}
