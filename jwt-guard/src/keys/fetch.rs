//! Talking to issuers over HTTP: fetching key and discovery documents,
//! and posting introspection requests, with one timeout and one size limit
//! for every request, redirects followed only where an issuer's
//! configuration allows, and the refresh interval from `Cache-Control`.

use std::time::{Duration, Instant};

use reqwest::header::{CACHE_CONTROL, LOCATION};
use reqwest::{Client, Url, redirect};

use super::RedirectPolicy;
use crate::observe::metrics::{self, Fetch, FetchOutcome};

/// The most redirects followed for one fetch.
const MAX_REDIRECTS: usize = 5;

/// The bounds that every fetch keeps.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FetchLimits {
    /// The longest a whole request, body included, may take.
    pub(crate) timeout: Duration,
    /// The largest body accepted.
    pub(crate) max_bytes: usize,
    /// The shortest refresh interval honoured.
    pub(crate) min_refresh: Duration,
    /// The longest refresh interval, and the one used without `max-age`.
    pub(crate) max_refresh: Duration,
}

/// A body that was fetched, and how long it may be kept.
#[derive(Debug)]
pub(crate) struct Fetched {
    pub(crate) body: Vec<u8>,
    pub(crate) max_age: Duration,
}

/// What an endpoint answered to a form.
#[derive(Debug)]
pub(crate) enum FormAnswer {
    /// `200 OK`: the media type (lower-cased, without parameters) and the
    /// body.
    Answered { media_type: String, body: Vec<u8> },
    /// `429 Too Many Requests`, with the wait it asks for, when it names
    /// one in seconds (at most an hour).
    TooManyRequests { retry_after: Option<Duration> },
    /// `400 Bad Request`, with the OAuth `error` code of its body (RFC
    /// 6749 section 5.2), if it has one made of lower-case letters and
    /// `_`: the endpoint would not answer this form, which some answer
    /// about one odd token, or about the client's credentials.
    BadRequest { error: Option<String> },
}

/// An HTTP client for key documents, shared by the issuers of an app that
/// follow no redirects.
#[derive(Debug, Clone)]
pub(crate) struct Fetcher {
    client: Client,
    limits: FetchLimits,
}

impl Fetcher {
    /// The shortest refresh interval honoured.
    pub(crate) fn min_refresh(&self) -> Duration {
        self.limits.min_refresh
    }

    /// The longest a whole fetch may take.
    pub(crate) fn timeout(&self) -> Duration {
        self.limits.timeout
    }

    /// A client that keeps `limits` and follows no redirects.
    pub(crate) fn new(limits: FetchLimits) -> Result<Self, String> {
        Self::with_redirects(limits, redirect::Policy::none())
    }

    /// A client with the same limits that follows the redirects `policy`
    /// allows, at most [`MAX_REDIRECTS`] in a row.
    pub(crate) fn following(&self, policy: RedirectPolicy) -> Result<Self, String> {
        if policy.hosts.is_empty() {
            return Ok(self.clone());
        }
        let redirects = redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
            }
            match policy.check(attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(problem) => attempt.error(problem),
            }
        });
        Self::with_redirects(self.limits, redirects)
    }

    fn with_redirects(limits: FetchLimits, redirects: redirect::Policy) -> Result<Self, String> {
        let client = Client::builder()
            .timeout(limits.timeout)
            .connect_timeout(limits.timeout)
            .redirect(redirects)
            .user_agent(concat!("jwt-guard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| format!("cannot build the HTTP client: {error}"))?;
        Ok(Self { client, limits })
    }

    /// GETs `url`, the document `what`, refusing a non-2xx answer and a
    /// body over the size limit.
    pub(crate) async fn get(&self, url: &Url, what: Fetch) -> Result<Fetched, String> {
        let started = Instant::now();
        let fetched = self.get_unmeasured(url).await;
        let outcome = if fetched.is_ok() { FetchOutcome::Ok } else { FetchOutcome::Failed };
        metrics::fetch(what, outcome, started.elapsed());
        fetched
    }

    /// [`Fetcher::get`], without the metrics.
    async fn get_unmeasured(&self, url: &Url) -> Result<Fetched, String> {
        let mut response = self
            .client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(describe)?;
        let status = response.status();
        if status.is_redirection() {
            let location = response.headers().get(LOCATION).and_then(|value| value.to_str().ok()).unwrap_or("nowhere");
            return Err(format!(
                "{url} answered {status}, a redirect to {location}; \
                 redirects are followed only to the hosts in the issuer's `follow_redirects_to`"
            ));
        }
        if !status.is_success() {
            return Err(format!("{url} answered {status}"));
        }
        let max_age = self.max_age(response.headers().get(CACHE_CONTROL));
        let body = self.body(&mut response, url).await?;
        Ok(Fetched { body, max_age })
    }

    /// POSTs `form` to `url`, as the client `client_id` with `secret` when
    /// `basic` is given (HTTP Basic, each form-encoded first, as RFC 6749
    /// section 2.3.1 says), accepting the media types of `accept`;
    /// answers the media type and the body of a 200, the wait that a 429
    /// asks for, or a 400, and refuses any other status.
    pub(crate) async fn post_form(
        &self,
        url: &Url,
        form: &[(&str, &str)],
        basic: Option<(&str, &str)>,
        accept: &str,
    ) -> Result<FormAnswer, String> {
        let started = Instant::now();
        let answer = self.post_form_unmeasured(url, form, basic, accept).await;
        let outcome = match answer {
            Ok(FormAnswer::Answered { .. }) => FetchOutcome::Ok,
            Ok(FormAnswer::TooManyRequests { .. }) => FetchOutcome::Throttled,
            Ok(FormAnswer::BadRequest { .. }) | Err(_) => FetchOutcome::Failed,
        };
        metrics::fetch(Fetch::Introspection, outcome, started.elapsed());
        answer
    }

    /// [`Fetcher::post_form`], without the metrics.
    async fn post_form_unmeasured(
        &self,
        url: &Url,
        form: &[(&str, &str)],
        basic: Option<(&str, &str)>,
        accept: &str,
    ) -> Result<FormAnswer, String> {
        let encode = |text: &str| form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let mut request = self.client.post(url.clone());
        if let Some((client_id, secret)) = basic {
            request = request.basic_auth(encode(client_id), Some(encode(secret)));
        }
        let mut response = request
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(reqwest::header::ACCEPT, accept)
            .body(body)
            .send()
            .await
            .map_err(describe)?;
        let status = response.status();
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            let retry_after = response.headers().get(reqwest::header::RETRY_AFTER).and_then(|value| {
                value.to_str().ok()?.trim().parse::<u64>().ok().map(|seconds| Duration::from_secs(seconds.min(3600)))
            });
            return Ok(FormAnswer::TooManyRequests { retry_after });
        }
        if status == reqwest::StatusCode::BAD_REQUEST {
            #[derive(serde::Deserialize)]
            struct ErrorBody {
                error: String,
            }
            let body = self.body(&mut response, url).await.unwrap_or_default();
            let error = serde_json::from_slice::<ErrorBody>(&body).ok().map(|body| body.error).filter(|code| {
                code.len() <= 64
                    && !code.is_empty()
                    && code.bytes().all(|byte| byte.is_ascii_lowercase() || byte == b'_')
            });
            return Ok(FormAnswer::BadRequest { error });
        }
        if status != reqwest::StatusCode::OK {
            return Err(format!("{url} answered {status}"));
        }
        let media_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        Ok(FormAnswer::Answered { media_type, body: self.body(&mut response, url).await? })
    }

    /// The body of `response`, refused over the size limit.
    async fn body(&self, response: &mut reqwest::Response, url: &Url) -> Result<Vec<u8>, String> {
        let too_large = || format!("{url} sent more than {} bytes", self.limits.max_bytes);
        if response.content_length().is_some_and(|len| len > self.limits.max_bytes as u64) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(describe)? {
            if body.len() + chunk.len() > self.limits.max_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// The refresh interval that `Cache-Control` asks for, within bounds.
    fn max_age(&self, cache_control: Option<&reqwest::header::HeaderValue>) -> Duration {
        let directives = cache_control.and_then(|value| value.to_str().ok()).unwrap_or_default();
        let mut max_age = None;
        for directive in directives.split(',').map(str::trim) {
            if directive.eq_ignore_ascii_case("no-cache") || directive.eq_ignore_ascii_case("no-store") {
                return self.limits.min_refresh;
            }
            if let Some((name, value)) = directive.split_once('=')
                && name.trim().eq_ignore_ascii_case("max-age")
            {
                max_age = value.trim().parse().ok().map(Duration::from_secs);
            }
        }
        max_age.unwrap_or(self.limits.max_refresh).clamp(self.limits.min_refresh, self.limits.max_refresh)
    }
}

/// A transport error in words, without the noise of its source chain.
fn describe(error: reqwest::Error) -> String {
    let url = error.url().map(|url| url.to_string()).unwrap_or_default();
    if error.is_timeout() {
        format!("{url} did not answer in time")
    } else if let Some(refusal) = std::error::Error::source(&error).filter(|_| error.is_redirect()) {
        format!("fetching keys failed: {refusal}")
    } else if error.is_connect() {
        format!("cannot connect to {url}")
    } else {
        format!("fetching {url} failed: {error}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn fetcher() -> Fetcher {
        Fetcher::new(FetchLimits {
            timeout: Duration::from_secs(1),
            max_bytes: 1024,
            min_refresh: Duration::from_secs(60),
            max_refresh: Duration::from_secs(3600),
        })
        .unwrap()
    }

    #[test]
    fn max_age_is_honoured_within_bounds() {
        let fetcher = fetcher();
        let age = |value: &str| fetcher.max_age(Some(&HeaderValue::from_str(value).unwrap()));
        assert_eq!(age("public, max-age=600"), Duration::from_secs(600));
        assert_eq!(age("max-age=5"), Duration::from_secs(60));
        assert_eq!(age("MAX-AGE = 99999999"), Duration::from_secs(3600));
        assert_eq!(age("no-store"), Duration::from_secs(60));
        assert_eq!(age("max-age=nonsense"), Duration::from_secs(3600));
        assert_eq!(fetcher.max_age(None), Duration::from_secs(3600));
    }
}
