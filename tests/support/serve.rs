//! Serving a Rocket app over real HTTP on 127.0.0.1, for tests in which
//! one service fetches from another.

use std::net::{Ipv4Addr, TcpListener};
use std::sync::mpsc::{self, TryRecvError};
use std::time::{Duration, Instant};

use rocket::fairing::AdHoc;
use rocket::{Build, Rocket, Shutdown};

/// A free port on 127.0.0.1, for a server that starts later.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
    listener.local_addr().expect("bound address").port()
}

/// How a launch went, as the app's task tells the test that waits for it.
enum Launch {
    /// It listens.
    Listening,
    /// It stopped, for this reason, before it listened or after.
    Ended(String),
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
    /// listens there: it panics at once, with the reason, if the app
    /// stops first (the port was taken meanwhile, say).
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
        // Told once it listens (Rocket lifts off after it binds), or why
        // it stopped before.
        let (report, reports) = mpsc::channel();
        let listening = report.clone();
        let rocket = rocket.configure(figment).attach(AdHoc::on_liftoff("test: listening", move |_| {
            let _waiter_gone = listening.send(Launch::Listening);
            Box::pin(async {})
        }));
        let rocket = rocket.ignite().await.expect("the app ignites");
        let shutdown = rocket.shutdown();
        let task = rocket::tokio::spawn(async move {
            let why = match rocket.launch().await {
                Ok(_) => "it stopped".to_owned(),
                Err(error) => error.to_string(),
            };
            let _waiter_gone = report.send(Launch::Ended(why));
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match reports.try_recv() {
                Ok(Launch::Listening) => break,
                Ok(Launch::Ended(why)) => panic!("the app did not start on port {port}: {why}"),
                Err(TryRecvError::Disconnected) => panic!("the app did not start on port {port}: its task ended"),
                Err(TryRecvError::Empty) if Instant::now() >= deadline => {
                    panic!("the app did not start on port {port} within 10 s")
                }
                Err(TryRecvError::Empty) => rocket::tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
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
