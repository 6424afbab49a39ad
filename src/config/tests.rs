use std::collections::HashMap;

use super::load::{load_from, parse};
use super::*;

const FILE: &str = "/cfg/config.toml";
const EXAMPLE: &str = include_str!("../../config.example.toml");

/// An environment holding only `vars`.
fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| vars.get(name).cloned()
}

fn test_env() -> impl Fn(&str) -> Option<String> + use<> {
    env_of(&[("USER", "alice"), ("DESK_DATA_DIR", "/data")])
}

fn parse_ok(text: &str) -> Config {
    parse(text, Path::new(FILE), &test_env()).unwrap()
}

fn parse_err(text: &str) -> String {
    parse(text, Path::new(FILE), &test_env())
        .unwrap_err()
        .to_string()
}

fn write_file(dir: &tempfile::TempDir, text: &str) -> PathBuf {
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn no_file_means_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let absent = dir.path().join("config.toml");
    let loaded = load_from(None, Some(absent), &test_env()).unwrap();
    assert_eq!(loaded.path, None);
    let c = loaded.config;
    assert_eq!(c.desk.key_prefix, "TKT");
    assert_eq!(c.local.database, Path::new("/data/desk.db"));
    assert_eq!(c.local.user_email, "alice@localhost");
    assert_eq!(c.local.user_name, "alice");
    assert_eq!(c.local.role, Role::Admin);
    assert_eq!(c.server, Server::default());
    assert_eq!(c.server.url, None);
    assert_eq!(c.server.listen, "127.0.0.1:7420");
    assert_eq!(c.server.token_ttl_hours, 720);
    assert_eq!(
        (c.ui.refresh_interval, c.ui.theme),
        (30, ThemeName::Default)
    );
    assert!(c.views.is_empty() && c.keys.is_empty());
    // No platform dirs at all (no home directory) is no file either.
    assert_eq!(load_from(None, None, &test_env()).unwrap().config, c);
}

#[test]
fn user_name_falls_back_to_username_then_me() {
    let c = parse("", Path::new(FILE), &env_of(&[("USERNAME", "bob")])).unwrap();
    assert_eq!(
        (c.local.user_name.as_str(), c.local.user_email.as_str()),
        ("bob", "bob@localhost")
    );
    let c = parse("", Path::new(FILE), &env_of(&[("USER", "")])).unwrap();
    assert_eq!(
        (c.local.user_name.as_str(), c.local.user_email.as_str()),
        ("me", "me@localhost")
    );
}

#[test]
fn data_dir_honours_desk_data_dir() {
    assert_eq!(
        data_dir_with(&env_of(&[("DESK_DATA_DIR", "/x/y")])),
        Path::new("/x/y")
    );
    assert!(!data_dir_with(&env_of(&[])).as_os_str().is_empty());
}

#[test]
fn every_section_is_parsed() {
    let c = parse_ok(
        r#"
[desk]
key_prefix = "HELP"

[local]
database = "/srv/desk.db"
user_email = "ann@example.com"
user_name = "Ann Agent"
role = "agent"

[server]
url = "https://desk.example.com:7420/"
listen = "0.0.0.0:8080"
database_url = "postgres://desk@db/desk"
token_ttl_hours = 24

[ui]
refresh_interval = 0
theme = "mono"

[[views]]
name = "Mine"
query = "assignee:me"

[[views]]
name = "All"
query = ""

[keys.list]
"x" = "approve"
"ctrl-r" = ["reload", "top"]

[keys.detail]
q = "close"
"#,
    );
    assert_eq!(c.desk.key_prefix, "HELP");
    assert_eq!(
        c.local,
        Local {
            database: PathBuf::from("/srv/desk.db"),
            user_email: "ann@example.com".into(),
            user_name: "Ann Agent".into(),
            role: Role::Agent,
        }
    );
    assert_eq!(
        c.server,
        Server {
            // The trailing slash is dropped so API paths can be appended.
            url: Some("https://desk.example.com:7420".into()),
            listen: "0.0.0.0:8080".into(),
            database_url: Some("postgres://desk@db/desk".into()),
            token_ttl_hours: 24,
            cors_origins: Vec::new(),
            header_timeout_secs: 10,
            idle_timeout_secs: 60,
            max_connections: None,
            public_url: None,
        }
    );
    assert_eq!(
        c.ui,
        Ui {
            refresh_interval: 0,
            theme: ThemeName::Mono,
            ..Ui::default()
        }
    );
    let names: Vec<_> = c
        .views
        .iter()
        .map(|v| (v.name.as_str(), v.query.as_str()))
        .collect();
    assert_eq!(names, [("Mine", "assignee:me"), ("All", "")]);
    let list = &c.keys["list"];
    assert_eq!(list["x"].get_ref(), &KeyBinding::One("approve".into()));
    assert_eq!(list["ctrl-r"].get_ref().actions(), ["reload", "top"]);
    assert_eq!(c.keys["detail"]["q"].get_ref().actions(), ["close"]);
}

#[test]
fn key_bindings_can_be_located_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        &dir,
        "[ui]\ntheme = \"mono\"\n\n[keys.list]\nx = \"approve\"\n  \"é\" = \"reject\"\n",
    );
    let loaded = load_from(Some(&path), None, &test_env()).unwrap();
    let at = |key: &str| {
        loaded
            .locate(loaded.config.keys["list"][key].span())
            .unwrap()
    };
    assert_eq!((at("x").line, at("x").column), (5, 5));
    assert_eq!((at("é").line, at("é").column), (6, 9));
    assert_eq!(at("x").to_string(), format!("{}:5:5", path.display()));
    assert_eq!(Loaded::default().locate(0..1), None);
}

#[test]
fn themes_are_named_in_kebab_case_and_a_wrong_one_lists_them() {
    for (name, theme) in [
        ("dark", ThemeName::Dark),
        ("light", ThemeName::Light),
        ("high-contrast", ThemeName::HighContrast),
        ("mono", ThemeName::Mono),
        ("default", ThemeName::Default),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(&dir, &format!("[ui]\ntheme = \"{name}\"\n"));
        let loaded = load_from(Some(&path), None, &test_env()).unwrap();
        assert_eq!(loaded.config.ui.theme, theme, "{name}");
    }
    let e = parse_err("[ui]\ntheme = \"solarized\"\n");
    assert!(e.starts_with("/cfg/config.toml:2:"), "{e}");
    assert!(e.contains("high-contrast"), "{e}");
}

#[test]
fn unknown_key_names_its_line_and_the_expected_keys() {
    assert_eq!(
        parse_err("[ui]\ntheme = \"mono\"\nrefresh = 5\n"),
        "/cfg/config.toml:3:1: unknown field `refresh`, expected one of `refresh_interval`, \
         `theme`, `download_dir`, `images`, `notify`, `mouse`, `hyperlinks`"
    );
    let e = parse_err("\n\n[sever]\nurl = \"http://x\"\n");
    assert!(
        e.starts_with("/cfg/config.toml:3:2: unknown field `sever`"),
        "{e}"
    );
    let e = parse_err("[[views]]\nname = \"a\"\nquery = \"\"\nsort = \"age\"\n");
    assert!(
        e.starts_with("/cfg/config.toml:4:1: unknown field `sort`"),
        "{e}"
    );
}

#[test]
fn wrong_type_names_its_line_and_the_expected_type() {
    assert_eq!(
        parse_err("[ui]\ntheme = \"mono\"\nrefresh_interval = \"30\"\n"),
        "/cfg/config.toml:3:20: invalid type: string \"30\", expected u64"
    );
    let e = parse_err("[desk]\nkey_prefix = 7\n");
    assert!(
        e.starts_with("/cfg/config.toml:2:14: invalid type: integer `7`, expected"),
        "{e}"
    );
    let e = parse_err("[keys.list]\nx = 3\n");
    assert!(
        e.starts_with("/cfg/config.toml:2:5: expected an action name or a list"),
        "{e}"
    );
    let e = parse_err("[keys]\nx = \"approve\"\n");
    assert!(
        e.starts_with("/cfg/config.toml:2:5: invalid type: string \"approve\", expected a map"),
        "{e}"
    );
}

#[test]
fn bad_values_name_their_line() {
    let cases = [
        ("[local]\nrole = \"boss\"\n", "2:8: unknown role `boss`"),
        (
            "[desk]\nkey_prefix = \"tkt\"\n",
            "2:14: expected 1 to 10 uppercase ASCII letters",
        ),
        (
            "[desk]\nkey_prefix = \"ABCDEFGHIJK\"\n",
            "2:14: expected 1 to 10",
        ),
        (
            "[ui]\nrefresh_interval = 86401\n",
            "2:20: expected a whole number of seconds",
        ),
        (
            "[ui]\nrefresh_interval = -1\n",
            "2:20: invalid value: integer `-1`",
        ),
        (
            "[server]\ntoken_ttl_hours = 0\n",
            "2:19: expected a number of hours from 1",
        ),
        (
            "[server]\nheader_timeout_secs = 0\n",
            "2:23: expected a number of seconds from 1 to 3600",
        ),
        (
            "[server]\nidle_timeout_secs = 86401\n",
            "2:21: expected a number of seconds from 1 to 86400",
        ),
        (
            "[server]\nmax_connections = 0\n",
            "2:19: expected a number of connections from 1",
        ),
        (
            "[server]\nurl = \"desk:7420\"\n",
            "2:7: expected an http:// or https:// URL",
        ),
        ("[server]\nlisten = \"7420\"\n", "2:10: expected HOST:PORT"),
        (
            "[server]\ndatabase_url = \"\"\n",
            "2:16: expected a non-empty string",
        ),
        (
            "[local]\nuser_email = \"ann\"\n",
            "2:14: expected an email address",
        ),
        (
            "[local]\ndatabase = \"\"\n",
            "2:12: expected a non-empty string",
        ),
        (
            "[[views]]\nname = \" \"\nquery = \"\"\n",
            "2:8: expected a non-empty string",
        ),
        ("[[views]]\nquery = \"\"\n", "1:1: missing field `name`"),
    ];
    for (text, want) in cases {
        let e = parse_err(text);
        assert!(
            e.starts_with(&format!("{FILE}:{want}")),
            "{text:?} gave {e}"
        );
    }
}

#[test]
fn more_than_nine_views_points_at_the_tenth() {
    let mut text = String::from("[ui]\ntheme = \"mono\"\n");
    for i in 1..=10 {
        text += &format!("\n[[views]]\nname = \"v{i}\"\nquery = \"\"\n");
    }
    // View i's header is on line 4 * i, so the tenth is on line 40.
    assert_eq!(
        parse_err(&text),
        "/cfg/config.toml:40:1: expected at most 9 views (one per digit key), found 10"
    );
    let inline = format!(
        "views = [{}]",
        ["{name = \"v\", query = \"\"}"; 10].join(", ")
    );
    assert!(parse_err(&inline).starts_with("/cfg/config.toml:1:"));
    let nine = text.rsplit_once("\n[[views]]").unwrap().0;
    assert_eq!(parse_ok(nine).views.len(), 9);
}

#[test]
fn relative_database_is_taken_from_the_files_directory() {
    let c = parse_ok("[local]\ndatabase = \"data/desk.db\"\n");
    assert_eq!(c.local.database, Path::new("/cfg/data/desk.db"));
}

#[test]
fn file_is_found_by_flag_then_env_then_default() {
    let dir = tempfile::tempdir().unwrap();
    let flag = dir.path().join("flag.toml");
    let from_env = dir.path().join("env.toml");
    let default = dir.path().join("default.toml");
    for (path, prefix) in [(&flag, "FLAG"), (&from_env, "ENV"), (&default, "DEFAULT")] {
        std::fs::write(path, format!("[desk]\nkey_prefix = \"{prefix}\"\n")).unwrap();
    }
    let env = env_of(&[("DESK_CONFIG", from_env.to_str().unwrap())]);
    let no_env = env_of(&[]);
    let load = |explicit: Option<&Path>, env: Env| {
        let loaded = load_from(explicit, Some(default.clone()), env).unwrap();
        (loaded.config.desk.key_prefix, loaded.path.unwrap())
    };
    assert_eq!(load(Some(&flag), &env), ("FLAG".into(), flag.clone()));
    assert_eq!(load(None, &env), ("ENV".into(), from_env.clone()));
    assert_eq!(load(None, &no_env), ("DEFAULT".into(), default.clone()));
}

#[test]
fn missing_or_unreadable_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let absent = dir.path().join("nope.toml");
    let e = load_from(Some(&absent), None, &test_env()).unwrap_err();
    assert!(
        matches!(
            e,
            ConfigError::Missing {
                via: "--config",
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        format!(
            "config file {} (from --config) does not exist",
            absent.display()
        )
    );

    let env = env_of(&[("DESK_CONFIG", absent.to_str().unwrap())]);
    let e = load_from(None, None, &env).unwrap_err();
    assert!(
        matches!(
            e,
            ConfigError::Missing {
                via: "DESK_CONFIG",
                ..
            }
        ),
        "{e}"
    );

    // A directory cannot be read as a file; neither can invalid UTF-8.
    let e = load_from(Some(dir.path()), None, &test_env()).unwrap_err();
    assert!(matches!(e, ConfigError::Read { .. }), "{e}");
    let binary = dir.path().join("binary.toml");
    std::fs::write(&binary, b"theme = \"\xff\"\n").unwrap();
    let e = load_from(Some(&binary), None, &test_env()).unwrap_err();
    assert!(
        e.to_string()
            .starts_with(&format!("cannot read config file {}: ", binary.display())),
        "{e}"
    );
}

#[test]
fn env_overrides_beat_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        &dir,
        "[desk]\nkey_prefix = \"FILE\"\n[local]\nrole = \"customer\"\nuser_email = \"f@x\"\n\
         [server]\nurl = \"http://file\"\nlisten = \"file:1\"\n[ui]\nrefresh_interval = 5\n",
    );
    let env = env_of(&[
        ("USER", "alice"),
        ("DESK_SERVER_URL", "http://env:7420"),
        ("DESK_LISTEN", "[::]:9000"),
        ("DESK_DATABASE_URL", "sqlite://env.db"),
        ("DESK_DB", "env.db"),
        ("DESK_KEY_PREFIX", "ENV"),
        ("DESK_REFRESH_INTERVAL", " 0 "),
        ("DESK_USER_EMAIL", "e@env"),
        ("DESK_ROLE", "Supervisor"),
    ]);
    let c = load_from(Some(&path), None, &env).unwrap().config;
    assert_eq!(c.server.url.as_deref(), Some("http://env:7420"));
    assert_eq!(c.server.listen, "[::]:9000");
    assert_eq!(c.server.database_url.as_deref(), Some("sqlite://env.db"));
    // Relative to the working directory, as any path given on a command line is.
    assert_eq!(c.local.database, Path::new("env.db"));
    assert_eq!(c.desk.key_prefix, "ENV");
    assert_eq!(c.ui.refresh_interval, 0);
    assert_eq!(c.local.user_email, "e@env");
    assert_eq!(c.local.role, Role::Supervisor);

    // Empty variables are unset: the file's values stand.
    let empty = env_of(&[("DESK_KEY_PREFIX", ""), ("DESK_SERVER_URL", "")]);
    let c = load_from(Some(&path), None, &empty).unwrap().config;
    assert_eq!(
        (c.desk.key_prefix.as_str(), c.server.url.as_deref()),
        ("FILE", Some("http://file"))
    );
}

#[test]
fn invalid_env_values_name_the_variable() {
    let cases = [
        ("DESK_ROLE", "boss", "unknown role `boss`"),
        (
            "DESK_KEY_PREFIX",
            "tkt",
            "expected 1 to 10 uppercase ASCII letters",
        ),
        (
            "DESK_REFRESH_INTERVAL",
            "soon",
            "expected a whole number of seconds from 0",
        ),
        (
            "DESK_REFRESH_INTERVAL",
            "-5",
            "expected a whole number of seconds from 0",
        ),
        (
            "DESK_REFRESH_INTERVAL",
            "90000",
            "expected a whole number of seconds from 0 (off) to 86400, found 90000",
        ),
        (
            "DESK_SERVER_URL",
            "ftp://x",
            "expected an http:// or https:// URL",
        ),
        ("DESK_LISTEN", "localhost", "expected HOST:PORT"),
        (
            "DESK_USER_EMAIL",
            "not an email",
            "expected an email address",
        ),
    ];
    for (var, value, want) in cases {
        let e = load_from(None, None, &env_of(&[(var, value)])).unwrap_err();
        let want = format!("environment variable {var}={value:?}: {want}");
        assert!(e.to_string().starts_with(&want), "{e}");
    }
}

#[test]
fn the_example_file_is_the_defaults() {
    assert_eq!(parse_ok(EXAMPLE), parse_ok(""));
}

/// The example's commented-out lines, uncommented: every documented setting.
fn uncommented_example() -> String {
    let is_setting = |s: &str| {
        s.starts_with('[')
            || s.split_once(" = ")
                .is_some_and(|(key, _)| !key.contains(' '))
    };
    EXAMPLE
        .lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(rest) if is_setting(rest) => rest,
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_example_documents_every_key_with_a_valid_value() {
    let text = uncommented_example();
    let c = parse_ok(&text);
    assert_eq!(c.views.len(), 2);
    assert_eq!(c.keys["list"].len(), 2);
    // Every field of every section, so a new key cannot go undocumented.
    let table: toml::Table = toml::from_str(&text).unwrap();
    let keys = |section: &str| -> Vec<&str> {
        let mut keys: Vec<_> = table[section]
            .as_table()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        keys
    };
    assert_eq!(keys("desk"), ["key_prefix"]);
    assert_eq!(
        keys("local"),
        ["database", "role", "user_email", "user_name"]
    );
    assert_eq!(
        keys("server"),
        [
            "cors_origins",
            "database_url",
            "header_timeout_secs",
            "idle_timeout_secs",
            "listen",
            "max_connections",
            "public_url",
            "token_ttl_hours",
            "url",
        ]
    );
    assert_eq!(
        keys("ui"),
        [
            "download_dir",
            "hyperlinks",
            "images",
            "mouse",
            "notify",
            "refresh_interval",
            "theme"
        ]
    );
    assert_eq!(
        keys("pages"),
        ["allow_reopen", "allow_replies", "enabled", "show_assignee"]
    );
    assert_eq!(
        keys("compat"),
        [
            "helpdesk",
            "intake",
            "reports",
            "service_requests",
            "tracking"
        ]
    );
    for surface in keys("compat") {
        let mut fields: Vec<_> = table["compat"][surface]
            .as_table()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort_unstable();
        if surface == "reports" {
            assert_eq!(fields, ["anonymous", "categories", "enabled"], "{surface}");
        } else if surface == "helpdesk" {
            assert_eq!(fields, ["anonymous", "enabled", "ids"], "{surface}");
            let mut kinds: Vec<_> = table["compat"][surface]["ids"]
                .as_table()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            kinds.sort_unstable();
            assert_eq!(kinds, ["categories", "priorities", "users"]);
        } else {
            assert_eq!(fields, ["anonymous", "enabled"], "{surface}");
        }
    }
    let mut sections: Vec<_> = table.keys().map(String::as_str).collect();
    sections.sort_unstable();
    assert_eq!(
        sections,
        [
            "attachments",
            "compat",
            "desk",
            "keys",
            "local",
            "mail",
            "notifications",
            "pages",
            "server",
            "ui",
            "views",
            "webhooks"
        ]
    );
    assert_eq!(
        keys("notifications"),
        [
            "enabled",
            "max_attempts",
            "retry_base_secs",
            "retry_cap_secs"
        ]
    );
    assert_eq!(keys("webhooks"), ["allow_private", "timeout_secs"]);
    assert_eq!(
        keys("mail"),
        ["from", "notify", "reply_to", "smtp_url", "templates"]
    );
    let mut switches: Vec<_> = table["mail"]["notify"]
        .as_table()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    switches.sort_unstable();
    assert_eq!(
        switches,
        [
            "assigned",
            "awaiting_approval",
            "created",
            "decided",
            "replied",
            "resolved"
        ]
    );
    assert!(c.mail.from.contains("support@example.com"));
    let mut fields: Vec<_> = keys("attachments");
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["allowed_types", "max_bytes", "max_per_comment", "store"]
    );
}

#[test]
fn customer_pages_are_on_by_default_and_strict() {
    let p = parse_ok("").pages;
    assert!(p.enabled && p.show_assignee && p.allow_replies && p.allow_reopen);
    let c = parse_ok("[pages]\nallow_replies = false\nshow_assignee = false\n");
    assert!(c.pages.enabled && !c.pages.allow_replies && !c.pages.show_assignee);
    let err = parse_err("[pages]\nallow_reply = true\n");
    assert!(err.contains("allow_reply"), "{err}");
}

#[test]
fn cors_origins_are_exact_or_a_lone_star() {
    assert!(parse_ok("").server.cors_origins.is_empty());
    let c = parse_ok(
        "[server]\ncors_origins = [\"http://localhost:3000\", \"https://a.example:8443\"]\n",
    );
    assert_eq!(c.server.cors_origins.len(), 2);
    assert_eq!(
        parse_ok("[server]\ncors_origins = [\"*\"]\n")
            .server
            .cors_origins,
        ["*"]
    );
    for bad in [
        "\"http://localhost:3000/\"",
        "\"localhost:3000\"",
        "\"http://a.example/app\"",
        "\"*\", \"http://localhost:3000\"",
        "\"http://*.example\"",
    ] {
        let err = parse_err(&format!("[server]\ncors_origins = [{bad}]\n"));
        assert!(
            err.contains("cors_origins") || err.contains("origin") || err.contains('*'),
            "{bad}: {err}"
        );
    }
}

#[test]
fn compat_surfaces_are_off_until_enabled_and_strict() {
    assert_eq!(parse_ok("").compat, Compat::default());
    let c = parse_ok("[compat.helpdesk]\nenabled = true\nanonymous = true\n");
    assert!(c.compat.helpdesk.enabled && c.compat.helpdesk.anonymous);
    assert!(!c.compat.tracking.enabled);
    assert_eq!(
        parse_ok("").compat.reports.categories,
        ["Payment Issue", "Travel Delay", "Unexpected Cancellation"]
    );
    let c = parse_ok("[compat.reports]\nenabled = true\ncategories = [\"Lost luggage\"]\n");
    assert_eq!(c.compat.reports.categories, ["Lost luggage"]);
    for bad in ["[]", "[\"\"]", "[\"A\", \"a\"]"] {
        parse_err(&format!("[compat.reports]\ncategories = {bad}\n"));
    }
    let err = parse_err("[compat.helpdesk]\nenabeld = true\n");
    assert!(err.starts_with("/cfg/config.toml:2:1"), "{err}");
    assert!(err.contains("enabeld"), "{err}");
}

#[test]
fn helpdesk_ids_are_whole_numbers_naming_one_row_each() {
    let c = parse_ok(
        "[compat.helpdesk.ids.categories]\n1 = \"Account Access\"\n12 = \" Billing \"\n\
         [compat.helpdesk.ids.users]\n4 = \"sarah@example.com\"\n",
    );
    let ids = &c.compat.helpdesk.ids;
    assert_eq!(
        ids.categories.iter().collect::<Vec<_>>(),
        [
            (&1, &"Account Access".to_string()),
            (&12, &"Billing".to_string())
        ]
    );
    assert_eq!(
        ids.users.get(&4).map(String::as_str),
        Some("sarah@example.com")
    );
    assert!(ids.priorities.is_empty());
    for (bad, says) in [
        ("0 = \"Low\"", "`0`"),
        ("x = \"Low\"", "`x`"),
        ("1 = \"  \"", "names nothing"),
        ("1 = \"Low\"\n2 = \"low\"", "two ids"),
    ] {
        let err = parse_err(&format!("[compat.helpdesk.ids.priorities]\n{bad}\n"));
        assert!(err.starts_with("/cfg/config.toml:"), "{bad}: {err}");
        assert!(err.contains(says), "{bad}: {err}");
    }
    let err = parse_err("[compat.helpdesk.ids.statuses]\n1 = \"new\"\n");
    assert!(err.contains("statuses"), "{err}");
}

#[test]
fn malformed_files_give_errors_not_panics() {
    let mut inputs: Vec<String> = [
        "",
        "=",
        "[",
        "]",
        "[[",
        "[[views]]",
        "[[views]]\nname=1",
        "[desk]\n[desk]",
        "a.b.c = 1",
        "[keys.list]\nx = [1, 2]",
        "[keys.list.x]",
        "[keys]\nlist = 5",
        "views = [1]",
        "[ui]\nrefresh_interval = 1e400",
        "[ui]\nrefresh_interval = 18446744073709551616",
        "[ui]\nrefresh_interval = 0x7fffffffffffffff",
        "[server]\ntoken_ttl_hours = nan",
        "[local]\nrole = [\"admin\"]",
        "[local]\ndatabase = { path = \"x\" }",
        "\"\\u{0}\" = 1",
        "key = \"\\uD800\"",
        "x = 1979-05-27T07:32:00Z",
        "[desk]\nkey_prefix = \"\u{1F600}\"",
        "\u{FEFF}[desk]",
        "\r\n\r\n[ui]\r\nbogus = 1\r\n",
        "[ui]\ntheme = '''\n",
        "\0",
        "\u{7f}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Every prefix of the example and of a full file cuts keys, strings and headers.
    let full = uncommented_example();
    for text in [EXAMPLE, full.as_str()] {
        inputs.extend(text.char_indices().map(|(i, _)| text[..i].to_string()));
    }
    // And every single-byte damage to the full file.
    for (i, _) in full.char_indices().step_by(3) {
        for b in ["\"", "[", "=", "\n", "#", "x"] {
            inputs.push(format!("{}{b}{}", &full[..i], &full[i..]));
        }
    }
    for text in &inputs {
        if let Err(e) = parse(text, Path::new(FILE), &test_env()) {
            let ConfigError::Invalid { at, message } = e else {
                panic!("{e}")
            };
            assert!(
                at.line >= 1 && at.line <= text.lines().count().max(1) + 1,
                "{text:?}: {at}"
            );
            assert!(!message.is_empty(), "{text:?}");
        }
    }
}

#[test]
fn locations_count_lines_and_characters_safely() {
    let at = |text: &str, offset| {
        let l = Location::of(Path::new("f"), text, offset);
        (l.line, l.column)
    };
    assert_eq!(at("", 0), (1, 1));
    assert_eq!(at("ab\ncd", 4), (2, 2));
    assert_eq!(at("éé\nx", 4), (1, 3));
    // Mid-character and past-the-end offsets do not panic.
    assert_eq!(at("éé", 1), (1, 2));
    assert_eq!(at("a\nb", 99), (2, 2));
}

#[test]
fn an_unknown_theme_is_refused_with_the_ones_there_are() {
    let err = parse_err("[ui]\ntheme = \"darker\"\n");
    assert!(err.starts_with("/cfg/config.toml:2:"), "{err}");
    assert!(err.contains("`default`") && err.contains("`mono`"), "{err}");
}

#[test]
fn a_bad_smtp_url_or_sender_names_its_line() {
    for (text, says) in [
        (
            "[mail]\nsmtp_url = \"http://mail.example.com\"\n",
            "smtp://",
        ),
        (
            "[mail]\nfrom = \"not an address\"\n",
            "Support <support@example.com>",
        ),
    ] {
        let shown = parse_err(text);
        assert!(shown.contains(":2:"), "{shown}");
        assert!(shown.contains(says), "{shown}");
    }
}
