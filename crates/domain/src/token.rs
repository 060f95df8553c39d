//! Secret tokens (sign-in links, sessions, later invitations and API keys): 32 random bytes
//! from the caller's RNG, shown once with a recognisable prefix, stored only as a SHA-256
//! hash. A hash of a 256-bit random secret needs no salt or slow KDF: it cannot be guessed.

use std::fmt;

use sha2::{Digest, Sha256};

/// How many random bytes every secret carries: 256 bits, twice the 128 bits of randomness
/// every secret handed out must have at least.
pub const SECRET_BYTES: usize = 32;

/// A secret handed to a user exactly once. `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretToken(String);

impl SecretToken {
    /// Builds a token `prefix` + 64 hex characters from `random` bytes.
    #[must_use]
    pub fn from_random(prefix: &str, random: [u8; SECRET_BYTES]) -> SecretToken {
        let mut text = String::with_capacity(prefix.len() + SECRET_BYTES * 2);
        text.push_str(prefix);
        for byte in random {
            text.push(hex_digit(byte >> 4));
            text.push(hex_digit(byte & 0x0f));
        }
        SecretToken(text)
    }

    /// The token text, to put in a mail or a response. Never log it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The hash stored in the database.
    #[must_use]
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretToken(..)")
    }
}

/// The SHA-256 of a presented token, hex encoded: what lookups compare against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    /// Hashes whatever the caller presented (valid or not; unknown hashes find nothing).
    #[must_use]
    pub fn of(presented: &str) -> TokenHash {
        let digest = Sha256::digest(presented.as_bytes());
        let mut text = String::with_capacity(64);
        for byte in digest {
            text.push(hex_digit(byte >> 4));
            text.push(hex_digit(byte & 0x0f));
        }
        TokenHash(text)
    }

    /// The hex text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn hex_digit(nibble: u8) -> char {
    char::from(b"0123456789abcdef"[usize::from(nibble & 0x0f)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_their_prefix_and_256_bits() {
        let token = SecretToken::from_random("rs_", [0xab; SECRET_BYTES]);
        assert!(token.expose().starts_with("rs_"));
        assert_eq!(token.expose().len(), 3 + 64);
        assert_eq!(format!("{token:?}"), "SecretToken(..)");
    }

    #[test]
    fn hashes_are_stable_and_distinct() {
        let a = SecretToken::from_random("x_", [1; SECRET_BYTES]);
        let b = SecretToken::from_random("x_", [2; SECRET_BYTES]);
        assert_eq!(a.hash(), TokenHash::of(a.expose()));
        assert_ne!(a.hash(), b.hash());
        assert_eq!(a.hash().as_str().len(), 64);
        assert!(!a.hash().as_str().contains(a.expose()));
        // Known vector: SHA-256("abc").
        assert_eq!(
            TokenHash::of("abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
