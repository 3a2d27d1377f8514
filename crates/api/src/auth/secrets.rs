//! Passwords (Argon2id, off the async workers, a bounded number at once) and
//! opaque random tokens.

use crate::error::ApiError;
use crate::state::AppState;
use argon2::password_hash::PasswordHasher;
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use rand::RngCore;
use std::sync::OnceLock;

/// OWASP's Argon2id parameters: 19 MiB, 2 iterations, 1 lane.
fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::DEFAULT)
}

/// At most `slots` Argon2 computations at once, each 19 MiB, on `slots`
/// threads of their own (so that the memory of one computation is reused by
/// the next instead of spreading over the allocator's many arenas). The rest
/// wait a short while for a slot, then answer 503 with `Retry-After`.
pub struct HashGate {
    slots: std::sync::Arc<tokio::sync::Semaphore>,
    wait: std::time::Duration,
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<Job>>,
    running: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    peak: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

type Job = Box<dyn FnOnce() + Send>;

impl HashGate {
    pub fn new(slots: usize, wait: std::time::Duration) -> Self {
        let slots = slots.max(1);
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        for i in 0..slots {
            let rx = rx.clone();
            // The threads end when the gate (and so the sender) is dropped.
            let _ = std::thread::Builder::new()
                .name(format!("rapport-hash-{i}"))
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                });
        }
        HashGate {
            slots: std::sync::Arc::new(tokio::sync::Semaphore::new(slots)),
            wait,
            jobs: std::sync::Mutex::new(tx),
            running: Default::default(),
            peak: Default::default(),
        }
    }

    /// The most computations that ever ran at once (for tests and metrics).
    pub fn peak(&self) -> usize {
        self.peak.load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        use std::sync::atomic::Ordering;
        // The slot goes with the job and is given back when the job ends, not
        // when the request does: a caller who hangs up cannot queue more work
        // than there are slots.
        let permit = tokio::time::timeout(self.wait, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| ApiError::Busy {
                retry_after: 1,
                detail: "the server is checking too many passwords at once; try again in a moment"
                    .into(),
            })?
            .map_err(ApiError::internal)?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let (running, peak) = (self.running.clone(), self.peak.clone());
        let job: Job = Box::new(move || {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            let out = f();
            running.fetch_sub(1, Ordering::SeqCst);
            drop(permit);
            let _ = tx.send(out);
        });
        self.jobs
            .lock()
            .map_err(|_| ApiError::internal(anyhow::anyhow!("the hashing threads are gone")))?
            .send(job)
            .map_err(|_| ApiError::internal(anyhow::anyhow!("the hashing threads are gone")))?;
        rx.await
            .map_err(|_| ApiError::internal(anyhow::anyhow!("a password hash was lost")))
    }
}

/// Hashes a password on the calling thread, outside the gate: for start-up
/// work such as demo data, never for a request.
pub fn hash_now(password: &str) -> anyhow::Result<String> {
    argon2()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

thread_local! {
    /// The Argon2 memory of this hashing thread, allocated once and reused.
    static BLOCKS: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn with_blocks<T>(count: usize, f: impl FnOnce(&mut [argon2::Block]) -> T) -> T {
    BLOCKS.with(|b| {
        let mut b = b.borrow_mut();
        if b.len() < count {
            b.resize(count, argon2::Block::default());
        }
        f(&mut b[..count])
    })
}

/// Hashes into a PHC string with this thread's reused memory.
fn hash_reusing(password: &[u8]) -> anyhow::Result<String> {
    use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
    let params = Params::DEFAULT;
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    with_blocks(params.block_count(), |blocks| {
        argon2().hash_password_into_with_memory(password, &salt, &mut out, blocks)
    })
    .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| anyhow::anyhow!("{e}"))?,
        salt: Some(Salt::try_from(&salt[..]).map_err(|e| anyhow::anyhow!("{e}"))?),
        hash: Some(Output::new(&out).map_err(|e| anyhow::anyhow!("{e}"))?),
    };
    Ok(phc.to_string())
}

/// Checks a password against a PHC string with this thread's reused memory.
fn verify_reusing(password: &[u8], phc: &str) -> bool {
    use argon2::password_hash::phc::PasswordHash;
    let Ok(h) = PasswordHash::new(phc) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(h.algorithm.as_str()) else {
        return false;
    };
    let version = match h.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&h) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&h.salt, &h.hash) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let count = params.block_count();
    let computed = with_blocks(count, |blocks| {
        Argon2::new(algorithm, version, params).hash_password_into_with_memory(
            password,
            salt.as_ref(),
            &mut out,
            blocks,
        )
    });
    computed.is_ok() && digest_eq(&out, expected.as_bytes())
}

pub async fn hash_password(state: &AppState, password: String) -> Result<String, ApiError> {
    state
        .hashing
        .run(move || hash_reusing(password.as_bytes()).map_err(ApiError::internal))
        .await?
}

/// Checks a password against a stored hash. With no hash (no such account) it
/// checks against a fixed one, so that the answer takes as long either way.
pub async fn verify_password(
    state: &AppState,
    password: String,
    hash: Option<String>,
) -> Result<bool, ApiError> {
    state
        .hashing
        .run(move || {
            let known = hash.is_some();
            let hash = hash.unwrap_or_else(|| dummy_hash().to_string());
            let ok = verify_reusing(password.as_bytes(), &hash);
            ok && known
        })
        .await
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        argon2()
            .hash_password(b"no account has this password")
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// `n` random bytes, URL-safe base64 without padding.
pub fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Random lowercase letters and digits, for public prefixes.
pub fn random_alnum(n: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect()
}

/// Compares two digests in time that does not depend on where they differ.
pub fn digest_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> std::sync::Arc<AppState> {
        let url = "postgres://nobody@127.0.0.1:1/none";
        AppState::new(
            rapport_db::local_pool(url, 1),
            url.into(),
            1,
            crate::ApiConfig::new(b"a secret for the unit tests of secrets".to_vec()),
        )
    }

    #[tokio::test]
    async fn passwords_verify_only_against_their_own_hash() {
        let s = state();
        let h = hash_password(&s, "correct horse battery".into())
            .await
            .unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(
            verify_password(&s, "correct horse battery".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(!verify_password(&s, "wrong horse battery".into(), Some(h))
            .await
            .unwrap());
        assert!(
            !verify_password(&s, "no account has this password".into(), None)
                .await
                .unwrap()
        );
    }

    #[test]
    fn hashes_made_with_reused_memory_are_standard_phc_strings() {
        use argon2::password_hash::PasswordVerifier;
        let ours = hash_reusing(b"some password").unwrap();
        assert!(argon2()
            .verify_password(b"some password", ours.as_str())
            .is_ok());
        let theirs = argon2()
            .hash_password(b"other password")
            .unwrap()
            .to_string();
        assert!(verify_reusing(b"other password", &theirs));
        assert!(!verify_reusing(b"other passwore", &theirs));
        assert!(!verify_reusing(b"x", "not a phc string"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_hashes_run_at_once_than_the_gate_has_slots() {
        let gate = std::sync::Arc::new(HashGate::new(2, std::time::Duration::from_millis(50)));
        let tasks: Vec<_> = (0..40)
            .map(|_| {
                let gate = gate.clone();
                tokio::spawn(async move {
                    gate.run(|| std::thread::sleep(std::time::Duration::from_millis(30)))
                        .await
                })
            })
            .collect();
        let mut busy = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(()) => {}
                Err(ApiError::Busy { retry_after, .. }) => {
                    assert_eq!(retry_after, 1);
                    busy += 1
                }
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(gate.peak(), 2);
        assert!(
            busy > 0,
            "40 hashes of 30 ms cannot all get a slot within 50 ms"
        );
    }

    #[test]
    fn tokens_are_random_and_url_safe() {
        let a = random_token(32);
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token(32));
        assert!(a
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(random_alnum(12).len(), 12);
        assert!(
            digest_eq(b"abc", b"abc") && !digest_eq(b"abc", b"abd") && !digest_eq(b"ab", b"abc")
        );
    }
}
