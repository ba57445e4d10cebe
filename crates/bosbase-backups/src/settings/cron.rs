//! The cron expressions PocketBase 0.40.6 accepts for its backup schedule, checked before sending.
//! The rules are the server's (`tools/cron`), measured: five fields separated by single spaces,
//! numbers only (no `MON` or `JAN`), or one of seven macros; case matters.

use std::fmt;

/// The macros the server accepts.
pub const CRON_MACROS: [&str; 7] = [
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];

/// The fields of an expression: name, min, max.
const FIELDS: [(&str, u32, u32); 5] = [
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week (0 is Sunday)", 0, 6),
];

/// Why a cron expression would be refused by the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CronError {
    cron: String,
    reason: String,
}

impl fmt::Display for CronError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid cron expression {:?}: {}; write five fields separated by single spaces \
             (minute 0-59, hour 0-23, day of month 1-31, month 1-12, day of week 0-6, in UTC; \
             each `*`, `N`, `A-B`, `*/S`, `A-B/S` or a comma list of those), e.g. \"0 3 * * *\", \
             or one of {}",
            self.cron,
            self.reason,
            CRON_MACROS.join(", ")
        )
    }
}

impl std::error::Error for CronError {}

/// Checks `cron` the way the server does (empty means "no schedule" and is not checked here).
///
/// ```
/// use bosbase_backups::check_cron;
/// assert!(check_cron("0 3 * * *").is_ok());
/// assert!(check_cron("*/15 8-18 * * 1-5").is_ok());
/// assert!(check_cron("@daily").is_ok());
/// assert!(check_cron("0 3 * * MON").is_err()); // numbers only
/// assert!(check_cron("0 3 * * * *").is_err()); // six fields
/// ```
pub fn check_cron(cron: &str) -> Result<(), CronError> {
    let fail = |reason: String| CronError {
        cron: cron.to_string(),
        reason,
    };
    if CRON_MACROS.contains(&cron) {
        return Ok(());
    }
    let fields: Vec<&str> = cron.split(' ').collect();
    if fields.len() != 5 {
        return Err(fail(format!(
            "it has {} space-separated fields, not 5 (nor is it a macro)",
            fields.len()
        )));
    }
    for (field, (name, min, max)) in fields.iter().zip(FIELDS) {
        check_field(field, min, max)
            .map_err(|why| fail(format!("the {name} field {field:?} {why}")))?;
    }
    Ok(())
}

/// One field: a comma list of `*`, `N`, `A-B`, each with an optional `/S`.
fn check_field(field: &str, min: u32, max: u32) -> Result<(), String> {
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            None => (part, None),
            Some((range, step)) => {
                let step = number(step)?;
                if step < 1 || step > max {
                    return Err(format!("has the step {step}, not between 1 and {max}"));
                }
                (range, Some(step))
            }
        };
        if range == "*" {
            continue;
        }
        match range.split_once('-') {
            None => {
                if step.is_some_and(|s| s != 1) {
                    return Err("has a step on a single value; steps go with `*` or `A-B`".into());
                }
                let n = number(range)?;
                if n < min || n > max {
                    return Err(format!("has {n}, not between {min} and {max}"));
                }
            }
            Some((from, to)) => {
                let (from, to) = (number(from)?, number(to)?);
                if from < min || from > max {
                    return Err(format!(
                        "starts a range at {from}, not between {min} and {max}"
                    ));
                }
                if to < from || to > max {
                    return Err(format!(
                        "ends a range at {to}, not between {from} and {max}"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A decimal number; like the server's `strconv.Atoi`, with an optional `+`.
fn number(text: &str) -> Result<u32, String> {
    let text = text.strip_prefix('+').unwrap_or(text);
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("has {text:?} where a number belongs"));
    }
    text.parse()
        .map_err(|_| format!("has {text:?}, which is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Each verdict was checked against PocketBase 0.40.6's PATCH /api/settings.
    #[test]
    fn accepts_what_the_server_accepts() {
        for cron in [
            "0 3 * * *",
            "* * * * *",
            "1-5/2 * * * *",
            "*/5 1-3 1,2 1 0",
            "+5 * * * *",
            "05 * * * *",
            "1/1 * * * *",
            "59 23 31 12 6",
            "0 0 * * 0",
            "@yearly",
            "@annually",
            "@monthly",
            "@weekly",
            "@daily",
            "@midnight",
            "@hourly",
        ] {
            assert_eq!(check_cron(cron), Ok(()), "{cron}");
        }
    }

    #[test]
    fn refuses_what_the_server_refuses() {
        for cron in [
            "bad",
            "* * * * * *",
            "0  3 * * *",
            " 0 3 * * *",
            "TZ=Europe/Paris 0 3 * * *",
            "@every 5m",
            "@reboot",
            "@DAILY",
            "0 3 * * MON",
            "0 0 * JAN *",
            "60 * * * *",
            "*/0 * * * *",
            "0 24 * * *",
            "0 0 0 * *",
            "0 0 * * 7",
            "0 0 * 13 *",
            "5-1 * * * *",
            "5/2 * * * *",
            "-1 * * * *",
        ] {
            assert!(check_cron(cron).is_err(), "{cron}");
        }
    }

    #[test]
    fn the_error_says_which_field_and_how_to_write_one() {
        let e = check_cron("0 3 * * 7").unwrap_err().to_string();
        assert!(e.contains("day of week"), "{e}");
        assert!(e.contains("has 7, not between 0 and 6"), "{e}");
        assert!(e.contains("e.g. \"0 3 * * *\""), "{e}");
    }
}
