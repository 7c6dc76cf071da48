//! Issuers resolved per request: the tenants of issuer templates
//! (`issuer = "https://login.microsoftonline.com/{tenant}/v2.0"`), and those
//! an app's [`IssuerResolver`] finds, under the names its `issuer_names`
//! lists. Each gets keys of its own, found by discovery and refreshed in
//! the background once fetched; they are kept in a bounded cache. New ones
//! are admitted as [`admissions`] allows, so that a flood of made-up `iss`
//! values costs at most twice `tenant_discoveries` fetches per
//! `refetch_cooldown`; one whose discovery fails is refused without a
//! fetch for a `refetch_cooldown`. The resolver is asked again about each
//! issuer it found every `min_refresh` or so, and one it no longer answers
//! for as before is forgotten; [`Verifier::forget_issuer`] forgets one at
//! once.
//!
//! [`Verifier::forget_issuer`]: super::Verifier::forget_issuer

mod admissions;

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt as _, StreamExt as _};
use quick_cache::sync::Cache;

use self::admissions::{Admission, Admissions};
use super::RevocableIssuer;
use super::issuers::{Issuer, IssuerKeys, IssuerLimits};
use crate::config::settings::check_issuer_name;
use crate::config::{IssuerConfig, IssuerSettings};
use crate::error::ConfigError;
use crate::keys::Fetcher;
use crate::log_limit::LogLimit;

/// Finds the issuers of tokens whose `iss` no configured issuer or
/// template names: for apps whose tenants live in their own database.
///
/// It is asked before anything of the token is trusted, with the token's
/// `iss` as written; the answer is kept (with the tenant's keys) in the
/// cache of tenants. A `None` is not kept: an `iss` it does not know is
/// asked about again with each token that names it, so that a tenant that
/// signs up is admitted at once. A resolver whose lookups cost (a
/// database) remembers its own refusals for as long as suits it.
///
/// An issuer it found is asked about again in the background, once
/// `min_refresh` (60 s by default) has passed since it was last asked
/// (so within twice that). Once it answers otherwise than before (another
/// audience, other algorithms), or `None` twice in a row (a first `None`
/// may be a database's hiccup), the issuer is forgotten and its tokens
/// refused, cached ones too, until a token names it again and the new
/// answer is taken. Its answers must therefore be the same for the same
/// tenant (lists in the same order). An app that removes or changes a
/// tenant and cannot wait calls
/// [`Verifier::forget_issuer`](super::Verifier::forget_issuer).
///
/// ```
/// use jwt_guard::{config::IssuerConfig, verify::{IssuerResolver, ResolvedIssuer}};
///
/// /// The tenants that signed up, by their issuer URL.
/// struct SignedUpTenants;
///
/// #[jwt_guard::async_trait]
/// impl IssuerResolver for SignedUpTenants {
///     fn issuer_names(&self) -> &'static [&'static str] {
///         &["customers"]
///     }
///
///     async fn resolve(&self, iss: &str) -> Option<ResolvedIssuer> {
///         let tenant = iss.strip_prefix("https://auth.example.com/")?; // look it up in the database
///         let config = IssuerConfig::new(iss, "https://api.example.com");
///         Some(ResolvedIssuer::new("customers", tenant, config))
///     }
/// }
/// ```
#[async_trait::async_trait]
pub trait IssuerResolver: Send + Sync + 'static {
    /// Every name that the resolver gives its issuers
    /// ([`ResolvedIssuer::name`]): the names that policies may pin
    /// (`issuer = "customers"`). None may be a configured issuer's, so
    /// that a resolved issuer never passes for a configured one (the app
    /// does not launch otherwise); an issuer resolved under a name not
    /// listed here is refused.
    fn issuer_names(&self) -> &'static [&'static str];

    /// The issuer whose tokens say `iss`, or `None` to refuse them. An
    /// answer is waited for as long as a fetch is (`fetch_timeout`): the
    /// tokens of an issuer the resolver has not answered for by then are
    /// answered 503 with `Retry-After: 1`, as those of an issuer whose
    /// keys cannot be fetched.
    async fn resolve(&self, iss: &str) -> Option<ResolvedIssuer>;
}

/// A shared resolver is a resolver.
#[async_trait::async_trait]
impl<T: IssuerResolver + ?Sized> IssuerResolver for Arc<T> {
    fn issuer_names(&self) -> &'static [&'static str] {
        (**self).issuer_names()
    }

    async fn resolve(&self, iss: &str) -> Option<ResolvedIssuer> {
        (**self).resolve(iss).await
    }
}

/// An issuer that an [`IssuerResolver`] found.
///
/// ```
/// use jwt_guard::{config::IssuerConfig, verify::ResolvedIssuer};
///
/// /// A row of the app's `tenants` table.
/// struct Row { slug: &'static str, iss: &'static str }
///
/// fn resolved(row: &Row) -> ResolvedIssuer {
///     let config = IssuerConfig::new(row.iss, "https://api.example.com").algorithms(["RS256"]);
///     // Every tenant under the one name that policies pin: `issuer = "customers"`.
///     ResolvedIssuer::new("customers", row.slug, config)
/// }
/// let acme = Row { slug: "acme", iss: "https://acme.auth.example.com/" };
/// // The same answer each time, or the tenant is forgotten when it is asked again.
/// assert_eq!(resolved(&acme), resolved(&acme));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ResolvedIssuer {
    /// The name that policies use (`issuer = "customers"`), shared by
    /// every tenant the resolver finds, as a template's is.
    pub name: String,
    /// The tenant, which [`Token::tenant`](crate::Token::tenant) tells.
    pub tenant: String,
    /// Its configuration; its `issuer` must be the `iss` asked about.
    pub config: IssuerConfig,
}

impl ResolvedIssuer {
    /// The issuer of `config`, found for `tenant`, under the `name` that
    /// policies use (see the type's example).
    pub fn new(name: impl Into<String>, tenant: impl Into<String>, config: IssuerConfig) -> Self {
        Self { name: name.into(), tenant: tenant.into(), config }
    }
}

/// Checks that every name `resolver` gives its issuers is a well-formed
/// issuer name that none of `configured` has.
pub(super) fn check_resolver_names(resolver: &dyn IssuerResolver, configured: &[&str]) -> Result<(), ConfigError> {
    let error = |problem: String| ConfigError { key: "issuer_resolver".into(), problem };
    if resolver.issuer_names().is_empty() {
        return Err(error("`issuer_names` lists no name: list the names that `resolve` gives".into()));
    }
    for name in resolver.issuer_names() {
        check_issuer_name(name).map_err(|problem| error(format!("`{name}`: {problem}")))?;
        if configured.contains(name) {
            return Err(error(format!(
                "the resolver names its issuers `{name}`, as a configured issuer is named: \
                 a resolved issuer would pass for it; give them another name"
            )));
        }
    }
    Ok(())
}

/// The shortest wait between two passes that refresh resolved issuers'
/// keys.
const SHORTEST_WAIT: Duration = Duration::from_millis(50);

/// How many tenants' keys are refreshed at once: enough that a few
/// providers that hang until the fetch timeout hold up no others.
const CONCURRENT_REFRESHES: usize = 16;

/// The issuers resolved per request, and how to find new ones.
pub(super) struct TenantIssuers {
    templates: Vec<IssuerSettings>,
    resolver: Option<Arc<dyn IssuerResolver>>,
    known: Cache<String, Arc<Issuer>>,
    /// The issuers whose discovery failed, and when.
    failed: Cache<String, Instant>,
    /// What the resolver answered for each issuer of `known` it found,
    /// and when it was last asked.
    answers: Mutex<HashMap<String, Answer>>,
    /// How many times an issuer was forgotten: a resolution that saw it
    /// change keeps nothing.
    forgets: AtomicU64,
    admissions: Mutex<Admissions>,
    fetcher: Fetcher,
    limits: IssuerLimits,
}

/// What the resolver answered for an issuer, when it was asked, and
/// whether it refused it once since.
struct Answer {
    resolved: ResolvedIssuer,
    asked_at: Instant,
    refused_once: bool,
}

/// The resolver did not answer in time.
#[derive(Debug)]
pub(crate) struct ResolverStalled;

/// An issuer's settings and tenant, and the resolver's answer where it
/// came from the resolver.
struct Found {
    settings: IssuerSettings,
    tenant: String,
    answer: Option<ResolvedIssuer>,
}

impl std::fmt::Debug for TenantIssuers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantIssuers")
            .field("templates", &self.templates.len())
            .field("resolver", &self.resolver.is_some())
            .field("known", &self.known.len())
            .finish_non_exhaustive()
    }
}

impl TenantIssuers {
    /// The tenants of `templates`, at most `capacity` kept, `discoveries`
    /// new ones per `refetch_cooldown`, each held to `limits`.
    pub(super) fn new(
        templates: Vec<IssuerSettings>,
        capacity: u64,
        discoveries: u32,
        fetcher: Fetcher,
        limits: IssuerLimits,
    ) -> Self {
        let window = limits.refetch_cooldown.max(Duration::from_secs(1));
        let capacity = usize::try_from(capacity).unwrap_or(usize::MAX);
        Self {
            templates,
            resolver: None,
            known: Cache::new(capacity),
            failed: Cache::new(capacity),
            answers: Mutex::new(HashMap::new()),
            forgets: AtomicU64::new(0),
            admissions: Mutex::new(Admissions::new(discoveries, window, Instant::now())),
            fetcher,
            limits,
        }
    }

    /// Asks `resolver` about `iss` values that no template names.
    pub(super) fn with_resolver(mut self, resolver: Arc<dyn IssuerResolver>) -> Self {
        self.resolver = Some(resolver);
        self
    }

    /// The names of the templates, and those the resolver gives.
    pub(super) fn issuer_names(&self) -> impl Iterator<Item = &str> {
        let resolved = self.resolver.iter().flat_map(|resolver| resolver.issuer_names().iter().copied());
        self.templates.iter().map(|template| template.name.as_str()).chain(resolved)
    }

    /// Whether any issuer may be resolved per request.
    pub(super) fn any(&self) -> bool {
        !self.templates.is_empty() || self.resolver.is_some()
    }

    /// Refreshes the keys of the issuers resolved so far whenever they are
    /// due, as configured issuers' are, for as long as the future runs: a
    /// key that a tenant's provider withdraws stops being trusted here.
    /// Only issuers whose keys were fetched once are refreshed, so made-up
    /// tenants cost no fetches beyond their first.
    ///
    /// Each refresh runs on its own, [`CONCURRENT_REFRESHES`] at most at
    /// once, so that a provider that hangs until the fetch timeout holds
    /// up no other tenant's. The tenants are looked over when the soonest
    /// is due, and at most `min_refresh` apart, so that an issuer resolved
    /// meanwhile is refreshed at most that late.
    pub(super) async fn keep_keys_fresh(&self) {
        if !self.any() {
            return;
        }
        futures_util::future::join(self.refresh_keys(), self.ask_resolver_again()).await;
    }

    /// The key refreshes of [`TenantIssuers::keep_keys_fresh`].
    async fn refresh_keys(&self) {
        let mut in_flight = FuturesUnordered::new();
        let mut refreshing = HashSet::new();
        loop {
            let mut wait = self.fetcher.min_refresh();
            let mut waiting_for_a_slot = false;
            for (_, issuer) in self.known.iter() {
                let IssuerKeys::Remote(keys) = &issuer.keys else { continue };
                let address = Arc::as_ptr(&issuer).addr();
                if !keys.holds_keys() || refreshing.contains(&address) {
                    continue;
                }
                match keys.due_in() {
                    Some(due) if due.is_zero() && in_flight.len() == CONCURRENT_REFRESHES => waiting_for_a_slot = true,
                    Some(due) if due.is_zero() => {
                        refreshing.insert(address);
                        in_flight.push(async move {
                            let IssuerKeys::Remote(keys) = &issuer.keys else { return (address, None) };
                            (address, Some(keys.refresh_if_due().await))
                        });
                    }
                    Some(due) => wait = wait.min(due),
                    None => {}
                }
            }
            let next_look = tokio::time::sleep(wait.max(SHORTEST_WAIT));
            tokio::pin!(next_look);
            // The refreshes in flight run while the next look is awaited,
            // which comes sooner for one due again sooner (a failure's
            // backoff), or as soon as a slot frees for a due tenant.
            loop {
                tokio::select! {
                    Some((refreshed, due)) = in_flight.next() => {
                        refreshing.remove(&refreshed);
                        if waiting_for_a_slot {
                            break;
                        }
                        let again = due.and_then(|due| tokio::time::Instant::now().checked_add(due.max(SHORTEST_WAIT)));
                        if let Some(again) = again.filter(|again| *again < next_look.deadline()) {
                            next_look.as_mut().reset(again);
                        }
                    }
                    () = &mut next_look => break,
                }
            }
        }
    }

    /// Asks the resolver again about each issuer it found, once
    /// `min_refresh` passed since it was last asked, one at a time, for as
    /// long as the future runs. One that it answers for otherwise, or
    /// refuses twice in a row (a first refusal may be a database's
    /// hiccup), is forgotten. A resolver that panics keeps its issuers, and
    /// the upkeep beside this goes on.
    async fn ask_resolver_again(&self) {
        let Some(resolver) = &self.resolver else { return };
        let every = self.fetcher.min_refresh();
        loop {
            tokio::time::sleep(every).await;
            let due: Vec<(String, ResolvedIssuer)> = {
                let mut answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
                // Those that left the cache of tenants are no longer asked about.
                answers.retain(|iss, _| self.known.peek(iss).is_some());
                let due = answers.iter().filter(|(_, answer)| answer.asked_at.elapsed() >= every);
                due.map(|(iss, answer)| (iss.clone(), answer.resolved.clone())).collect()
            };
            for (iss, before) in due {
                let asked_at = Instant::now();
                let answer = AssertUnwindSafe(self.ask(resolver.as_ref(), &iss)).catch_unwind().await;
                let mut answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
                let Some(kept) = answers.get_mut(&iss) else { continue };
                let (forget, refused) = match answer {
                    Ok(Ok(Some(now))) => (now != before, false),
                    Ok(Ok(None)) => (kept.refused_once, true),
                    // Not answered in time: logged by `ask`.
                    Ok(Err(ResolverStalled)) => (false, kept.refused_once),
                    Err(_) => {
                        log::error!("jwt-guard: the issuer resolver panicked, asked about {iss:?} again: kept");
                        (false, kept.refused_once)
                    }
                };
                if forget {
                    drop(answers);
                    log::info!("jwt-guard: the issuer resolver no longer answers for {iss:?} as it did: forgotten");
                    self.forget(&iss);
                } else {
                    (kept.asked_at, kept.refused_once) = (asked_at, refused);
                }
            }
        }
    }

    /// Forgets the issuer `iss`, if it was resolved: its tokens are
    /// refused until one names it again and it is resolved afresh.
    /// Answers whether it was kept. A resolution under way meanwhile, of
    /// any issuer, serves its request but is not kept.
    pub(super) fn forget(&self, iss: &str) -> bool {
        self.forgets.fetch_add(1, Ordering::AcqRel);
        self.answers.lock().unwrap_or_else(PoisonError::into_inner).remove(iss);
        self.failed.remove(iss);
        self.known.remove(iss).is_some()
    }

    /// Whether `issuer` is still the one kept for its `iss`. One that left
    /// the cache is no longer refreshed, so its tokens must not be served
    /// from the cache of verified tokens.
    pub(super) fn still_kept(&self, issuer: &Arc<Issuer>) -> bool {
        self.known.peek(&issuer.iss).is_some_and(|kept| Arc::ptr_eq(&kept, issuer))
    }

    /// The issuer of tokens that say `iss`, if a template admits it or the
    /// resolver names it, and, for a new one, the admissions allow and no
    /// discovery of it failed within a `refetch_cooldown`; `Err` if the
    /// resolver did not answer in time.
    pub(super) async fn resolve(&self, iss: &str) -> Result<Option<Arc<Issuer>>, ResolverStalled> {
        if let Some(known) = self.known.get(iss) {
            return Ok(Some(known));
        }
        let failed_lately = || {
            let now = Instant::now();
            self.failed
                .get(iss)
                .is_some_and(|failed| now.saturating_duration_since(failed) < self.limits.refetch_cooldown)
        };
        if failed_lately() {
            return Ok(None);
        }
        let guard = match self.known.get_value_or_guard_async(iss).await {
            Ok(known) => return Ok(Some(known)),
            Err(guard) => guard,
        };
        // A request that waited on another's discovery, which failed, is
        // refused as the requests after it are, without a fetch.
        if failed_lately() {
            return Ok(None);
        }
        let (now, forgets_before) = (Instant::now(), self.forgets.load(Ordering::Acquire));
        let Some(Found { settings, tenant, answer }) = self.settings_for(iss).await? else { return Ok(None) };
        let admission = self.admissions.lock().unwrap_or_else(PoisonError::into_inner).take(iss, now);
        if let Admission::Refused { log } = admission {
            if log {
                log::warn!(
                    "jwt-guard: refusing new issuers such as {iss:?}: `tenant_discoveries` are used up until the \
                     `refetch_cooldown` ends (logged once per cooldown and budget)"
                );
            }
            return Ok(None);
        }
        let Ok(issuer) = Issuer::new(settings, &self.fetcher, self.limits, Some(tenant.into()))
            .inspect_err(|error| log::error!("jwt-guard: resolving {iss:?}: {error}"))
        else {
            return Ok(None);
        };
        let issuer = Arc::new(issuer);
        if let IssuerKeys::Remote(keys) = &issuer.keys {
            keys.refresh_if_due().await;
            if !keys.holds_keys() {
                // Refused without a fetch until the cooldown ends, so that
                // made-up tenants cannot retry their way past the budgets.
                self.failed.insert(iss.to_owned(), Instant::now());
                return Ok(Some(issuer));
            }
        }
        if self.forgets.load(Ordering::Acquire) != forgets_before {
            // Forgotten while it was resolved: an answer from before.
            return Ok(Some(issuer));
        }
        let _ = guard.insert(Arc::clone(&issuer));
        if let Some(resolved) = answer {
            let answer = Answer { resolved, asked_at: now, refused_once: false };
            self.answers.lock().unwrap_or_else(PoisonError::into_inner).insert(iss.to_owned(), answer);
        }
        Ok(Some(issuer))
    }

    /// The issuer of tokens that say `iss`, if a template admits it or the
    /// resolver names it, as revocations of its tokens by session or
    /// subject name it: by `iss` alone (a tenant has no aliases). Nothing
    /// is fetched or admitted to the cache of tenants: a revocation needs
    /// no keys. `Err` if the resolver did not answer in time.
    pub(super) async fn revocable<'a>(&self, iss: &'a str) -> Result<Option<RevocableIssuer<'a>>, ResolverStalled> {
        let max_lifetime = match self.known.peek(iss) {
            Some(known) => known.max_lifetime,
            None => match self.settings_for(iss).await? {
                Some(Found { settings, .. }) => settings.max_lifetime.map(|lifetime| lifetime.as_secs_f64()),
                None => return Ok(None),
            },
        };
        Ok(Some(RevocableIssuer { names: vec![iss], max_lifetime }))
    }

    /// The settings and tenant of the issuer `iss`, from a template that
    /// admits it, or from the resolver; `Err` if the resolver did not
    /// answer in time.
    async fn settings_for(&self, iss: &str) -> Result<Option<Found>, ResolverStalled> {
        for template in &self.templates {
            let Some(tenant) = template.tenants.as_ref().and_then(|tenants| tenants.tenant_of(iss)) else { continue };
            return Ok(template
                .for_tenant(iss, tenant)
                .inspect_err(|problem| log::info!("jwt-guard: refusing the issuer {iss:?}: {problem}"))
                .ok()
                .map(|settings| Found { settings, tenant: tenant.to_owned(), answer: None }));
        }
        let Some(resolver) = self.resolver.as_ref() else { return Ok(None) };
        let Some(answer) = self.ask(resolver.as_ref(), iss).await? else { return Ok(None) };
        Ok(checked_answer(resolver.as_ref(), iss, answer))
    }

    /// What the resolver answers for `iss`, waited for as long as a fetch
    /// is; `Err` if it did not answer by then.
    async fn ask(&self, resolver: &dyn IssuerResolver, iss: &str) -> Result<Option<ResolvedIssuer>, ResolverStalled> {
        let timeout = self.fetcher.timeout();
        tokio::time::timeout(timeout, resolver.resolve(iss)).await.map_err(|_| {
            static LOGGED: LogLimit = LogLimit::new();
            if let Some(held_back) = LOGGED.allow() {
                log::error!("jwt-guard: the issuer resolver did not answer for {iss:?} within {timeout:?}{held_back}");
            }
            ResolverStalled
        })
    }
}

/// The settings of the resolver's `answer` for `iss`, if it is one.
fn checked_answer(resolver: &dyn IssuerResolver, iss: &str, answer: ResolvedIssuer) -> Option<Found> {
    let ResolvedIssuer { name, tenant, config } = &answer;
    // Asked again with each token that names `iss`: logged once a
    // minute.
    static LOGGED: LogLimit = LogLimit::new();
    if config.issuer != iss || !resolver.issuer_names().contains(&name.as_str()) || config.tenants.is_some() {
        if let Some(held_back) = LOGGED.allow() {
            log::error!(
                "jwt-guard: the issuer resolver answered for {iss:?} with another `issuer`, a name that its \
                 `issuer_names` does not list, or a template{held_back}"
            );
        }
        return None;
    }
    match config.settings(name, None) {
        Ok(settings) => Some(Found { settings, tenant: tenant.clone(), answer: Some(answer) }),
        Err(error) => {
            if let Some(held_back) = LOGGED.allow() {
                log::error!("jwt-guard: the issuer resolver's configuration for {iss:?}: {error}{held_back}");
            }
            None
        }
    }
}
