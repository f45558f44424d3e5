//! Smoke test of the real mail server and of the clients' TLS: lettre
//! over STARTTLS + AUTH trusting only the test CA, read back over implicit
//! TLS with a look that leaves the message unseen.

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};

use crate::util::stack::{self, wait_for, Stack};

#[test]
fn send_with_lettre_and_read_back_unseen() {
    let _g = stack::shared();
    let s = Stack::get();
    let (user, password) = s.new_user("smoke");
    let ca = Certificate::from_pem(&std::fs::read(&s.ca).unwrap()).unwrap();
    let tls = TlsParameters::builder(s.host.clone())
        .add_root_certificate(ca)
        .build_rustls()
        .unwrap();
    let mailer = SmtpTransport::builder_dangerous(&s.host)
        .port(s.submission)
        .tls(Tls::Required(tls))
        .credentials(Credentials::new(user.clone(), password.clone()))
        .build();
    let id = format!("smoke.{}@outreach.test", std::process::id());
    let msg = Message::builder()
        .from(Mailbox::new(
            Some("Amina Yusuf".into()),
            user.parse().unwrap(),
        ))
        .to(Mailbox::new(
            Some("Ngozi Okonkwo-Adeyemi".into()),
            user.parse().unwrap(),
        ))
        .subject("Smoke: Grüße")
        .message_id(Some(format!("<{id}>")))
        .body("hello\n".to_string())
        .unwrap();
    mailer
        .send(&msg)
        .expect("lettre sends over STARTTLS + AUTH");

    let mut imap = s.login(&user, &password);
    let uid = wait_for(20, || {
        imap.find_message_id("INBOX", &id).unwrap().first().copied()
    })
    .expect("the message arrives");
    let header = imap.header("INBOX", uid).unwrap();
    let parsed = mail_parser::MessageParser::default()
        .parse_headers(&header)
        .unwrap();
    assert_eq!(parsed.subject(), Some("Smoke: Grüße"));
    let flags = imap.flags("INBOX", uid).unwrap();
    assert!(
        !flags.iter().any(|f| f.contains("Seen")),
        "reading set a flag: {flags:?}"
    );
}

#[test]
fn the_system_trust_store_rejects_the_test_ca() {
    let _g = stack::shared();
    let s = Stack::get();
    let tls = TlsParameters::new(s.host.clone()).unwrap();
    let mailer = SmtpTransport::builder_dangerous(&s.host)
        .port(s.submission)
        .tls(Tls::Required(tls))
        .build();
    assert!(mailer.test_connection().is_err());
}
