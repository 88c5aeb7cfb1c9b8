//! Percent-decoding (RFC 3986, section 2.1), in one place: the path parameters of Zuora's
//! routes, query strings (`page`, `pageSize`, the control API's `entity`) and the token request's
//! `application/x-www-form-urlencoded` body.

/// `bytes` with each `%` followed by two hex digits replaced by the byte they name; any other
/// `%` is kept as it is (`%4`, `%zz`, and `%+f`, which `u8::from_str_radix` would read as a
/// signed number).
pub(crate) fn percent_decode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let escape = match (b, bytes.get(i + 1..i + 3)) {
            (b'%', Some(&[high, low])) => hex(high).zip(hex(low)),
            _ => None,
        };
        match escape {
            Some((high, low)) => {
                out.push(high << 4 | low);
                i += 3;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// The value of a hex digit.
const fn hex(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// The name and value pairs of a form or a query string, percent-decoded, `+` a space (the
/// form encoding's rule; an encoded `%2B` is a `+`), bytes that are not UTF-8 read lossily.
pub(crate) fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    let decode = |part: &[u8]| {
        let spaced: Vec<u8> = part
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        String::from_utf8_lossy(&percent_decode(&spaced)).into_owned()
    };
    body.split(|&b| b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let mut parts = pair.splitn(2, |&b| b == b'=');
            let name = decode(parts.next().unwrap_or_default());
            let value = decode(parts.next().unwrap_or_default());
            (name, value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{form_pairs, percent_decode};

    #[test]
    fn pairs_are_percent_decoded_and_only_two_hex_digits_escape() {
        let pairs = form_pairs(b"page%53ize=%31%30&a+b=c%2Bd&x=%+f&y=%4&z=%zz&=&lone&u=%c3%A9%FF");
        let expected = [
            ("pageSize", "10"),
            ("a b", "c+d"),
            ("x", "% f"),
            ("y", "%4"),
            ("z", "%zz"),
            ("", ""),
            ("lone", ""),
            ("u", "\u{e9}\u{fffd}"),
        ];
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        assert_eq!(pairs, expected);
    }

    /// Every escape of every byte decodes to that byte, in either case, with text around it;
    /// a path's `+` stays a `+`, and an escape cut short by the end is kept.
    #[test]
    fn every_byte_escaped_decodes_to_itself() {
        for byte in 0..=u8::MAX {
            for escape in [format!("%{byte:02x}"), format!("%{byte:02X}")] {
                let text = format!("a{escape}b+");
                assert_eq!(
                    percent_decode(text.as_bytes()),
                    [b'a', byte, b'b', b'+'],
                    "{text}"
                );
            }
        }
        assert_eq!(percent_decode(b"JR-%3"), b"JR-%3");
        assert_eq!(percent_decode(b"%%41%"), b"%A%");
    }
}
