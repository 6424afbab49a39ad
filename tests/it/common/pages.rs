//! A visitor of the customer pages over plain HTTP: keeps the CSRF cookie like a
//! browser would, reads the form token out of each page and posts forms back.
#![allow(dead_code)]

use reqwest::Method;

use super::server::{Reply, TestServer, send};

pub struct Visitor<'a> {
    pub s: &'a TestServer,
    pub cookie: Option<String>,
    /// A `Host` header of the visitor's choosing (a hostile one, in tests).
    pub host: Option<String>,
}

/// `application/x-www-form-urlencoded` encoding of one value.
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The CSRF token of the first form in `html`.
pub fn csrf_of(html: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = html.find(marker).expect("a form with a csrf token") + marker.len();
    let end = html[start..].find('"').expect("end of token") + start;
    html[start..end].to_string()
}

/// `html` with every CSRF token blanked, to compare two answers.
pub fn without_tokens(html: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find(marker) {
        out.push_str(&rest[..i + marker.len()]);
        rest = &rest[i + marker.len()..];
        let end = rest.find('"').unwrap_or(0);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

impl<'a> Visitor<'a> {
    pub fn new(s: &'a TestServer) -> Visitor<'a> {
        Visitor {
            s,
            cookie: None,
            host: None,
        }
    }

    fn keep_cookie(&mut self, r: &Reply) {
        if let Some(set) = r.header("set-cookie")
            && let Some(pair) = set.split(';').next()
        {
            self.cookie = Some(pair.to_string());
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let mut rb = self
            .s
            .http
            .request(Method::GET, format!("{}{path}", self.s.base));
        if let Some(c) = &self.cookie {
            rb = rb.header("cookie", c);
        }
        if let Some(h) = &self.host {
            rb = rb.header("host", h);
        }
        let r = send(rb).await;
        self.keep_cookie(&r);
        r
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        self.post_raw(path, form(fields)).await
    }

    pub async fn post_raw(&mut self, path: &str, body: String) -> Reply {
        let mut rb = self
            .s
            .http
            .request(Method::POST, format!("{}{path}", self.s.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(c) = &self.cookie {
            rb = rb.header("cookie", c);
        }
        if let Some(h) = &self.host {
            rb = rb.header("host", h);
        }
        let r = send(rb).await;
        self.keep_cookie(&r);
        r
    }

    /// Posts a `multipart/form-data` form, as a browser does for a form with files.
    pub async fn post_multipart(&mut self, path: &str, form: reqwest::multipart::Form) -> Reply {
        let mut rb = self
            .s
            .http
            .request(Method::POST, format!("{}{path}", self.s.base))
            .multipart(form);
        if let Some(c) = &self.cookie {
            rb = rb.header("cookie", c);
        }
        let r = send(rb).await;
        self.keep_cookie(&r);
        r
    }

    /// A fresh token for this visitor's cookie, as the lookup form carries it.
    pub async fn token(&mut self) -> String {
        let r = self.get("/track").await;
        csrf_of(&r.text())
    }

    /// Files a request through `/new` and returns its key.
    pub async fn file(&mut self, email: &str, title: &str) -> String {
        let token = csrf_of(&self.get("/new").await.text());
        let r = self
            .post(
                "/new",
                &[
                    ("csrf", &token),
                    ("name", "Ann Customer"),
                    ("email", email),
                    ("category", "General"),
                    ("title", title),
                    ("description", "It does not work."),
                ],
            )
            .await;
        assert_eq!(r.status, 201, "filing failed: {}", r.text());
        let text = r.text();
        let marker = r#"id="filed-key">"#;
        let start = text.find(marker).expect("the key on the page") + marker.len();
        let end = text[start..].find('<').expect("end of key") + start;
        text[start..end].to_string()
    }

    /// Looks `key` up with `email` through the tracking form.
    pub async fn track(&mut self, key: &str, email: &str) -> Reply {
        let token = self.token().await;
        self.post(
            "/track",
            &[("csrf", &token), ("key", key), ("email", email)],
        )
        .await
    }
}
