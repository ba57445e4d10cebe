//! Data on a test server, as a user makes it: collections and records through the API (so that
//! automigrate sees them), and, for benchmarks, many records written straight into `data.db`.

use std::path::Path;

use serde_json::{Value, json};

/// A superuser session on a test server, for setting up data. Panics on failure: for tests.
pub struct Seed {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl Seed {
    /// Logs in as the test superuser.
    pub async fn login(url: &str) -> Seed {
        let http = reqwest::Client::new();
        let auth: Value = http
            .post(format!(
                "{url}/api/collections/_superusers/auth-with-password"
            ))
            .json(&json!({"identity": crate::EMAIL, "password": crate::PASSWORD}))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .expect("login")
            .json()
            .await
            .expect("login JSON");
        Seed {
            http,
            url: url.into(),
            token: auth["token"].as_str().expect("a token").into(),
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.url))
            .header("Authorization", &self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        assert!(status.is_success(), "{path}: HTTP {status}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Creates a base collection `name` with a `title` text field and a `file` file field.
    pub async fn create_collection(&self, name: &str) {
        let fields = json!([
            {"name": "title", "type": "text"},
            {"name": "file", "type": "file", "maxSelect": 1, "maxSize": 1 << 30},
        ]);
        let body = json!({"name": name, "type": "base", "fields": fields});
        self.call(reqwest::Method::POST, "/api/collections", Some(body))
            .await;
    }

    /// Adds `n` records to `collection`.
    pub async fn add_records(&self, collection: &str, n: usize) {
        for i in 0..n {
            let path = format!("/api/collections/{collection}/records");
            let body = json!({"title": format!("record {i}")});
            self.call(reqwest::Method::POST, &path, Some(body)).await;
        }
    }

    /// Adds a record to `collection` with an uploaded file `name` holding `bytes`.
    pub async fn add_file_record(&self, collection: &str, name: &str, bytes: Vec<u8>) {
        let form = reqwest::multipart::Form::new()
            .text("title", name.to_string())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
            );
        let response = self
            .http
            .post(format!("{}/api/collections/{collection}/records", self.url))
            .header("Authorization", &self.token)
            .multipart(form)
            .send()
            .await
            .expect("upload");
        assert!(
            response.status().is_success(),
            "{:?}",
            response.text().await
        );
    }

    /// Every collection the API lists, with its type and record count (`totalItems`), by name.
    pub async fn collection_counts(&self) -> Vec<(String, String, u64)> {
        let list = self
            .call(reqwest::Method::GET, "/api/collections?perPage=500", None)
            .await;
        let mut out = Vec::new();
        for c in list["items"].as_array().expect("items") {
            let name = c["name"].as_str().expect("name").to_string();
            let path = format!("/api/collections/{name}/records?perPage=1");
            let records = self.call(reqwest::Method::GET, &path, None).await;
            let total = records["totalItems"].as_u64().expect("totalItems");
            out.push((name, c["type"].as_str().expect("type").to_string(), total));
        }
        out.sort();
        out
    }

    /// Creates the backup `name` and returns its path in the server's data directory.
    pub async fn create_backup(&self, data_dir: &Path, name: &str) -> std::path::PathBuf {
        self.call(
            reqwest::Method::POST,
            "/api/backups",
            Some(json!({"name": name})),
        )
        .await;
        data_dir.join("backups").join(name)
    }
}

/// Writes `n` records of about `bytes` bytes each (incompressible text) straight into the table of
/// the base collection `collection` of a stopped server's `data_dir`: real records the server
/// lists afterwards, much faster than through the API. For benchmarks.
pub fn fill_records(
    data_dir: &Path,
    collection: &str,
    n: u64,
    bytes: usize,
) -> rusqlite::Result<()> {
    let mut db = rusqlite::Connection::open(data_dir.join("data.db"))?;
    let tx = db.transaction()?;
    {
        let sql = format!("INSERT INTO \"{collection}\" (id, title) VALUES (?1, ?2)");
        let mut insert = tx.prepare(&sql)?;
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut title = String::with_capacity(bytes);
        for i in 0..n {
            title.clear();
            while title.len() < bytes {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                title.push_str(&format!("{x:016x}"));
            }
            insert.execute(rusqlite::params![format!("r{i:014}"), title])?;
        }
    }
    tx.commit()
}

/// Writes `count` records with an uploaded file of `mib` MiB of incompressible bytes each into the
/// collection `collection` (id `collection_id`, with a `file` field) of a stopped server's
/// `data_dir`: the files where PocketBase keeps uploads, the records naming them. For benchmarks.
pub fn fill_files(
    data_dir: &Path,
    collection: &str,
    collection_id: &str,
    count: u64,
    mib: u64,
) -> rusqlite::Result<()> {
    let db = rusqlite::Connection::open(data_dir.join("data.db"))?;
    let sql = format!("INSERT INTO \"{collection}\" (id, title, file) VALUES (?1, ?2, ?3)");
    for i in 0..count {
        let id = format!("f{i:014}");
        let name = format!("upload_{i}.bin");
        let path = data_dir
            .join("storage")
            .join(collection_id)
            .join(&id)
            .join(&name);
        crate::incompressible_file(&path, mib);
        db.execute(&sql, rusqlite::params![id, name, name])?;
    }
    Ok(())
}
