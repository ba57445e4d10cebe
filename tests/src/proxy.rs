//! A recording proxy in front of a real server: it forwards every request unchanged and keeps its
//! request line and headers, so that a test can see exactly what a client sent (the server does
//! not say). Every connection carries one request (the proxy answers `Connection: close`), so
//! each request is seen whole.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One request as the proxy saw it: the request line and the headers, lower-cased names.
#[derive(Clone, Debug)]
pub struct SeenRequest {
    pub line: String,
    pub headers: Vec<(String, String)>,
}

impl SeenRequest {
    /// The value of header `name`, if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Forwards `127.0.0.1:<port>` to the server at `target_port`, recording requests.
pub struct RecordingProxy {
    port: u16,
    seen: Arc<Mutex<Vec<SeenRequest>>>,
}

impl RecordingProxy {
    pub fn start(target_port: u16) -> RecordingProxy {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let record = record.clone();
                std::thread::spawn(move || {
                    let _ = forward(client, target_port, &record);
                });
            }
        });
        RecordingProxy { port, seen }
    }

    /// The proxy's URL, to give a client instead of the server's.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The requests seen so far, in order.
    pub fn seen(&self) -> Vec<SeenRequest> {
        self.seen.lock().unwrap().clone()
    }
}

fn forward(
    client: TcpStream,
    target_port: u16,
    record: &Mutex<Vec<SeenRequest>>,
) -> io::Result<()> {
    let upstream = match TcpStream::connect((Ipv4Addr::LOCALHOST, target_port)) {
        Ok(s) => s,
        // The server is away (restarting): the client sees its connection closed.
        Err(_) => return client.shutdown(Shutdown::Both),
    };
    // Upstream -> client, with `Connection: close` in the answer's head.
    let (up_read, client_write) = (upstream.try_clone()?, client.try_clone()?);
    let back = std::thread::spawn(move || -> io::Result<()> {
        let mut up = BufReader::new(up_read);
        let mut out = client_write;
        let mut head = Vec::new();
        loop {
            let mut line = Vec::new();
            if up.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            if line == b"\r\n" {
                head.extend_from_slice(b"Connection: close\r\n\r\n");
                break;
            }
            if !line.to_ascii_lowercase().starts_with(b"connection:") {
                head.extend_from_slice(&line);
            }
        }
        out.write_all(&head)?;
        io::copy(&mut up, &mut out)?;
        out.shutdown(Shutdown::Both)
    });
    // Client -> upstream: the head recorded, then the body as it comes.
    let mut reader = BufReader::new(client);
    let mut upstream_w = upstream;
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        upstream_w.write_all(line.as_bytes())?;
        if line == "\r\n" {
            break;
        }
        lines.push(line.trim_end().to_string());
    }
    if let Some((first, rest)) = lines.split_first() {
        let headers = rest
            .iter()
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        record.lock().unwrap().push(SeenRequest {
            line: first.clone(),
            headers,
        });
    }
    let mut rest = reader;
    let _ = io::copy(&mut rest, &mut upstream_w);
    let _ = back.join();
    Ok(())
}
