//! Cleaning what exports put in name cells: honorifics, credentials after
//! the family name ("Muller, PhD"), and the ids, keys and tags made from
//! them.

/// Credentials that make their holder "Dr.": medical, dental and research
/// doctorates. Fellowships (FACC) and masters (MPH) are kept but say
/// nothing about the title.
const DOCTORATES: &[&str] = &[
    "md", "do", "phd", "mbbs", "mbchb", "mbbch", "bmbs", "dphil", "drph", "dds", "dmd", "pharmd",
    "dpm", "scd", "dsc", "edd", "mdphd", "dnp", "psyd",
];

/// Other letters after a name that are credentials, not part of it.
const OTHER_CREDENTIALS: &[&str] = &[
    "mph", "msc", "ms", "ma", "mba", "mha", "mmed", "mscr", "frcp", "frcs", "frcpc", "frcsc",
    "facp", "facc", "facs", "faap", "facog", "facep", "fasn", "mrcp", "mrcs", "rn", "np", "pa",
    "pac", "bsc", "ba", "bs", "mrcpch", "frcr", "facr", "fccp", "fahs", "fache", "cpa", "ccrp",
];

/// Honorifics accepted in a prefix cell, and how they are written.
const HONORIFICS: &[(&str, &str)] = &[
    ("dr", "Dr."),
    ("doctor", "Dr."),
    ("prof", "Prof."),
    ("professor", "Prof."),
    ("mr", "Mr."),
    ("mrs", "Mrs."),
    ("ms", "Ms."),
    ("miss", "Miss"),
    ("mx", "Mx."),
    ("sir", "Sir"),
    ("dame", "Dame"),
];

/// A name with its honorific and credentials taken off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanName {
    pub name: String,
    /// An honorific written before the name ("Dr.").
    pub honorific: Option<String>,
    /// Credentials written after it, as given ("MD, PhD").
    pub credentials: Vec<String>,
}

impl CleanName {
    /// The title the credentials imply ("Dr." for a doctorate), with the
    /// credential that says so.
    pub fn doctorate(&self) -> Option<&str> {
        self.credentials
            .iter()
            .find(|c| DOCTORATES.contains(&squash(c).as_str()))
            .map(String::as_str)
    }
}

/// "Dr", "dr." and "Doctor" → "Dr."; anything else is not an honorific.
pub fn honorific(text: &str) -> Option<&'static str> {
    let key = squash(text);
    HONORIFICS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, written)| *written)
}

/// Splits "Dr. Hans Muller, MD, PhD" (or "Hans Muller MD") into the name,
/// the honorific and the credentials. Text after a comma that is not all
/// credentials ("Núñez, José") is left in the name.
pub fn clean(full: &str) -> CleanName {
    let full = one_line(full);
    let mut out = CleanName::default();
    let mut parts: Vec<&str> = full.split(',').map(str::trim).collect();
    while parts.len() > 1 {
        let last = parts[parts.len() - 1];
        let words: Vec<&str> = last.split_whitespace().collect();
        if words.is_empty() {
            parts.pop();
        } else if words.iter().all(|w| is_credential(w)) {
            out.credentials
                .splice(0..0, words.iter().map(|w| w.to_string()));
            parts.pop();
        } else {
            break;
        }
    }
    let rest = parts.join(", ");
    let mut words: Vec<&str> = rest.split_whitespace().collect();
    while words.len() > 1 && is_credential(words[words.len() - 1]) {
        let w = words.pop().unwrap_or_default();
        out.credentials
            .insert(0, w.trim_end_matches(',').to_string());
    }
    if words.len() > 1 {
        if let Some(h) = honorific(words[0]) {
            out.honorific = Some(h.to_string());
            words.remove(0);
        }
    }
    out.name = words.join(" ").trim_end_matches(',').trim().to_string();
    out
}

/// A credential written the way credentials are: "MD", "M.D.", "PhD", but
/// not "Do" or "Ma", which are family names too.
fn is_credential(word: &str) -> bool {
    let key = squash(word);
    let known = DOCTORATES.contains(&key.as_str()) || OTHER_CREDENTIALS.contains(&key.as_str());
    let letters: String = word.chars().filter(|c| c.is_alphabetic()).collect();
    let written = letters.chars().all(char::is_uppercase) || MIXED_CASE.contains(&letters.as_str());
    known && written
}

/// Credentials conventionally written in mixed case.
const MIXED_CASE: &[&str] = &[
    "PhD", "DPhil", "PharmD", "DrPH", "MBChB", "MBBCh", "PsyD", "ScD", "DSc", "EdD", "MSc", "BSc",
    "MMed", "MScR",
];

/// Lower case with everything but letters and digits dropped: "M.D." → "md",
/// "E-mail Address" → "emailaddress". How headers and credentials compare.
pub fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whitespace runs, line breaks and control characters as one space: what
/// a one-line field (name, role, institution) may hold.
pub fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A file-name-safe slug: ASCII letters and digits joined by `-`, accents
/// taken off ("José Núñez" → "jose-nunez"). Empty when nothing is left
/// (a name written only in another script).
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in text.chars() {
        let ascii = fold(c);
        for a in ascii.chars() {
            if a.is_ascii_alphanumeric() {
                if dash && !out.is_empty() {
                    out.push('-');
                }
                dash = false;
                out.push(a.to_ascii_lowercase());
            } else {
                dash = true;
            }
        }
    }
    out
}

/// A key for `vars`: lower-case ASCII words joined by `_`, starting with a
/// letter, so a template can write `{{vars.acgme_id}}`.
pub fn var_key(header: &str) -> String {
    let key = slug(header).replace('-', "_");
    match key.chars().next() {
        None => String::new(),
        Some(c) if c.is_ascii_digit() => format!("col_{key}"),
        Some(_) => key,
    }
}

/// A tag as the command line takes it: "Programme Directors" →
/// "programme-directors"; other scripts are kept.
pub fn tag(label: &str) -> String {
    one_line(label)
        .to_lowercase()
        .split(|c: char| c.is_whitespace() || c == ',' || c == '/')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The ASCII letters a Latin letter is written with, without its accent.
fn fold(c: char) -> String {
    if c.is_ascii() {
        return c.to_string();
    }
    let s = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' | 'Ă' | 'Ą' => "A",
        'æ' => "ae",
        'Æ' => "AE",
        'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => "c",
        'Ç' | 'Ć' | 'Č' => "C",
        'ď' | 'đ' | 'ð' => "d",
        'Ď' | 'Đ' | 'Ð' => "D",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ė' | 'Ę' | 'Ě' => "E",
        'ğ' | 'ģ' => "g",
        'Ğ' | 'Ģ' => "G",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' | 'İ' => "I",
        'ķ' => "k",
        'ł' | 'ľ' | 'ļ' | 'ĺ' => "l",
        'Ł' | 'Ľ' | 'Ļ' | 'Ĺ' => "L",
        'ñ' | 'ń' | 'ň' | 'ņ' => "n",
        'Ñ' | 'Ń' | 'Ň' | 'Ņ' => "N",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' | 'Ő' => "O",
        'œ' => "oe",
        'Œ' => "OE",
        'ř' | 'ŕ' => "r",
        'Ř' | 'Ŕ' => "R",
        'ś' | 'š' | 'ş' | 'ș' => "s",
        'Ś' | 'Š' | 'Ş' | 'Ș' => "S",
        'ß' => "ss",
        'ť' | 'ţ' | 'ț' => "t",
        'Ť' | 'Ţ' | 'Ț' => "T",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' | 'Ů' | 'Ű' | 'Ų' => "U",
        'ý' | 'ÿ' => "y",
        'Ý' | 'Ÿ' => "Y",
        'ź' | 'ż' | 'ž' => "z",
        'Ź' | 'Ż' | 'Ž' => "Z",
        _ => " ",
    };
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_after_the_name_are_taken_off() {
        let c = clean("Hans Muller, PhD");
        assert_eq!(c.name, "Hans Muller");
        assert_eq!(c.credentials, ["PhD"]);
        assert_eq!(c.doctorate(), Some("PhD"));
        let c = clean("Dr. Sarah Lee MD, FACC");
        assert_eq!(c.name, "Sarah Lee");
        assert_eq!(c.honorific.as_deref(), Some("Dr."));
        assert_eq!(c.credentials, ["MD", "FACC"]);
        let c = clean("Amy Chen, M.D.");
        assert_eq!((c.name.as_str(), c.doctorate()), ("Amy Chen", Some("M.D.")));
    }

    #[test]
    fn a_comma_before_a_given_name_stays() {
        let c = clean("Núñez, José");
        assert_eq!(c.name, "Núñez, José");
        assert!(c.credentials.is_empty());
        let c = clean("Priya Raman, MPH");
        assert_eq!((c.name.as_str(), c.doctorate()), ("Priya Raman", None));
    }

    #[test]
    fn a_lone_word_or_a_family_name_is_not_a_credential() {
        assert_eq!(clean("Anna Do").name, "Anna Do");
        assert_eq!(clean("Li Ma").name, "Li Ma");
        assert_eq!(clean("Do").name, "Do");
        assert_eq!(clean("Dr").name, "Dr");
    }

    #[test]
    fn slugs_are_safe_file_names() {
        assert_eq!(slug("José Núñez"), "jose-nunez");
        assert_eq!(slug("Jürgen Müller"), "jurgen-muller");
        assert_eq!(slug("../../etc/passwd"), "etc-passwd");
        assert_eq!(slug("李明"), "");
        assert_eq!(var_key("ACGME ID"), "acgme_id");
        assert_eq!(var_key("2nd Email"), "col_2nd_email");
        assert_eq!(tag("Programme Directors"), "programme-directors");
    }
}
