//! A TCP relay on 127.0.0.1 whose connections can go silent: what a
//! client sees when a firewall or NAT forgets its idle flow, or the
//! server's host hangs. The relay keeps the sockets of a silenced
//! connection open and stops carrying bytes either way, so nothing tells
//! the client; connections made afterwards are carried as before.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rocket::tokio::io::copy_bidirectional;
use rocket::tokio::net::{TcpListener, TcpStream};
use rocket::tokio::sync::oneshot;
use rocket::tokio::task::JoinHandle;

/// A running relay to a port on 127.0.0.1.
#[derive(Debug)]
pub struct SilentRelay {
    port: u16,
    /// How to silence each connection carried so far.
    carried: Arc<Mutex<Vec<oneshot::Sender<()>>>>,
    /// How many connections it accepted.
    accepted: Arc<AtomicUsize>,
    accepting: JoinHandle<()>,
}

impl SilentRelay {
    /// Relays a port of its own to `target` on 127.0.0.1.
    pub async fn start(target: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port for the relay");
        let port = listener.local_addr().expect("its address").port();
        let carried = Arc::new(Mutex::new(Vec::new()));
        let accepted = Arc::new(AtomicUsize::new(0));
        let (registry, counted) = (Arc::clone(&carried), Arc::clone(&accepted));
        let accepting = rocket::tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::Relaxed);
                let (silence, silenced) = oneshot::channel();
                registry.lock().unwrap_or_else(PoisonError::into_inner).push(silence);
                rocket::tokio::spawn(carry(client, target, silenced));
            }
        });
        Self { port, carried, accepted, accepting }
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// How many connections it accepted so far.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::Relaxed)
    }

    /// Silences every connection carried so far, for good.
    pub fn silence(&self) {
        for silence in self.carried.lock().unwrap_or_else(PoisonError::into_inner).drain(..) {
            let _gone_already = silence.send(());
        }
    }
}

impl Drop for SilentRelay {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

/// Carries `client`'s bytes to and from `target` until `silenced`; then
/// holds both sockets open, silent.
async fn carry(mut client: TcpStream, target: u16, silenced: oneshot::Receiver<()>) {
    let Ok(mut server) = TcpStream::connect(("127.0.0.1", target)).await else { return };
    rocket::tokio::select! {
        _ = copy_bidirectional(&mut client, &mut server) => {}
        Ok(()) = silenced => std::future::pending::<()>().await,
    }
}
