//! The two SASL mechanisms that carry an OAuth 2.0 bearer token: the
//! messages a client sends, before base64.

use crate::config::Mechanism;

/// The initial response for `mechanism`. `host` and `port` are the
/// server's, which OAUTHBEARER names.
pub fn initial_response(
    mechanism: Mechanism,
    user: &str,
    host: &str,
    port: u16,
    token: &str,
) -> String {
    match mechanism {
        Mechanism::Xoauth2 => format!("user={user}\x01auth=Bearer {token}\x01\x01"),
        // RFC 7628 makes `a=` optional; Dovecot requires it.
        Mechanism::Oauthbearer => format!(
            "n,a={},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01",
            gs2_name(user)
        ),
    }
}

/// What answers the server's error challenge (a JSON status) so that the
/// server sends its final refusal.
pub fn error_answer(mechanism: Mechanism) -> &'static str {
    match mechanism {
        Mechanism::Xoauth2 => "",
        Mechanism::Oauthbearer => "\x01",
    }
}

/// The SMTP/IMAP name of the mechanism.
pub fn name(mechanism: Mechanism) -> &'static str {
    match mechanism {
        Mechanism::Xoauth2 => "XOAUTH2",
        Mechanism::Oauthbearer => "OAUTHBEARER",
    }
}

/// A user name in a GS2 header: `,` and `=` escaped (RFC 5801).
fn gs2_name(user: &str) -> String {
    user.replace('=', "=3D").replace(',', "=2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xoauth2_is_user_and_bearer_between_ctrl_a() {
        assert_eq!(
            initial_response(Mechanism::Xoauth2, "a@b.org", "h", 587, "T0K"),
            "user=a@b.org\x01auth=Bearer T0K\x01\x01"
        );
    }

    #[test]
    fn oauthbearer_has_a_gs2_header_with_an_escaped_name() {
        assert_eq!(
            initial_response(Mechanism::Oauthbearer, "a=b,c@d.org", "mx", 993, "T"),
            "n,a=a=3Db=2Cc@d.org,\x01host=mx\x01port=993\x01auth=Bearer T\x01\x01"
        );
        assert_eq!(error_answer(Mechanism::Oauthbearer), "\x01");
        assert_eq!(error_answer(Mechanism::Xoauth2), "");
    }
}
