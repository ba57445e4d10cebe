//! Backup names and keys, checked before any request is sent.

use std::fmt;
use std::str::FromStr;

/// The longest name the server accepts, in characters.
pub const MAX_NAME_LEN: usize = 150;

/// A backup name the server accepts: `[a-z0-9_-]+\.zip`, 1 to 150 characters.
///
/// The server enforces this rule on create but not on upload; this crate enforces it on both, so
/// that every backup it makes can be addressed, created and restored alike.
///
/// ```
/// use bosbase_backups::BackupName;
///
/// let name: BackupName = "weekly_backup.zip".parse()?;
/// assert_eq!(name.as_str(), "weekly_backup.zip");
///
/// let err = "Weekly.zip".parse::<BackupName>().unwrap_err();
/// assert_eq!(err.to_string(), "invalid backup name \"Weekly.zip\": 'W' at position 0 is not allowed; use only a-z, 0-9, '_' and '-' before \".zip\"");
/// # Ok::<(), bosbase_backups::NameError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BackupName(String);

/// Why a name is not a valid [`BackupName`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// The name is empty.
    #[error("invalid backup name: it is empty; use a name such as \"backup_2026-11-26.zip\"")]
    Empty,
    /// Longer than [`MAX_NAME_LEN`] characters.
    #[error("invalid backup name {name:?}: {len} characters, at most {MAX_NAME_LEN} are allowed")]
    TooLong {
        /// The name.
        name: String,
        /// Its length in characters.
        len: usize,
    },
    /// Does not end in `.zip`.
    #[error("invalid backup name {name:?}: it must end in \".zip\"")]
    MissingZipExtension {
        /// The name.
        name: String,
    },
    /// Nothing before `.zip`.
    #[error("invalid backup name {name:?}: it needs at least one character before \".zip\"")]
    EmptyStem {
        /// The name.
        name: String,
    },
    /// A character outside `a-z`, `0-9`, `_` and `-` before `.zip`.
    #[error(
        "invalid backup name {name:?}: {found:?} at position {position} is not allowed; use only a-z, 0-9, '_' and '-' before \".zip\""
    )]
    InvalidCharacter {
        /// The name.
        name: String,
        /// The first character that is not allowed.
        found: char,
        /// Its position, in characters.
        position: usize,
    },
}

impl BackupName {
    /// Checks `name` against the server's rule.
    pub fn new(name: impl Into<String>) -> Result<Self, NameError> {
        let name = name.into();
        check_name(&name)?;
        Ok(Self(name))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

fn check_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    let len = name.chars().count();
    if len > MAX_NAME_LEN {
        return Err(NameError::TooLong {
            name: name.into(),
            len,
        });
    }
    let Some(stem) = name.strip_suffix(".zip") else {
        return Err(NameError::MissingZipExtension { name: name.into() });
    };
    if stem.is_empty() {
        return Err(NameError::EmptyStem { name: name.into() });
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-';
    if let Some((position, found)) = stem.chars().enumerate().find(|&(_, c)| !allowed(c)) {
        return Err(NameError::InvalidCharacter {
            name: name.into(),
            found,
            position,
        });
    }
    Ok(())
}

impl FromStr for BackupName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, NameError> {
        Self::new(s)
    }
}

impl TryFrom<&str> for BackupName {
    type Error = NameError;
    fn try_from(s: &str) -> Result<Self, NameError> {
        Self::new(s)
    }
}

impl TryFrom<String> for BackupName {
    type Error = NameError;
    fn try_from(s: String) -> Result<Self, NameError> {
        Self::new(s)
    }
}

impl AsRef<str> for BackupName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BackupName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<BackupName> for String {
    fn from(name: BackupName) -> String {
        name.0
    }
}

/// Why a key cannot address a backup.
///
/// Keys are what the server lists; uploads by other tools may have keys that break the name rule,
/// so any listed key is accepted, except those that would address something other than a file in
/// the backups directory.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid backup key {key:?}: {why}; use a key as `list` shows it")]
pub struct KeyError {
    key: String,
    why: &'static str,
}

/// Checks that `key` can only address a backup file: not empty, not `.` or `..`, no path
/// separator, no control character. Every call that takes a key checks it before sending.
pub fn check_key(key: &str) -> Result<(), KeyError> {
    let why = if key.is_empty() {
        "it is empty"
    } else if key == "." || key == ".." {
        "it names a directory"
    } else if key.contains(['/', '\\']) {
        "it contains a path separator"
    } else if key.chars().any(char::is_control) {
        "it contains a control character"
    } else {
        return Ok(());
    };
    Err(KeyError {
        key: key.into(),
        why,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_server_examples() {
        for name in [
            "weekly_backup.zip",
            "my_backup_2024.zip",
            "a.zip",
            "0-_9.zip",
        ] {
            assert_eq!(BackupName::new(name).unwrap().as_str(), name);
        }
        let longest = format!("{}.zip", "a".repeat(MAX_NAME_LEN - 4));
        assert!(BackupName::new(longest).is_ok());
    }

    #[test]
    fn each_rule_says_what_failed() {
        assert_eq!(BackupName::new(""), Err(NameError::Empty));
        let long = format!("{}.zip", "a".repeat(MAX_NAME_LEN - 3));
        assert!(matches!(
            BackupName::new(long),
            Err(NameError::TooLong { len: 151, .. })
        ));
        assert!(matches!(
            BackupName::new("backup.tar"),
            Err(NameError::MissingZipExtension { .. })
        ));
        assert!(matches!(
            BackupName::new("backup.ZIP"),
            Err(NameError::MissingZipExtension { .. })
        ));
        assert!(matches!(
            BackupName::new(".zip"),
            Err(NameError::EmptyStem { .. })
        ));
        assert!(matches!(
            BackupName::new("Backup.zip"),
            Err(NameError::InvalidCharacter {
                found: 'B',
                position: 0,
                ..
            })
        ));
        assert!(matches!(
            BackupName::new("a.b.zip"),
            Err(NameError::InvalidCharacter {
                found: '.',
                position: 1,
                ..
            })
        ));
        assert!(matches!(
            BackupName::new("@auto_pb_backup.zip"),
            Err(NameError::InvalidCharacter { found: '@', .. })
        ));
        assert!(matches!(
            BackupName::new("naïve.zip"),
            Err(NameError::InvalidCharacter {
                found: 'ï',
                position: 2,
                ..
            })
        ));
    }

    #[test]
    fn length_counts_characters_like_the_server() {
        // 150 characters but more bytes: the server counts runes, and so do we (then the
        // character rule refuses it).
        let name = format!("{}.zip", "é".repeat(MAX_NAME_LEN - 4));
        assert!(matches!(
            BackupName::new(name),
            Err(NameError::InvalidCharacter { .. })
        ));
    }

    #[test]
    fn conversions() {
        let name: BackupName = "x.zip".try_into().unwrap();
        let owned: BackupName = String::from("x.zip").try_into().unwrap();
        assert_eq!(name, owned);
        assert_eq!(String::from(name.clone()), "x.zip");
        assert_eq!(name.to_string(), "x.zip");
    }

    #[test]
    fn keys_cannot_leave_the_backups_directory() {
        for key in [
            "",
            ".",
            "..",
            "../data.db",
            "a/b.zip",
            "a\\b.zip",
            "a\nb.zip",
        ] {
            assert!(check_key(key).is_err(), "{key:?}");
        }
        for key in [
            "@auto_pb_backup_acme_20261126.zip",
            "UP Weird.zip",
            "..zip",
            "a..b.zip",
        ] {
            assert!(check_key(key).is_ok(), "{key:?}");
        }
    }
}
