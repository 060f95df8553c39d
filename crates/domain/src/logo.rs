//! Organization logos: which images are accepted and how large they may be. The type is
//! decided from the image's own first bytes (its signature), never from what the uploader
//! claims, and only raster formats browsers render inertly are taken: PNG, JPEG and WebP.
//! SVG is refused because it is a document that can carry scripts and links.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// The largest logo accepted, in bytes (512 KiB).
pub const MAX_LOGO_BYTES: usize = 512 * 1024;

/// How many hex characters of the entity tag version a logo's URL (`?v=`), so a new logo
/// gets a new URL and caches never show the old one.
const VERSION_CHARS: usize = 12;

/// An accepted image format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogoType {
    Png,
    Jpeg,
    Webp,
}

impl LogoType {
    /// Every accepted format.
    pub const ALL: [LogoType; 3] = [LogoType::Png, LogoType::Jpeg, LogoType::Webp];

    /// The media type the image is stored and served with.
    #[must_use]
    pub fn content_type(self) -> &'static str {
        match self {
            LogoType::Png => "image/png",
            LogoType::Jpeg => "image/jpeg",
            LogoType::Webp => "image/webp",
        }
    }

    /// Reads back a stored media type (one written by `content_type`).
    #[must_use]
    pub fn from_content_type(value: &str) -> Option<LogoType> {
        LogoType::ALL
            .into_iter()
            .find(|image_type| image_type.content_type() == value)
    }

    /// The format whose signature `bytes` start with, if it is one we accept. An image
    /// cut off inside its signature is no image.
    #[must_use]
    pub fn sniff(bytes: &[u8]) -> Option<LogoType> {
        const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
        // SOI marker, then the first segment's marker byte.
        const JPEG: &[u8] = b"\xff\xd8\xff";
        if bytes.starts_with(PNG) {
            return Some(LogoType::Png);
        }
        if bytes.starts_with(JPEG) {
            return Some(LogoType::Jpeg);
        }
        // RIFF container, any length, of form WEBP, whose first chunk is lossy, lossless
        // or extended WebP.
        if bytes.len() >= 16
            && bytes.starts_with(b"RIFF")
            && &bytes[8..12] == b"WEBP"
            && matches!(&bytes[12..16], b"VP8 " | b"VP8L" | b"VP8X")
        {
            return Some(LogoType::Webp);
        }
        None
    }
}

/// Why an upload is not a logo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LogoError {
    #[error("the request body is empty: send the image bytes")]
    Empty,
    #[error("a logo must be at most 512 KiB")]
    TooLarge,
    #[error(
        "a logo must be a PNG, JPEG or WebP image (decided from the bytes, not the Content-Type); SVG, GIF and other formats are refused"
    )]
    UnsupportedType,
}

/// An uploaded logo that passed the rules: its format, bytes and entity tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLogo {
    image_type: LogoType,
    bytes: Vec<u8>,
    etag: String,
}

impl NewLogo {
    /// Checks an upload: not empty, at most `MAX_LOGO_BYTES`, a PNG, JPEG or WebP
    /// signature.
    ///
    /// # Errors
    /// `Empty`, `TooLarge` or `UnsupportedType`.
    pub fn parse(bytes: Vec<u8>) -> Result<NewLogo, LogoError> {
        if bytes.is_empty() {
            return Err(LogoError::Empty);
        }
        if bytes.len() > MAX_LOGO_BYTES {
            return Err(LogoError::TooLarge);
        }
        let image_type = LogoType::sniff(&bytes).ok_or(LogoError::UnsupportedType)?;
        let etag = etag_of(&bytes);
        Ok(NewLogo {
            image_type,
            bytes,
            etag,
        })
    }

    #[must_use]
    pub fn image_type(&self) -> LogoType {
        self.image_type
    }

    #[must_use]
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The SHA-256 of the bytes, hex encoded.
    #[must_use]
    pub fn etag(&self) -> &str {
        &self.etag
    }
}

/// A stored logo, as served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    pub image_type: LogoType,
    pub bytes: Vec<u8>,
    /// The SHA-256 of the bytes, hex encoded.
    pub etag: String,
    pub updated_at: DateTime<Utc>,
}

/// The SHA-256 of `bytes`, hex encoded: a strong entity tag (equal tags, equal bytes).
#[must_use]
pub fn etag_of(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The part of an entity tag that versions the logo's URL.
#[must_use]
pub fn url_version(etag: &str) -> &str {
    etag.get(..VERSION_CHARS).unwrap_or(etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_tail(signature: &[u8]) -> Vec<u8> {
        let mut bytes = signature.to_vec();
        bytes.extend_from_slice(&[0_u8; 32]);
        bytes
    }

    #[test]
    fn png_jpeg_and_webp_are_recognised_by_their_signatures() {
        let png = with_tail(b"\x89PNG\r\n\x1a\n");
        let jpeg = with_tail(b"\xff\xd8\xff\xe0");
        let webp = with_tail(b"RIFF\x24\x00\x00\x00WEBPVP8 ");
        let lossless = with_tail(b"RIFF\x24\x00\x00\x00WEBPVP8L");
        for (bytes, expected) in [
            (&png, LogoType::Png),
            (&jpeg, LogoType::Jpeg),
            (&webp, LogoType::Webp),
            (&lossless, LogoType::Webp),
        ] {
            let logo = NewLogo::parse(bytes.clone()).expect("accepted");
            assert_eq!(logo.image_type(), expected);
            assert_eq!(logo.bytes(), bytes.as_slice());
            assert_eq!(
                LogoType::from_content_type(expected.content_type()),
                Some(expected)
            );
        }
        // The bare signatures are enough: only the signature is checked.
        assert_eq!(LogoType::sniff(b"\x89PNG\r\n\x1a\n"), Some(LogoType::Png));
        assert_eq!(LogoType::sniff(b"\xff\xd8\xff"), Some(LogoType::Jpeg));
    }

    #[test]
    fn svg_gif_and_everything_else_are_refused() {
        let refused: [&[u8]; 9] = [
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
            b"<?xml version=\"1.0\"?><svg/>",
            b"GIF89a\x01\x00\x01\x00\x00\x00\x00",
            b"GIF87a\x01\x00\x01\x00\x00\x00\x00",
            b"BM\x00\x00\x00\x00\x00\x00\x00\x00",
            b"<html><body>not an image</body></html>",
            // A RIFF file that is not WebP (a WAV), and a WEBP form with no WebP chunk.
            b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00",
            b"RIFF\x24\x00\x00\x00WEBPJUNK\x00\x00\x00\x00",
            // A PNG signature that does not start the file.
            b" \x89PNG\r\n\x1a\n",
        ];
        for bytes in refused {
            assert_eq!(
                NewLogo::parse(bytes.to_vec()),
                Err(LogoError::UnsupportedType),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn empty_and_truncated_uploads_are_refused() {
        assert_eq!(NewLogo::parse(Vec::new()), Err(LogoError::Empty));
        for truncated in [
            &b"\x89PNG\r\n\x1a"[..],
            b"\x89P",
            b"\xff\xd8",
            b"\xff",
            b"RIFF\x24\x00\x00\x00WEBP",
            b"RIFF\x24\x00\x00\x00WEBPVP8",
        ] {
            assert_eq!(
                NewLogo::parse(truncated.to_vec()),
                Err(LogoError::UnsupportedType),
                "{truncated:?}"
            );
        }
    }

    #[test]
    fn the_size_limit_is_512_kib_inclusive() {
        let mut at_limit = b"\x89PNG\r\n\x1a\n".to_vec();
        at_limit.resize(MAX_LOGO_BYTES, 0);
        assert!(NewLogo::parse(at_limit.clone()).is_ok());
        at_limit.push(0);
        assert_eq!(NewLogo::parse(at_limit), Err(LogoError::TooLarge));
    }

    #[test]
    fn the_entity_tag_is_the_sha256_of_the_bytes() {
        // Known vector: SHA-256("abc").
        assert_eq!(
            etag_of(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let logo = NewLogo::parse(with_tail(b"\x89PNG\r\n\x1a\n")).expect("accepted");
        assert_eq!(logo.etag(), etag_of(logo.bytes()));
        assert_eq!(url_version(logo.etag()).len(), 12);
        assert!(logo.etag().starts_with(url_version(logo.etag())));
        assert_eq!(url_version("short"), "short");
    }
}
