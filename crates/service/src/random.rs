//! The one place the service draws randomness: the operating system's CSPRNG.

use roster_domain::SecretToken;
use roster_domain::token::SECRET_BYTES;

use crate::error::{Error, Result};

/// A fresh secret token with `prefix` and 256 random bits.
pub(crate) fn token(prefix: &str) -> Result<SecretToken> {
    let mut bytes = [0_u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|err| Error::internal(format!("OS RNG failed: {err}")))?;
    Ok(SecretToken::from_random(prefix, bytes))
}

/// A short random suffix for derived slugs (4 lowercase hex characters).
pub(crate) fn slug_suffix() -> Result<String> {
    let mut bytes = [0_u8; 2];
    getrandom::fill(&mut bytes).map_err(|err| Error::internal(format!("OS RNG failed: {err}")))?;
    Ok(format!("{:02x}{:02x}", bytes[0], bytes[1]))
}
