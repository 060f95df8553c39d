//! Where a webhook may be sent. A receiver's URL is `https://` with a host and no
//! credentials; it must never reach Roster's own network: loopback, private, link-local
//! (cloud metadata lives at 169.254.169.254), shared, unspecified, multicast or reserved
//! addresses are refused, whether written as an IP or resolved from a name. Local
//! development opts out with `allow_private`, which also admits `http://`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// The longest URL an endpoint may have.
pub(crate) const MAX_URL_LENGTH: usize = 2048;

/// Why a URL cannot be a webhook endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookUrlError {
    #[error("the URL is not valid")]
    Invalid,
    #[error("the URL is longer than {MAX_URL_LENGTH} characters")]
    TooLong,
    #[error("the URL must start with https://")]
    NotHttps,
    #[error("the URL must not contain a user name or password")]
    Credentials,
    #[error("the URL points at a private, loopback, link-local or reserved address")]
    PrivateAddress,
}

/// A checked endpoint URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(Url);

impl WebhookUrl {
    /// Checks `text` as an endpoint URL. A host given as an IP literal is checked here; a
    /// name is checked by whoever resolves it (at creation and again before each send).
    ///
    /// # Errors
    /// `WebhookUrlError` naming what is wrong.
    pub fn parse(text: &str, allow_private: bool) -> Result<WebhookUrl, WebhookUrlError> {
        let text = text.trim();
        if text.len() > MAX_URL_LENGTH {
            return Err(WebhookUrlError::TooLong);
        }
        let url = Url::parse(text).map_err(|_| WebhookUrlError::Invalid)?;
        match url.scheme() {
            "https" => {}
            "http" if allow_private => {}
            _ => return Err(WebhookUrlError::NotHttps),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(WebhookUrlError::Credentials);
        }
        let Some(host) = url.host() else {
            return Err(WebhookUrlError::Invalid);
        };
        if !allow_private {
            let literal = match host {
                Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
                Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
                Host::Domain(name) => {
                    let name = name.trim_end_matches('.').to_ascii_lowercase();
                    if name == "localhost" || name.ends_with(".localhost") {
                        return Err(WebhookUrlError::PrivateAddress);
                    }
                    None
                }
            };
            if literal.is_some_and(is_forbidden_ip) {
                return Err(WebhookUrlError::PrivateAddress);
            }
        }
        Ok(WebhookUrl(url))
    }

    /// The URL as stored and requested.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The host name to resolve, or `None` when the host is an IP literal.
    #[must_use]
    pub fn domain(&self) -> Option<&str> {
        self.0.domain()
    }

    /// The port, explicit or the scheme's.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.0.port_or_known_default().unwrap_or(443)
    }
}

/// Whether a webhook may never be sent to `ip`: anything but a public unicast address.
#[must_use]
pub fn is_forbidden_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => forbidden_v4(v4),
            None => forbidden_v6(v6),
        },
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // Benchmarking, 198.18.0.0/15.
        || (a == 198 && (b == 18 || b == 19))
        // Reserved, 240.0.0.0/4.
        || a >= 240
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // Unique local, fc00::/7.
        || (first & 0xfe00) == 0xfc00
        // Link-local, fe80::/10.
        || (first & 0xffc0) == 0xfe80
        // Documentation, 2001:db8::/32.
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        // NAT64 and IPv4-compatible forms can reach IPv4 space; refuse them outright.
        || (first == 0x0064 && ip.segments()[1] == 0xff9b)
        || ip.segments()[..6].iter().all(|segment| *segment == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_loopback_link_local_and_metadata_addresses_are_forbidden() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::7f00:1",
        ] {
            let parsed: IpAddr = ip.parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
            assert!(is_forbidden_ip(parsed), "{ip}");
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            let parsed: IpAddr = ip.parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
            assert!(!is_forbidden_ip(parsed), "{ip}");
        }
    }

    #[test]
    fn urls_must_be_https_without_credentials_and_not_private_literals() {
        assert!(WebhookUrl::parse("https://hooks.example.com/roster", false).is_ok());
        assert_eq!(
            WebhookUrl::parse("http://hooks.example.com/", false),
            Err(WebhookUrlError::NotHttps)
        );
        assert_eq!(
            WebhookUrl::parse("ftp://hooks.example.com/", true),
            Err(WebhookUrlError::NotHttps)
        );
        assert_eq!(
            WebhookUrl::parse("https://user:pw@hooks.example.com/", false),
            Err(WebhookUrlError::Credentials)
        );
        for url in [
            "https://127.0.0.1/",
            "https://[::1]/",
            "https://169.254.169.254/latest/meta-data",
            "https://localhost:8080/",
            "https://2130706433/",
        ] {
            assert_eq!(
                WebhookUrl::parse(url, false),
                Err(WebhookUrlError::PrivateAddress),
                "{url}"
            );
        }
        assert_eq!(
            WebhookUrl::parse("not a url", false),
            Err(WebhookUrlError::Invalid)
        );
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LENGTH));
        assert_eq!(
            WebhookUrl::parse(&long, false),
            Err(WebhookUrlError::TooLong)
        );
        let local = WebhookUrl::parse("http://127.0.0.1:9000/hook", true);
        assert!(local.is_ok_and(|url| url.port() == 9000 && url.domain().is_none()));
    }
}
