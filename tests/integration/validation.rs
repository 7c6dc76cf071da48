//! Claims and header checks: the validity window with leeway and
//! fractional NumericDates, the audience, the registered claims' types,
//! `crit` and `typ`, and the per-issuer `token_type` and `max_lifetime`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, Header};
use jwt_guard_tests::{KeyServer, TestKey, app, call, claims_for, issuer_table, mint, mint_with_header, now};
use rocket::local::asynchronous::Client;
use serde_json::{Value, json};

use crate::{bearer, setup};

/// Mints `claims` changed by `edit`, calls `/token`, returns the status
/// and the error description.
async fn verdict(client: &Client, issuer: &str, edit: impl FnOnce(&mut Value)) -> (u16, Value) {
    let mut claims = claims_for(issuer);
    edit(&mut claims);
    let response = call(client, "/token", &[&bearer(&mint(TestKey::RsaA, &claims))]).await;
    (response.status, response.body["error_description"].clone())
}

#[rocket::async_test]
async fn the_validity_window_allows_the_leeway_and_no_more() {
    let (server, client) = setup(&[TestKey::RsaA]).await;
    let issuer = server.base();
    let ok = (200, Value::Null);
    let t = now();
    assert_eq!(verdict(&client, issuer, |c| c["exp"] = json!(t - 10)).await, ok, "within the 30 s leeway");
    assert_eq!(verdict(&client, issuer, |c| c["exp"] = json!(t - 40)).await, (401, json!("the token has expired")));
    assert_eq!(verdict(&client, issuer, |c| c["nbf"] = json!(t + 10)).await, ok);
    assert_eq!(
        verdict(&client, issuer, |c| c["nbf"] = json!(t + 120)).await,
        (401, json!("the token is not valid yet"))
    );
    assert_eq!(
        verdict(&client, issuer, |c| c["iat"] = json!(t + 120)).await,
        (401, json!("the token was issued in the future"))
    );
    assert_eq!(verdict(&client, issuer, |c| c["exp"] = json!(t as f64 + 300.75)).await, ok, "fractional exp");
    assert_eq!(verdict(&client, issuer, |c| c["iat"] = json!(t as f64 - 0.5)).await, ok, "fractional iat");
    assert_eq!(
        verdict(&client, issuer, |c| c["exp"] = json!(t as f64 - 40.5)).await,
        (401, json!("the token has expired"))
    );
}

#[rocket::async_test]
async fn an_expiry_past_what_a_clock_holds_is_the_last_second_of_9999() {
    let (server, client) = setup(&[TestKey::RsaA]).await;
    let t = now();
    for (exp, expires_at) in [(json!(t + 300), json!(t + 300)), (json!(1.5e19), json!(253_402_300_799u64))] {
        let mut claims = claims_for(server.base());
        claims["exp"] = exp;
        let response = call(&client, "/token", &[&bearer(&mint(TestKey::RsaA, &claims))]).await;
        assert_eq!((response.status, &response.body["expires_at"]), (200, &expires_at));
    }
}

#[rocket::async_test]
async fn registered_claims_must_have_their_types() {
    let (server, client) = setup(&[TestKey::RsaA]).await;
    let issuer = server.base();
    let expect = |claim: &str| (401, json!(format!("the token's `{claim}` claim has the wrong type")));
    let t = now();
    assert_eq!(verdict(&client, issuer, |c| c["exp"] = json!((t + 300).to_string())).await, expect("exp"));
    assert_eq!(verdict(&client, issuer, |c| c["nbf"] = json!("soon")).await, expect("nbf"));
    assert_eq!(verdict(&client, issuer, |c| c["aud"] = json!({"aud": "x"})).await, expect("aud"));
    assert_eq!(verdict(&client, issuer, |c| c["sub"] = json!(7)).await, expect("sub"));
    assert_eq!(verdict(&client, issuer, |c| c["scope"] = json!(true)).await, expect("scope"));
    assert_eq!(
        verdict(&client, issuer, |c| {
            c.as_object_mut().unwrap().remove("exp");
        })
        .await,
        (401, json!("the token lacks the `exp` claim"))
    );
    assert_eq!(
        verdict(&client, issuer, |c| {
            c.as_object_mut().unwrap().remove("aud");
        })
        .await,
        (401, json!("the token lacks the `aud` claim"))
    );
}

#[rocket::async_test]
async fn the_audience_may_be_a_list_on_either_side_or_unchecked() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let mut issuer = issuer_table(&server);
    issuer["audience"] = json!(["https://one.test", "https://api.test"]);
    let client = Client::tracked(app(json!({ "issuers": { "primary": issuer } }))).await.unwrap();
    let base = server.base();
    assert_eq!(verdict(&client, base, |c| c["aud"] = json!(["https://x.test", "https://one.test"])).await.0, 200);
    assert_eq!(verdict(&client, base, |c| c["aud"] = json!("https://api.test")).await.0, 200);
    assert_eq!(
        verdict(&client, base, |c| c["aud"] = json!(["https://x.test"])).await,
        (401, json!("the token is not meant for this audience"))
    );

    let mut unchecked = issuer_table(&server);
    unchecked["audience"] = json!(false);
    let client = Client::tracked(app(json!({ "issuers": { "primary": unchecked } }))).await.unwrap();
    assert_eq!(verdict(&client, base, |c| c["aud"] = json!("https://anything.test")).await.0, 200);
    assert_eq!(
        verdict(&client, base, |c| {
            c.as_object_mut().unwrap().remove("aud");
        })
        .await
        .0,
        200
    );
}

#[rocket::async_test]
async fn scopes_come_from_the_configured_claim_in_either_form() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let mut issuer = issuer_table(&server);
    issuer["scope_claim"] = json!("scp");
    let client = Client::tracked(app(json!({ "issuers": { "okta": issuer } }))).await.unwrap();
    for scp in [json!(["read", "admin"]), json!("read admin")] {
        let mut claims = claims_for(server.base());
        claims["scp"] = scp;
        let response = call(&client, "/token", &[&bearer(&mint(TestKey::RsaA, &claims))]).await;
        assert_eq!(response.body["scopes"], json!(["read", "admin"]));
    }
}

#[rocket::async_test]
async fn headers_that_change_the_meaning_of_a_token_are_refused() {
    let (server, client) = setup(&[TestKey::RsaA]).await;
    let claims = claims_for(server.base());
    let mut crit = Header::new(Algorithm::RS256);
    crit.kid = Some(TestKey::RsaA.kid());
    crit.extras.insert("crit", json!(["exp"]));
    let response = call(&client, "/token", &[&bearer(&mint_with_header(TestKey::RsaA, &crit, &claims))]).await;
    assert_eq!(response.status, 401);
    assert_eq!(response.body["error_description"], "the token has critical header parameters that are not supported");

    let mut refresh = Header::new(Algorithm::RS256);
    refresh.kid = Some(TestKey::RsaA.kid());
    refresh.typ = Some("refresh+jwt".into());
    let response = call(&client, "/token", &[&bearer(&mint_with_header(TestKey::RsaA, &refresh, &claims))]).await;
    assert_eq!(response.status, 401);
    assert_eq!(response.body["error_description"], "the token's `typ` is not an access token type");

    let mut at_jwt = refresh.clone();
    at_jwt.typ = Some("application/at+JWT".into());
    let response = call(&client, "/token", &[&bearer(&mint_with_header(TestKey::RsaA, &at_jwt, &claims))]).await;
    assert_eq!(response.status, 200);
}

/// The description of a refused token for Microsoft Graph.
const FOR_GRAPH: &str = "the token is for Microsoft Graph (its header has a `nonce`, as Graph's tokens do), which \
                         alone can verify it: ask for a token for this API";

/// A token for Microsoft Graph has a `nonce` in its header, and is signed
/// over the nonce's hash, not the nonce it carries: its signature fails
/// anywhere but at Graph, and the refusal says why. A header with a
/// `nonce` whose signature holds is a token as any other.
#[rocket::async_test]
async fn a_token_signed_for_graph_is_told_apart_from_a_forgery() {
    let (server, client) = setup(&[TestKey::RsaA]).await;
    let claims = claims_for(server.base());
    let with_nonce = |nonce: &str| {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(TestKey::RsaA.kid());
        header.typ = Some("JWT".into());
        header.extras.insert("nonce".to_owned(), json!(nonce));
        mint_with_header(TestKey::RsaA, &header, &claims)
    };
    let signed_as_sent = with_nonce("AQAB-nonce");
    assert_eq!(call(&client, "/token", &[&bearer(&signed_as_sent)]).await.status, 200);
    let (sent_header, _) = signed_as_sent.split_once('.').unwrap();
    let signed_over_the_hash = with_nonce("q2dZ7v7bX0mH4H3hKJ8p9Lk0JYV0m5cPqLr2cT3xV1g");
    let (_, signed_rest) = signed_over_the_hash.split_once('.').unwrap();
    let refused = call(&client, "/token", &[&bearer(&format!("{sent_header}.{signed_rest}"))]).await;
    assert_eq!((refused.status, &refused.body["error_description"]), (401, &json!(FOR_GRAPH)));
    // The same signature under a header without a `nonce`: a forgery.
    let plain = mint(TestKey::RsaA, &claims);
    let (plain_header, _) = plain.split_once('.').unwrap();
    let forged = call(&client, "/token", &[&bearer(&format!("{plain_header}.{signed_rest}"))]).await;
    assert_eq!(
        (forged.status, forged.body["error_description"].clone()),
        (401, json!("the token's signature is invalid"))
    );
}

/// A Graph token's `iss` is Entra ID's v1 issuer, which an app of v2
/// tokens does not trust: its refusal says it is Graph's, not that its
/// issuer is unknown; a token of another issuer, or without a `nonce`,
/// is refused as untrusted.
#[rocket::async_test]
async fn a_token_for_graph_from_an_issuer_the_app_does_not_trust_is_told_apart() {
    let (_server, client) = setup(&[TestKey::RsaA]).await;
    let mut claims = claims_for("https://sts.windows.net/9188040d-6c67-4c5b-b112-36a304b66dad/");
    claims["aud"] = json!("00000003-0000-0000-c000-000000000000");
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("graph-key".into());
    header.extras.insert("nonce".to_owned(), json!("AQAB-nonce"));
    let graph = call(&client, "/token", &[&bearer(&mint_with_header(TestKey::RsaA, &header, &claims))]).await;
    assert_eq!((graph.status, &graph.body["error_description"]), (401, &json!(FOR_GRAPH)));
    let untrusted_issuer = (401, &json!("the token's issuer is not trusted"));
    let mut elsewhere = claims.clone();
    elsewhere["iss"] = json!("https://idp.example.com/");
    let not_entra = call(&client, "/token", &[&bearer(&mint_with_header(TestKey::RsaA, &header, &elsewhere))]).await;
    assert_eq!((not_entra.status, &not_entra.body["error_description"]), untrusted_issuer, "not Entra's v1 issuer");
    header.extras = Default::default();
    let untrusted = call(&client, "/token", &[&bearer(&mint_with_header(TestKey::RsaA, &header, &claims))]).await;
    assert_eq!((untrusted.status, &untrusted.body["error_description"]), untrusted_issuer, "no nonce");
}

/// A client of an app whose only issuer, `server`'s, has these settings
/// beside its usual ones.
async fn client_with(server: &KeyServer, settings: Value) -> Client {
    let mut issuer = issuer_table(server);
    issuer.as_object_mut().unwrap().extend(settings.as_object().unwrap().clone());
    Client::tracked(app(json!({ "issuers": { "primary": issuer } }))).await.unwrap()
}

#[rocket::async_test]
async fn a_strict_issuer_refuses_an_id_token_whose_audience_is_the_api() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let strict = client_with(&server, json!({ "token_type": "at+jwt" })).await;
    let mut id_token = claims_for(server.base());
    id_token["nonce"] = json!("n-0S6_WzA2Mj");
    id_token["at_hash"] = json!("77QmUPtjPfzWtF2AnpK9RQ");
    let typed = |typ: Option<&str>, claims: &Value| {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(TestKey::RsaA.kid());
        header.typ = typ.map(str::to_owned);
        bearer(&mint_with_header(TestKey::RsaA, &header, claims))
    };
    for typ in [Some("JWT"), None] {
        let response = call(&strict, "/token", &[&typed(typ, &id_token)]).await;
        assert_eq!(response.status, 401, "{typ:?}");
        assert_eq!(response.body["error_description"], "the token's `typ` is not an access token type");
    }
    for typ in ["at+jwt", "application/at+jwt", "AT+JWT"] {
        let response = call(&strict, "/token", &[&typed(Some(typ), &claims_for(server.base()))]).await;
        assert_eq!(response.status, 200, "{typ}");
    }
    let lenient = client_with(&server, json!({})).await;
    let response = call(&lenient, "/token", &[&typed(Some("JWT"), &id_token)]).await;
    assert_eq!(response.status, 200, "strict mode is off by default");
}

#[rocket::async_test]
async fn max_lifetime_bounds_what_a_token_may_live() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let client = client_with(&server, json!({ "max_lifetime": 3600 })).await;
    let issuer = server.base();
    let t = now();
    let too_long = (401, json!("the token's lifetime is longer than this API accepts"));
    let lifetime =
        |iat: i64, exp: i64| move |claims: &mut Value| (claims["iat"], claims["exp"]) = (json!(iat), json!(exp));
    assert_eq!(verdict(&client, issuer, lifetime(t, t + 3600)).await, (200, Value::Null));
    assert_eq!(verdict(&client, issuer, lifetime(t, t + 3601)).await, too_long);
    assert_eq!(verdict(&client, issuer, lifetime(t - 7200, t + 300)).await, too_long, "an old iat counts");
    let without_iat = |claims: &mut Value| drop(claims.as_object_mut().unwrap().remove("iat"));
    assert_eq!(verdict(&client, issuer, without_iat).await, (401, json!("the token lacks the `iat` claim")));
    let unbounded = client_with(&server, json!({})).await;
    assert_eq!(verdict(&unbounded, issuer, lifetime(t, t + 86_400 * 365)).await, (200, Value::Null));
}

/// Amazon Cognito's tokens, as its documentation shows them: an access
/// token has no `aud` but a `client_id` and `token_use: "access"`; an ID
/// token has the client id as its `aud`. With `audience = false` and the
/// two claims required, access tokens of the app's clients pass, and ID
/// tokens and other clients' access tokens are refused.
#[rocket::async_test]
async fn required_claims_take_cognitos_access_tokens_and_refuse_its_id_tokens() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let settings = json!({
        "audience": false,
        "required_claims": { "token_use": "access", "client_id": ["1example23456789", "2example98765432"] },
    });
    let client = client_with(&server, settings).await;
    let issuer = server.base();
    let access = |client_id: &'static str| {
        move |claims: &mut Value| {
            let claims = claims.as_object_mut().unwrap();
            claims.remove("aud");
            claims.insert("client_id".into(), json!(client_id));
            claims.insert("token_use".into(), json!("access"));
            claims.insert("scope".into(), json!("aws.cognito.signin.user.admin"));
            claims.insert("cognito:groups".into(), json!(["admins"]));
        }
    };
    let refused = (401, json!("the token lacks a claim value that this API requires of its issuer's tokens"));
    assert_eq!(verdict(&client, issuer, access("1example23456789")).await, (200, Value::Null));
    assert_eq!(verdict(&client, issuer, access("2example98765432")).await, (200, Value::Null));
    assert_eq!(verdict(&client, issuer, access("3another")).await, refused, "another app client's");
    let id_token = |claims: &mut Value| {
        claims["aud"] = json!("1example23456789");
        claims["token_use"] = json!("id");
        claims["cognito:groups"] = json!(["admins"]);
    };
    assert_eq!(verdict(&client, issuer, id_token).await, refused, "an ID token");
    let without_token_use = |claims: &mut Value| claims["client_id"] = json!("1example23456789");
    assert_eq!(verdict(&client, issuer, without_token_use).await, refused);
    let listed = |claims: &mut Value| {
        access("3another")(claims);
        claims["client_id"] = json!(["3another", "1example23456789"]);
    };
    assert_eq!(verdict(&client, issuer, listed).await, (200, Value::Null), "an array holding one of the values");
}

/// An issuer known by two spellings of its `iss` (Google writes
/// `accounts.google.com` in some ID tokens, `https://accounts.google.com`
/// in others): tokens of either verify with its keys, found from the URL,
/// and no other spelling does.
#[rocket::async_test]
async fn tokens_of_an_issuers_alias_verify_with_its_keys() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let bare = server.base().trim_start_matches("http://").to_owned();
    let client = client_with(&server, json!({ "issuer_aliases": [bare] })).await;
    assert_eq!(verdict(&client, server.base(), |_| {}).await, (200, Value::Null));
    assert_eq!(verdict(&client, &bare, |_| {}).await, (200, Value::Null));
    let other = format!("https://{bare}");
    assert_eq!(verdict(&client, &other, |_| {}).await, (401, json!("the token's issuer is not trusted")));
}

/// A required claim reached by a JSON Pointer, as `roles_claim` reaches
/// roles: Keycloak's realm roles must hold `api-user`.
#[rocket::async_test]
async fn a_required_claim_may_be_nested() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let client = client_with(&server, json!({ "required_claims": { "/realm_access/roles": "api-user" } })).await;
    let issuer = server.base();
    let roles = |roles: Value| move |claims: &mut Value| claims["realm_access"] = json!({ "roles": roles });
    assert_eq!(verdict(&client, issuer, roles(json!(["offline_access", "api-user"]))).await, (200, Value::Null));
    let refused = (401, json!("the token lacks a claim value that this API requires of its issuer's tokens"));
    assert_eq!(verdict(&client, issuer, roles(json!(["offline_access"]))).await, refused);
    assert_eq!(verdict(&client, issuer, |_| {}).await, refused, "no `realm_access` at all");
}

#[rocket::async_test]
async fn a_logout_token_addressed_to_the_api_is_no_access_token() {
    let (server, client) = setup(&[TestKey::RsaA]).await;
    let logout = |c: &mut Value| c["events"] = json!({ "http://schemas.openid.net/event/backchannel-logout": {} });
    assert_eq!(verdict(&client, server.base(), logout).await, (401, json!("the token is not an access token")));
    // An app's own claim of that name, not an object, is no event.
    let own = |c: &mut Value| c["events"] = json!(["conference-2026"]);
    assert_eq!(verdict(&client, server.base(), own).await, (200, Value::Null));
}

#[rocket::async_test]
async fn duplicate_claims_are_refused() {
    let (server, client) = setup(&[TestKey::RsaA]).await;
    let good = mint(TestKey::RsaA, &claims_for(server.base()));
    let mut parts = good.split('.');
    let (header, _, _) = (parts.next().unwrap(), parts.next(), parts.next());
    let payload = format!(
        r#"{{"iss":"{}","aud":"https://api.test","exp":{},"sub":"alice","sub":"mallory"}}"#,
        server.base(),
        now() + 300
    );
    let signing_input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(payload));
    let signature =
        jsonwebtoken::crypto::sign(signing_input.as_bytes(), &TestKey::RsaA.encoding_key(), Algorithm::RS256).unwrap();
    let response = call(&client, "/token", &[&bearer(&format!("{signing_input}.{signature}"))]).await;
    assert_eq!(response.status, 401);
    assert_eq!(
        response.body["error_description"],
        "the token is malformed: the payload is not a JSON object with unique members"
    );
}

#[rocket::async_test]
async fn oversized_tokens_are_refused_before_decoding() {
    let (server, client) = setup(&[TestKey::RsaA]).await;
    let mut claims = claims_for(server.base());
    claims["padding"] = json!("x".repeat(9000));
    let response = call(&client, "/token", &[&bearer(&mint(TestKey::RsaA, &claims))]).await;
    assert_eq!(response.status, 401);
    assert_eq!(response.body["error_description"], "the token is too large");
}
