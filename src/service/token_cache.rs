//! Recently checked tokens, so a busy client does not cost a database read per request.
//! Entries live a few seconds; every revocation in this process clears them at once,
//! and one made by another server on the same database is honoured within the TTL.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::model::User;
use crate::domain::time::Millis;

const TTL: Duration = Duration::from_secs(5);
/// Bounded: an attacker sending random tokens never gets them cached (only valid ones
/// are), but a flood of valid ones must not grow memory without limit either.
const MAX_ENTRIES: usize = 10_000;

struct Entry {
    user: User,
    expires_at: Option<Millis>,
    checked: Instant,
}

#[derive(Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl TokenCache {
    /// The user behind `token_hash` if it was checked recently and has not expired.
    pub fn get(&self, token_hash: &str, now: Millis) -> Option<User> {
        let entries = self.entries.lock().ok()?;
        let e = entries.get(token_hash)?;
        let fresh = e.checked.elapsed() < TTL && e.expires_at.is_none_or(|x| x > now);
        fresh.then(|| e.user.clone())
    }

    pub fn put(&self, token_hash: String, user: User, expires_at: Option<Millis>) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.retain(|_, e| e.checked.elapsed() < TTL);
                if entries.len() >= MAX_ENTRIES {
                    entries.clear();
                }
            }
            entries.insert(
                token_hash,
                Entry {
                    user,
                    expires_at,
                    checked: Instant::now(),
                },
            );
        }
    }

    /// Forgets everything: after a logout, a password change or a deactivation.
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::Role;

    fn user() -> User {
        User {
            id: 1,
            email: "a@b.c".into(),
            name: "A".into(),
            role: Role::Agent,
            active: true,
            created_at: 0,
        }
    }

    #[test]
    fn cached_tokens_expire_with_the_token_and_on_clear() {
        let cache = TokenCache::default();
        cache.put("h".into(), user(), Some(100));
        assert!(cache.get("h", 50).is_some());
        assert!(
            cache.get("h", 100).is_none(),
            "an expired token is not served"
        );
        assert!(cache.get("other", 50).is_none());
        cache.clear();
        assert!(cache.get("h", 50).is_none());
    }
}
