//! What operators see: the `metrics` example, run as a process of its own,
//! scraped after a known mix of requests and its text parsed by the real
//! Prometheus parser (Python's `prometheus_client`): each count equals the
//! requests sent, and 10,000 tokens of made-up issuers and key ids add no
//! series. And an app's `AuthObserver`, told of each refusal and session
//! event.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures_util::{StreamExt as _, stream};
use jsonwebtoken::Header;
use jwt_guard::{
    JwtGuard, Token,
    issuer::{Grant, StaticUsers},
    observe::{AuthEvent, AuthObserver},
    store::Revoked,
};
use jwt_guard_tests::{
    KeyServer, RunningApp, ServerProcess, TestKey, claims_for, free_port, mint, mint_with_header, now, quiet_figment,
    run_python_script, send_json, single_issuer,
};
use serde_json::{Value, json};

/// The metrics app, trusting `server`'s keys.
async fn metrics_app(server: &KeyServer) -> ServerProcess {
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_metrics-app"));
    command.env("PORT", port.to_string()).env("JWT_GUARD", single_issuer(server).to_string());
    ServerProcess::start(command, port, "`cargo test` builds it").await
}

/// GETs `/reports` with each token (`None`: no token), `at_once` at a
/// time, and the statuses.
async fn reports(http: &reqwest::Client, port: u16, tokens: Vec<Option<String>>, at_once: usize) -> Vec<u16> {
    let answers = stream::iter(tokens).map(|token| get(http, port, "/reports", token)).buffered(at_once);
    answers.map(|(status, _)| status).collect().await
}

/// GETs `path` with `token` (`None`: no token): the status and the body.
async fn get(http: &reqwest::Client, port: u16, path: &str, token: Option<String>) -> (u16, String) {
    let request = http.get(format!("http://127.0.0.1:{port}{path}"));
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    let response = request.send().await.expect("it answers");
    (response.status().as_u16(), response.text().await.expect("a body"))
}

/// The samples of the scraped text as the real parser reads them.
fn parse(exposition: &str) -> Vec<Value> {
    serde_json::from_str(&run_python_script("prometheus", "parse.py", exposition)).expect("the parser prints JSON")
}

/// The value of each sample named `name`, by its labels.
fn by_labels(samples: &[Value], name: &str) -> BTreeMap<String, f64> {
    samples
        .iter()
        .filter(|sample| sample["name"] == name)
        .map(|sample| (sample["labels"].to_string(), sample["value"].as_f64().expect("a number")))
        .collect()
}

#[rocket::async_test]
async fn the_counts_equal_the_requests_sent_and_made_up_issuers_and_kids_add_no_series() {
    let server = KeyServer::start(&[TestKey::EdA]).await;
    let started = Instant::now();
    let app = metrics_app(&server).await;
    let http = reqwest::Client::new();
    let valid = mint(TestKey::EdA, &claims_for(server.base()));
    let mut expired = claims_for(server.base());
    expired["exp"] = json!(now() - 3600);
    let mut write_only = claims_for(server.base());
    write_only["scope"] = json!("write");
    let repeat = |token: &str, times: usize| vec![Some(token.to_owned()); times];
    // One at a time: the first of each token is verified, the rest hit
    // the cache.
    let port = app.port();
    assert_eq!(reports(&http, port, repeat(&valid, 7), 1).await, [200; 7]);
    assert_eq!(reports(&http, port, vec![None; 3], 1).await, [401; 3]);
    assert_eq!(reports(&http, port, repeat(&mint(TestKey::EdA, &expired), 4), 1).await, [401; 4]);
    assert_eq!(reports(&http, port, repeat(&mint(TestKey::EdA, &write_only), 5), 1).await, [403; 5]);
    // The valid token's header and signature over another payload.
    let mut tampered = claims_for(server.base());
    tampered["sub"] = json!("mallory");
    let tampered = mint(TestKey::EdA, &tampered);
    let [header, _, signature]: [&str; 3] = valid.split('.').collect::<Vec<_>>().try_into().unwrap();
    let bad_signature = format!("{header}.{}.{signature}", tampered.split('.').nth(1).unwrap());
    assert_eq!(reports(&http, port, repeat(&bad_signature, 2), 1).await, [401; 2]);
    // The `Token` guard alone; then a route whose token is optional: a
    // refused one is greeted as a stranger and counted as nothing, as is a
    // request without one, and a token sent to a route that asks for none.
    let expired = mint(TestKey::EdA, &expired);
    for (path, token, answer) in [
        ("/me", Some(&valid), "alice"),
        ("/me", Some(&valid), "alice"),
        ("/greeting", Some(&valid), "hello, alice"),
        ("/greeting", Some(&expired), "hello, stranger"),
        ("/greeting", None, "hello, stranger"),
        ("/greeting", Some(&valid), "hello, alice"),
        ("/greeting", Some(&expired), "hello, stranger"),
        // A valid token without the claims that the route's `Claims<T>`
        // needs.
        ("/greeting/by-name", Some(&valid), "hello, stranger"),
    ] {
        assert_eq!(get(&http, port, path, token.cloned()).await, (200, answer.to_owned()), "{path}");
    }
    let (status, _) = get(&http, port, "/metrics", Some(valid.clone())).await;
    assert_eq!(status, 200);
    // A policy's route that forwards a report asked for by name to a
    // route without a guard, or a note to another policy's route, after
    // its policy accepted the token: counted once, accepted. And the web part, whose
    // own catcher sends a refused request to the login page: such a
    // refusal counts neither, and an acceptance counts. The old dashboard,
    // whose handler has the name, method and path of the new one's but
    // no policy, asks for no token: it counts neither. Nor does a refusal
    // that a response fairing before jwt-guard's turns into a 404.
    let unredirected = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for (path, token, answer) in [
        ("/reports/7", Some(&valid), (200, "report 7")),
        ("/reports/q1", Some(&valid), (200, "the report named q1")),
        (
            "/reports/q1",
            None,
            (401, r#"{"error":"missing_token","error_description":"the request has no bearer token"}"#),
        ),
        ("/notes/7", Some(&valid), (200, "note 7")),
        ("/notes/q1", Some(&valid), (200, "the note named q1")),
        ("/web/dashboard", Some(&expired), (303, "")),
        ("/web/dashboard", Some(&valid), (200, "the dashboard")),
        ("/old/web/dashboard", Some(&valid), (200, "the old dashboard")),
        (
            "/hidden/admin",
            Some(&valid),
            (
                404,
                r#"{"error":"insufficient_scope","error_description":"the token lacks the scope this resource needs"}"#,
            ),
        ),
    ] {
        let (status, body) = get(&unredirected, port, path, token.cloned()).await;
        assert_eq!((status, &*body), answer, "{path}");
    }
    // Reports: the form's route accepts the token, and forwards JSON to
    // the next route, which accepts it again, and anything else to a
    // route that asks for no token. Each counts once, accepted: twice
    // where a route with a guard answers, the text as well (before any
    // route without a guard has answered with a token, and after).
    let url = format!("http://127.0.0.1:{port}/reports");
    for (content_type, body, answer) in [
        ("text/plain", "q2", (415, "send a report as a form or as JSON")),
        ("application/x-www-form-urlencoded", "title=q3", (200, r#"alice filed "q3" as a form"#)),
        ("application/json", r#"{"title": "q4"}"#, (200, r#"alice filed "q4" as JSON"#)),
        ("text/plain", "q5", (415, "send a report as a form or as JSON")),
    ] {
        let sent = http.post(&url).bearer_auth(&valid).header("Content-Type", content_type).body(body);
        let response = sent.send().await.unwrap();
        let status = response.status().as_u16();
        assert_eq!((status, &*response.text().await.unwrap()), answer, "{content_type}");
    }
    // 10,000 made-up issuers and key ids, as many at once as the app
    // takes.
    let made_up: Vec<Option<String>> = (0..10_000)
        .map(|n| {
            let mut claims = claims_for(server.base());
            let mut header = Header::new(TestKey::EdA.alg());
            header.kid = Some(TestKey::EdA.kid());
            if n % 2 == 0 {
                claims["iss"] = json!(format!("https://made-up-{n}.example"));
            } else {
                header.kid = Some(format!("made-up-kid-{n}"));
            }
            Some(mint_with_header(TestKey::EdA, &header, &claims))
        })
        .collect();
    assert!(reports(&http, port, made_up, 16).await.iter().all(|status| *status == 401));

    let exposition = http.get(format!("http://127.0.0.1:{port}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(!exposition.contains("made-up"), "no label holds anything of a token:\n{exposition}");
    let samples = parse(&exposition);
    let requests = by_labels(&samples, "jwt_guard_requests_total");
    let series = |outcome: &str, reason: Option<&str>| match reason {
        Some(reason) => json!({ "outcome": outcome, "reason": reason }).to_string(),
        None => json!({ "outcome": outcome }).to_string(),
    };
    let expected = BTreeMap::from([
        (series("accepted", None), 7.0 + 2.0 + 2.0 + 4.0 + 5.0),
        (series("refused", Some("missing_token")), 3.0 + 1.0),
        (series("refused", Some("expired")), 4.0),
        (series("refused", Some("insufficient_scope")), 5.0),
        (series("refused", Some("bad_signature")), 2.0),
        (series("refused", Some("untrusted_issuer")), 5_000.0),
        (series("refused", Some("unknown_key")), 5_000.0),
    ]);
    assert_eq!(requests, expected, "one series per outcome and reason, counting each request once");
    // Each token was verified once and then found in the cache, but the
    // refused ones, which are never cached. Each guard looks (`Claims<T>`
    // on the greeting by name once): on
    // `/reports`, the policy's and the `Token` guard's, which finds the
    // token the policy's verification cached (the one that is not too
    // short of scopes for the policy to let it through); on the reports
    // sent, each route's `Token` guard; on the reports and notes by
    // number, the dashboard and the hidden part, each policy's, twice for
    // the note forwarded (the expired token misses).
    let lookups = by_labels(&samples, "jwt_guard_token_cache_lookups_total");
    let hit_or_miss = |result: &str| lookups[&json!({ "result": result }).to_string()];
    assert_eq!(
        (hit_or_miss("hit"), hit_or_miss("miss")),
        (1.0 + 6.0 * 2.0 + 4.0 + 2.0 + 2.0 + 5.0 + 3.0 + 3.0 + 1.0 + 1.0, 1.0 + 4.0 + 1.0 + 2.0 + 2.0 + 10_000.0 + 1.0)
    );
    // The keys were fetched, each fetch timed, whatever the made-up `kid`s.
    let fetches = by_labels(&samples, "jwt_guard_fetches_total");
    let jwks_ok = fetches[&json!({ "kind": "jwks", "outcome": "ok" }).to_string()];
    assert_eq!(jwks_ok, server.jwks_hits() as f64, "every fetch counted");
    // At most one fetch per `refetch_cooldown` (0.3 s) since the app
    // started, and the first: not one per unknown `kid`.
    let spaced = 2.0 + started.elapsed().as_secs_f64() / 0.3;
    assert!((1.0..=spaced).contains(&jwks_ok), "refetches for unknown `kid`s are spaced: {jwks_ok} > {spaced}");
    let timed = by_labels(&samples, "jwt_guard_fetch_duration_seconds_count");
    assert_eq!(timed[&json!({ "kind": "jwks" }).to_string()], jwks_ok);
    let all_series = samples.iter().filter(|sample| sample["name"].as_str().unwrap().starts_with("jwt_guard_"));
    assert!(all_series.count() < 40, "a bounded number of series");
}

/// An observer that keeps a line per event.
#[derive(Default, Clone)]
struct Recorded(Arc<Mutex<Vec<String>>>);

impl AuthObserver for Recorded {
    fn observe(&self, event: &AuthEvent<'_>) {
        let line = match event {
            AuthEvent::Refused { error, method, path } => format!("refused {method} {path}: {}", error.reason()),
            AuthEvent::Login { subject } => format!("login {subject}"),
            AuthEvent::LoginRefused { username, client, reason } => {
                format!(
                    "login refused {username} from {}: {reason}",
                    client.map(|ip| ip.to_string()).unwrap_or_default()
                )
            }
            AuthEvent::Refreshed { subject } => format!("refreshed {subject}"),
            AuthEvent::RefreshRefused { reason } => format!("refresh refused: {reason}"),
            AuthEvent::RefreshReused { subject } => format!("reused {subject}"),
            AuthEvent::Revoked(revocation) => match &revocation.revoked {
                Revoked::Session(_) => "revoked a session".to_owned(),
                Revoked::Token(_) => "revoked a token".to_owned(),
                other => format!("revoked {other:?}"),
            },
            other => format!("{other:?}"),
        };
        self.0.lock().unwrap().push(line);
    }
}

#[rocket::get("/me")]
fn me(token: Token) -> String {
    token.subject().unwrap_or_default().to_owned()
}

#[rocket::async_test]
async fn an_observer_is_told_of_each_refusal_login_refresh_reuse_and_revocation() {
    let recorded = Recorded::default();
    let users = StaticUsers::new().user("ada", "secret", Grant::new("ada"));
    let config = json!({ "local": { "issuer": "https://api.audit.test", "refresh_expires_in": 3600 } });
    let rocket = rocket::custom(quiet_figment().merge(("jwt_guard", config)))
        .attach(JwtGuard::fairing().login(users).observer(recorded.clone()))
        .register("/", jwt_guard::catchers())
        .mount("/", rocket::routes![me]);
    let app = RunningApp::launch(rocket, free_port()).await;
    let (http, base) = (reqwest::Client::new(), format!("http://127.0.0.1:{}", app.port()));
    let post = |path: &str, body: Value| {
        let request = http.post(format!("{base}{path}"));
        async move { send_json(request, &body).await }
    };
    let (status, login) = post("/auth", json!({ "username": "ada", "password": "secret" })).await;
    assert_eq!(status, 200);
    let (status, _) = post("/auth", json!({ "username": "ada", "password": "wrong" })).await;
    assert_eq!(status, 401);
    let me = |token: Option<&str>| {
        let request = http.get(format!("{base}/me"));
        let request = match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(me(login["access_token"].as_str()).await, 200);
    assert_eq!(me(None).await, 401);
    let first_refresh = login["refresh_token"].as_str().unwrap();
    let (status, _) = post("/auth/refresh", json!({ "refresh_token": first_refresh })).await;
    assert_eq!(status, 200);
    // The rotated-away refresh token, again: its session is revoked.
    let (status, _) = post("/auth/refresh", json!({ "refresh_token": first_refresh })).await;
    assert_eq!(status, 400);
    let (status, _) = post("/auth/refresh", json!({ "refresh_token": "made-up" })).await;
    assert_eq!(status, 400);
    assert_eq!(me(login["access_token"].as_str()).await, 401);
    let events = recorded.0.lock().unwrap().clone();
    assert_eq!(
        events,
        [
            "login ada",
            "login refused ada from 127.0.0.1: invalid_credentials",
            "refused GET /me: missing_token",
            "refreshed ada",
            "reused ada",
            "revoked a session",
            "refresh refused: unknown_refresh_token",
            "refused GET /me: revoked",
        ],
        "each event once, in order"
    );
}

/// An observer that panics at every event, as a buggy audit sink would.
struct Panicking;

impl AuthObserver for Panicking {
    fn observe(&self, event: &AuthEvent<'_>) {
        panic!("the audit sink is down: {event:?}");
    }
}

#[rocket::async_test]
async fn an_observer_that_panics_takes_down_no_request_and_no_session_step() {
    let users = StaticUsers::new().user("ada", "secret", Grant::new("ada"));
    let config = json!({ "local": { "issuer": "https://api.audit.test", "refresh_expires_in": 3600 } });
    let rocket = rocket::custom(quiet_figment().merge(("jwt_guard", config)))
        .attach(JwtGuard::fairing().login(users).observer(Panicking))
        .register("/", jwt_guard::catchers())
        .mount("/", rocket::routes![me]);
    let client = rocket::local::asynchronous::Client::tracked(rocket).await.expect("the app ignites");
    let post = |path: &'static str, body: Value| {
        let request = client.post(path).header(rocket::http::ContentType::JSON).body(body.to_string());
        async move {
            let response = request.dispatch().await;
            let status = response.status().code;
            (status, response.into_json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, login) = post("/auth", json!({ "username": "ada", "password": "secret" })).await;
    assert_eq!(status, 200, "logged in: {login}");
    let refused = client.get("/me").dispatch().await;
    assert_eq!(refused.status().code, 401, "a refusal is answered");
    let first_refresh = login["refresh_token"].as_str().unwrap();
    assert_eq!(post("/auth/refresh", json!({ "refresh_token": first_refresh })).await.0, 200, "refreshed");
    assert_eq!(post("/auth/refresh", json!({ "refresh_token": first_refresh })).await.0, 400, "a reuse");
    let access = login["access_token"].as_str().unwrap();
    let after_reuse = client.get("/me").header(rocket::http::Header::new("Authorization", format!("Bearer {access}")));
    assert_eq!(after_reuse.dispatch().await.status().code, 401, "the reused session is revoked all the same");
}
