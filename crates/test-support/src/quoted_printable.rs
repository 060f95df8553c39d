//! Decoding quoted-printable text (RFC 2045): lettre encodes bodies with lines of 76
//! characters or more this way, so the test SMTP sink decodes received messages before
//! tests look for the link that stands alone on its line. (Tests only: the server never
//! reads links back out of message text.)

/// Decodes `raw`: soft line breaks (`=` at the end of a line) are joined and `=XX` escapes
/// become bytes. Text that is not quoted-printable passes through unchanged, except for
/// `=XX` sequences, which such text does not contain in practice.
#[must_use]
pub(crate) fn decode(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'='
            && let Some(hex) = bytes.get(index + 1..index + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            index += 3;
            continue;
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn joins_soft_breaks_and_decodes_escapes() {
        let raw = "Open:=0A=0Ahttp://x/auth/verify?token=3Drsi_ab=\r\ncd=0A=0ABye caf=C3=A9";
        assert_eq!(
            decode(raw),
            "Open:\n\nhttp://x/auth/verify?token=rsi_abcd\n\nBye café"
        );
        assert_eq!(decode("plain text"), "plain text");
    }
}
