//! `desk export` and `desk import`: a whole desk to and from one JSON document, straight
//! on a database (the database's own authority, like `desk users add`); `desk migrate`,
//! the two at once from one database into another.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use color_eyre::eyre::Result;

use crate::config::Loaded;
use crate::domain::requests::DeskDump;
use crate::server::compat::HelpdeskIds;
use crate::service::{MoveError, Service, ServiceError};
use crate::store::Store;

use super::{server_database, service_config};

/// Exit codes, as for the script commands: 1 refused, 3 cannot open the store.
const REFUSED: i32 = 1;
const UNAVAILABLE: i32 = 3;

async fn open(loaded: &Loaded, db: Option<&str>) -> std::result::Result<Service, i32> {
    let database = server_database(loaded, db);
    match Store::open(&database).await {
        Ok(store) => {
            let service = Service::new(store, service_config(loaded));
            match service.seed_defaults().await {
                Ok(()) => Ok(service),
                Err(e) => {
                    eprintln!("desk: {e}");
                    Err(UNAVAILABLE)
                }
            }
        }
        Err(e) => {
            eprintln!("desk: {e}");
            Err(UNAVAILABLE)
        }
    }
}

pub async fn export(loaded: &Loaded, file: &Path, db: Option<&str>) -> Result<i32> {
    let service = match open(loaded, db).await {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let dump = match service.export_all().await {
        Ok(d) => d,
        Err(e) => {
            eprintln!("desk: {e}");
            return Ok(UNAVAILABLE);
        }
    };
    let written = if file == Path::new("-") {
        write_json(std::io::stdout().lock(), &dump)
    } else {
        // Written beside the target and renamed, so a failed export never leaves half a
        // file where a good one was.
        let partial = file.with_extension("partial");
        std::fs::File::create(&partial)
            .and_then(|f| write_json(f, &dump))
            .and_then(|()| std::fs::rename(&partial, file))
    };
    if let Err(e) = written {
        eprintln!("desk: cannot write {}: {e}", file.display());
        return Ok(REFUSED);
    }
    eprintln!(
        "exported {} tickets, {} comments, {} events, {} people, {} attachments ({} files embedded)",
        dump.tickets.len(),
        dump.comments.len(),
        dump.events.len(),
        dump.users.len(),
        dump.attachments.len(),
        dump.blobs.len()
    );
    Ok(0)
}

fn write_json(out: impl Write, dump: &DeskDump) -> std::io::Result<()> {
    let mut out = BufWriter::new(out);
    serde_json::to_writer(&mut out, dump)?;
    out.write_all(b"\n")?;
    out.flush()
}

pub async fn import(loaded: &Loaded, file: &Path, db: Option<&str>) -> Result<i32> {
    // Read and understand the file before touching any database.
    let mut text = String::new();
    let read = if file == Path::new("-") {
        std::io::stdin().lock().read_to_string(&mut text)
    } else {
        std::fs::File::open(file).and_then(|f| BufReader::new(f).read_to_string(&mut text))
    };
    if let Err(e) = read {
        eprintln!("desk: cannot read {}: {e}", file.display());
        return Ok(REFUSED);
    }
    let dump: DeskDump = match serde_json::from_str(&text) {
        Ok(d) => d,
        Err(e) => {
            eprintln!(
                "desk: {} is not a desk export ({e}); nothing was imported",
                file.display()
            );
            return Ok(REFUSED);
        }
    };
    let service = match open(loaded, db).await {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    match service.import_all(&dump).await {
        Ok(n) => {
            eprintln!("imported {n} tickets into {}", service.store().location());
            check_helpdesk_ids(loaded, &service).await;
            Ok(0)
        }
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Forbidden(_))) => {
            eprintln!("desk: {e}; nothing was imported");
            Ok(REFUSED)
        }
        Err(e) => {
            eprintln!("desk: {e}; nothing was imported");
            Ok(UNAVAILABLE)
        }
    }
}

/// After a copy, whether the config's `[compat.helpdesk.ids]` names rows that the new
/// desk holds: the helpdesk surface refuses the ids of those it does not.
async fn check_helpdesk_ids(loaded: &Loaded, service: &Service) {
    let ids = super::serve::helpdesk_ids(&loaded.config.compat.helpdesk.ids);
    if ids == HelpdeskIds::default() {
        return;
    }
    match ids.unresolved(service).await {
        Ok(lines) if lines.is_empty() => {
            eprintln!("[compat.helpdesk.ids]: every id names a row on the new desk");
        }
        Ok(lines) => {
            for line in lines {
                eprintln!("desk: [compat.helpdesk.ids] {line} on the new desk");
            }
        }
        Err(e) => eprintln!("desk: cannot check [compat.helpdesk.ids]: {e}"),
    }
}

pub async fn migrate(loaded: &Loaded, from: &str, to: &str) -> Result<i32> {
    if from.trim() == to.trim() {
        eprintln!("desk: --from and --to name the same database; nothing was copied");
        return Ok(REFUSED);
    }
    let source = match open(loaded, Some(from)).await {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let target = match open(loaded, Some(to)).await {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let started = std::time::Instant::now();
    match source.move_into(&target).await {
        Ok(report) => {
            let counts: Vec<String> = report
                .counts
                .iter()
                .map(|(table, n)| format!("{n} {table}"))
                .collect();
            eprintln!(
                "moved {} into {} in {:.1?}: {}; verified by row counts, checksum {} and {} attachment files read back",
                source.store().location(),
                target.store().location(),
                started.elapsed(),
                counts.join(", "),
                report.checksum,
                report.files_verified
            );
            check_helpdesk_ids(loaded, &target).await;
            Ok(0)
        }
        Err(MoveError::Service(e @ (ServiceError::Invalid(_) | ServiceError::Forbidden(_)))) => {
            eprintln!("desk: {e}; nothing was copied");
            Ok(REFUSED)
        }
        Err(e @ MoveError::Mismatch(_)) => {
            eprintln!("desk: {e}; do not use the target, drop it and try again");
            Ok(UNAVAILABLE)
        }
        // The import is one transaction: the target holds nothing, or a whole copy
        // that failed only while being read back.
        Err(e) => {
            eprintln!("desk: {e}; the target was not verified, drop it before trying again");
            Ok(UNAVAILABLE)
        }
    }
}
