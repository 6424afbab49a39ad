//! `desk users add|list`: people, straight in a database. This acts with the authority
//! of whoever can open the database file or URL, which is how the first admin is made.

use std::io::BufRead;

use color_eyre::eyre::{Result, WrapErr, eyre};

use crate::config::Loaded;
use crate::service::{NewUser, Service, hash_password};
use crate::store::Store;

use super::{AddUser, server_database, service_config};

/// `desk users add`.
pub async fn add(loaded: &Loaded, args: AddUser) -> Result<i32> {
    let AddUser {
        db,
        email,
        name,
        role,
        password_stdin,
    } = args;
    let service = open(loaded, db.as_deref()).await?;
    let hash = if password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .wrap_err("reading the password from standard input")?;
        let password = line.trim_end_matches(['\r', '\n']);
        Some(hash_password(password).await?)
    } else {
        None
    };
    let user = service
        .insert_user(NewUser { email, name, role }, hash.as_deref())
        .await?;
    println!("added {} <{}> as {}", user.name, user.email, user.role);
    if hash.is_none() {
        eprintln!("note: no password set; give one with --password-stdin to let them sign in");
    }
    Ok(0)
}

/// `desk users list --db`.
pub async fn list(loaded: &Loaded, db: Option<&str>) -> Result<i32> {
    let service = open(loaded, db).await?;
    for u in service.all_users().await? {
        println!(
            "{:>5}  {:<10}  {:<8}  {}  <{}>",
            u.id,
            u.role.as_str(),
            if u.active { "active" } else { "inactive" },
            u.name,
            u.email
        );
    }
    Ok(0)
}

async fn open(loaded: &Loaded, db: Option<&str>) -> Result<Service> {
    let database = server_database(loaded, db);
    let store = Store::open(&database).await.map_err(|e| eyre!("{e}"))?;
    let service = Service::new(store, service_config(loaded));
    service.seed_defaults().await?;
    Ok(service)
}
