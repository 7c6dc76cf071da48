//! Introspection (RFC 7662), free of any web framework: asking an issuer
//! whether a token is active, for opaque tokens and for the JWTs of
//! issuers that say `introspect = "always"`, and remembering the answers
//! ([`IntrospectionCache`]). The verifier turns an active answer into the
//! same `Token` that a verified JWT becomes. Each issuer is asked at most
//! `introspection_rate` questions per second ([`rate`]).

mod cache;
mod client_auth;
mod rate;

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::Url;
use serde::Deserialize;
use serde_json::{Map, Value};

pub(crate) use cache::{IntrospectionCache, Verdict};
use client_auth::ClientAuthentication;
use rate::{Allowance, QuestionRate};

use crate::backoff::{Backoff, FIRST_BACKOFF};
use crate::config::{IntrospectMode, IntrospectionSettings};
use crate::error::AuthError;
use crate::keys::{Fetcher, FormAnswer, check_discovered_issuer, check_scheme};
use crate::log_limit::LogLimit;
use crate::observe::metrics::Fetch;

/// The media type of a signed introspection response (RFC 9701).
pub(crate) const SIGNED_RESPONSE: &str = "application/token-introspection+jwt";

/// What an issuer answered about a token.
#[derive(Debug)]
pub(crate) enum Answer {
    /// A JSON object: `active`, and the token's claims when active.
    Json(Map<String, Value>),
    /// A signed response (RFC 9701), for the verifier to verify with the
    /// issuer's keys.
    Signed(String),
}

/// Asks one issuer about its tokens.
#[derive(Debug)]
pub(crate) struct Introspector {
    settings: IntrospectionSettings,
    fetcher: Fetcher,
    /// The endpoint found in the discovery document, when none is
    /// configured: found once, and again after a question to it fails.
    /// An async lock, so that one discovery serves every waiting question.
    discovered: tokio::sync::Mutex<Option<Url>>,
    /// Failures in a row, after which requests get a 503 until the wait
    /// is over rather than each asking a server that is down.
    backoff: Mutex<Backoff>,
    /// How many questions it may be asked now.
    rate: Mutex<QuestionRate>,
    /// The warning that the rate was reached.
    rate_reached: LogLimit,
    /// The failures of questions: one line a minute while the issuer
    /// fails at every retry of the backoff.
    failures_logged: LogLimit,
}

/// What came of a question.
enum Outcome {
    Answer(Answer),
    /// The provider answered 429, asking for this wait if it named one.
    SlowDown(Option<Duration>),
    /// The provider answered 400 about this token, with this OAuth error
    /// code, if it gave one.
    BadRequest(Option<String>),
}

#[derive(Deserialize)]
struct DiscoveryDocument {
    issuer: String,
    introspection_endpoint: Option<String>,
}

impl Introspector {
    /// An introspector of `settings` that talks to the issuer with
    /// `fetcher`'s limits (and no redirects), at most `per_second`
    /// questions a second.
    pub(crate) fn new(settings: IntrospectionSettings, fetcher: &Fetcher, per_second: u32) -> Self {
        let rate = Mutex::new(QuestionRate::new(per_second, Instant::now()));
        let discovered = tokio::sync::Mutex::default();
        let (backoff, rate_reached, failures_logged) = (Mutex::default(), LogLimit::new(), LogLimit::new());
        Self { settings, fetcher: fetcher.clone(), discovered, backoff, rate, rate_reached, failures_logged }
    }

    /// Which of the issuer's tokens are introspected.
    pub(crate) fn mode(&self) -> IntrospectMode {
        self.settings.mode
    }

    /// Whether the issuer claims the opaque `token`: it starts with the
    /// issuer's `opaque_token_prefix`, or the issuer has none.
    pub(crate) fn claims(&self, token: &str) -> bool {
        self.settings.opaque_prefix.as_deref().is_none_or(|prefix| token.starts_with(prefix))
    }

    /// Whether the issuer was asked for signed answers (RFC 9701), so that
    /// a plain one is refused.
    pub(crate) fn wants_signed(&self) -> bool {
        self.settings.signed
    }

    /// The API's client id at the issuer: the `aud` of a signed response.
    pub(crate) fn client_id(&self) -> &str {
        &self.settings.client_id
    }

    /// Asks the issuer about `token`, if its rate allows.
    ///
    /// # Errors
    ///
    /// [`AuthError::IntrospectionUnavailable`] when the issuer cannot be
    /// asked, did not answer in the last back-off period, or was asked as
    /// many questions as its rate allows; and for this question only, when
    /// it answers `429 Too Many Requests`, or `400 Bad Request` but for
    /// refusing the API's client credentials (`invalid_client`,
    /// `unauthorized_client`), which backs off as an outage does.
    pub(crate) async fn ask(&self, token: &str, issuer: &str) -> Result<Answer, AuthError> {
        let now = Instant::now();
        {
            let backoff = self.backoff.lock().unwrap_or_else(PoisonError::into_inner);
            if !backoff.allows(now) {
                return Err(AuthError::IntrospectionUnavailable { retry_after: backoff.retry_after(now) });
            }
        }
        let allowance = self.rate.lock().unwrap_or_else(PoisonError::into_inner).take(now);
        if let Allowance::Wait(wait) = allowance {
            if let Some(held_back) = self.rate_reached.allow() {
                log::warn!(
                    "jwt-guard: `{issuer}` was asked about as many tokens as `introspection_rate` allows; tokens \
                     not remembered get a 503 until it allows more{held_back}"
                );
            }
            return Err(AuthError::IntrospectionUnavailable { retry_after: wait });
        }
        match self.post(token).await {
            Ok(Outcome::Answer(answer)) => {
                self.backoff.lock().unwrap_or_else(PoisonError::into_inner).succeeded();
                self.rate.lock().unwrap_or_else(PoisonError::into_inner).answered();
                Ok(answer)
            }
            Ok(Outcome::SlowDown(retry_after)) => {
                // Not a failure of the server: the others asking meanwhile
                // are served at the rate it bears.
                if let Some(rate) = self.rate.lock().unwrap_or_else(PoisonError::into_inner).slow_down() {
                    log::warn!(
                        "jwt-guard: `{issuer}` answered 429 to an introspection: asking {rate} a second at most"
                    );
                }
                Err(AuthError::IntrospectionUnavailable { retry_after: retry_after.unwrap_or(FIRST_BACKOFF) })
            }
            Ok(Outcome::BadRequest(code)) => {
                // Not an outage either: a provider may answer so about one
                // odd token, which must not stop the others being asked
                // about. The rate still bounds how often. (One that
                // refuses the client's credentials so is a failure, above.)
                if let Some(held_back) = self.failures_logged.allow() {
                    let code = code.as_deref().unwrap_or("no error code");
                    log::error!("jwt-guard: `{issuer}` answered 400 ({code}) to an introspection{held_back}");
                }
                Err(AuthError::IntrospectionUnavailable { retry_after: FIRST_BACKOFF })
            }
            Err(problem) => {
                if let Some(held_back) = self.failures_logged.allow() {
                    log::error!("jwt-guard: introspecting a token of `{issuer}`: {problem}{held_back}");
                }
                let mut backoff = self.backoff.lock().unwrap_or_else(PoisonError::into_inner);
                backoff.failed(Instant::now());
                Err(AuthError::IntrospectionUnavailable { retry_after: backoff.retry_after(Instant::now()) })
            }
        }
    }

    /// POSTs `token` to the endpoint and reads the answer.
    async fn post(&self, token: &str) -> Result<Outcome, String> {
        let endpoint = &self.endpoint().await?;
        let accept = if self.settings.signed { SIGNED_RESPONSE } else { "application/json" };
        let settings = &self.settings;
        let client = ClientAuthentication::new(&settings.client_id, &settings.credential, &settings.issuer)?;
        let mut form = vec![("token", token), ("token_type_hint", "access_token")];
        form.extend(client.form_fields());
        let posted = self.fetcher.post_form(endpoint, &form, client.basic(), accept).await;
        if posted.is_err() && self.settings.endpoint.is_none() {
            // The provider may have moved it: the next question asks the
            // discovery document again, unless another found it anew.
            let mut discovered = self.discovered.lock().await;
            if discovered.as_ref() == Some(endpoint) {
                *discovered = None;
            }
        }
        let (media_type, body) = match posted? {
            FormAnswer::Answered { media_type, body } => (media_type, body),
            FormAnswer::TooManyRequests { retry_after } => return Ok(Outcome::SlowDown(retry_after)),
            FormAnswer::BadRequest { error: Some(code) }
                if matches!(&*code, "invalid_client" | "unauthorized_client") =>
            {
                return Err(format!("{endpoint} refused the API's client credentials ({code}): check them"));
            }
            FormAnswer::BadRequest { error } => return Ok(Outcome::BadRequest(error)),
        };
        if media_type == SIGNED_RESPONSE {
            let text =
                String::from_utf8(body).map_err(|_| format!("{endpoint} sent a signed answer that is not text"))?;
            return Ok(Outcome::Answer(Answer::Signed(text.trim().to_owned())));
        }
        serde_json::from_slice::<Map<String, Value>>(&body)
            .map(|answer| Outcome::Answer(Answer::Json(answer)))
            .map_err(|_| format!("{endpoint} did not answer with a JSON object"))
    }

    /// The endpoint: the configured one, or else the one the discovery
    /// document names.
    async fn endpoint(&self) -> Result<Url, String> {
        if let Some(configured) = &self.settings.endpoint {
            return Ok(configured.clone());
        }
        let mut discovered = self.discovered.lock().await;
        if let Some(endpoint) = discovered.as_ref() {
            return Ok(endpoint.clone());
        }
        let endpoint = self.discover().await?;
        *discovered = Some(endpoint.clone());
        Ok(endpoint)
    }

    /// The endpoint that the discovery document names.
    async fn discover(&self) -> Result<Url, String> {
        let document = &self.settings.discovery;
        let fetched = self.fetcher.get(document, Fetch::Discovery).await?;
        let parsed: DiscoveryDocument = serde_json::from_slice(&fetched.body)
            .map_err(|_| format!("{document} is not a discovery document with an `issuer`"))?;
        check_discovered_issuer(document, &parsed.issuer, &self.settings.issuer)?;
        let text =
            parsed.introspection_endpoint.ok_or_else(|| format!("{document} names no `introspection_endpoint`"))?;
        let url =
            Url::parse(&text).map_err(|error| format!("{document}: `introspection_endpoint` is not a URL: {error}"))?;
        check_scheme(&url, self.settings.allow_http).map_err(|problem| format!("{document}: {problem}"))?;
        if self.settings.discovered_at_own_origin && url.origin() != document.origin() {
            return Err(format!(
                "{document}: the `introspection_endpoint` is at another origin, {}; a tenant's introspection is \
                 asked at its own issuer's origin only, so that the API's credentials go nowhere else",
                url.origin().ascii_serialization()
            ));
        }
        Ok(url)
    }
}
