//! Reading one variable: blank means unset, and each kind of value (numbers, flags,
//! durations in a named unit, secrets, IP lists, URLs) has one parser whose error says
//! what was expected.

use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

use secrecy::SecretString;

use super::ConfigError;

/// A lookup that treats blank values as unset.
pub(super) struct Env<'a, F: Fn(&str) -> Option<String>>(pub(super) &'a F);

impl<F: Fn(&str) -> Option<String>> Env<'_, F> {
    /// Replaces `field` with the parsed value of `name` when it is set.
    pub(super) fn read<T>(
        &self,
        name: &'static str,
        field: &mut T,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<(), ConfigError> {
        let Some(raw) = (self.0)(name).filter(|value| !value.trim().is_empty()) else {
            return Ok(());
        };
        *field = parse(raw.trim()).map_err(|reason| ConfigError { name, reason })?;
        Ok(())
    }
}

pub(super) fn parse<T: FromStr>(raw: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    raw.parse().map_err(|err: T::Err| err.to_string())
}

/// `1`/`true`/`yes` or `0`/`false`/`no`.
pub(super) fn flag(raw: &str) -> Result<bool, String> {
    match raw.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" => Ok(false),
        _ => Err("must be 1 or 0 (true or false)".into()),
    }
}

/// Whether `url`'s host is `localhost` or a loopback address.
pub(super) fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or(""),
        None => authority
            .rsplit_once(':')
            .map_or(authority, |(host, _)| host),
    };
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

pub(super) fn text(raw: &str) -> Result<String, String> {
    Ok(raw.to_owned())
}

pub(super) fn secret(raw: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(raw.to_owned()))
}

pub(super) fn public_url(raw: &str) -> Result<Option<String>, String> {
    if !(raw.starts_with("http://") || raw.starts_with("https://")) {
        return Err("must start with http:// or https://".into());
    }
    Ok(Some(raw.trim_end_matches('/').to_owned()))
}

/// An absolute `http(s)://` URL with a host and no spaces (the product app's address).
pub(super) fn app_url(raw: &str) -> Result<Option<String>, String> {
    let url = public_url(raw)?.unwrap_or_default();
    let host = url.split_once("://").map_or("", |(_, rest)| {
        rest.split(['/', '?', '#']).next().unwrap_or_default()
    });
    if host.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must be an absolute http:// or https:// URL with a host".into());
    }
    Ok(Some(url))
}

pub(super) fn ip_list(raw: &str) -> Result<Vec<IpAddr>, String> {
    raw.split(',')
        .map(|ip| {
            ip.trim()
                .parse()
                .map_err(|_| format!("`{}` is not an IP address", ip.trim()))
        })
        .collect()
}

pub(super) fn millis(raw: &str) -> Result<Duration, String> {
    parse::<u64>(raw).map(Duration::from_millis)
}

/// A whole, non-negative number of `unit`s as a duration; negative or absurd values are
/// refused rather than turned into lifetimes in the past.
pub(super) fn whole(
    raw: &str,
    unit: fn(i64) -> chrono::Duration,
) -> Result<chrono::Duration, String> {
    let count = parse::<u32>(raw).map_err(|err| format!("{err} (a whole number >= 0)"))?;
    Ok(unit(i64::from(count)))
}

pub(super) fn seconds(raw: &str) -> Result<chrono::Duration, String> {
    whole(raw, chrono::Duration::seconds)
}

pub(super) fn minutes(raw: &str) -> Result<chrono::Duration, String> {
    whole(raw, chrono::Duration::minutes)
}

pub(super) fn days(raw: &str) -> Result<chrono::Duration, String> {
    whole(raw, chrono::Duration::days)
}

/// A pool size: at least one connection, and not more than a database server accepts.
pub(super) fn pool_size(raw: &str) -> Result<u32, String> {
    match parse::<u32>(raw) {
        Ok(size @ 1..=1000) => Ok(size),
        _ => Err("must be a whole number from 1 to 1000".into()),
    }
}
