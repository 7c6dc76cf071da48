//! Whether a host is this machine: where plain `http://` and `redis://`
//! cross no network.

use std::net::IpAddr;

/// Whether `host` (a name, an IP address, or an IPv6 address in brackets)
/// is `localhost` or a loopback address.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.trim_matches(['[', ']']).parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
