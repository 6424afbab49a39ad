//! `desk attachments …`: list a ticket's files and download one.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::client::Desk;
use crate::domain::attachment::human_size;

use super::fail::{Fail, Outcome};
use super::output;

#[derive(Debug, Subcommand)]
pub enum AttachmentsCommand {
    /// The files on a ticket (and its comments) you may see.
    List(ListArgs),
    /// Download a file: to its own name in this directory, to FILE, or to standard
    /// output with `-o -`.
    Get(GetArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(value_name = "KEY")]
    pub key: String,
    /// Print JSON (the API's shape) instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// The attachment's id (see `desk attachments list`).
    #[arg(value_name = "ID")]
    pub id: i64,
    /// Where to write it (`-` for standard output) [default: its name, here].
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub async fn run(desk: &dyn Desk, cmd: AttachmentsCommand) -> Outcome<String> {
    match cmd {
        AttachmentsCommand::List(args) => {
            let found = desk.attachments(args.key.trim()).await?;
            if args.json {
                return output::json(&found);
            }
            if found.is_empty() {
                return Ok(format!("{}: no attachments\n", args.key.trim()));
            }
            let mut out = String::new();
            for a in &found {
                out.push_str(&format!(
                    "{:>6}  {:<9} {:>10}  {:<28} {}\n",
                    a.id,
                    a.visibility.as_str(),
                    human_size(a.size.max(0) as u64),
                    a.media_type,
                    a.name
                ));
            }
            Ok(out)
        }
        AttachmentsCommand::Get(args) => get(desk, args).await,
    }
}

async fn get(desk: &dyn Desk, args: GetArgs) -> Outcome<String> {
    use tokio::io::AsyncWriteExt;
    match args.output.as_deref() {
        Some(p) if p.as_os_str() == "-" => {
            let mut stdout = tokio::io::stdout();
            desk.download(args.id, &mut stdout).await?;
            let _ = stdout.flush().await;
            Ok(String::new())
        }
        given => {
            // Written under a temporary name first: a failed download leaves no
            // half file under the real one.
            let dir = std::env::temp_dir();
            let temp = dir.join(format!("desk-download-{:016x}", rand::random::<u64>()));
            let mut file = tokio::fs::File::create(&temp)
                .await
                .map_err(|e| Fail::unavailable(format!("cannot write {}: {e}", temp.display())))?;
            let got = desk.download(args.id, &mut file).await;
            drop(file);
            let got = match got {
                Ok(got) => got,
                Err(e) => {
                    let _ = tokio::fs::remove_file(&temp).await;
                    return Err(e.into());
                }
            };
            // The stored name is sanitised: one path component, never `..`.
            let target = given.map_or_else(|| PathBuf::from(&got.name), PathBuf::from);
            let moved = match tokio::fs::rename(&temp, &target).await {
                Ok(()) => Ok(()),
                // Another file system: copy, then drop the temporary file.
                Err(_) => tokio::fs::copy(&temp, &target).await.map(|_| ()),
            };
            let _ = tokio::fs::remove_file(&temp).await;
            moved.map_err(|e| {
                Fail::unavailable(format!("cannot write {}: {e}", target.display()))
            })?;
            Ok(format!(
                "{} ({}, {})\n",
                target.display(),
                got.media_type,
                human_size(got.size)
            ))
        }
    }
}
