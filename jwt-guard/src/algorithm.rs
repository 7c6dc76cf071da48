//! Signature algorithms, the sets that issuers allow, and the binding of key
//! types to the algorithms they may verify (RFC 8725 section 3.1).

use std::fmt;
use std::str::FromStr;

/// A JWS signature algorithm (RFC 7518 section 3.1, RFC 8037).
///
/// `none` is not one: unsigned tokens are never accepted.
///
/// ```
/// use jwt_guard::verify::Algorithm;
///
/// assert_eq!("ES256".parse::<Algorithm>(), Ok(Algorithm::ES256));
/// assert!("none".parse::<Algorithm>().is_err());
/// assert_eq!(Algorithm::EdDSA.to_string(), "EdDSA");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::upper_case_acronyms)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC with SHA-256.
    HS256,
    /// HMAC with SHA-384.
    HS384,
    /// HMAC with SHA-512.
    HS512,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// Ed25519.
    EdDSA,
}

impl Algorithm {
    /// Every algorithm, in the order of their bits in [`AlgorithmSet`].
    pub(crate) const ALL: [Self; 12] = [
        Self::HS256,
        Self::HS384,
        Self::HS512,
        Self::RS256,
        Self::RS384,
        Self::RS512,
        Self::PS256,
        Self::PS384,
        Self::PS512,
        Self::ES256,
        Self::ES384,
        Self::EdDSA,
    ];

    /// The registered name, as it appears in a JOSE header.
    ///
    /// ```
    /// use jwt_guard::{config::IssuerConfig, verify::Algorithm};
    ///
    /// // The names that `algorithms` takes, from the algorithms themselves:
    /// let allowed = [Algorithm::ES256, Algorithm::EdDSA].map(Algorithm::name);
    /// let issuer = IssuerConfig::new("https://id.example.com/", "https://api.example.com").algorithms(allowed);
    /// assert_eq!(issuer.algorithms, Some(vec!["ES256".to_owned(), "EdDSA".to_owned()]));
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Self::HS256 => "HS256",
            Self::HS384 => "HS384",
            Self::HS512 => "HS512",
            Self::RS256 => "RS256",
            Self::RS384 => "RS384",
            Self::RS512 => "RS512",
            Self::PS256 => "PS256",
            Self::PS384 => "PS384",
            Self::PS512 => "PS512",
            Self::ES256 => "ES256",
            Self::ES384 => "ES384",
            Self::EdDSA => "EdDSA",
        }
    }

    /// The same algorithm in `jsonwebtoken`'s terms.
    pub(crate) fn to_jsonwebtoken(self) -> jsonwebtoken::Algorithm {
        use jsonwebtoken::Algorithm as Jwt;
        match self {
            Self::HS256 => Jwt::HS256,
            Self::HS384 => Jwt::HS384,
            Self::HS512 => Jwt::HS512,
            Self::RS256 => Jwt::RS256,
            Self::RS384 => Jwt::RS384,
            Self::RS512 => Jwt::RS512,
            Self::PS256 => Jwt::PS256,
            Self::PS384 => Jwt::PS384,
            Self::PS512 => Jwt::PS512,
            Self::ES256 => Jwt::ES256,
            Self::ES384 => Jwt::ES384,
            Self::EdDSA => Jwt::EdDSA,
        }
    }

    fn bit(self) -> u16 {
        1 << self as u16
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing an unknown algorithm name.
///
/// ```
/// use jwt_guard::verify::{Algorithm, UnknownAlgorithm};
///
/// /// An algorithm named in the app's own settings.
/// fn algorithm(setting: &str) -> Result<Algorithm, String> {
///     setting.parse().map_err(|error: UnknownAlgorithm| format!("`{setting}`: {error}"))
/// }
/// assert_eq!(algorithm("RS256"), Ok(Algorithm::RS256));
/// // Names are exact, and case-sensitive.
/// assert_eq!(algorithm("rs256").unwrap_err(), "`rs256`: unknown signature algorithm");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown signature algorithm")]
pub struct UnknownAlgorithm;

impl FromStr for Algorithm {
    type Err = UnknownAlgorithm;

    /// Parses the exact, case-sensitive registered name.
    fn from_str(name: &str) -> Result<Self, UnknownAlgorithm> {
        Self::ALL.into_iter().find(|alg| alg.name() == name).ok_or(UnknownAlgorithm)
    }
}

/// A small set of signature algorithms.
///
/// Issuers keep one as their allow-list, and every key keeps one as the
/// algorithms its type can verify; a token's `alg` must be in both.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct AlgorithmSet(u16);

impl AlgorithmSet {
    /// Every asymmetric algorithm: the default allow-list of an issuer.
    pub(crate) const ASYMMETRIC: Self = Self(0b1111_1111_1000);
    /// The HMAC algorithms, which need a shared secret.
    pub(crate) const SYMMETRIC: Self = Self(0b0000_0000_0111);
    /// The algorithms an RSA key can verify.
    pub(crate) const RSA: Self = Self(0b0001_1111_1000);

    /// The set holding only `alg`.
    pub(crate) fn only(alg: Algorithm) -> Self {
        Self(alg.bit())
    }

    /// Whether `alg` is in the set.
    pub(crate) fn contains(self, alg: Algorithm) -> bool {
        self.0 & alg.bit() != 0
    }

    /// The algorithms in both sets.
    pub(crate) fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    /// The algorithms in either set.
    pub(crate) fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether the set is empty.
    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The set with `alg` added.
    pub(crate) fn with(self, alg: Algorithm) -> Self {
        Self(self.0 | alg.bit())
    }

    /// The algorithms of the set, in a fixed order.
    pub(crate) fn iter(self) -> impl Iterator<Item = Algorithm> {
        Algorithm::ALL.into_iter().filter(move |alg| self.contains(*alg))
    }
}

impl fmt::Debug for AlgorithmSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_none_is_never_an_algorithm() {
        for alg in Algorithm::ALL {
            assert_eq!(alg.name().parse(), Ok(alg));
        }
        for name in ["none", "None", "NONE", "nOnE", "hs256", "", "ES512"] {
            assert_eq!(name.parse::<Algorithm>(), Err(UnknownAlgorithm), "{name}");
        }
    }

    #[test]
    fn constant_sets_hold_what_they_say() {
        let names = |set: AlgorithmSet| set.iter().map(Algorithm::name).collect::<Vec<_>>();
        assert_eq!(names(AlgorithmSet::RSA), ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]);
        assert_eq!(names(AlgorithmSet::SYMMETRIC), ["HS256", "HS384", "HS512"]);
        assert!(AlgorithmSet::ASYMMETRIC.intersection(AlgorithmSet::SYMMETRIC).is_empty());
        assert_eq!(names(AlgorithmSet::ASYMMETRIC).len(), 9);
        for (index, alg) in Algorithm::ALL.into_iter().enumerate() {
            assert_eq!(alg.bit(), 1 << index);
        }
    }
}
