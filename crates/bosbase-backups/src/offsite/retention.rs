//! Retention at the destination, with restic `forget`'s semantics.
//!
//! Copies are taken newest first, by the backup's time on the server (recorded in the manifest,
//! so the policy does not depend on what the server still lists). `keep_last` keeps the n
//! newest. Each of `keep_daily`, `keep_weekly` and `keep_monthly` keeps the newest copy of each of
//! the last n days (weeks, months) that have one, counted in UTC; a copy kept by any rule stays.
//! The newest copy is always kept: a policy must keep at least one copy.

use chrono::{DateTime, Datelike, Utc};
use object_store::ObjectStoreExt;
use serde::Serialize;

use super::destination::{CopyInfo, Destination};
use super::error::OffsiteError;
use super::manifest::Manifest;

/// How many copies to keep.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Retention {
    /// The n newest copies.
    pub keep_last: u32,
    /// The newest copy of each of the last n days that have one.
    pub keep_daily: u32,
    /// The newest copy of each of the last n ISO weeks that have one.
    pub keep_weekly: u32,
    /// The newest copy of each of the last n months that have one.
    pub keep_monthly: u32,
}

/// What a prune kept and removed (or would, in a dry run).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Pruned {
    /// Kept, newest first.
    pub kept: Vec<CopyInfo>,
    /// Removed (or to be removed in a dry run), newest first.
    pub removed: Vec<CopyInfo>,
    /// Whether nothing was deleted.
    pub dry_run: bool,
}

impl Retention {
    pub(crate) fn check(&self) -> Result<(), OffsiteError> {
        if self.keep_last + self.keep_daily + self.keep_weekly + self.keep_monthly == 0 {
            return Err(OffsiteError::EmptyPolicy);
        }
        Ok(())
    }

    /// Which of `times` to keep: `keep[i]` for `times[i]`. `times` must be newest first.
    pub fn select(&self, times: &[DateTime<Utc>]) -> Vec<bool> {
        // restic: a rule keeps a copy when its bucket differs from the last bucket that rule
        // kept, while the rule has keeps left.
        type Bucket = fn(&DateTime<Utc>) -> i64;
        let day: Bucket = |t| i64::from(t.year()) * 10_000 + i64::from(t.month() * 100 + t.day());
        let week: Bucket = |t| {
            let w = t.iso_week();
            i64::from(w.year()) * 100 + i64::from(w.week())
        };
        let month: Bucket = |t| i64::from(t.year()) * 100 + i64::from(t.month());
        let mut rules: Vec<(u32, Bucket, Option<i64>)> = vec![
            (self.keep_daily, day, None),
            (self.keep_weekly, week, None),
            (self.keep_monthly, month, None),
        ];
        times
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let mut keep = i < self.keep_last as usize;
                for (left, bucket, last) in &mut rules {
                    if *left > 0 {
                        let b = bucket(t);
                        if *last != Some(b) {
                            keep = true;
                            *last = Some(b);
                            *left -= 1;
                        }
                    }
                }
                // Never the newest: whatever the rules say.
                keep || i == 0
            })
            .collect()
    }
}

impl Destination {
    /// Deletes the copies `policy` does not keep (nothing with `dry_run`). Only copies the
    /// manifest records are considered: other objects under the prefix are never touched.
    pub async fn prune(&self, policy: &Retention, dry_run: bool) -> Result<Pruned, OffsiteError> {
        policy.check()?;
        let mut manifest = Manifest::load(self).await?;
        let copies: Vec<CopyInfo> = self
            .list()
            .await?
            .into_iter()
            .filter(|c| manifest.copies.contains_key(&c.key))
            .collect();
        let times: Vec<_> = copies.iter().map(|c| c.modified).collect();
        let keep = policy.select(&times);
        let mut pruned = Pruned {
            dry_run,
            ..Pruned::default()
        };
        for (copy, keep) in copies.into_iter().zip(keep) {
            if keep {
                pruned.kept.push(copy);
            } else {
                pruned.removed.push(copy);
            }
        }
        if dry_run || pruned.removed.is_empty() {
            return Ok(pruned);
        }
        for copy in &pruned.removed {
            match self.store().delete(&self.path(&copy.object)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(self.store_error(|| format!("copy {}", copy.key), e)),
            }
            manifest.copies.remove(&copy.key);
            // Saved after each delete: an interrupted prune leaves a manifest that is true.
            manifest.save(self).await?;
        }
        Ok(pruned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    fn kept(policy: Retention, times: &[DateTime<Utc>]) -> Vec<DateTime<Utc>> {
        let keep = policy.select(times);
        times
            .iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|(t, _)| *t)
            .collect()
    }

    #[test]
    fn daily_keeps_the_newest_of_each_of_the_last_n_days_that_have_one() {
        // Newest first: two on the 10th, one on the 9th, none on the 8th, two on the 7th.
        let times = [
            at(2026, 11, 10, 20),
            at(2026, 11, 10, 8),
            at(2026, 11, 9, 8),
            at(2026, 11, 7, 23),
            at(2026, 11, 7, 1),
        ];
        let policy = Retention {
            keep_daily: 3,
            ..Retention::default()
        };
        assert_eq!(kept(policy, &times), [times[0], times[2], times[3]]);
    }

    #[test]
    fn rules_add_up_and_last_counts_positions() {
        let times = [
            at(2026, 11, 26, 1),
            at(2026, 11, 25, 1),
            at(2026, 11, 2, 1),
            at(2026, 10, 30, 1),
            at(2026, 9, 1, 1),
        ];
        let policy = Retention {
            keep_last: 1,
            keep_monthly: 2,
            ..Retention::default()
        };
        // last: [0]; monthly: the newest of November [0] and of October [3].
        assert_eq!(kept(policy, &times), [times[0], times[3]]);
        let weekly = Retention {
            keep_weekly: 2,
            ..Retention::default()
        };
        // ISO weeks: 26th and 25th share week 48; the 2nd is week 45.
        assert_eq!(kept(weekly, &times), [times[0], times[2]]);
    }

    #[test]
    fn the_newest_is_always_kept_and_an_empty_policy_is_refused() {
        let times = [at(2026, 11, 26, 1)];
        assert_eq!(
            kept(
                Retention {
                    keep_last: 1,
                    ..Retention::default()
                },
                &times
            ),
            times
        );
        assert!(matches!(
            Retention::default().check(),
            Err(OffsiteError::EmptyPolicy)
        ));
    }
}
