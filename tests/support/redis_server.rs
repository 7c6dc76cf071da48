//! A real `redis-server` on 127.0.0.1, on a port of its own, without
//! persistence; stopped when dropped. The tests that need it fail, saying
//! how to install it, where it is missing: they never skip.

use std::process::Command;

use crate::process::ServerProcess;
use crate::serve::free_port;
use crate::tls::TestPki;

/// A running `redis-server`.
#[derive(Debug)]
pub struct RedisServer(ServerProcess);

impl RedisServer {
    /// Starts a server on a free port and waits until it accepts
    /// connections.
    pub async fn start() -> Self {
        Self::start_on(free_port()).await
    }

    /// Starts a server on `port`.
    pub async fn start_on(port: u16) -> Self {
        let mut command = Command::new("redis-server");
        command.args(["--port", &port.to_string()]);
        Self::spawn(command, port).await
    }

    /// Starts a server that takes TLS connections only, on a free port,
    /// with the server certificate of `pki` (for 127.0.0.1, signed by its
    /// CA), asking clients for none.
    pub async fn start_tls(pki: &TestPki) -> Self {
        let port = free_port();
        let file = |name: &str| pki.file(name).display().to_string();
        let mut command = Command::new("redis-server");
        command.args(["--port", "0", "--tls-port", &port.to_string(), "--tls-auth-clients", "no"]);
        command.args(["--tls-cert-file", &file("server.pem"), "--tls-key-file", &file("server-key.pem")]);
        command.args(["--tls-ca-cert-file", &file("ca.pem")]);
        Self::spawn(command, port).await
    }

    /// Runs `command`, a `redis-server` listening on `port`, on 127.0.0.1
    /// and without persistence.
    async fn spawn(mut command: Command, port: u16) -> Self {
        command.args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        let install = "the Redis tests need a real one: install it with `apt-get install redis-server` \
                       (Debian, Ubuntu) or `brew install redis` (macOS)";
        Self(ServerProcess::start(command, port, install).await)
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.0.port()
    }

    /// `redis://127.0.0.1:{port}/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port())
    }

    /// Runs a command, as its default user: `ACL SETUSER ...`, say.
    pub async fn run(&self, command: &[&str]) -> redis::Value {
        let client = redis::Client::open(self.url()).expect("its URL");
        let mut connection = client.get_multiplexed_async_connection().await.expect("it answers");
        let (name, args) = command.split_first().expect("a command");
        redis::cmd(name)
            .arg(args)
            .query_async(&mut connection)
            .await
            .unwrap_or_else(|error| panic!("{command:?}: {error}"))
    }

    /// Kills it (SIGKILL), as a crash would.
    pub fn kill(mut self) {
        self.0.kill();
    }
}
