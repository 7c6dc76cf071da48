//! SHA-256 digests in base64url, as JOSE writes them: refresh tokens and
//! usernames as the token store keeps them, DPoP's `ath` and replay keys,
//! and certificate thumbprints (`x5t#S256`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The SHA-256 digest of `bytes`, base64url without padding.
pub(crate) fn sha256_base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes))
}
