//! Whether a host is this machine: where plain `http://` and `redis://`
//! cross no network; and this machine's address where an app listens on
//! every one.

use std::net::IpAddr;
#[cfg(feature = "rocket")]
use std::net::{Ipv4Addr, Ipv6Addr};

/// Whether `host` (a name, an IP address, or an IPv6 address in brackets)
/// is `localhost` or a loopback address.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.trim_matches(['[', ']']).parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The address that reaches an app listening at `address`: itself, or,
/// for an unspecified one (`0.0.0.0` or `::`, every address of the
/// machine, as in a container), the loopback address of its family.
#[cfg(feature = "rocket")]
pub(crate) fn reachable(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) if v4.is_unspecified() => Ipv4Addr::LOCALHOST.into(),
        IpAddr::V6(v6) if v6.is_unspecified() => Ipv6Addr::LOCALHOST.into(),
        address => address,
    }
}
