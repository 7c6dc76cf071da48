//! Tokens that an issuer vouches for by introspection (RFC 7662): opaque
//! tokens, asked of the one issuer that claims them (by its
//! `opaque_token_prefix`, or as the only issuer that introspects), and JWTs of issuers that say
//! `introspect = "always"`. An active answer becomes the same `Token` as a
//! verified JWT, after the same checks of `iss`, `aud`, `exp` and
//! revocations; a signed answer (RFC 9701) is verified with the issuer's
//! keys first.

use serde_json::{Map, Value};

use super::Verifier;
use super::claim_set::{Claim, ClaimSet};
use super::claims;
use super::compact;
use super::issuers::Issuer;
use crate::clock;
use crate::error::{AuthError, TokenProblem};
use crate::introspection::{Answer, Introspector, Verdict};
use crate::token::{KeptRegistered, Payload, Token};

/// The `typ` of a signed introspection answer (RFC 9701 section 5).
const SIGNED_ANSWER_TYPE: &str = "token-introspection+jwt";

/// The oldest a signed answer may be when it arrives, beside the leeway,
/// in seconds: an answer is made for the question just asked, so an older
/// one is a replay of an answer about some other token. (Nothing in an
/// answer names its token: within this window, a replay is not told
/// apart.)
const SIGNED_ANSWER_MAX_AGE: f64 = 60.0;

impl Verifier {
    /// Whether some issuer introspects opaque tokens.
    pub(super) fn introspects_opaque_tokens(&self) -> bool {
        self.issuers.iter().any(|issuer| issuer.introspector.is_some())
    }

    /// An opaque token, as its issuer vouches for it.
    pub(super) async fn verify_opaque(&self, token: &str) -> Result<Token, AuthError> {
        if token.len() > self.max_token_bytes {
            return Err(TokenProblem::TooLarge.into());
        }
        let answer = self.introspected.get_or_introspect(token, self.ask_its_issuer(token)).await?;
        let token = answer.ok_or(TokenProblem::Inactive)?;
        // Revocations apply to remembered answers too, as to cached JWTs.
        self.check_not_revoked(&token.registered()).await?;
        Ok(token)
    }

    /// The answer about `token` of the one issuer that claims it, an
    /// active one as a token. A token that no issuer claims is sent to
    /// none.
    async fn ask_its_issuer(&self, token: &str) -> Result<Verdict, AuthError> {
        let claimed = self.issuers.iter().find_map(|issuer| {
            issuer.introspector.as_ref().filter(|introspector| introspector.claims(token)).map(|found| (issuer, found))
        });
        let Some((issuer, introspector)) = claimed else { return Err(TokenProblem::UntrustedIssuer.into()) };
        self.ask(issuer, introspector, token).await?.try_map(|claims| self.introspected_token(issuer, token, claims))
    }

    /// Refuses `token`, a JWT of `issuer` that verified, unless the issuer
    /// still says it is active.
    pub(super) async fn check_still_active(
        &self,
        issuer: &Issuer,
        introspector: &Introspector,
        token: &Token,
    ) -> Result<(), AuthError> {
        let raw = token.as_str();
        let answer = self
            .introspected
            .get_or_introspect(raw, async { self.ask(issuer, introspector, raw).await?.try_map(|_| Ok(token.clone())) })
            .await?;
        answer.map(drop).ok_or_else(|| TokenProblem::Inactive.into())
    }

    /// What `issuer` says of `token`: its claims when active. An answer
    /// that cannot be believed says nothing of the token, which may be
    /// good, so it is no refusal (a 401 would have the client throw its
    /// token away) but a 503, its reason logged: a plain answer where a
    /// signed one was asked for, or a signed one that fails its checks (a
    /// replay, a clock far off, a key the issuer does not hold). An active
    /// token that the answer says is no access token is refused (see
    /// [`is_access_token`]).
    async fn ask(
        &self,
        issuer: &Issuer,
        introspector: &Introspector,
        token: &str,
    ) -> Result<Verdict<Map<String, Value>>, AuthError> {
        let signed = match introspector.ask(token, &issuer.name).await? {
            Answer::Json(_) if introspector.wants_signed() => {
                Err(Disbelief::NotBelieved("it is unsigned, though a signed one was asked for"))
            }
            Answer::Json(answer) => Ok(answer),
            Answer::Signed(jwt) => self.verify_signed_answer(issuer, introspector, &jwt).await,
        };
        let mut answer = match signed {
            Ok(answer) => answer,
            Err(Disbelief::KeysUnavailable(error)) => return Err(error),
            Err(Disbelief::NotBelieved(problem)) => {
                log::error!("jwt-guard: an introspection answer of `{}` is not believed: {problem}", issuer.name);
                return Ok(Verdict::NotBelieved);
            }
        };
        let active = answer.remove("active") == Some(Value::Bool(true));
        if active && !is_access_token(&answer) {
            return Err(TokenProblem::NotAnAccessToken.into());
        }
        Ok(if active { Verdict::Active(answer) } else { Verdict::Inactive })
    }

    /// The answer inside a signed answer (RFC 9701), verified with the
    /// issuer's keys as its access tokens are (a key replaced under its
    /// `kid` is fetched again): its `typ`, `iss`, `aud` (this API's client
    /// id), signature, and that it was made just now (`iat`, and `exp`
    /// when given), so that an old answer about another token cannot be
    /// replayed.
    async fn verify_signed_answer(
        &self,
        issuer: &Issuer,
        introspector: &Introspector,
        jwt: &str,
    ) -> Result<Map<String, Value>, Disbelief> {
        let bad = Disbelief::NotBelieved;
        let parts = compact::split(jwt).map_err(|_| bad("it is not a JWS"))?;
        let header = compact::decode_explicitly_typed_header(parts.header, SIGNED_ANSWER_TYPE).map_err(|problem| {
            bad(match problem {
                TokenProblem::WrongType => "its `typ` is not `token-introspection+jwt`",
                TokenProblem::UnsupportedCritical => "its header has `crit`, which no extension here understands",
                TokenProblem::AlgorithmNotAllowed => "its `alg` is not accepted",
                _ => "its header is not a JOSE header",
            })
        })?;
        if !issuer.algorithms.contains(header.alg) {
            return Err(bad("its `alg` is not accepted"));
        }
        match Self::signing_key(issuer, &parts, &header).await {
            Ok(_) => {}
            Err(unavailable @ AuthError::KeysUnavailable { .. }) => {
                return Err(Disbelief::KeysUnavailable(unavailable));
            }
            Err(_) => return Err(bad("it is not signed by a key that the issuer holds")),
        }
        let mut claims = compact::decode_claims(parts.payload).map_err(|_| bad("its payload"))?;
        if claims.get("iss").and_then(Value::as_str) != Some(issuer.iss.as_str()) {
            return Err(bad("its `iss` is not the issuer"));
        }
        let for_us = match claims.get("aud") {
            Some(Value::String(aud)) => aud == introspector.client_id(),
            Some(Value::Array(auds)) => auds.iter().any(|aud| aud.as_str() == Some(introspector.client_id())),
            _ => false,
        };
        if !for_us {
            return Err(bad("its `aud` is not this API's client id"));
        }
        let now = clock::unix_now();
        let made = claims.get("iat").and_then(Value::as_f64).ok_or_else(|| bad("it has no numeric `iat`"))?;
        if made > now + self.leeway || made < now - self.leeway - SIGNED_ANSWER_MAX_AGE {
            return Err(bad("its `iat` is not now: an old answer replayed, or a clock far off"));
        }
        match claims.get("exp").map(Value::as_f64) {
            Some(None) => return Err(bad("its `exp` is not a number")),
            Some(Some(exp)) if exp <= now - self.leeway => return Err(bad("it has expired")),
            _ => {}
        }
        match claims.remove("token_introspection") {
            Some(Value::Object(answer)) => Ok(answer),
            _ => Err(bad("it has no `token_introspection` object")),
        }
    }

    /// The token that an active answer describes, after the checks that a
    /// JWT's claims pass.
    fn introspected_token(
        &self,
        issuer: &Issuer,
        raw: &str,
        mut answer: Map<String, Value>,
    ) -> Result<Token, AuthError> {
        // An answer need not say its issuer (RFC 7662): it is the one asked,
        // whose logouts and revocations by `iss` must reach the token.
        answer.entry("iss").or_insert_with(|| Value::String(issuer.iss.to_string()));
        // Read as a JWT's claims are: as JSON text, after the token.
        let text = format!("{raw}{}", Value::Object(answer));
        let json = text.get(raw.len()..).unwrap_or_default();
        let claims = ClaimSet::parse(json, compact::NOT_CLAIMS)?;
        let registered = claims::registered(&claims)?;
        if registered.iss.is_some_and(|iss| iss != issuer.iss) {
            return Err(TokenProblem::UntrustedIssuer.into());
        }
        let now = clock::unix_now();
        let expires_at = match claims.exp {
            Claim::Present(_) | Claim::Mistyped => {
                let expires_at = claims::check_times(&claims, now, self.leeway)?;
                // As a JWT's, where the answer states the token's lifetime
                // (RFC 7662 makes `iat` optional).
                if let Some(max_lifetime) = issuer.max_lifetime.filter(|_| !matches!(claims.iat, Claim::Absent)) {
                    claims::check_lifetime(&claims, expires_at, max_lifetime)?;
                }
                expires_at
            }
            // No `exp`: the answer is trusted for the cache's lifetime
            // only, which is then when the token is said to expire.
            Claim::Absent => {
                claims::check_start(&claims, now, self.leeway)?;
                now + self.introspected.ttl()
            }
        };
        claims::check_audience(&claims, &issuer.audience)?;
        claims::check_required(&claims, &issuer.required_claims)?;
        let grants = issuer.grants(&claims)?;
        let registered = KeptRegistered::of(json, &registered);
        drop(claims);
        let payload = Payload::new(text, raw.len(), registered);
        Ok(Token::new(issuer.source(self.leeway), None, payload, grants, expires_at))
    }
}

/// Whether an active introspection answer is about an access token. Its
/// `token_type` (RFC 7662 section 2.2) is an access token's type, `Bearer`
/// or `DPoP`, or not said, as many providers answer; so a provider that
/// reports a refresh or ID token active is told apart by what it adds
/// besides, when it adds it: Ory Hydra's `token_use` (`access_token`, or
/// `refresh_token`) and Keycloak's `typ` (`Bearer` or `DPoP`, or
/// `Refresh`, `Offline`, `ID`; or a JWT's `typ`, `at+jwt` or `JWT`). Each
/// must be an access token's, in any letter case.
fn is_access_token(answer: &Map<String, Value>) -> bool {
    let absent_or_one_of = |member: &str, kinds: &[&str]| match answer.get(member) {
        None => true,
        Some(Value::String(kind)) => kinds.iter().any(|one| kind.eq_ignore_ascii_case(one)),
        Some(_) => false,
    };
    absent_or_one_of("token_type", &["bearer", "dpop"])
        && absent_or_one_of("token_use", &["access_token", "access"])
        && absent_or_one_of("typ", &["bearer", "dpop", "at+jwt", "application/at+jwt", "jwt"])
}

#[cfg(feature = "__bench")]
impl Verifier {
    /// Remembers that the first issuer that introspects said `claims` of
    /// `token`, as if it had been asked: for the benchmarks of hits.
    pub(crate) async fn prime_introspection(&self, token: &str, claims: Map<String, Value>) {
        let issuer = self.issuers.iter().find(|issuer| issuer.introspector.is_some()).expect("an issuer introspects");
        let answer = self.introspected_token(issuer, token, claims).map(Verdict::Active);
        let _ = self.introspected.get_or_introspect(token, async { answer }).await;
    }
}

/// Why an answer is not taken as it is.
enum Disbelief {
    /// It cannot be believed, for this reason.
    NotBelieved(&'static str),
    /// The issuer's keys, to check it with, cannot be had.
    KeysUnavailable(AuthError),
}
