//! After a restore: does the server run on the backup's data? Its API's collections and record
//! counts against the verify report of the backup.

use std::collections::BTreeMap;
use std::fmt;

use super::CollectionCount;
use crate::client::Client;
use crate::error::Result;
use crate::operation::Operation;
use crate::options::RequestOptions;

/// Collections whose records the server writes and prunes by itself (a login from a new device,
/// one-time passwords, MFA sessions): their counts change without anyone changing the data.
const SELF_WRITTEN: [&str; 3] = ["_authOrigins", "_otps", "_mfas"];
/// The largest page the server serves.
const PAGE: i64 = 1000;

/// How a restored server differs from the backup it restored.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Difference {
    /// The server has a collection the backup does not: typically created again by a migration
    /// newer than the backup (automigrate's `pb_migrations/*.js` are applied on restart).
    ExtraCollection(CollectionCount),
    /// The backup has a collection the server does not list.
    MissingCollection(CollectionCount),
    /// A collection has another number of records (or type) than in the backup.
    Changed {
        /// As the backup has it.
        backup: CollectionCount,
        /// As the server lists it.
        server: CollectionCount,
    },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::ExtraCollection(c) => write!(
                f,
                "collection {} ({}, {} records) is on the server but not in the backup",
                c.name, c.kind, c.records
            ),
            Difference::MissingCollection(c) => write!(
                f,
                "collection {} ({}, {} records) of the backup is not on the server",
                c.name, c.kind, c.records
            ),
            Difference::Changed { backup, server } if backup.kind != server.kind => write!(
                f,
                "collection {} is a {} collection in the backup but a {} one on the server",
                backup.name, backup.kind, server.kind
            ),
            Difference::Changed { backup, server } => write!(
                f,
                "collection {} has {} records on the server, {} in the backup",
                backup.name, server.records, backup.records
            ),
        }
    }
}

/// What differs between the backup's collections and the server's.
pub(crate) fn differences(
    backup: &[CollectionCount],
    server: &[CollectionCount],
) -> Vec<Difference> {
    let by_name = |list: &[CollectionCount]| -> BTreeMap<String, CollectionCount> {
        list.iter().map(|c| (c.name.clone(), c.clone())).collect()
    };
    let (backup, server) = (by_name(backup), by_name(server));
    let mut out = Vec::new();
    for (name, b) in &backup {
        match server.get(name) {
            None => out.push(Difference::MissingCollection(b.clone())),
            Some(s) => {
                let counted = !SELF_WRITTEN.contains(&name.as_str());
                if b.kind != s.kind || (counted && b.records != s.records) {
                    out.push(Difference::Changed {
                        backup: b.clone(),
                        server: s.clone(),
                    });
                }
            }
        }
    }
    for (name, s) in &server {
        if !backup.contains_key(name) {
            out.push(Difference::ExtraCollection(s.clone()));
        }
    }
    out
}

impl Client {
    /// Every collection the server lists, with its record count, by name.
    pub(crate) async fn collection_counts(
        &self,
        opts: &RequestOptions,
    ) -> Result<Vec<CollectionCount>> {
        let mut collections = Vec::new();
        for page in 1.. {
            let list = self
                .call(Operation::ListCollections, opts, None, |api| async move {
                    api.list_collections(Some(page), Some(PAGE)).await
                })
                .await?
                .into_inner();
            let done = list.items.is_empty() || page >= list.total_pages;
            collections.extend(list.items);
            if done {
                break;
            }
        }
        let mut out = Vec::with_capacity(collections.len());
        for c in collections {
            let name = c.name.as_str();
            let records = self
                .call(Operation::ListRecords, opts, None, |api| async move {
                    api.list_records(name, Some(1), Some(1)).await
                })
                .await?
                .into_inner()
                .total_items;
            out.push(CollectionCount::new(
                c.name.clone(),
                c.type_.to_string(),
                records.max(0) as u64,
            ));
        }
        out.sort();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_what_differs_and_ignores_self_written_counts() {
        let c = CollectionCount::new;
        let backup = [
            c("notes", "base", 3),
            c("gone", "base", 1),
            c("_authOrigins", "base", 1),
        ];
        let server = [
            c("notes", "base", 4),
            c("posts", "base", 0),
            c("_authOrigins", "base", 2),
        ];
        let d = differences(&backup, &server);
        let text: Vec<String> = d.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "collection gone (base, 1 records) of the backup is not on the server",
                "collection notes has 4 records on the server, 3 in the backup",
                "collection posts (base, 0 records) is on the server but not in the backup",
            ]
        );
        assert!(differences(&backup, &backup).is_empty());
    }
}
