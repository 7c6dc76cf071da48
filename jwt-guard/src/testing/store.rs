//! [`check_token_store`]: what every [`TokenStore`] must do, checked the
//! same way for the shipped stores and for an app's own.

use futures_util::future::join_all;

use crate::clock;
use crate::keys::signing::random_id;
use crate::store::{
    FamilyRecord, LoginAttempt, LoginFailures, LoginThrottle, REMEMBERED_TOKENS, Reservation, Revocation, Revoked,
    Rotation, RotationOutcome, TokenStore,
};

/// Checks that `store` keeps the promises of [`TokenStore`]: revocations
/// kept until they expire (and swept once they have), the latest of a
/// token's, session's or subject's applying; rotations that detect
/// reuse, honour a grace period and, of 16 concurrent rotations of one
/// token, let exactly one through and take the next for a reuse that ends
/// the family; families that remember their last
/// [`REMEMBERED_TOKENS`] tokens only; ended and expired families, whose
/// sessions are revoked in the step that ends them; failed
/// logins counted and forgotten; keys used once, of 16 concurrent uses. It panics, naming the broken promise.
///
/// Every id it uses is random, so it can run against a store that holds
/// other data, such as a shared Redis.
///
/// ```
/// # futures_util::FutureExt::now_or_never(async {
/// jwt_guard::testing::check_token_store(&jwt_guard::store::MemoryStore::new()).await;
/// # }).unwrap();
/// ```
pub async fn check_token_store(store: &dyn TokenStore) {
    let now = clock::unix_now_secs();
    let run = run_id();
    revocations_last_until_they_expire(store, now, &run).await;
    a_subjects_latest_revocation_holds_whatever_the_order(store, now, &run).await;
    issuer_scoped_revocations_are_kept_apart(store, now, &run).await;
    rotations_detect_reuse(store, now, &run).await;
    a_retry_within_the_grace_rotates_again(store, now, &run).await;
    a_family_unused_too_long_ends(store, now, &run).await;
    one_of_many_concurrent_rotations_wins(store, now, &run).await;
    a_family_remembers_its_latest_tokens_only(store, now, &run).await;
    families_end_and_expire(store, now, &run).await;
    failed_logins_are_counted_then_forgotten(store, now, &run).await;
    a_key_is_used_once(store, now, &run).await;
}

/// 96 random bits, base64url: the ids of one run of a check, apart from
/// whatever else the store holds.
pub(super) fn run_id() -> String {
    random_id(12).unwrap_or_else(|error| panic!("jwt-guard testing: {error}"))
}

async fn revocations_last_until_they_expire(store: &dyn TokenStore, now: u64, run: &str) {
    let token = Revocation { revoked: Revoked::Token(format!("{run}-jti")), until: now + 60 };
    let session = Revocation { revoked: Revoked::Session(format!("{run}-sid")), until: now + 120 };
    let subject = |before, until| Revocation { revoked: Revoked::Subject { sub: format!("{run}-sub"), before }, until };
    for revocation in [&token, &session, &subject(now, now + 30), &subject(now + 5, now + 90)] {
        store.revoke(revocation).await.expect("a revocation is stored");
    }
    store.revoke(&Revocation { until: now + 10, ..token.clone() }).await.expect("an earlier expiry is stored");
    // A subject may be listed once per revocation of it: the latest
    // `before` applies, as the mirror merges them.
    let mine = |all: Vec<Revocation>| {
        let mut mine: Vec<_> =
            all.into_iter().filter(|revocation| revocation.revoked.key().1.starts_with(run)).collect();
        let latest_subject = mine
            .iter()
            .filter(|revocation| revocation.revoked.key().0 == "subject")
            .max_by_key(|revocation| revocation.until)
            .cloned();
        mine.retain(|revocation| revocation.revoked.key().0 != "subject");
        mine.extend(latest_subject);
        mine.sort_by_key(|revocation| revocation.until);
        mine
    };
    let live = mine(store.revocations(now).await.expect("revocations are listed"));
    assert_eq!(live, [token.clone(), subject(now + 5, now + 90), session.clone()], "live revocations, the latest kept");
    let later = mine(store.revocations(now + 60).await.expect("revocations are listed"));
    assert_eq!(later, [subject(now + 5, now + 90), session], "a revocation is not listed once it expired");

    // A sweep at `now` drops only what expired by then, so it is safe on
    // a store that holds other data.
    let expired = Revocation { revoked: Revoked::Token(format!("{run}-expired-jti")), until: now - 1 };
    store.revoke(&expired).await.expect("a revocation is stored");
    store.sweep(now).await.expect("a sweep is answered");
    let kept = store.revocations(0).await.expect("revocations are listed");
    assert!(!kept.contains(&expired), "a sweep forgets a revocation that expired");
    assert!(kept.contains(&token), "a sweep keeps a live revocation");
}

/// A logout retried late (an earlier `before`, a later `until`) must not
/// undo a newer one: loaded, the subject's revocations come to the latest
/// of each.
async fn a_subjects_latest_revocation_holds_whatever_the_order(store: &dyn TokenStore, now: u64, run: &str) {
    let (sub, iss) = (format!("{run}-retried-sub"), format!("https://{run}.idp.test"));
    let subject = |before, until| Revocation { revoked: Revoked::Subject { sub: sub.clone(), before }, until };
    let of_issuer = |before, until| Revocation {
        revoked: Revoked::IssuerSubject { iss: iss.clone(), sub: sub.clone(), before },
        until,
    };
    for revocation in [subject(now + 5, now + 90), subject(now + 1, now + 100)] {
        store.revoke(&revocation).await.expect("a revocation is stored");
    }
    for revocation in [of_issuer(now + 5, now + 90), of_issuer(now + 1, now + 100)] {
        store.revoke(&revocation).await.expect("an issuer's revocation is stored");
    }
    let listed = store.revocations(now).await.expect("revocations are listed");
    let latest = |own: &dyn Fn(&Revoked) -> Option<u64>| {
        let held =
            listed.iter().filter_map(|revocation| own(&revocation.revoked).map(|before| (before, revocation.until)));
        held.fold((0, 0), |(before, until), held| (before.max(held.0), until.max(held.1)))
    };
    let of_subject = latest(&|revoked| match revoked {
        Revoked::Subject { sub: listed, before } if *listed == sub => Some(*before),
        _ => None,
    });
    assert_eq!(of_subject, (now + 5, now + 100), "the latest `before` and `until` of a subject's revocations");
    let of_issuers_subject = latest(&|revoked| match revoked {
        Revoked::IssuerSubject { iss: listed_iss, sub: listed, before } if *listed == sub && *listed_iss == iss => {
            Some(*before)
        }
        _ => None,
    });
    assert_eq!(of_issuers_subject, (now + 5, now + 100), "the same of an issuer's subject");
}

async fn issuer_scoped_revocations_are_kept_apart(store: &dyn TokenStore, now: u64, run: &str) {
    let iss = |n: u8| format!("https://{run}.idp{n}.test");
    let session = |n| Revocation { revoked: Revoked::IssuerSession { iss: iss(n), sid: "s1".into() }, until: now + 60 };
    let token = |n| Revocation { revoked: Revoked::IssuerToken { iss: iss(n), jti: "t1".into() }, until: now + 65 };
    let subject = |n| Revocation {
        revoked: Revoked::IssuerSubject { iss: iss(n), sub: "ada".into(), before: now },
        until: now + 70,
    };
    let all = [session(1), session(2), token(1), token(2), subject(1), subject(2)];
    for revocation in &all {
        store.revoke(revocation).await.expect("an issuer's revocation is stored");
    }
    let listed = store.revocations(now).await.expect("revocations are listed");
    for revocation in &all {
        assert!(listed.contains(revocation), "each issuer's session, token and subject is kept apart: {revocation:?}");
    }
}

/// A family of `run` with this suffix, created at `now`, expiring a minute
/// later, and its first token's hash.
async fn family(store: &dyn TokenStore, now: u64, run: &str, name: &str) -> (FamilyRecord, String) {
    let record = FamilyRecord {
        id: format!("{run}-{name}"),
        subject: format!("{run}-user"),
        grant: r#"{"subject":"user"}"#.into(),
        created_at: now,
        expires_at: now + 60,
    };
    let first = format!("{run}-{name}-0");
    store.start_family(&record, &first).await.expect("a family is started");
    (record, first)
}

/// Until when a family that ends is revoked, in these checks.
const REVOKED_FOR: u64 = 300;

async fn rotate(store: &dyn TokenStore, presented: &str, next: &str, now: u64, grace: u64) -> RotationOutcome {
    let rotation = Rotation { presented, next, now, grace, revoked_until: now + REVOKED_FOR, idle_timeout: None };
    store.rotate(&rotation).await.expect("a rotation is answered")
}

/// Whether the store lists the session `id` as revoked until `until` (or
/// later) at `now`.
async fn session_revoked(store: &dyn TokenStore, id: &str, now: u64, until: u64) -> bool {
    let listed = store.revocations(now).await.expect("revocations are listed");
    listed.iter().any(|revocation| {
        matches!(&revocation.revoked, Revoked::Session(sid) if sid == id) && revocation.until >= until
    })
}

async fn rotations_detect_reuse(store: &dyn TokenStore, now: u64, run: &str) {
    let (record, first) = family(store, now, run, "reuse").await;
    let second = format!("{first}-2");
    let third = format!("{first}-3");
    assert_eq!(rotate(store, &first, &second, now, 0).await, RotationOutcome::Rotated(record.clone()));
    assert_eq!(rotate(store, &second, &third, now + 1, 0).await, RotationOutcome::Rotated(record.clone()));
    assert!(!session_revoked(store, &record.id, now, 0).await, "a family that rotates is not revoked");
    assert_eq!(rotate(store, &first, "x", now + 2, 0).await, RotationOutcome::Reused(record.clone()), "reuse");
    let revoked = session_revoked(store, &record.id, now, now + 2 + REVOKED_FOR).await;
    assert!(revoked, "a reuse revokes the session, in the step that ends the family");
    assert_eq!(rotate(store, &third, "y", now + 3, 0).await, RotationOutcome::Ended(record), "the family ended");
    assert_eq!(rotate(store, &format!("{run}-never-issued"), "z", now, 0).await, RotationOutcome::Unknown);
}

async fn a_family_remembers_its_latest_tokens_only(store: &dyn TokenStore, now: u64, run: &str) {
    let (record, first) = family(store, now, run, "remembered").await;
    let issued: Vec<String> =
        std::iter::once(first.clone()).chain((1..=REMEMBERED_TOKENS + 2).map(|n| format!("{first}-{n}"))).collect();
    for pair in issued.windows(2) {
        assert_eq!(rotate(store, &pair[0], &pair[1], now, 0).await, RotationOutcome::Rotated(record.clone()));
    }
    // The last REMEMBERED_TOKENS are kept: the current one and the
    // retired ones before it.
    let oldest_kept = issued.len() - REMEMBERED_TOKENS;
    let forgotten = rotate(store, &issued[oldest_kept - 1], "x", now, 0).await;
    assert_eq!(forgotten, RotationOutcome::Unknown, "a token older than the last {REMEMBERED_TOKENS} is forgotten");
    let reused = rotate(store, &issued[oldest_kept], "y", now, 0).await;
    assert_eq!(reused, RotationOutcome::Reused(record), "the oldest token kept is known as reused");
}

async fn a_retry_within_the_grace_rotates_again(store: &dyn TokenStore, now: u64, run: &str) {
    let (record, first) = family(store, now, run, "grace").await;
    let (second, retried) = (format!("{first}-2"), format!("{first}-2b"));
    assert_eq!(rotate(store, &first, &second, now, 5).await, RotationOutcome::Rotated(record.clone()));
    let retry = rotate(store, &first, &retried, now + 3, 5).await;
    assert_eq!(retry, RotationOutcome::Rotated(record.clone()), "the retired token, 3 s later, within 5 s of grace");
    let late = rotate(store, &first, "late", now + 6, 5).await;
    assert_eq!(late, RotationOutcome::Reused(record), "the retired token after the grace");
}

async fn a_family_unused_too_long_ends(store: &dyn TokenStore, now: u64, run: &str) {
    let (record, first) = family(store, now, run, "idle").await;
    let second = format!("{first}-2");
    let idle = |presented, next, at| Rotation {
        presented,
        next,
        now: at,
        grace: 0,
        revoked_until: at + REVOKED_FOR,
        idle_timeout: Some(10),
    };
    let outcome = store.rotate(&idle(&first, &second, now + 10)).await.expect("a rotation is answered");
    assert_eq!(outcome, RotationOutcome::Rotated(record.clone()), "used within 10 s of its start");
    let outcome = store.rotate(&idle(&second, "late", now + 21)).await.expect("a rotation is answered");
    assert_eq!(outcome, RotationOutcome::Ended(record.clone()), "unused for 11 s since its last rotation");
    let outcome = store.rotate(&idle(&second, "again", now + 22)).await.expect("a rotation is answered");
    assert_eq!(outcome, RotationOutcome::Ended(record), "it stays ended");
}

async fn one_of_many_concurrent_rotations_wins(store: &dyn TokenStore, now: u64, run: &str) {
    let (_, first) = family(store, now, run, "race").await;
    let nexts: Vec<String> = (0..16).map(|n| format!("{first}-next-{n}")).collect();
    let outcomes = join_all(nexts.iter().map(|next| rotate(store, &first, next, now, 0))).await;
    let count = |kind: fn(&RotationOutcome) -> bool| outcomes.iter().filter(|outcome| kind(outcome)).count();
    let rotated = count(|outcome| matches!(outcome, RotationOutcome::Rotated(_)));
    assert_eq!(rotated, 1, "exactly one of 16 concurrent rotations of one token: {outcomes:?}");
    // The others came after it: the first of them is a reuse of the
    // retired token, which ends the family for the rest.
    let reused = count(|outcome| matches!(outcome, RotationOutcome::Reused(_)));
    let ended = count(|outcome| matches!(outcome, RotationOutcome::Ended(_)));
    assert_eq!((reused, ended), (1, 14), "the losers are a reuse, then an ended family: {outcomes:?}");
}

async fn families_end_and_expire(store: &dyn TokenStore, now: u64, run: &str) {
    let until = now + REVOKED_FOR;
    let (record, first) = family(store, now, run, "logout").await;
    assert_eq!(store.end_family_of(&first, until).await.expect("answered"), Some(record.clone()));
    assert!(session_revoked(store, &record.id, now, until).await, "ending a family revokes its session");
    assert_eq!(rotate(store, &first, "after", now, 0).await, RotationOutcome::Ended(record));
    assert_eq!(store.end_family_of(&format!("{run}-never-issued"), until).await.expect("answered"), None);

    let (record, first) = family(store, now, run, "by-id").await;
    assert_eq!(store.end_family(&record.id, until).await.expect("answered"), Some(record.clone()));
    assert!(session_revoked(store, &record.id, now, until).await, "ending a family by id revokes its session");
    assert_eq!(rotate(store, &first, "after", now, 0).await, RotationOutcome::Ended(record));
    let never_started = format!("{run}-never-started");
    assert_eq!(store.end_family(&never_started, until).await.expect("answered"), None);
    let revoked = session_revoked(store, &never_started, now, until).await;
    assert!(revoked, "ending an unknown family revokes the session all the same");

    let (_, first) = family(store, now, run, "expired").await;
    assert_eq!(rotate(store, &first, "late", now + 60, 0).await, RotationOutcome::Unknown, "expired at 60 s");
}

async fn failed_logins_are_counted_then_forgotten(store: &dyn TokenStore, now: u64, run: &str) {
    let key = format!("{run}-login");
    let throttle = LoginThrottle { after: 3, longest: 8, forget_after: 10 };
    let attempts = join_all((0..12).map(|_| store.reserve_attempt(&key, now, throttle))).await;
    let reserved = attempts.iter().filter(|attempt| matches!(attempt, Ok(LoginAttempt::Reserved(_)))).count();
    assert_eq!(reserved, 3, "of 12 attempts at once, `after` are reserved: {attempts:?}");
    assert!(attempts.iter().all(|attempt| matches!(attempt, Ok(LoginAttempt::Reserved(_) | LoginAttempt::Wait(1)))));
    let key = key.as_str();
    let reserve = |at: u64| async move {
        match store.reserve_attempt(key, at, throttle).await.expect("answered") {
            LoginAttempt::Reserved(reservation) => Ok(reservation),
            LoginAttempt::Wait(wait) => Err(wait),
        }
    };
    let first = reserve(now + 1).await.expect("the wait of 1 s is over");
    let three_at_now = LoginFailures { count: 3, last: now };
    assert_eq!(first, Reservation { before: Some(three_at_now), counted: LoginFailures { count: 4, last: now + 1 } });
    assert_eq!(reserve(now + 2).await, Err(1), "4 counted: 2 s after the last");
    store.release_attempt(key, first, throttle).await.expect("released");
    // As before the released attempt: 3 counted at `now`, whose wait of
    // 1 s is over by `now + 1` (the wait did not start again at `now + 1`).
    let second = reserve(now + 1).await.expect("3 counted again, the last at `now`");
    assert_eq!(second.before, Some(three_at_now));
    let concurrent = reserve(now + 6).await.expect("the wait of 2 s after `now + 1` is over");
    store.release_attempt(key, second, throttle).await.expect("released");
    // Another attempt came meanwhile: one fewer, the other's date kept.
    assert_eq!(reserve(now + 7).await, Err(1), "4 counted, the last at `now + 6`: 2 s after it");
    store.release_attempt(key, concurrent, throttle).await.expect("released");
    let _ = reserve(now + 17).await.expect("forgotten 10 s after the last");
    let _ = reserve(now + 17).await.expect("counting starts again");
    store.forget_failures(key).await.expect("forgotten");
    for _ in 0..3 {
        let _ = reserve(now + 17).await.expect("forgotten on success");
    }
    assert_eq!(reserve(now + 17).await, Err(1));
    let alone = format!("{run}-login-alone");
    let LoginAttempt::Reserved(only) = store.reserve_attempt(&alone, now, throttle).await.expect("answered") else {
        panic!("the first attempt under a key is reserved");
    };
    assert_eq!(only.before, None);
    store.release_attempt(&alone, only, throttle).await.expect("released");
    for _ in 0..3 {
        let reserved = store.reserve_attempt(&alone, now, throttle).await.expect("answered");
        assert!(matches!(reserved, LoginAttempt::Reserved(_)), "a released first attempt leaves nothing counted");
    }
}

async fn a_key_is_used_once(store: &dyn TokenStore, now: u64, run: &str) {
    let key = format!("{run}-proof");
    let uses = join_all((0..16).map(|_| store.use_once(&key, now, now + 60))).await;
    let firsts = uses.into_iter().map(|used| used.expect("answered")).filter(|first| *first).count();
    assert_eq!(firsts, 1, "of 16 concurrent uses of one key, exactly one is the first");
    assert!(!store.use_once(&key, now + 1, now + 61).await.expect("answered"), "a used key stays used");
    assert!(store.use_once(&format!("{run}-other"), now, now + 60).await.expect("answered"), "keys are apart");
}
