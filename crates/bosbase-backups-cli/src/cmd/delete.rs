//! `bosbase-backups delete KEY...`.

use clap::Args;

use crate::cli::Global;
use crate::cmd::{check_key, confirm, ensure_can_confirm, io_out, note, plural};
use crate::error::CliError;
use crate::output::{DeleteJson, print, print_json};
use crate::session::Session;

#[derive(Args)]
#[command(after_help = HELP)]
pub struct DeleteArgs {
    /// The keys of the backups to delete, as `list` shows them
    #[arg(required = true, value_name = "KEY")]
    keys: Vec<String>,
    /// Do not ask: needed when standard input is not a terminal
    #[arg(short, long)]
    yes: bool,
}

impl DeleteArgs {
    pub async fn run(self, g: &Global) -> Result<(), CliError> {
        let mut unique: Vec<String> = Vec::new();
        for key in self.keys {
            check_key(&key)?;
            if !unique.contains(&key) {
                unique.push(key);
            }
        }
        ensure_can_confirm(self.yes, "delete backups")?;
        let s = Session::login(g).await?;
        let listed = s.client.backups().list().await?;
        if let Some(missing) = unique.iter().find(|k| !listed.iter().any(|b| &b.key == *k)) {
            return Err(CliError::not_found(missing, &g.server()));
        }
        confirm(
            self.yes,
            &format!(
                "delete {} from {}: {}?",
                plural(unique.len(), "backup"),
                g.server(),
                unique.join(", ")
            ),
            "nothing was deleted",
        )?;
        let deleted = delete_keys(g, &s, &unique).await?;
        note(g, &format!("deleted {}", plural(deleted.len(), "backup")));
        if g.json {
            print_json(&DeleteJson { deleted: &deleted }).map_err(io_out)?;
        }
        Ok(())
    }
}

/// Deletes `keys` in order, printing each as it goes (in JSON: all at the end, even when one
/// fails).
pub async fn delete_keys(
    g: &Global,
    s: &Session,
    keys: &[String],
) -> Result<Vec<String>, CliError> {
    let mut deleted = Vec::new();
    for key in keys {
        if let Err(e) = s.client.backups().delete(key).await {
            if g.json && !deleted.is_empty() {
                let _ = print_json(&DeleteJson { deleted: &deleted });
            }
            return Err(e.into());
        }
        if !g.json {
            print(&format!("{key}\n")).map_err(io_out)?;
        }
        deleted.push(key.clone());
    }
    Ok(deleted)
}

const HELP: &str = "\
Every KEY must be listed by the server, or nothing is deleted (exit code 4).
Asks on a terminal; without a terminal, --yes is required (exit code 2 otherwise).

--json: {\"deleted\": [\"old.zip\", \"older.zip\"]}

Examples:
  bosbase-backups delete old.zip
  bosbase-backups delete old.zip older.zip --yes";
