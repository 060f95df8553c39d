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

/// A random suffix for derived slugs: `bytes` random bytes as lowercase hex.
pub(crate) fn slug_suffix(bytes: usize) -> Result<String> {
    let mut random = vec![0_u8; bytes];
    getrandom::fill(&mut random).map_err(|err| Error::internal(format!("OS RNG failed: {err}")))?;
    Ok(random.iter().map(|byte| format!("{byte:02x}")).collect())
}
