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
    /// Do not make this server the default, even if there is none yet.
    #[arg(long)]
    pub no_default: bool,
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
    // The first server signed in to, with none in the config, is where `desk` goes
    // from now on: signing in to a server means meaning to use it.
    let becomes_default = !args.no_default
        && saved.default.is_none()
        && loaded.config.server.url.is_none()
        && choice.server.is_none();
    if becomes_default {
        saved.default = Some(url.clone());
    }
    saved.save(&path)?;
    output::note(&format!("signed in to {url} as {email}"));
    if becomes_default {
        output::note(&format!(
            "{url} is now the default desk for `desk` and its commands (`desk servers list` shows the others; `desk servers use URL` switches)"
        ));
    }
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
    if saved.default.as_deref() == Some(url.as_str()) {
        saved.default = None;
        output::note(&format!(
            "{url} is no longer the default desk; `desk servers use URL` picks another"
        ));
    }
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

#[derive(Debug, clap::Subcommand)]
pub enum ServersCommand {
    /// The servers signed in to, the default marked.
    List(output::JsonFormat),
    /// Make a server signed in to the default for `desk` and its commands.
    Use {
        #[arg(value_name = "URL")]
        url: String,
    },
}

/// `desk servers list|use`: the sign-ins this machine holds, and which is the default.
pub fn servers(loaded: &Loaded, command: ServersCommand) -> Outcome<String> {
    let path = session::credentials_path();
    let mut saved = Credentials::load(&path)?;
    match command {
        ServersCommand::List(f) => {
            let configured = loaded
                .config
                .server
                .url
                .as_deref()
                .and_then(|u| session::normalize_url(u).ok());
            let rows: Vec<(&String, &str, bool)> = saved
                .servers
                .iter()
                .map(|(url, s)| (url, s.email.as_str(), saved.default.as_ref() == Some(url)))
                .collect();
            if f.json {
                let json: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|(url, email, default)| {
                        serde_json::json!({
                            "url": url,
                            "email": email,
                            "default": default,
                            "configured": configured.as_ref() == Some(*url),
                        })
                    })
                    .collect();
                return output::json(&json);
            }
            if rows.is_empty() {
                return Ok("not signed in to any server: `desk login URL --email YOU`\n".into());
            }
            let mut text = String::new();
            for (url, email, default) in &rows {
                let mark = if *default { "*" } else { " " };
                text.push_str(&format!("{mark} {url}  {email}\n"));
            }
            if let Some(url) = &loaded.config.server.url {
                text.push_str(&format!(
                    "(the config names {url}; it comes before the default)\n"
                ));
            }
            Ok(text)
        }
        ServersCommand::Use { url } => {
            let url = session::normalize_url(&url)?;
            if !saved.servers.contains_key(&url) {
                return Err(Fail::refused(format!(
                    "not signed in to {url}: run `desk login {url} --email YOU` first"
                )));
            }
            saved.default = Some(url.clone());
            saved.save(&path)?;
            output::note(&format!("{url} is now the default desk"));
            if loaded.config.server.url.is_some() {
                output::note(
                    "note: the config (or DESK_SERVER_URL) names a server, and it comes first",
                );
            }
            Ok(String::new())
        }
    }
}
