//! `outreach import` and `outreach contacts --csv`, on the fixtures in
//! tests/fixtures/import (LinkedIn, Google, Outlook, vCard, residency and
//! generic sheets, with their quirks and some broken rows). No network.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use outreach::contact::Contact;
use outreach::workspace::Workspace as Loaded;

use crate::util::{assert_has, Workspace};

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
        .display()
        .to_string()
}

/// The sample workspace with a template that needs nothing but a name,
/// so drafting shows who is left out for another reason.
fn workspace() -> Workspace {
    let ws = Workspace::sample();
    ws.write(
        "templates/hello.hbs",
        "---\nkind: note\nsubject: Hello\n---\nDear {{salutation}},\n\nHello.\n\n{{> signature}}\n",
    );
    ws
}

/// The same sample without any contacts.
fn empty_workspace() -> Workspace {
    let ws = workspace();
    ws.remove("contacts");
    ws
}

/// The contacts as the real loader reads them.
fn contacts(ws: &Workspace) -> BTreeMap<String, Contact> {
    let loaded = Loaded::load(ws.path()).expect("the workspace loads");
    loaded
        .contacts
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect()
}

fn snapshot(ws: &Workspace) -> BTreeMap<PathBuf, Vec<u8>> {
    ws.files()
        .into_iter()
        .filter(|p| p.starts_with("contacts"))
        .map(|p| {
            let bytes = std::fs::read(ws.path().join(&p)).unwrap();
            (p, bytes)
        })
        .collect()
}

#[test]
fn linkedin_rows_with_an_address_are_written_and_every_other_row_is_listed() {
    let ws = workspace();
    let out = ws.ok(&["import", &fixture("Connections.csv")]);
    assert_has(&out, "read as linkedin (UTF-8)");
    // Lines counted in the file itself: CRLF, three lines of notes above
    // the header and a blank line between records.
    assert_has(
        &out,
        "Connections.csv:7 (record 3)  Chinedu Okafor: the same email as `okafor`",
    );
    assert_has(&out, "Connections.csv:6 (record 2)  Ngozi Okonkwo-Adeyemi: no email address (LinkedIn shows one only");
    assert_has(
        &out,
        "Connections.csv:8 (record 4)  no name (only Connected On `01 Sep 2026`)",
    );
    assert_has(
        &out,
        "Connections.csv:11 (record 6)  Sarah Lee: the same person as",
    );
    assert_has(
        &out,
        "Connections.csv:12 (record 7)  Anna: has 8 values but the header has 7 columns",
    );
    assert_has(
        &out,
        "3 written, 1 exists, 0 possible duplicates, 4 skipped",
    );

    let all = contacts(&ws);
    let hans = &all["hans-muller"];
    assert_eq!(hans.name, "Hans Muller");
    assert_eq!(hans.title.as_deref(), Some("Dr."));
    assert_eq!(hans.salutation(), "Dr. Muller");
    assert_eq!(hans.institution.as_deref(), Some("Charité, Berlin"));
    assert_eq!(hans.role.as_deref(), Some("Professor of Cardiology"));
    assert_eq!(hans.tags, ["linkedin"]);
    assert_eq!(hans.vars["connected_on"].as_str(), Some("2026-02-08"));
    assert_eq!(
        hans.vars["linkedin"].as_str(),
        Some("https://www.linkedin.com/in/hans-muller-12345")
    );
    assert_has(
        &ws.read("contacts/hans-muller.yaml"),
        "title: Dr.  # from \"PhD\" after the name",
    );
    assert_eq!(
        all["sarah-lee"].vars["linkedin"].as_str(),
        Some("https://www.linkedin.com/in/sarah-lee")
    );
    assert!(!all.contains_key("ngozi-okonkwo-adeyemi"));
}

#[test]
fn importing_again_adds_nothing_and_a_hand_edited_record_stays_byte_for_byte() {
    let ws = workspace();
    let files = [
        fixture("Connections.csv"),
        fixture("contacts.vcf"),
        fixture("google.csv"),
        fixture("outlook.csv"),
        fixture("residency.csv"),
    ];
    let mut args = vec!["import", "--keep-no-email"];
    args.extend(files.iter().map(String::as_str));
    let first = ws.ok(&args);
    assert_has(&first, "written");
    let edited = "# Met her again at ESMO; she prefers Elena.\nname: Elena Petrova\nsalutation: Elena\nemail: elena.petrova@example.net\ntags: [mentors]\n";
    ws.write("contacts/elena-petrova.yaml", edited);
    let before = snapshot(&ws);
    let again = ws.ok(&args);
    assert_has(&again, "0 written,");
    assert!(!again.contains("possible duplicate "), "{again}");
    assert_eq!(snapshot(&ws), before, "a second import changed contacts/");
    assert_eq!(ws.read("contacts/elena-petrova.yaml"), edited);
}

#[test]
fn windows_1252_and_utf_16_files_give_the_right_names() {
    let ws = empty_workspace();
    let cp1252 = b"Name,Email,Hospital\r\nJos\xE9 N\xFA\xF1ez,jn@example.es,Hospital de M\xE1laga\r\nJ\xFCrgen M\xFCller,jm@example.de,Klinikum\r\n";
    ws.write("in/excel.csv", "");
    std::fs::write(ws.path().join("in/excel.csv"), cp1252).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    for u in "Name\tEmail\r\n李明\tli@example.sg\r\n".encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    std::fs::write(ws.path().join("in/unicode.txt"), utf16).unwrap();
    let out = ws.ok(&["import", "in/excel.csv", "in/unicode.txt"]);
    assert_has(&out, "in/excel.csv: read as csv (windows-1252)");
    assert_has(&out, "in/unicode.txt: read as csv (UTF-16LE)");
    let all = contacts(&ws);
    assert_eq!(all["jose-nunez"].name, "José Núñez");
    assert_eq!(
        all["jose-nunez"].institution.as_deref(),
        Some("Hospital de Málaga")
    );
    assert_eq!(all["jurgen-muller"].name, "Jürgen Müller");
    // No letters to make a file name of: the id comes from the address.
    assert_eq!(all["li"].name, "李明");
}

#[test]
fn a_file_in_no_known_encoding_is_an_error_and_writes_nothing() {
    let ws = workspace();
    std::fs::write(
        ws.path().join("odd.csv"),
        b"Name,Email\n\x81\x8D\x01,a@example.org\n",
    )
    .unwrap();
    let before = snapshot(&ws);
    let err = ws.fails(&["import", "odd.csv"], 1);
    assert_has(
        &err,
        "odd.csv is neither UTF-8, UTF-16 with a byte-order mark, nor Windows-1252",
    );
    assert_eq!(snapshot(&ws), before);
    // Forcing one that does not fit is refused too.
    ws.write("latin.csv", "Name,Email\nJosé,j@example.org\n");
    let err = ws.fails(&["import", "latin.csv", "--encoding", "utf-16be"], 1);
    assert_has(&err, "not valid UTF-16BE");
}

#[test]
fn a_broken_file_among_good_ones_writes_nothing() {
    let ws = workspace();
    ws.write("notes.csv", "just some words\nand more words\n");
    let before = snapshot(&ws);
    let err = ws.fails(&["import", &fixture("google.csv"), "notes.csv"], 1);
    assert_has(&err, "notes.csv: found no header row in the first 50 rows");
    assert_eq!(snapshot(&ws), before);
}

#[test]
fn dry_run_shows_the_files_and_writes_nothing() {
    let ws = workspace();
    let before = snapshot(&ws);
    let out = ws.ok(&["import", "--dry-run", &fixture("residency.csv")]);
    assert_eq!(snapshot(&ws), before);
    assert_has(&out, "--- would write contacts/maria-santos.yaml (from ");
    assert_has(&out, "# Imported on 2026-11-24 from residency.csv:2 (record 1).\nname: Maria Santos\ntitle: Dr.  # from \"MD\" after the name\nemail: m.santos@example.edu\ninstitution: Example University Internal Medicine Residency\nrole: Program Director\nspecialty: Internal Medicine\n");
    assert_has(&out, "  acgme_id: '1403621001'\n");
    assert_has(&out, "  coordinator_email: t.baker@example.edu\n");
    assert_has(
        &out,
        "residency.csv:3 (record 2)  Robert Chen: no email address",
    );
    assert_has(
        &out,
        "residency.csv:4 (record 3)  no name (only Program `Example Children's Pediatrics`",
    );
    assert_has(
        &out,
        "1 to write, 0 exist, 0 possible duplicates, 2 skipped",
    );
}

#[test]
fn kept_without_email_they_are_tagged_and_draft_leaves_them_out() {
    let ws = workspace();
    let out = ws.ok(&[
        "import",
        "--keep-no-email",
        "--tag",
        "IMG Outreach",
        &fixture("residency.csv"),
    ]);
    assert_has(&out, "2 written,");
    let all = contacts(&ws);
    let chen = &all["robert-chen"];
    assert_eq!(chen.email, "");
    assert_eq!(chen.tags, ["no-email", "residency", "img-outreach"]);
    assert_eq!(chen.title.as_deref(), Some("Dr."));
    let out = ws.ok(&["draft", "hello", "--tag", "img-outreach"]);
    assert_has(&out, "skipped robert-chen: no email address (tagged `no-email`): add one in contacts/robert-chen.yaml and remove the tag");
    assert_has(&out, "To: Maria Santos <m.santos@example.edu>");
    // The same rows again: the kept one is known by name and institution.
    let again = ws.ok(&["import", "--keep-no-email", &fixture("residency.csv")]);
    assert_has(&again, "0 written, 2 exist");
    // Without the tag, a missing address is an error with its place.
    ws.write("contacts/x.yaml", "name: X Y\n");
    let err = ws.fails(&["contacts"], 1);
    assert_has(&err, "contacts/x.yaml:1: error: contact `x`: no `email` (a contact kept without one is tagged `no-email`)");
}

#[test]
fn the_written_workspace_lints_apart_from_the_vars_templates_need() {
    let ws = workspace();
    let mut args = vec!["import", "--keep-no-email"];
    let files: Vec<String> = [
        "Connections.csv",
        "contacts.vcf",
        "google.csv",
        "google-old.csv",
        "outlook.csv",
        "outlook-com.csv",
        "residency.csv",
        "sheet.tsv",
    ]
    .iter()
    .map(|f| fixture(f))
    .collect();
    args.extend(files.iter().map(String::as_str));
    ws.ok(&args);
    let out = ws.run(&["lint", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems = report["problems"].as_array().unwrap();
    let errors: Vec<&serde_json::Value> = problems
        .iter()
        .filter(|p| p["severity"] == "error")
        .collect();
    assert!(
        !errors.is_empty(),
        "the intro template needs vars.found_via"
    );
    for e in errors {
        let m = e["message"].as_str().unwrap();
        assert!(
            m.contains("field `vars."),
            "an error that is not a missing var: {e}"
        );
    }
}

#[test]
fn vcards_of_every_version_are_read_and_group_cards_skipped() {
    let ws = empty_workspace();
    let out = ws.ok(&["import", &fixture("contacts.vcf")]);
    assert_has(&out, "read as vcard (UTF-8)");
    assert_has(
        &out,
        "contacts.vcf:24 (card 3)  Mentors: a contact group, not a person",
    );
    assert_has(
        &out,
        "contacts.vcf:43 (card 5)  no name: neither FN nor N (only someone@example.org)",
    );
    assert_has(
        &out,
        "contacts.vcf:47 (card 6)  Ifeanyi Okoro: no email address",
    );
    let all = contacts(&ws);
    // 2.1, quoted-printable UTF-8 with a soft line break.
    let jose = &all["jose-nunez"];
    assert_eq!(jose.name, "José Núñez");
    assert_eq!(
        jose.institution.as_deref(),
        Some("Hospital Universitario de Málaga")
    );
    assert_eq!(
        jose.notes.as_deref(),
        Some("Conocí al Dr. Núñez en el congreso de cardiología.")
    );
    // 3.0 from Apple: grouped addresses, the preferred one first.
    let aisha = &all["aisha-rahman"];
    assert_eq!(aisha.email, "a.rahman@example.net");
    assert_eq!(aisha.aliases, ["aisha.rahman@example.org"]);
    assert_eq!(aisha.title.as_deref(), Some("Dr."));
    assert_eq!(
        aisha.role.as_deref(),
        Some("Director of Women's Heart Health")
    );
    assert_eq!(
        aisha.vars["department"].as_str(),
        Some("Preventive Cardiology")
    );
    assert_eq!(aisha.tags, ["cardiology", "conference", "vcard"]);
    // 4.0 with a folded line and a name without Latin letters.
    let ming = &all["ming-li"];
    assert_eq!(ming.name, "李明");
    assert_eq!(
        ming.role.as_deref(),
        Some("Consultant, Infectious Diseases and Antimicrobial Stewardship Programme Lead")
    );
    assert_eq!(
        ming.vars["vcard_uid"].as_str(),
        Some("urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1")
    );
    // The same card with a new address is still the same person (UID).
    let card = std::fs::read_to_string(fixture("contacts.vcf"))
        .unwrap()
        .replace("ming.li@example.sg", "ming.li@example.com")
        .replace("URL:https://www.linkedin.com/in/ming-li-sg/\r\n", "");
    ws.write("again.vcf", &card);
    let out = ws.ok(&["import", "again.vcf"]);
    assert_has(&out, "李明: the same vCard UID as `ming-li`");
}

#[test]
fn google_and_outlook_columns_map_to_their_fields() {
    let ws = empty_workspace();
    let out = ws.ok(&[
        "import",
        &fixture("google.csv"),
        &fixture("google-old.csv"),
        &fixture("outlook.csv"),
        &fixture("outlook-com.csv"),
    ]);
    assert_has(&out, "google.csv: read as google");
    assert_has(&out, "outlook.csv: read as outlook");
    assert_has(&out, "John Doe: no email address (`/O=EXAMPLE/OU=EXCHANGE ADMINISTRATIVE GROUP/CN=RECIPIENTS/CN=JDOE` is an Exchange X.500 address");
    let all = contacts(&ws);
    let elena = &all["elena-petrova"];
    assert_eq!(
        elena.email, "elena.petrova@example.net",
        "the * mark is the primary"
    );
    assert_eq!(
        elena.aliases,
        ["e.petrova@example.org", "elena.p@example.com"]
    );
    assert_eq!(elena.title.as_deref(), Some("Prof."));
    assert_eq!(
        elena.tags,
        ["mentors", "google"],
        "myContacts is Google's, not the user's"
    );
    assert_eq!(
        elena.notes.as_deref(),
        Some("Met at ESMO.\nAsked me to write in December.")
    );
    assert_eq!(elena.vars["phone"].as_str(), Some("+49 30 1234567"));
    assert_eq!(all["kwame-mensah"].tags, ["ghana-network", "google"]);
    assert_eq!(all["kwame-mensah"].role.as_deref(), Some("Senior Lecturer"));
    let fatima = &all["fatima-zahra"];
    assert_eq!(
        fatima.title.as_deref(),
        Some("Dr."),
        "Outlook's Title is the honorific"
    );
    assert_eq!(fatima.role.as_deref(), Some("Director of Echocardiography"));
    assert_eq!(fatima.aliases, ["fzahra@example.com"]);
    assert_eq!(fatima.tags, ["cardiology", "mentors", "outlook"]);
    assert_eq!(
        all["grace-hopper"].role.as_deref(),
        Some("Fellowship Director")
    );
}

#[test]
fn map_reads_translated_headers_and_a_wrong_map_changes_nothing() {
    let ws = empty_workspace();
    ws.write(
        "kontakte.csv",
        "\"Anrede\",\"Vorname\",\"Nachname\",\"Firma\",\"Position\",\"E-Mail-Adresse\"\r\n\"Dr.\",\"Jürgen\",\"Müller\",\"Klinikum\",\"Oberarzt\",\"j.mueller@example.de\"\r\n",
    );
    let before = snapshot(&ws);
    let err = ws.fails(
        &["import", "kontakte.csv", "--map", "Vorname=frist_name"],
        1,
    );
    assert_has(
        &err,
        "unknown field `frist_name` in --map; did you mean `first_name`?",
    );
    let err = ws.fails(
        &[
            "import",
            "kontakte.csv",
            "--map",
            "Telefon=vars.phone",
            "--map",
            "Vorname=first_name",
        ],
        1,
    );
    assert_has(
        &err,
        "--map names the column `Telefon`, which the header (line 1) does not have",
    );
    assert_eq!(snapshot(&ws), before);
    ws.ok(&[
        "import",
        "kontakte.csv",
        "--map",
        "Anrede=title",
        "--map",
        "Vorname=first_name",
        "--map",
        "Nachname=last_name",
        "--map",
        "E-Mail-Adresse=email",
        "--map",
        "Firma=institution",
    ]);
    let c = &contacts(&ws)["jurgen-muller"];
    assert_eq!(
        (c.name.as_str(), c.title.as_deref()),
        ("Jürgen Müller", Some("Dr."))
    );
    assert_eq!(c.email, "j.mueller@example.de");
    assert_eq!(c.role.as_deref(), Some("Oberarzt"));
}

#[test]
fn ids_are_safe_file_names_and_never_reuse_a_taken_one() {
    let ws = workspace();
    ws.write(
        "odd.csv",
        "Name,Email\n../../etc/passwd,p@example.org\nChinedu Okafor,another.okafor@example.org\nChinedu Okafor,third.okafor@example.org\n",
    );
    let out = ws.ok(&["import", "odd.csv"]);
    assert_has(&out, "wrote    contacts/etc-passwd.yaml");
    // A different address: a new file, flagged, next to the existing one.
    assert_has(&out, "possible duplicate  contacts/chinedu-okafor-2.yaml (Chinedu Okafor): same name and institution as `chinedu-okafor`");
    assert!(ws.path().join("contacts/chinedu-okafor.yaml").is_file());
    assert_has(&out, "3 written, 0 exist, 1 possible duplicate, 0 skipped");
}

#[test]
fn contacts_csv_lists_fields_then_vars_and_imports_back_as_existing() {
    let ws = workspace();
    let csv = ws.ok(&["contacts", "--csv"]);
    let header = csv.lines().next().unwrap();
    assert!(header.starts_with("id,name,title,salutation,email,aliases,institution,role,specialty,timezone,met.event,met.date,met.topic,met.location,tags,cadence,do_not_contact,notes,vars."), "{header}");
    assert_has(header, ",vars.found_via");
    assert_has(&csv, "li-ming,李明,,Dr. Li,li.ming@example.org,");
    assert_eq!(csv.lines().count(), contacts(&ws).len() + 1);
    ws.write("export.csv", &csv);
    let out = ws.ok(&["import", "export.csv"]);
    assert_has(&out, "0 written,");
}
