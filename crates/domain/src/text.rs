//! Character rules shared by the names people type (organizations, projects, API keys):
//! which characters a name may not hold, because they change how text is shown without
//! being seen themselves.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Whether `text` holds a Unicode format character (general category Cf): bidirectional
/// overrides and isolates (U+202A-U+202E, U+2066-U+2069), zero-width characters
/// (U+200B-U+200F), the byte-order mark U+FEFF, the soft hyphen U+00AD and the like.
/// They are invisible, so a name holding them can pass for another name or reverse the
/// text around it on every page and in every mail that shows it.
pub(crate) fn has_format_character(text: &str) -> bool {
    text.chars()
        .any(|c| c.general_category() == GeneralCategory::Format)
}

#[cfg(test)]
mod tests {
    use super::has_format_character;

    #[test]
    fn finds_bidi_zero_width_and_other_format_characters() {
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}',
            '\u{FEFF}', '\u{00AD}', '\u{2060}', '\u{061C}',
        ] {
            assert!(
                has_format_character(&format!("ab{c}cd")),
                "{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        for text in ["Acme", "Straße", "東京", "Ünïcödé – 2", "مرحبا", "a b"] {
            assert!(!has_format_character(text), "{text}");
        }
    }
}
