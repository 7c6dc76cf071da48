//! The JOSE headers of verified tokens, by their encoded text. An issuer
//! signs every token with one of a few keys, so its tokens carry one of a
//! few header texts: each is decoded and checked once, and the tokens
//! that follow share the result. A header is the same function of its
//! text every time, so nothing is weakened, and only the header of a
//! token that verified is kept: made-up headers never push out real ones.

use std::sync::Arc;

use quick_cache::sync::Cache;

use crate::token::TokenHeader;

/// How many header texts are kept: a few per key of every issuer.
const CAPACITY: usize = 256;

/// Decoded headers, by their base64url text.
pub(crate) struct HeaderCache {
    headers: Cache<Box<str>, Arc<TokenHeader>>,
}

impl HeaderCache {
    pub(crate) fn new() -> Self {
        Self { headers: Cache::new(CAPACITY) }
    }

    /// The header that `encoded` decodes to, if a verified token had it.
    pub(crate) fn get(&self, encoded: &str) -> Option<Arc<TokenHeader>> {
        self.headers.get(encoded)
    }

    /// Keeps `header`, decoded from `encoded`, which a token that verified
    /// carried.
    pub(crate) fn insert(&self, encoded: &str, header: &Arc<TokenHeader>) {
        self.headers.insert(encoded.into(), Arc::clone(header));
    }
}

impl std::fmt::Debug for HeaderCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeaderCache").field("headers", &self.headers.len()).finish()
    }
}
