//! The comment finder behind the check on comment wording: a small lexer over Rust source
//! that knows string, raw string and character literals, so `"http://x"` is no comment.

/// The text of every comment in Rust source, one entry per line it covers (1-based), found
/// by a small lexer that skips string and character literals so `"http://"` is no comment.
pub(super) fn comments(text: &str) -> Vec<(usize, String)> {
    #[derive(Clone, Copy)]
    enum State {
        Code,
        Line,
        Block(usize),
        Str,
        RawStr(usize),
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut state = State::Code;
    let mut line = 1;
    let mut index = 0;
    let push = |out: &mut Vec<(usize, String)>, line: usize, c: char| match out.last_mut() {
        Some((last, comment)) if *last == line => comment.push(c),
        _ => out.push((line, c.to_string())),
    };
    while let Some(&c) = chars.get(index) {
        let next = chars.get(index + 1).copied();
        let mut step = 1;
        match state {
            State::Code => match (c, next) {
                ('/', Some('/')) => {
                    state = State::Line;
                    step = 2;
                }
                ('/', Some('*')) => {
                    state = State::Block(1);
                    step = 2;
                }
                ('"', _) => state = State::Str,
                ('r', Some('#' | '"')) if raw_string_may_start(&chars, index) => {
                    let hashes = chars[index + 1..].iter().take_while(|&&c| c == '#').count();
                    if chars.get(index + 1 + hashes) == Some(&'"') {
                        state = State::RawStr(hashes);
                        step = 2 + hashes;
                    }
                }
                ('\'', Some('\\')) => {
                    // An escaped character literal such as '\n' or '\'': skip to its end.
                    step = chars[index + 2..]
                        .iter()
                        .skip(1)
                        .position(|&c| c == '\'')
                        .map_or(2, |end| end + 4);
                }
                ('\'', Some(_)) if chars.get(index + 2) == Some(&'\'') => step = 3,
                _ => {}
            },
            State::Line => {
                if c == '\n' {
                    state = State::Code;
                } else {
                    push(&mut out, line, c);
                }
            }
            State::Block(depth) => match (c, next) {
                ('*', Some('/')) => {
                    state = if depth == 1 {
                        State::Code
                    } else {
                        State::Block(depth - 1)
                    };
                    step = 2;
                }
                ('/', Some('*')) => {
                    state = State::Block(depth + 1);
                    step = 2;
                }
                _ if c != '\n' => push(&mut out, line, c),
                _ => {}
            },
            State::Str => match c {
                '\\' => step = 2,
                '"' => state = State::Code,
                _ => {}
            },
            State::RawStr(hashes) => {
                let closes = c == '"'
                    && chars[index + 1..]
                        .iter()
                        .take(hashes)
                        .filter(|&&c| c == '#')
                        .count()
                        == hashes;
                if closes {
                    state = State::Code;
                    step = 1 + hashes;
                }
            }
        }
        line += chars[index..(index + step).min(chars.len())]
            .iter()
            .filter(|&&c| c == '\n')
            .count();
        index += step;
    }
    out
}

/// An `r` starts a raw string only when it is not the tail of an identifier (`br` counts).
fn raw_string_may_start(chars: &[char], index: usize) -> bool {
    let is_ident = |c: &char| c.is_alphanumeric() || *c == '_';
    match index.checked_sub(1).map(|before| &chars[before]) {
        None => true,
        Some('b') => index
            .checked_sub(2)
            .and_then(|before| chars.get(before))
            .is_none_or(|c| !is_ident(c)),
        Some(c) => !is_ident(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_found_outside_literals_only() {
        // Comment text is marked `C<n>`; everything marked `X` sits in a literal.
        let source = r####"//! C1
let url = "http://X"; // C2
let raw = r#"X // X "# ; /* C3
C4 */ let c = '"'; // C5
let s = "X \" // X"; let l: &'static str = "X"; // C6
let e = '\''; // C7
let b = br"X // X"; /* C8 /* C9 */ C10 */ let after = "X";
"####;
        let found = comments(source);
        let lines: Vec<usize> = found.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, vec![1, 2, 3, 4, 5, 6, 7]);
        let text: String = found.iter().map(|(_, text)| text.as_str()).collect();
        for marker in 1..=10 {
            assert!(
                text.contains(&format!("C{marker}")),
                "C{marker} missing in {found:?}"
            );
        }
        assert!(
            !text.contains('X'),
            "a literal was read as a comment: {found:?}"
        );
    }
}
