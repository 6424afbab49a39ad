//! `desk login`, `desk logout`, `desk whoami`.

use clap::Args;

use crate::client::{Desk, DeskError, RemoteDesk};
use crate::config::Loaded;

use super::fail::{Fail, Outcome};
use super::input;
use super::output;
use super::session::{self, Choice, Credentials, Target};

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The server, e.g. http://desk.example.com:7420 [default: --server or `[server] url`].
    #[arg(value_name = "URL")]
    pub url: Option<String>,
    #[arg(long, value_name = "EMAIL")]
    pub email: String,
    /// Read the password from the first line of standard input instead of asking.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The server to sign out of [default: --server or `[server] url`].
    #[arg(value_name = "URL")]
    pub url: Option<String>,
}

/// The server a login or logout is about: the one named, else the one configured.
fn server_of(loaded: &Loaded, choice: &Choice, given: Option<&str>) -> Outcome<String> {
    if let Some(url) = given {
        return session::normalize_url(url);
    }
    match (Choice {
        demo: false,
        offline: false,
        ..choice.clone()
    })
    .target(loaded)?
    {
        Target::Server(url) => Ok(url),
        _ => Err(Fail::usage(
            "which server? give its URL (desk login http://host:7420 --email YOU), --server, or `[server] url` in the config",
        )),
    }
}

pub async fn login(loaded: &Loaded, choice: &Choice, args: LoginArgs) -> Outcome<String> {
    if choice.offline || choice.demo {
        return Err(Fail::usage(
            "an offline desk has no sign-in; leave out --offline",
        ));
    }
    let url = server_of(loaded, choice, args.url.as_deref())?;
    let email = args.email.trim().to_string();
    let password = if args.password_stdin {
        input::read_line_from_stdin()?
    } else {
        input::prompt_password(&format!("Password for {email} at {url}: "))?
    };
    if password.is_empty() {
        return Err(Fail::usage("the password is empty"));
    }
    let token = RemoteDesk::login(&url, &email, &password)
        .await
        .map_err(|e| match e {
            DeskError::Unauthenticated(m) => {
                Fail::refused(format!("{url} refused the sign-in: {m}"))
            }
            other => Fail::from(other),
        })?;
    // Who the token is, kept so the TUI can open while the server is down.
    let user = RemoteDesk::connect(&url, &token)
        .await
        .ok()
        .map(|desk| desk.info().user);
    let path = session::credentials_path();
    let mut saved = Credentials::load(&path)?;
    saved.remember(&url, &email, token, user);
    saved.save(&path)?;
    output::note(&format!("signed in to {url} as {email}"));
    if session::env_token().is_some() {
        output::note("note: DESK_TOKEN is set and is used instead of this sign-in");
    }
    Ok(String::new())
}

pub async fn logout(loaded: &Loaded, choice: &Choice, args: LogoutArgs) -> Outcome<String> {
    if choice.offline || choice.demo {
        return Err(Fail::usage(
            "an offline desk has no sign-in; leave out --offline",
        ));
    }
    let url = server_of(loaded, choice, args.url.as_deref())?;
    let path = session::credentials_path();
    let mut saved = Credentials::load(&path)?;
    let env_note = || {
        if session::env_token().is_some() {
            output::note("note: DESK_TOKEN is set, and commands still use it");
        }
    };
    // Forget it here first: whatever the server says, this machine is signed out.
    let Some(sign_in) = saved.servers.remove(&url) else {
        output::note(&format!("not signed in to {url}"));
        env_note();
        return Ok(String::new());
    };
    saved.save(&path)?;
    let revoked = match RemoteDesk::connect(&url, &sign_in.token).await {
        Ok(desk) => desk.logout().await,
        Err(e) => Err(e),
    };
    match revoked {
        // A token the server no longer knows is as signed out as it gets.
        Ok(()) | Err(DeskError::Unauthenticated(_)) => {
            output::note(&format!("signed out of {url}"));
            env_note();
            Ok(String::new())
        }
        Err(e) => Err(Fail::from(e).context(format!(
            "forgot the sign-in for {url}, but could not revoke the token on the server"
        ))),
    }
}

/// `desk whoami`: who the commands act as, on which desk.
pub async fn whoami(desk: &dyn Desk, json: bool) -> Outcome<String> {
    let info = desk.info();
    if json {
        return output::json(&info.user);
    }
    Ok(format!(
        "{} <{}>, {}, on {} ({})\n",
        super::table::clean(&info.user.name),
        info.user.email,
        info.user.role,
        info.location,
        if info.online { "online" } else { "offline" }
    ))
}
