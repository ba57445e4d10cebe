//! Every operation the client sends, with what the call path needs to know of it: its method and
//! route (for tracing), and whether it is safe to repeat after a transient failure. One table, so
//! that no call site decides retries on its own.

/// One API operation. The names are the spec's `operationId`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Operation {
    AuthWithPassword,
    AuthRefresh,
    HealthCheck,
    CreateFileToken,
    ListBackups,
    CreateBackup,
    UploadBackup,
    DownloadBackup,
    DeleteBackup,
    RestoreBackup,
    ListLogs,
    GetSettings,
    UpdateSettings,
    TestS3,
    ListCollections,
    ListRecords,
}

impl Operation {
    /// `(operationId, method, route, idempotent)`: the table.
    const fn facts(self) -> (&'static str, &'static str, &'static str, bool) {
        use Operation::*;
        match self {
            AuthWithPassword => (
                "authWithPassword",
                "POST",
                "/api/collections/_superusers/auth-with-password",
                false,
            ),
            AuthRefresh => (
                "authRefresh",
                "POST",
                "/api/collections/_superusers/auth-refresh",
                false,
            ),
            HealthCheck => ("healthCheck", "GET", "/api/health", true),
            // A new token each time: asking twice does no harm.
            CreateFileToken => ("createFileToken", "POST", "/api/files/token", true),
            ListBackups => ("listBackups", "GET", "/api/backups", true),
            CreateBackup => ("createBackup", "POST", "/api/backups", false),
            UploadBackup => ("uploadBackup", "POST", "/api/backups/upload", false),
            DownloadBackup => ("downloadBackup", "GET", "/api/backups/{key}", true),
            DeleteBackup => ("deleteBackup", "DELETE", "/api/backups/{key}", false),
            RestoreBackup => ("restoreBackup", "POST", "/api/backups/{key}/restore", false),
            ListLogs => ("listLogs", "GET", "/api/logs", true),
            GetSettings => ("getSettings", "GET", "/api/settings", true),
            // Not repeated blindly: a change may have been saved before the connection broke.
            UpdateSettings => ("updateSettings", "PATCH", "/api/settings", false),
            // Writes and deletes a test object in the bucket.
            TestS3 => ("testS3", "POST", "/api/settings/test/s3", false),
            ListCollections => ("listCollections", "GET", "/api/collections", true),
            ListRecords => (
                "listRecords",
                "GET",
                "/api/collections/{collection}/records",
                true,
            ),
        }
    }

    /// Safe to repeat after a transient failure.
    pub(crate) const fn idempotent(self) -> bool {
        self.facts().3
    }

    /// The tracing span of one call.
    pub(crate) fn span(self) -> tracing::Span {
        let (op, method, route, _) = self.facts();
        tracing::info_span!(
            "bosbase_backups",
            op,
            method,
            route,
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Operation::*;

    /// The table agrees with the spec: each operation's method and route are the spec's, and
    /// the list below (so the table) holds every operation of the spec, no more, no less.
    #[test]
    fn the_table_matches_the_spec() {
        let spec: serde_yaml::Value =
            serde_yaml::from_str(include_str!("../../../spec/backups.yaml")).unwrap();
        let mut in_spec: Vec<&str> = spec["paths"]
            .as_mapping()
            .unwrap()
            .values()
            .flat_map(|item| item.as_mapping().unwrap().values())
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        in_spec.sort();
        in_spec.dedup();
        let mut listed = Vec::new();
        for op in [
            AuthWithPassword,
            AuthRefresh,
            HealthCheck,
            CreateFileToken,
            ListBackups,
            CreateBackup,
            UploadBackup,
            DownloadBackup,
            DeleteBackup,
            RestoreBackup,
            ListLogs,
            GetSettings,
            UpdateSettings,
            TestS3,
            ListCollections,
            ListRecords,
        ] {
            let (id, method, route, _) = op.facts();
            let found = spec["paths"][route][method.to_lowercase()]["operationId"].as_str();
            assert_eq!(found, Some(id), "{method} {route}");
            listed.push(id);
        }
        listed.sort();
        assert_eq!(
            listed, in_spec,
            "the table and the spec's operations differ"
        );
    }
}
