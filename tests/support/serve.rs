//! Serving a Rocket app over real HTTP on 127.0.0.1, for tests in which
//! one service fetches from another.

use std::net::{Ipv4Addr, TcpListener};

use rocket::{Build, Rocket, Shutdown};

/// A free port on 127.0.0.1, for a server that starts later.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
    listener.local_addr().expect("bound address").port()
}

/// An app listening on 127.0.0.1.
#[derive(Debug)]
pub struct RunningApp {
    port: u16,
    shutdown: Shutdown,
    task: rocket::tokio::task::JoinHandle<()>,
}

impl RunningApp {
    /// Launches `rocket` on 127.0.0.1:`port`, quietly, and waits until it
    /// accepts connections.
    pub async fn launch(rocket: Rocket<Build>, port: u16) -> Self {
        let figment = rocket
            .figment()
            .clone()
            .merge(("address", Ipv4Addr::LOCALHOST))
            .merge(("port", port))
            .merge(("log_level", "off"))
            .merge(("shutdown.ctrlc", false))
            .merge(("shutdown.grace", 0))
            .merge(("shutdown.mercy", 0));
        let rocket = rocket.configure(figment).ignite().await.expect("the app ignites");
        let shutdown = rocket.shutdown();
        let (ended, launched) = std::sync::mpsc::channel();
        let task = rocket::tokio::spawn(async move {
            let outcome = rocket.launch().await.map(drop);
            let _receiver_gone = ended.send(outcome.map_err(|error| error.to_string()));
        });
        crate::process::wait_for(port, "the app", || match launched.try_recv() {
            Ok(Err(error)) => Some(error),
            Ok(Ok(())) => Some("it stopped".to_owned()),
            Err(_) => None,
        })
        .await;
        Self { port, shutdown, task }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops it; its port refuses connections afterwards.
    pub async fn stop(self) {
        self.shutdown.notify();
        let _ = self.task.await;
    }
}

/// Sends `request` with the JSON `body`; the status and the JSON answer
/// (`null` when the answer is not JSON).
pub async fn send_json(request: reqwest::RequestBuilder, body: &serde_json::Value) -> (u16, serde_json::Value) {
    let request = request.header("Content-Type", "application/json").body(body.to_string());
    let response = request.send().await.expect("it answers");
    let status = response.status().as_u16();
    let answer = response.bytes().await.expect("a body");
    (status, serde_json::from_slice(&answer).unwrap_or(serde_json::Value::Null))
}
