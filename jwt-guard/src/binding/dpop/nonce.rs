//! Server nonces for DPoP proofs (RFC 9449 section 9), kept by no one: a
//! nonce is the time it was made and an HMAC of it, so any instance that
//! shares the secret can check it, and it is good for two windows of
//! `max_age`.

use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// How many bytes of the HMAC a nonce carries.
const TAG_BYTES: usize = 16;

/// Makes and checks nonces.
#[derive(Debug)]
pub(super) struct Nonces {
    key: hmac::Key,
    /// How long a nonce is good for, in seconds.
    lifetime: u64,
    /// How far ahead of this instance's clock another instance's may be,
    /// in whole seconds.
    leeway: u64,
}

impl Nonces {
    /// Nonces under `secret`, good for `lifetime` seconds, from instances
    /// whose clocks differ by up to `leeway` seconds.
    pub(super) fn new(secret: &[u8], lifetime: u64, leeway: u64) -> Self {
        Self { key: hmac::Key::new(hmac::HMAC_SHA256, secret), lifetime: lifetime.max(1), leeway }
    }

    /// A nonce made at `now`.
    pub(super) fn make(&self, now: u64) -> String {
        let stamp = now.to_be_bytes();
        let tag = hmac::sign(&self.key, &stamp);
        let mut nonce = stamp.to_vec();
        nonce.extend_from_slice(&tag.as_ref()[..TAG_BYTES]);
        URL_SAFE_NO_PAD.encode(nonce)
    }

    /// Whether `nonce` was made by this secret, no more than `lifetime`
    /// seconds before `now`, and not after it by more than the leeway: an
    /// instance whose clock is ahead of this one's made it.
    pub(super) fn is_fresh(&self, nonce: &str, now: u64) -> bool {
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(nonce) else { return false };
        let Some((stamp, tag)) = bytes.split_first_chunk::<8>() else { return false };
        if tag.len() != TAG_BYTES {
            return false;
        }
        let made = u64::from_be_bytes(*stamp);
        let full_tag = hmac::sign(&self.key, stamp);
        let authentic = aws_lc_rs::constant_time::verify_slices_are_equal(&full_tag.as_ref()[..TAG_BYTES], tag).is_ok();
        authentic && made <= now.saturating_add(self.leeway) && now.saturating_sub(made) <= self.lifetime
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_good_for_its_lifetime_under_its_secret_only() {
        let nonces = Nonces::new(&[7; 32], 120, 5);
        let nonce = nonces.make(1_000);
        assert!(nonces.is_fresh(&nonce, 1_000));
        assert!(nonces.is_fresh(&nonce, 1_120));
        assert!(!nonces.is_fresh(&nonce, 1_121), "too old");
        assert!(nonces.is_fresh(&nonce, 995), "made by an instance whose clock is up to the leeway ahead");
        assert!(!nonces.is_fresh(&nonce, 994), "made further in the future");
        assert!(!Nonces::new(&[8; 32], 120, 5).is_fresh(&nonce, 1_000), "another secret");
        let mut forged = URL_SAFE_NO_PAD.decode(&nonce).unwrap();
        forged[7] ^= 1;
        assert!(!nonces.is_fresh(&URL_SAFE_NO_PAD.encode(forged), 1_000), "a changed time");
        assert!(!nonces.is_fresh("not a nonce", 1_000));
    }
}
