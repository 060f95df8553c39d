//! An organization's default avatar: a symmetric 5x5 pattern in one colour, drawn from the
//! organization's id alone, so it is the same everywhere, needs no storage, and no
//! third-party host ever sees the id.

use uuid::Uuid;

/// The SVG image for the organization `id`.
#[must_use]
pub fn avatar_svg(id: Uuid) -> String {
    let bytes = id.as_bytes();
    // The hue comes from the id's random tail (UUIDv7 starts with the time).
    let hue = u16::from_be_bytes([bytes[14], bytes[15]]) % 360;
    let mut cells = String::new();
    for row in 0..5_u8 {
        for column in 0..3_u8 {
            let bit = usize::from(row * 3 + column);
            let byte = bytes[8 + bit / 8];
            if byte >> (bit % 8) & 1 == 1 {
                for x in [column, 4 - column] {
                    cells.push_str(&format!(
                        "<rect x=\"{}\" y=\"{}\" width=\"1\" height=\"1\"/>",
                        u16::from(x) + 1,
                        u16::from(row) + 1
                    ));
                    if x == 2 {
                        break;
                    }
                }
            }
        }
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 7 7\" width=\"128\" height=\"128\" \
         shape-rendering=\"crispEdges\"><rect width=\"7\" height=\"7\" fill=\"hsl({hue},45%,92%)\"/>\
         <g fill=\"hsl({hue},55%,45%)\">{cells}</g></svg>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_id_draws_the_same_avatar_and_others_differ() {
        let one = Uuid::from_u128(0x0192_f0c4_7b1a_7cc2_9a51_3f1c_2d4e_5f60);
        let two = Uuid::from_u128(0x0192_f0c4_7b1a_7cc2_1234_5678_9abc_def0);
        assert_eq!(avatar_svg(one), avatar_svg(one));
        assert_ne!(avatar_svg(one), avatar_svg(two));
        let svg = avatar_svg(one);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>"));
        assert!(!svg.contains("<script"), "{svg}");
    }
}
