//! The few plain HTTP calls tests and the demo make themselves, for what the SDK does not do
//! (records, collections, users): HTTP/1.0 over loopback, JSON in and out.

use std::io::{self, Read, Write};
use std::net::TcpStream;

use crate::{EMAIL, PASSWORD, TestServer};

impl TestServer {
    /// `method path` with an optional token and JSON body. Returns the status and the JSON body
    /// (Null when empty; a string when it is not JSON).
    pub fn http(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> io::Result<(u16, serde_json::Value)> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut request = format!(
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n",
            body.len()
        );
        if let Some(token) = token {
            request.push_str(&format!("Authorization: {token}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(&body);
        let (status, body) = self.exchange(request.as_bytes())?;
        let text = String::from_utf8_lossy(&body);
        let json = if text.trim().is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text.into_owned()))
        };
        Ok((status, json))
    }

    /// Sends `request` as it is and returns the status and the raw body.
    pub fn exchange(&self, request: &[u8]) -> io::Result<(u16, Vec<u8>)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port()))?;
        stream.write_all(request)?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response)?;
        let end = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or(response.len());
        let head = String::from_utf8_lossy(&response[..end]);
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Ok((status, response.get(end + 4..).unwrap_or_default().to_vec()))
    }

    /// A superuser token, from a password login.
    pub fn superuser_token(&self) -> String {
        let (status, auth) = self
            .http(
                "POST",
                "/api/collections/_superusers/auth-with-password",
                None,
                Some(serde_json::json!({"identity": EMAIL, "password": PASSWORD})),
            )
            .unwrap();
        assert_eq!(status, 200, "{auth}");
        auth["token"].as_str().unwrap().to_string()
    }

    /// Creates the regular (not superuser) user `user@example.com` and returns its token.
    pub fn regular_user_token(&self) -> String {
        let token = self.superuser_token();
        let (status, body) = self
            .http(
                "POST",
                "/api/collections/users/records",
                Some(&token),
                Some(serde_json::json!({
                    "email": "user@example.com", "password": "user-password",
                    "passwordConfirm": "user-password"
                })),
            )
            .unwrap();
        assert_eq!(status, 200, "{body}");
        let (status, auth) = self
            .http(
                "POST",
                "/api/collections/users/auth-with-password",
                None,
                Some(serde_json::json!({"identity": "user@example.com", "password": "user-password"})),
            )
            .unwrap();
        assert_eq!(status, 200, "{auth}");
        auth["token"].as_str().unwrap().to_string()
    }
}
