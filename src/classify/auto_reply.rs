//! Signs that a message was sent by a machine answering on someone's
//! behalf (RFC 3834 and the older conventions), read from headers alone.

use mail_parser::Message;

/// Subject openings of out-of-office notices, lower-case. Matched only at
/// the start: "Re: Away from the clinic?" from a person is not a notice.
const SUBJECT_STARTS: &[&str] = &[
    "away from",
    "on leave",
    "auto:",
    "ausente",
    "afwezig",
    "[auto",
];

/// Phrases distinctive enough to count anywhere in a subject, lower-case,
/// in English, German, French, Spanish, Portuguese, Italian and Dutch.
const SUBJECT_PHRASES: &[&str] = &[
    "out of office",
    "out of the office",
    "automatic reply",
    "auto-reply",
    "autoreply",
    "auto reply",
    "abwesenheitsnotiz",
    "automatische antwort",
    "réponse automatique",
    "reponse automatique",
    "absence du bureau",
    "respuesta automática",
    "respuesta automatica",
    "fuera de la oficina",
    "resposta automática",
    "resposta automatica",
    "risposta automatica",
    "fuori sede",
    "automatisch antwoord",
];

/// Every auto-reply sign the headers show, as evidence lines; empty for a
/// message a person wrote. X-Auto-Response-Suppress is not among them:
/// Outlook puts it on ordinary mail people write.
pub(super) fn signals(msg: &Message, subject: Option<&str>) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(v) = super::header(msg, "Auto-Submitted") {
        let kind = v.split(';').next().unwrap_or_default().trim();
        if !kind.is_empty() && !kind.eq_ignore_ascii_case("no") {
            found.push(format!("Auto-Submitted: {kind}"));
        }
    }
    for name in ["X-Autoreply", "X-Autorespond"] {
        if let Some(v) = super::header(msg, name) {
            found.push(format!("{name}: {v}"));
        }
    }
    if let Some(v) = super::header(msg, "Precedence") {
        let v = v.to_ascii_lowercase();
        if matches!(v.as_str(), "auto_reply" | "bulk" | "junk") {
            found.push(format!("Precedence: {v}"));
        }
    }
    if let Some(phrase) = subject.and_then(notice_subject) {
        found.push(format!(
            "subject reads like an out-of-office notice (\"{phrase}\")"
        ));
    }
    found
}

/// The out-of-office phrase a subject carries, if any.
fn notice_subject(subject: &str) -> Option<&'static str> {
    let s = subject.trim().to_lowercase();
    SUBJECT_STARTS
        .iter()
        .find(|p| s.starts_with(*p))
        .or_else(|| SUBJECT_PHRASES.iter().find(|p| s.contains(*p)))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_in_several_languages() {
        for (subject, phrase) in [
            ("Out of Office: Research question", "out of office"),
            ("Automatic reply: Thank you", "automatic reply"),
            ("AW: Abwesenheitsnotiz: Anfrage", "abwesenheitsnotiz"),
            ("Réponse automatique : Votre message", "réponse automatique"),
            ("RESPUESTA AUTOMÁTICA: Consulta", "respuesta automática"),
            ("Ausente: Pedido", "ausente"),
            ("Risposta automatica: Domanda", "risposta automatica"),
            ("Afwezig: vraag", "afwezig"),
            ("On leave until January", "on leave"),
        ] {
            assert_eq!(notice_subject(subject), Some(phrase), "{subject}");
        }
    }

    #[test]
    fn ordinary_subjects_are_not_notices() {
        for subject in [
            "Re: Research question",
            "Re: Away from the clinic next week?",
            "Re: are you on leave in December?",
            "",
        ] {
            assert_eq!(notice_subject(subject), None, "{subject}");
        }
    }
}
