//! A crash in the middle of a burst of refreshes: the app, a process of
//! its own with its sessions in an SQLite file, is killed with SIGKILL
//! while every session is being refreshed, then started again on the same
//! file. No family may be left half-rotated: each session's last refresh
//! token that its client received is either still current (the rotation
//! in flight never committed) or retired (it committed, and its answer was
//! lost), never unknown.

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jwt_guard_tests::{ServerProcess, StoreFile, free_port};
use rocket::tokio::time::sleep;
use serde_json::{Value, json};

/// The app, as a process on `port`, keeping its sessions in `store`.
async fn start(port: u16, store: &StoreFile) -> ServerProcess {
    let mut command = Command::new(env!("CARGO_BIN_EXE_session-app"));
    command
        .env("PORT", port.to_string())
        .env("STORE_PATH", store.path())
        .env("KEY_FILE", concat!(env!("CARGO_MANIFEST_DIR"), "/support/keys/ed-a.pem"));
    ServerProcess::start(command, port, "cargo builds it with the tests").await
}

async fn post(http: &reqwest::Client, url: &str, body: Value) -> Result<(u16, Value), reqwest::Error> {
    let response = http.post(url).header("Content-Type", "application/json").body(body.to_string()).send().await?;
    let status = response.status().as_u16();
    Ok((status, serde_json::from_slice(&response.bytes().await?).unwrap_or(Value::Null)))
}

#[rocket::async_test]
async fn a_kill_in_the_middle_of_a_burst_of_refreshes_leaves_no_family_half_rotated() {
    let (port, store) = (free_port(), StoreFile::new());
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut app = start(port, &store).await;

    let mut last_tokens = Vec::new();
    for n in 0..10 {
        let login = json!({ "username": format!("user{n}"), "password": "secret" });
        let (status, body) = post(&http, &format!("{base}/auth"), login).await.expect("a login");
        assert_eq!(status, 200, "{body}");
        last_tokens.push(Arc::new(Mutex::new(body["refresh_token"].as_str().unwrap().to_owned())));
    }
    let bursts: Vec<_> = last_tokens
        .iter()
        .map(|last| {
            let (http, url, last) = (http.clone(), format!("{base}/auth/refresh"), Arc::clone(last));
            rocket::tokio::spawn(async move {
                let mut refreshes = 0;
                loop {
                    let presented = last.lock().unwrap().clone();
                    match post(&http, &url, json!({ "refresh_token": presented })).await {
                        Ok((200, body)) => {
                            *last.lock().unwrap() = body["refresh_token"].as_str().unwrap().to_owned();
                            refreshes += 1;
                        }
                        Ok((status, body)) => panic!("a refresh before the crash failed: {status} {body}"),
                        Err(_) => return refreshes,
                    }
                }
            })
        })
        .collect();
    sleep(Duration::from_millis(700)).await;
    app.kill();
    let mut refreshes = 0;
    for burst in bursts {
        refreshes += burst.await.expect("a burst ends when the app dies");
    }
    assert!(refreshes >= 10, "the burst refreshed before the crash ({refreshes} refreshes)");

    let _restarted = start(port, &store).await;
    let (mut current, mut retired) = (0, 0);
    for last in &last_tokens {
        let presented = last.lock().unwrap().clone();
        let (status, body) = post(&http, &format!("{base}/auth/refresh"), json!({ "refresh_token": presented }))
            .await
            .expect("it answers");
        match (status, body["error_description"].as_str()) {
            (200, _) => current += 1,
            (400, Some("the refresh token was used before; its session is revoked")) => retired += 1,
            other => panic!("a family left half-rotated: {other:?}"),
        }
    }
    eprintln!(
        "{refreshes} refreshes, then SIGKILL; after the restart, {current} sessions went on, {retired} had committed a rotation whose answer was lost"
    );
}
