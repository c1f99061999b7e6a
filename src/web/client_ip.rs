//! Who the client is: the address submissions are rate limited by.
//!
//! It is the TCP peer's address, unless the peer is a proxy this server was told to trust
//! (`--trusted-proxies`). Then it is read from `X-Forwarded-For`, which every proxy appends the
//! address it heard from to: walking the list from its right end, past the trusted proxies, the
//! first address that is not one is the client. Everything to the left of it was written by the
//! client itself and may be forged, so it is never read; and a peer that is not trusted is
//! never asked, so a client cannot take a fresh allowance by sending the header itself.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
};

use axum::{
    extract::{ConnectInfo, FromRef, FromRequestParts},
    http::{HeaderMap, request::Parts},
};
use ipnet::IpNet;

const FORWARDED_FOR: &str = "x-forwarded-for";

/// The networks whose peers are proxies that append the client's address to `X-Forwarded-For`.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<[IpNet]>);

impl TrustedProxies {
    pub fn new(networks: &[IpNet]) -> Self {
        Self(networks.into())
    }

    fn trust(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|network| network.contains(&ip))
    }

    /// The client behind `peer`, from the `X-Forwarded-For` headers in `headers` when `peer` is
    /// trusted.
    fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = canonical(peer);
        if !self.trust(client) {
            return client;
        }
        // Several headers count as one list, in order; the last proxy wrote the last entry.
        let hops = headers
            .get_all(FORWARDED_FOR)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','));
        for hop in hops.rev() {
            match parse_hop(hop) {
                Some(ip) => client = ip,
                // A trusted proxy wrote something else than an address (`unknown`, say): the
                // client cannot be told apart from the proxy.
                None => break,
            }
            if !self.trust(client) {
                break;
            }
        }
        client
    }
}

/// One entry of `X-Forwarded-For`: an address, possibly with a port (`[2001:db8::1]:4711`,
/// `192.0.2.1:4711`), as some proxies write it.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|address| address.ip()))
        .ok()
        .map(canonical)
}

/// An IPv4 client reached over IPv6 is the IPv4 client.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The client a request came from. An IPv6 client is known by its /64: one host usually holds a
/// whole /64 and could otherwise take a fresh allowance per address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    pub(super) fn new(ip: IpAddr) -> Self {
        match canonical(ip) {
            IpAddr::V6(v6) => Self(IpAddr::V6(Ipv6Addr::from_bits(
                v6.to_bits() & !u128::from(u64::MAX),
            ))),
            v4 => Self(v4),
        }
    }
}

impl<S> FromRequestParts<S> for ClientIp
where
    S: Send + Sync,
    TrustedProxies: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // The server always sets it; a router driven without one (a unit test) is one client.
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
        let proxies = TrustedProxies::from_ref(state);
        Ok(Self::new(proxies.client(peer, &parts.headers)))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    fn trusting(networks: &[&str]) -> TrustedProxies {
        let networks: Vec<IpNet> = networks
            .iter()
            .filter_map(|network| network.parse().ok())
            .collect();
        TrustedProxies::new(&networks)
    }

    fn forwarded_for(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(FORWARDED_FOR, HeaderValue::from_str(value).expect("ASCII"));
        }
        headers
    }

    #[test]
    fn without_trusted_proxies_the_client_is_the_peer_whatever_it_claims() {
        let headers = forwarded_for(&["203.0.113.7"]);
        assert_eq!(
            TrustedProxies::default().client(ip("198.51.100.1"), &headers),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_client_is_the_address_the_proxy_heard_from() {
        let proxies = trusting(&["10.0.0.0/8"]);
        // The client forged the first entry; the proxy appended what it saw.
        let headers = forwarded_for(&["192.0.2.99, 203.0.113.7"]);
        assert_eq!(proxies.client(ip("10.1.2.3"), &headers), ip("203.0.113.7"));
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_walked_back_to_the_first_untrusted_address() {
        let proxies = trusting(&["10.0.0.0/8", "192.168.1.1/32"]);
        let headers = forwarded_for(&["192.0.2.99, 203.0.113.7", "192.168.1.1"]);
        assert_eq!(proxies.client(ip("10.1.2.3"), &headers), ip("203.0.113.7"));
    }

    #[test]
    fn a_peer_that_is_not_trusted_cannot_name_another_client() {
        let proxies = trusting(&["10.0.0.0/8"]);
        let headers = forwarded_for(&["10.9.9.9"]);
        assert_eq!(
            proxies.client(ip("198.51.100.1"), &headers),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn a_trusted_proxy_without_the_header_or_with_garbage_in_it_is_the_client() {
        let proxies = trusting(&["10.0.0.0/8"]);
        assert_eq!(
            proxies.client(ip("10.1.2.3"), &HeaderMap::new()),
            ip("10.1.2.3")
        );
        let headers = forwarded_for(&["203.0.113.7, unknown"]);
        assert_eq!(proxies.client(ip("10.1.2.3"), &headers), ip("10.1.2.3"));
    }

    #[test]
    fn addresses_with_ports_and_ipv4_over_ipv6_are_read_as_their_addresses() {
        let proxies = trusting(&["::1/128"]);
        let headers = forwarded_for(&["203.0.113.7:4711"]);
        assert_eq!(proxies.client(ip("::1"), &headers), ip("203.0.113.7"));
        let headers = forwarded_for(&["[2001:db8::7]:4711"]);
        assert_eq!(proxies.client(ip("::1"), &headers), ip("2001:db8::7"));
        let proxies = trusting(&["127.0.0.1/32"]);
        let headers = forwarded_for(&["::ffff:203.0.113.7"]);
        assert_eq!(
            proxies.client(ip("::ffff:127.0.0.1"), &headers),
            ip("203.0.113.7")
        );
    }
}
