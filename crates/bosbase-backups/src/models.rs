//! The public models. Their JSON form is the server's, and a test checks that their JSON Schemas
//! (`schemars`) agree with the spec's component schemas.

use chrono::{DateTime, NaiveDateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use bosbase_backups_api::types;

/// One backup file on the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "BackupFileInfo", description = "One backup file")]
pub struct BackupInfo {
    /// The file name, which is the key of every other backup call.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// Last modification, in UTC.
    #[serde(with = "pocketbase_time")]
    #[schemars(with = "String")]
    pub modified: DateTime<Utc>,
}

/// What `GET /api/health` answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Health {
    /// E.g. "API is healthy."
    pub message: String,
    /// The HTTP status again.
    pub code: i64,
    /// Details; empty unless the client is authorized as a superuser.
    pub data: HealthData,
}

/// Details of [`Health`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HealthData {
    /// False while a backup or restore runs; `None` unless authorized as a superuser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_backup: Option<bool>,
    /// The client's address as the server sees it.
    #[serde(default, rename = "realIP", skip_serializing_if = "Option::is_none")]
    pub real_ip: Option<String>,
    /// A proxy header the server noticed, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub possible_proxy_header: Option<String>,
}

impl Health {
    /// Whether a backup or restore can start now (`None` unless authorized as a superuser).
    pub fn can_backup(&self) -> Option<bool> {
        self.data.can_backup
    }
}

/// The superuser a client is logged in as.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "SuperuserRecord")]
#[serde(rename_all = "camelCase")]
pub struct Superuser {
    /// The record id.
    pub id: String,
    /// The email it logs in with.
    pub email: String,
}

impl TryFrom<types::BackupFileInfo> for BackupInfo {
    type Error = String;
    fn try_from(b: types::BackupFileInfo) -> Result<Self, String> {
        Ok(BackupInfo {
            size: u64::try_from(b.size).map_err(|_| format!("negative size for {:?}", b.key))?,
            modified: pocketbase_time::parse(&b.modified)?,
            key: b.key,
        })
    }
}

impl From<types::Health> for Health {
    fn from(h: types::Health) -> Self {
        Health {
            message: h.message,
            code: h.code,
            data: HealthData {
                can_backup: h.data.can_backup,
                real_ip: h.data.real_ip,
                possible_proxy_header: h.data.possible_proxy_header,
            },
        }
    }
}

/// PocketBase's date format: `2026-11-26 09:39:01.097Z`, RFC 3339 with a space for the `T`.
pub mod pocketbase_time {
    use super::*;

    const FORMAT: &str = "%Y-%m-%d %H:%M:%S%.3fZ";

    /// Parses `2026-11-26 09:39:01.097Z` (a `T` separator is accepted too).
    pub fn parse(s: &str) -> Result<DateTime<Utc>, String> {
        let without_z = s
            .strip_suffix('Z')
            .ok_or_else(|| format!("not a UTC time: {s:?}"))?
            .replacen('T', " ", 1);
        NaiveDateTime::parse_from_str(&without_z, "%Y-%m-%d %H:%M:%S%.f")
            .map(|t| t.and_utc())
            .map_err(|e| format!("not a PocketBase time: {s:?}: {e}"))
    }

    /// Formats like the server.
    pub fn format(t: &DateTime<Utc>) -> String {
        t.format(FORMAT).to_string()
    }

    /// For `#[serde(with)]`.
    pub fn serialize<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(t))
    }

    /// For `#[serde(with)]`.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_the_server_time() {
        let t = pocketbase_time::parse("2026-11-26 09:39:01.097Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-26T09:39:01.097+00:00");
        assert_eq!(pocketbase_time::format(&t), "2026-11-26 09:39:01.097Z");
        assert!(pocketbase_time::parse("2026-11-26 09:39:01Z").is_ok());
        assert!(pocketbase_time::parse("2026-11-26T09:39:01.097Z").is_ok());
        assert!(pocketbase_time::parse("2026-11-26 09:39:01.097").is_err());
        assert!(pocketbase_time::parse("yesterday").is_err());
    }

    #[test]
    fn backup_info_json_is_the_servers() {
        let json = r#"{"key":"a.zip","size":225399,"modified":"2026-11-26 10:35:34.349Z"}"#;
        let info: BackupInfo = serde_json::from_str(json).unwrap();
        assert_eq!(info.size, 225399);
        assert_eq!(serde_json::to_string(&info).unwrap(), json);
    }
}
