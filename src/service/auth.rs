//! Passwords and API tokens. Passwords are hashed with argon2id off the async threads;
//! tokens are 256 random bits shown once and stored only as their SHA-256.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::domain::model::User;
use crate::domain::time::{self, HOUR};
use crate::domain::validate::invalid;
use crate::store::{tokens, users};

use super::secrets::hash as token_hash;
use super::{Actor, NewUser, Result, Service, ServiceError};

pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 1024;
const TOKEN_PREFIX: &str = "desk_";

/// A token as handed to the user, once.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub user: User,
    pub expires_at: Option<time::Millis>,
}

fn check_password(password: &str) -> Result<()> {
    let len = password.chars().count();
    if len < PASSWORD_MIN {
        return Err(invalid(
            "password",
            format!("must be at least {PASSWORD_MIN} characters"),
        )
        .into());
    }
    if len > PASSWORD_MAX {
        return Err(invalid(
            "password",
            format!("must be at most {PASSWORD_MAX} characters"),
        )
        .into());
    }
    Ok(())
}

/// argon2id with the crate's defaults (19 MiB, 2 passes), on a blocking thread.
pub async fn hash_password(password: &str) -> Result<String> {
    check_password(password)?;
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| ServiceError::Forbidden(format!("cannot hash the password: {e}")))
    })
    .await
    .map_err(|e| ServiceError::Forbidden(format!("password hashing stopped: {e}")))?
}

async fn verify_password(password: &str, hash: Option<String>) -> bool {
    // Without a stored hash, verify against a real one anyway so that "no such user"
    // and "wrong password" take the same time.
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let known = hash.is_some();
    let password = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| {
            DUMMY
                .get_or_init(|| {
                    Argon2::default()
                        .hash_password(b"no account has this password")
                        .map(|h| h.to_string())
                        .unwrap_or_default()
                })
                .clone()
        });
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false);
    ok && known
}

/// Equal-length byte comparison whose time does not depend on where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Service {
    /// Checks an email and password; on success hands out a new token valid for
    /// `ttl_hours` (0: no expiry). The same error for an unknown email and a wrong
    /// password, so accounts cannot be discovered.
    pub async fn login(&self, email: &str, password: &str, ttl_hours: u64) -> Result<IssuedToken> {
        let refused = || ServiceError::Unauthenticated("wrong email or password".into());
        let user = users::by_email(self.store.pool(), email.trim()).await?;
        let hash = match &user {
            Some(u) => users::password_hash(self.store.pool(), u.id).await?,
            None => None,
        };
        if !verify_password(password, hash).await {
            return Err(refused());
        }
        let user = user.ok_or_else(refused)?;
        if !user.active {
            return Err(refused());
        }
        self.issue_token(&user, "login", ttl_hours).await
    }

    /// A new token for `user` (login, or an admin making one for a script).
    pub async fn issue_token(
        &self,
        user: &User,
        label: &str,
        ttl_hours: u64,
    ) -> Result<IssuedToken> {
        let bytes: [u8; 32] = rand::random();
        let token = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
        let now = time::now();
        let expires_at = (ttl_hours > 0).then(|| now + (ttl_hours as i64).saturating_mul(HOUR));
        tokens::insert(
            self.store.pool(),
            user.id,
            &token_hash(&token),
            label,
            now,
            expires_at,
        )
        .await?;
        Ok(IssuedToken {
            token,
            user: user.clone(),
            expires_at,
        })
    }

    /// The caller a bearer token stands for: live, unexpired, unrevoked, of an active user.
    pub async fn authenticate(&self, token: &str) -> Result<Actor> {
        let refused =
            || ServiceError::Unauthenticated("the token is invalid, expired or revoked".into());
        let token = token.trim();
        if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
            return Err(refused());
        }
        let hash = token_hash(token);
        let now = time::now();
        if let Some(user) = self.tokens.get(&hash, now) {
            return Ok(Actor::User(user));
        }
        let (user, stored, expires_at) = tokens::user_for(self.store.pool(), &hash, now)
            .await?
            .ok_or_else(refused)?;
        if !constant_time_eq(stored.as_bytes(), hash.as_bytes()) || !user.active {
            return Err(refused());
        }
        self.tokens.put(hash, user.clone(), expires_at);
        Ok(Actor::User(user))
    }

    /// Forgets recently checked tokens, so the next request of each reads the database.
    /// For tools that change tokens behind the service's back; another server on the same
    /// database is seen within a few seconds without it.
    pub fn forget_cached_tokens(&self) {
        self.tokens.clear();
    }

    /// Revokes the token; logging out twice is not an error.
    pub async fn logout(&self, token: &str) -> Result<()> {
        tokens::revoke(self.store.pool(), &token_hash(token.trim()), time::now()).await?;
        self.tokens.clear();
        Ok(())
    }

    /// Changes an account: name, role and activity (admins), and the password (admins,
    /// or people for their own). Everything is authorised and validated before anything
    /// is written, so a refused change changes nothing.
    pub async fn patch_user(
        &self,
        actor: &Actor,
        id: i64,
        patch: super::UserPatch,
        password: Option<&str>,
        current_password: Option<&str>,
        keep_token: Option<&str>,
    ) -> Result<User> {
        let fields = patch != super::UserPatch::default();
        if fields {
            actor.require_admin("change people")?;
        }
        if actor.user_id() != Some(id) {
            actor.require_admin("change other people's accounts")?;
        }
        actor.require_active()?;
        if let Some(name) = &patch.name {
            crate::domain::validate::required_text(
                "name",
                name,
                crate::domain::validate::NAME_MAX,
            )?;
        }
        // One's own password takes the current one too, so a stolen token alone cannot
        // take the account over (an admin resetting someone else's needs none).
        let own = actor.user_id() == Some(id);
        if password.is_some() && own {
            let Some(current) = current_password else {
                return Err(crate::domain::validate::invalid(
                    "current_password",
                    "changing your own password needs your current password",
                )
                .into());
            };
            let stored = users::password_hash(self.store.pool(), id).await?;
            if !verify_password(current, stored).await {
                return Err(ServiceError::Forbidden(
                    "the current password is wrong".into(),
                ));
            }
        }
        let hash = match password {
            Some(p) => Some(hash_password(p).await?),
            None => None,
        };
        let user = if fields {
            self.update_user(actor, id, patch).await?
        } else {
            self.users_by_id(actor, id).await?
        };
        if let Some(hash) = hash {
            let keep = keep_token.filter(|_| own).map(|t| token_hash(t.trim()));
            let mut w = self.store.write().await?;
            users::set_password_hash(&mut *w.tx, id, Some(&hash)).await?;
            // Every other session ends; the one making the change stays signed in.
            tokens::revoke_all_but(&mut *w.tx, id, keep.as_deref(), time::now()).await?;
            w.commit().await?;
            self.tokens.clear();
        }
        Ok(user)
    }

    /// Stores a password hash and ends every session of the person, so a stolen session
    /// ends with the password change. No authority is checked here: callers have (the
    /// API's paths) or act with the database's own (demo setup, `desk users password`).
    /// Whether account `user_id` has a password (accounts made by an admin or a local
    /// desk may have none until one is set).
    pub async fn has_password(&self, user_id: i64) -> Result<bool> {
        Ok(users::password_hash(self.store.pool(), user_id)
            .await?
            .is_some())
    }

    pub async fn set_password_hash_unchecked(&self, user_id: i64, hash: &str) -> Result<()> {
        let mut w = self.store.write().await?;
        users::set_password_hash(&mut *w.tx, user_id, Some(hash)).await?;
        tokens::revoke_all(&mut *w.tx, user_id, time::now()).await?;
        w.commit().await?;
        self.tokens.clear();
        Ok(())
    }

    /// Adds a person who can sign in with `password`. Admins only (the first admin is
    /// made with `desk users add`, which acts with the database's own authority).
    pub async fn create_user_with_password(
        &self,
        actor: &Actor,
        new: NewUser,
        password: &str,
    ) -> Result<User> {
        actor.require_admin("add people")?;
        let hash = hash_password(password).await?;
        self.insert_user(new, Some(&hash)).await
    }
}

impl Service {
    /// Someone signing themselves up, as the travel booking system let its users do.
    /// Always a customer: which role a person has is an admin's decision, never the
    /// applicant's.
    pub async fn sign_up(&self, email: &str, name: &str, password: &str) -> Result<User> {
        // `.invalid` can never receive mail: desk keeps it for its own accounts (the
        // compat surfaces' anonymous ones, app users without an email), which nobody
        // must be able to claim with a password of their choosing.
        let checked = crate::domain::validate::email("email", email)?;
        if checked.ends_with(".invalid") {
            return Err(invalid("email", "an .invalid address cannot sign up").into());
        }
        let hash = hash_password(password).await?;
        self.insert_user(
            super::NewUser {
                email: email.to_string(),
                name: name.to_string(),
                role: crate::domain::model::Role::Customer,
            },
            Some(&hash),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_hashes_are_hex_sha256() {
        assert_eq!(token_hash("abc").len(), 64);
        assert_ne!(token_hash("a"), token_hash("b"));
    }

    #[test]
    fn constant_time_eq_compares_whole_strings() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[tokio::test]
    async fn passwords_verify_and_the_dummy_never_matches() {
        let hash = hash_password("correct horse").await.unwrap();
        assert!(verify_password("correct horse", Some(hash.clone())).await);
        assert!(!verify_password("wrong horse", Some(hash)).await);
        assert!(!verify_password("anything", None).await);
        assert!(hash_password("short").await.is_err());
    }
}
