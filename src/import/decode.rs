//! Turning an export's bytes into text: UTF-8 with or without a BOM,
//! UTF-16 with a BOM, or Windows-1252 (what Excel saves on Windows), or
//! the encoding the user names. Anything else is an error, not mojibake.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

/// The encoding `--encoding NAME` names (any WHATWG label: utf-8,
/// utf-16le, windows-1252, latin1, gbk, shift_jis …).
pub fn named(label: &str) -> Result<&'static Encoding, String> {
    Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
        format!("unknown encoding `{label}` (try utf-8, utf-16le, utf-16be, windows-1252, iso-8859-2, gbk or shift_jis)")
    })
}

/// The text of `bytes` and the encoding it was read as. A BOM wins over
/// everything but a forced encoding; without one, valid UTF-8 is UTF-8 and
/// other text is Windows-1252 when it reads as text in it.
pub fn decode(
    bytes: &[u8],
    forced: Option<&'static Encoding>,
) -> Result<(String, &'static Encoding), String> {
    if let Some(enc) = forced {
        let (bytes, enc) = match Encoding::for_bom(bytes) {
            Some((bom, len)) if bom == enc => (&bytes[len..], enc),
            _ => (bytes, enc),
        };
        let (text, had_errors) = enc.decode_without_bom_handling(bytes);
        if had_errors {
            return Err(format!(
                "is not valid {} (it was forced with --encoding)",
                enc.name()
            ));
        }
        return Ok((text.into_owned(), enc));
    }
    if let Some((enc, len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[len..]);
        if had_errors {
            return Err(format!(
                "starts with a {} byte-order mark but is not valid {}",
                enc.name(),
                enc.name()
            ));
        }
        return Ok((text.into_owned(), enc));
    }
    // NUL bytes are valid UTF-8, but no text export holds them.
    if looks_like_utf16(bytes) {
        return Err(
            "looks like UTF-16 without a byte-order mark: pass --encoding utf-16le (or utf-16be)"
                .to_string(),
        );
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        if !text.contains('\0') {
            return Ok((text.to_string(), UTF_8));
        }
    }
    let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
    // Bytes Windows-1252 leaves undefined, and control characters no text
    // file holds, mean it is some other encoding.
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err("is neither UTF-8, UTF-16 with a byte-order mark, nor Windows-1252: name its encoding with --encoding (e.g. --encoding iso-8859-2)".to_string());
    }
    Ok((text.into_owned(), WINDOWS_1252))
}

/// Many NUL bytes at even or odd positions: ASCII text in UTF-16.
fn looks_like_utf16(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(400)];
    let nuls = sample.iter().filter(|b| **b == 0).count();
    nuls * 4 >= sample.len() && !sample.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::UTF_16LE;

    fn utf16le_with_bom(s: &str) -> Vec<u8> {
        let mut b = vec![0xFF, 0xFE];
        for u in s.encode_utf16() {
            b.extend(u.to_le_bytes());
        }
        b
    }

    #[test]
    fn reads_the_encodings_exports_use() {
        let (t, e) = decode(b"\xEF\xBB\xBFName\r\nJos\xC3\xA9\r\n", None).unwrap();
        assert_eq!((t.as_str(), e), ("Name\r\nJosé\r\n", UTF_8));
        let (t, e) = decode(&utf16le_with_bom("李明,Jürgen"), None).unwrap();
        assert_eq!((t.as_str(), e), ("李明,Jürgen", UTF_16LE));
        let (t, e) = decode(b"Jos\xE9 N\xFA\xF1ez \x80", None).unwrap();
        assert_eq!((t.as_str(), e), ("José Núñez €", WINDOWS_1252));
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        let e = decode(b"N\x00a\x00m\x00e\x00,\x00", None).unwrap_err();
        assert!(e.contains("UTF-16 without a byte-order mark"), "{e}");
        let e = decode(b"\x81\x8D binary \x01\x02", None).unwrap_err();
        assert!(e.contains("--encoding"), "{e}");
        let e = decode(b"Jos\xE9", Some(UTF_8)).unwrap_err();
        assert!(e.contains("not valid UTF-8"), "{e}");
        assert!(named("klingon").is_err());
        assert_eq!(named("latin1").unwrap(), WINDOWS_1252);
    }

    #[test]
    fn a_forced_encoding_wins() {
        let (t, _) = decode(b"Jos\xE9", Some(named("iso-8859-2").unwrap())).unwrap();
        assert_eq!(t, "José");
        let (t, _) = decode(&utf16le_with_bom("Ab"), Some(UTF_16LE)).unwrap();
        assert_eq!(t, "Ab");
    }
}
