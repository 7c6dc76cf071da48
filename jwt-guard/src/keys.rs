//! Verification keys: a key bound to the algorithms it may verify, the set
//! of an issuer's keys, where those keys come from, and fetching them.
//! Nothing here knows the configuration: it is handed locations and limits.

mod fetch;
mod jwks;
mod location;
mod parsed;
mod remote;
pub(crate) mod signing;

pub(crate) use fetch::{FetchLimits, Fetcher, FormAnswer};
pub(crate) use jwks::{holds_private_members, parse_jwks, ready_key};
pub(crate) use location::{
    KeyLocation, RedirectPolicy, RemoteLocation, check_discovered_issuer, check_scheme, discovery_url, is_host,
};
pub(crate) use parsed::ParsedKey;
pub(crate) use remote::{KeyLookupError, RemoteKeys};

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use jsonwebtoken::DecodingKey;

use crate::algorithm::{Algorithm, AlgorithmSet};

/// A public key (or, for the local issuer, a secret) ready to verify.
#[derive(Clone)]
pub(crate) struct VerifyingKey {
    /// The key's `kid`, if it has one.
    pub(crate) kid: Option<String>,
    /// The algorithms this key may verify: those of its type, narrowed by
    /// the JWK's own `alg`.
    pub(crate) algorithms: AlgorithmSet,
    /// The key material, parsed once for each algorithm it verifies.
    pub(crate) key: ParsedKey,
    /// What tells this key apart from any other, whatever its `kid`: the
    /// RFC 7638 SHA-256 thumbprint of a public key, or a digest of a
    /// secret. A key replaced under the same `kid` has another one.
    fingerprint: Box<str>,
    /// A number no other key of this process has, kept by the same key
    /// material when its issuer's keys are fetched again: what a cached
    /// verification remembers, compared in one instruction.
    serial: KeySerial,
}

/// The serial number of a [`VerifyingKey`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeySerial(u64);

impl VerifyingKey {
    /// A key with a serial number of its own.
    pub(crate) fn new(kid: Option<String>, algorithms: AlgorithmSet, key: DecodingKey, fingerprint: Box<str>) -> Self {
        static NEXT_SERIAL: AtomicU64 = AtomicU64::new(0);
        let serial = KeySerial(NEXT_SERIAL.fetch_add(1, Ordering::Relaxed));
        Self { kid, algorithms, key: ParsedKey::new(key), fingerprint, serial }
    }

    /// Its RFC 7638 SHA-256 thumbprint, for a public key.
    pub(crate) fn thumbprint(&self) -> &str {
        &self.fingerprint
    }

    /// Its serial number.
    pub(crate) fn serial(&self) -> KeySerial {
        self.serial
    }

    /// Whether `other` is the same key, with the same `kid` and algorithms.
    fn same_as(&self, other: &Self) -> bool {
        self.fingerprint == other.fingerprint && self.kid == other.kid && self.algorithms == other.algorithms
    }
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("kid", &self.kid)
            .field("algorithms", &self.algorithms)
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

/// The keys of one issuer.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeySet {
    keys: Vec<Arc<VerifyingKey>>,
}

/// What a key set holds for a token's `kid` and `alg`.
#[derive(Debug)]
pub(crate) enum KeyMatch<'a> {
    /// A key with that `kid` that may verify `alg`.
    Found(&'a Arc<VerifyingKey>),
    /// Keys with that `kid` exist, but none may verify `alg`.
    WrongAlgorithm,
    /// No key fits.
    Missing,
}

impl KeySet {
    /// A set of these keys.
    pub(crate) fn new(keys: Vec<VerifyingKey>) -> Self {
        Self { keys: keys.into_iter().map(Arc::new).collect() }
    }

    /// The number of keys.
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set holds no key.
    pub(crate) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// This set, replacing `previous`: a key that was already there (the
    /// same material, `kid` and algorithms) is kept as it was, serial
    /// number included.
    pub(crate) fn succeeding(self, previous: &Self) -> Self {
        let keys = self
            .keys
            .into_iter()
            .map(|key| match previous.keys.iter().find(|held| held.same_as(&key)) {
                Some(held) => Arc::clone(held),
                None => key,
            })
            .collect();
        Self { keys }
    }

    /// Whether the key with serial number `serial` is still the key for a
    /// token with this `kid` and `alg`: not only a key of that `kid`, but
    /// the same key material.
    pub(crate) fn still_uses(&self, kid: Option<&str>, alg: Algorithm, serial: KeySerial) -> bool {
        matches!(self.find(kid, alg), KeyMatch::Found(current) if current.serial == serial)
    }

    /// The key for a token with this `kid` and `alg`.
    ///
    /// A token without `kid` may use the issuer's only key for its `alg`.
    pub(crate) fn find(&self, kid: Option<&str>, alg: Algorithm) -> KeyMatch<'_> {
        let usable = |key: &&Arc<VerifyingKey>| key.algorithms.contains(alg);
        match kid {
            Some(kid) => {
                let mut same_kid = self.keys.iter().filter(|key| key.kid.as_deref() == Some(kid)).peekable();
                if same_kid.peek().is_none() {
                    return KeyMatch::Missing;
                }
                same_kid.find(usable).map_or(KeyMatch::WrongAlgorithm, KeyMatch::Found)
            }
            None => {
                let mut candidates = self.keys.iter().filter(usable);
                match (candidates.next(), candidates.next()) {
                    (Some(only), None) => KeyMatch::Found(only),
                    _ => KeyMatch::Missing,
                }
            }
        }
    }
}
