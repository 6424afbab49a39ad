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
        Some(hash_password(&read_password()?).await?)
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

/// `desk users password`: sets a password with the database's authority and ends the
/// person's sessions.
pub async fn password(loaded: &Loaded, db: Option<&str>, email: &str) -> Result<i32> {
    let service = open(loaded, db).await?;
    let Some(user) = service.user_by_email(email).await? else {
        eprintln!("desk: nobody with the email {email} on this desk");
        return Ok(1);
    };
    let hash = hash_password(&read_password()?).await?;
    service.set_password_hash_unchecked(user.id, &hash).await?;
    println!("set the password of {} <{}>", user.name, user.email);
    Ok(0)
}

/// The first line of standard input, without its line ending.
fn read_password() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .wrap_err("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
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
