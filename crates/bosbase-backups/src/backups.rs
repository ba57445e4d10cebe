//! The backup operations, one method each: [`Client::backups`](crate::Client::backups). Each
//! returns the builder of its operation, in a file of the same name (`list.rs`, `create.rs`,
//! `upload.rs`, `download.rs`, `delete.rs`, `restore.rs`, `restore_and_wait.rs`, `zipcheck.rs`).

use std::path::Path;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::client::Client;
use crate::create::{CreateAutoBackup, CreateBackup};
use crate::delete::DeleteBackup;
use crate::download::DownloadBackup;
use crate::error::Result;
use crate::files::FileToken;
use crate::list::ListBackups;
use crate::name::check_key;
use crate::options::RequestOptions;
use crate::restore::RestoreBackup;
use crate::restore_and_wait::RestoreBackupAndWait;
use crate::upload::UploadBackup;
use crate::zipcheck::CheckBackup;

/// Everything but RFC 3986's unreserved characters is percent-encoded.
pub(crate) const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Backup operations: [`Client::backups`].
#[derive(Clone, Copy, Debug)]
pub struct Backups<'a> {
    pub(crate) client: &'a Client,
}

impl<'a> Backups<'a> {
    /// Lists every backup, newest first (the server does not sort).
    pub fn list(&self) -> ListBackups<'a> {
        ListBackups {
            client: self.client,
            opts: RequestOptions::default(),
        }
    }

    /// Creates a backup named `name` (checked against the name rule before anything is sent).
    /// Answers when the zip is written.
    pub fn create(&self, name: impl AsRef<str>) -> CreateBackup<'a> {
        CreateBackup {
            client: self.client,
            opts: RequestOptions::default(),
            name: name.as_ref().to_string(),
            wait: None,
        }
    }

    /// Creates a backup with a name the server chooses, and returns it: the server does not say
    /// which name it chose, so this finds the new backup in the list.
    pub fn create_auto(&self) -> CreateAutoBackup<'a> {
        CreateAutoBackup {
            client: self.client,
            opts: RequestOptions::default(),
            wait: None,
        }
    }

    /// Uploads the backup zip at `path`, streamed. Its file name is the backup's name unless
    /// [`name`](UploadBackup::name) says otherwise.
    pub fn upload_file(&self, path: impl AsRef<Path>) -> UploadBackup<'a> {
        UploadBackup::from_path(self.client, path.as_ref())
    }

    /// Uploads `len` bytes of `reader` as the backup `name`, streamed.
    pub fn upload<R>(&self, reader: R, len: u64, name: impl AsRef<str>) -> UploadBackup<'a>
    where
        R: tokio::io::AsyncRead + Send + 'static,
    {
        UploadBackup::from_reader(self.client, reader, len, name.as_ref())
    }

    /// Downloads the backup `key`, streamed: end with [`to_path`](DownloadBackup::to_path) or
    /// [`to_writer`](DownloadBackup::to_writer). Gets its own file token.
    pub fn download(&self, key: impl AsRef<str>) -> DownloadBackup<'a> {
        DownloadBackup::new(self.client, key.as_ref())
    }

    /// The URL that downloads `key` with `token`: the twin of the Go SDK's `GetDownloadURL`.
    /// The URL holds the token: treat it as a secret until the token expires.
    ///
    /// ```
    /// # fn run(client: &bosbase_backups::Client) -> bosbase_backups::Result<()> {
    /// let token = bosbase_backups::FileToken::new("eyJ...");
    /// let url = client.backups().download_url(&token, "@auto_pb_backup_acme_20261126.zip")?;
    /// assert!(url.ends_with("/api/backups/%40auto_pb_backup_acme_20261126.zip?token=eyJ..."));
    /// # Ok(())
    /// # }
    /// # run(&bosbase_backups::Client::new("http://127.0.0.1:8090").unwrap()).unwrap();
    /// ```
    pub fn download_url(&self, token: &FileToken, key: &str) -> Result<String> {
        check_key(key)?;
        Ok(format!(
            "{}/api/backups/{}?token={}",
            self.client.base_url(),
            utf8_percent_encode(key, COMPONENT),
            utf8_percent_encode(token.expose_secret(), COMPONENT),
        ))
    }

    /// Deletes the backup `key`.
    pub fn delete(&self, key: impl AsRef<str>) -> DeleteBackup<'a> {
        DeleteBackup {
            client: self.client,
            opts: RequestOptions::default(),
            key: key.as_ref().to_string(),
        }
    }

    /// Asks the server to restore its data from the backup `key` and restart. Sends the request
    /// as it is: [`restore_and_wait`](Self::restore_and_wait) checks the backup first.
    ///
    /// The server answers before it even starts: success here means "accepted". It then moves
    /// its data aside, extracts the backup, and restarts on it. A backup without `data.db`, or
    /// one that does not extract, fails before anything is replaced: the server keeps its data
    /// and reports the failure only in its log. A backup whose `data.db` is not a valid database
    /// takes the server down: it cannot start on it, and its old data waits in
    /// `pb_data/.pb_temp_to_delete/old_pb_data_*` to be moved back by hand. While the server
    /// restarts, connections are refused for a moment, and the superusers (with their tokens)
    /// are those of the backup afterwards.
    pub fn restore(&self, key: impl AsRef<str>) -> RestoreBackup<'a> {
        RestoreBackup {
            client: self.client,
            opts: RequestOptions::default(),
            key: key.as_ref().to_string(),
        }
    }

    /// Restores from the backup `key` and waits for the real outcome: checks first that the
    /// backup is restorable, then waits for the server to restart on it and come back healthy,
    /// and reports a failure the server logged as [`Error::RestoreFailed`](crate::Error::RestoreFailed)
    /// with its reason. A timeout is an error, never a success.
    pub fn restore_and_wait(&self, key: impl AsRef<str>) -> RestoreBackupAndWait<'a> {
        RestoreBackupAndWait::new(self.client, key.as_ref())
    }

    /// Checks that the backup `key` is restorable: a zip whose central directory lists
    /// `data.db`. Reads only the end of the zip and its directory, with `Range` requests.
    pub fn verify(&self, key: impl AsRef<str>) -> CheckBackup<'a> {
        CheckBackup {
            client: self.client,
            opts: RequestOptions::default(),
            key: key.as_ref().to_string(),
        }
    }
}
