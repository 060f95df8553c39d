//! The one place the service draws randomness: the operating system's CSPRNG.

use roster_domain::SecretToken;
use roster_domain::token::SECRET_BYTES;

use crate::error::{Error, Result};

/// A fresh secret token with `prefix` and 256 random bits.
pub(crate) fn token(prefix: &str) -> Result<SecretToken> {
    Ok(SecretToken::from_random(prefix, bytes()?))
}

/// 256 random bits (a webhook signing secret).
pub(crate) fn bytes() -> Result<[u8; SECRET_BYTES]> {
    let mut bytes = [0_u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|err| Error::internal(format!("OS RNG failed: {err}")))?;
    Ok(bytes)
}

/// A number in `[0, 1)` to spread retries (not a secret).
pub(crate) fn jitter() -> f64 {
    let mut bytes = [0_u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.0;
    }
    f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0)
}

/// A random suffix for derived slugs: `bytes` random bytes as lowercase hex.
pub(crate) fn slug_suffix(bytes: usize) -> Result<String> {
    let mut random = vec![0_u8; bytes];
    getrandom::fill(&mut random).map_err(|err| Error::internal(format!("OS RNG failed: {err}")))?;
    Ok(random.iter().map(|byte| format!("{byte:02x}")).collect())
}
