//! A server run as a process of its own on 127.0.0.1 (oidc-provider,
//! redis-server, an app to crash): started, waited for until its port
//! accepts connections, and killed when dropped.

use std::net::Ipv4Addr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A server process; killed (SIGKILL) and reaped when dropped.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    port: u16,
}

impl ServerProcess {
    /// Runs `command`, quietly, and waits until `port` accepts
    /// connections. `install` says how to get the program if it cannot
    /// be run.
    pub async fn start(mut command: Command, port: u16, install: &str) -> Self {
        let program = command.get_program().to_string_lossy().into_owned();
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot run `{program}` ({error}); {install}"));
        let mut server = Self { child, port };
        let exited = || match server.child.try_wait() {
            Ok(Some(status)) => Some(format!("it exited: {status}")),
            _ => None,
        };
        wait_for(port, &program, exited).await;
        server
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills it with SIGKILL, as a crash would, and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits until 127.0.0.1:`port` accepts connections, for at most ten
/// seconds; `what` names the server in the panic if it never does, or as
/// soon as `ended` says why it stopped (a port taken meanwhile, a crash).
pub(crate) async fn wait_for(port: u16, what: &str, mut ended: impl FnMut() -> Option<String>) {
    for _ in 0..1000 {
        if let Some(why) = ended() {
            panic!("{what} did not start on port {port}: {why}");
        }
        if rocket::tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await.is_ok() {
            return;
        }
        rocket::tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{what} did not start on port {port}");
}
