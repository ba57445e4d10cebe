//! `bosbase-backups health`.

use clap::Args;

use crate::cli::Global;
use crate::cmd::io_out;
use crate::error::CliError;
use crate::output::{HealthJson, print, print_json};
use crate::session::Session;

#[derive(Args)]
#[command(after_help = HELP)]
pub struct HealthArgs {}

impl HealthArgs {
    pub async fn run(self, g: &Global) -> Result<(), CliError> {
        let s = Session::open(g).await?;
        let h = s.client.health().await?;
        let healthy = h.code == 200;
        let server = g.server();
        if g.json {
            return print_json(&HealthJson {
                url: &server,
                healthy,
                message: &h.message,
                can_backup: h.can_backup(),
            })
            .map_err(io_out);
        }
        let can_backup = match h.can_backup() {
            Some(true) => "yes",
            Some(false) => "no: a backup or restore is running",
            None => "unknown: give superuser credentials to see",
        };
        print(&format!(
            "server:     {server}\nhealth:     {}\ncan backup: {can_backup}\n",
            h.message
        ))
        .map_err(io_out)
    }
}

const HELP: &str = "\
Needs no credentials; with them it also says whether a backup or restore can start now.

--json: {\"url\": \"http://127.0.0.1:8090\", \"healthy\": true, \"message\": \"API is healthy.\",
         \"can_backup\": true}   (can_backup is null without credentials)

Examples:
  bosbase-backups health
  bosbase-backups health --json | jq .can_backup";
