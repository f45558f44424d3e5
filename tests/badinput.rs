//! Malformed input of every kind: each gets a located error and exit code
//! 1, and nothing is sent or written.

use std::path::PathBuf;

use crate::util::{assert_has, text, Workspace};

/// A file's bytes, by path, for every file in the workspace.
fn snapshot(ws: &Workspace) -> Vec<(PathBuf, Vec<u8>)> {
    ws.files()
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(ws.path().join(&p)).unwrap_or_default();
            (p, bytes)
        })
        .collect()
}

struct Case {
    name: &'static str,
    setup: fn(&Workspace),
    /// What stderr must say, place first.
    says: &'static [&'static str],
}

fn write_bytes(ws: &Workspace, rel: &str, bytes: &[u8]) {
    std::fs::write(ws.path().join(rel), bytes).unwrap();
}

const CASES: &[Case] = &[
    Case {
        name: "broken YAML",
        setup: |ws| {
            ws.write(
                "contacts/broken.yaml",
                "name: [Ada Obi\nemail: ada@example.net\n",
            )
        },
        says: &["contacts/broken.yaml:"],
    },
    Case {
        name: "a wrong type",
        setup: |ws| {
            ws.write(
                "contacts/ada.yaml",
                "name: Ada Obi\nemail: ada@example.net\ntags: {a: 1}\n",
            )
        },
        says: &["contacts/ada.yaml:3", "tags"],
    },
    Case {
        name: "an unknown field",
        setup: |ws| {
            ws.write(
                "contacts/ada.yaml",
                "name: Ada Obi\nemial: ada@example.net\n",
            )
        },
        says: &["contacts/ada.yaml:2", "did you mean `email`"],
    },
    Case {
        name: "a bad address",
        setup: |ws| {
            ws.write(
                "contacts/ada.yaml",
                "name: Ada Obi\nemail: ada-at-example.net\n",
            )
        },
        says: &["contacts/ada.yaml:2", "not a valid email address"],
    },
    Case {
        name: "an address used twice",
        setup: |ws| {
            ws.write(
                "contacts/ada.yaml",
                "name: Ada Obi\nemail: C.Okafor@example.org\n",
            )
        },
        says: &["contacts/okafor.yaml:3", "also belongs to `ada`"],
    },
    Case {
        name: "an empty address",
        setup: |ws| ws.write("contacts/ada.yaml", "name: Ada Obi\nemail: \"\"\n"),
        says: &["contacts/ada.yaml:2", "no `email`"],
    },
    Case {
        name: "an unknown time zone",
        setup: |ws| {
            ws.write(
                "contacts/ada.yaml",
                "name: Ada Obi\nemail: ada@example.net\ntimezone: Mars/Olympus\n",
            )
        },
        says: &["contacts/ada.yaml:3", "unknown time zone `Mars/Olympus`"],
    },
    Case {
        name: "a template syntax error",
        setup: |ws| {
            ws.write(
                "templates/intro.hbs",
                "---\nsubject: Hello\n---\nDear {{salutation}},\n{{#if vars.ask}}\nno end\n",
            )
        },
        says: &["templates/intro.hbs"],
    },
    Case {
        name: "a missing partial",
        setup: |ws| {
            ws.write(
                "templates/intro.hbs",
                "---\nsubject: Hello\n---\nDear {{salutation}},\n\n{{> no-such-partial}}\n",
            )
        },
        says: &["templates/intro.hbs", "no-such-partial"],
    },
    Case {
        name: "an id with path parts",
        setup: |ws| {
            ws.write(
                "contacts/list.yaml",
                "- id: ../../etc/evil\n  name: Ada Obi\n  email: ada@example.net\n",
            )
        },
        says: &["contacts/list.yaml:1", "contact id `../../etc/evil`"],
    },
    Case {
        name: "a 50 MB contact file",
        setup: |ws| {
            let mut big = b"name: Ada Obi\nemail: ada@example.net\nnotes: \"".to_vec();
            big.resize(50 * 1024 * 1024, b'x');
            big.extend_from_slice(b"\"\n");
            write_bytes(ws, "contacts/big.yaml", &big);
        },
        says: &["contacts/big.yaml", "too large"],
    },
    Case {
        name: "a binary file",
        setup: |ws| {
            write_bytes(
                ws,
                "contacts/photo.yaml",
                b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
            )
        },
        says: &["contacts/photo.yaml:1:1", "not UTF-8"],
    },
    Case {
        name: "a file that is not UTF-8",
        setup: |ws| {
            write_bytes(
                ws,
                "contacts/nunez.yaml",
                b"name: Jos\xe9 N\xfa\xf1ez\nemail: jose@example.net\n",
            )
        },
        says: &["contacts/nunez.yaml:1:10", "not UTF-8"],
    },
    Case {
        name: "a symlink loop",
        setup: |ws| {
            std::os::unix::fs::symlink("loop.yaml", ws.path().join("contacts/loop.yaml")).unwrap()
        },
        says: &["contacts/loop.yaml", "cannot read"],
    },
    Case {
        name: "a line break in a name",
        setup: |ws| {
            ws.write(
                "contacts/eve.yaml",
                "name: \"Eve\\r\\nBcc: x@example.com\"\nemail: eve@example.net\n",
            )
        },
        says: &["contacts/eve.yaml:1", "`name` contains a line break"],
    },
    Case {
        name: "a line break in me.name",
        setup: |ws| {
            let config = ws
                .read("outreach.yaml")
                .replace("name: Amina Yusuf", "name: \"Amina\\nBcc: x@example.com\"");
            ws.write("outreach.yaml", &config);
        },
        says: &["outreach.yaml:5", "`me.name` contains a line break"],
    },
    Case {
        name: "a journal from a newer version",
        setup: |ws| {
            // A journal made by this version, then stamped with a schema
            // version from the future (SQLite's user_version, at byte 60).
            let state = ws.path().join(".outreach");
            drop(outreach::journal::Journal::open(&state).unwrap());
            let path = state.join("journal.sqlite");
            let mut bytes = std::fs::read(&path).unwrap();
            bytes[60..64].copy_from_slice(&99u32.to_be_bytes());
            std::fs::write(&path, bytes).unwrap();
        },
        says: &["journal", "newer version of outreach"],
    },
];

#[test]
fn malformed_input_gets_a_located_error_and_changes_nothing() {
    for case in CASES {
        let ws = Workspace::sample();
        (case.setup)(&ws);
        let before = snapshot(&ws);
        let out = ws.run(&["send", "intro", "--all", "--yes", "--now"]);
        let err = text(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}: exit code\n{}\n{err}",
            case.name,
            text(&out.stdout)
        );
        for s in case.says {
            assert!(err.contains(s), "{}: expected {s:?} in:\n{err}", case.name);
        }
        assert!(!err.contains("panicked"), "{}: {err}", case.name);
        assert!(
            err.len() < 4000,
            "{}: the error is short:\n{err}",
            case.name
        );
        assert!(
            snapshot(&ws) == before,
            "{}: the workspace changed (something was written)",
            case.name
        );
        assert!(!ws.path().join("outbox").exists(), "{}: sent", case.name);
    }
}

#[test]
fn a_line_break_from_a_var_in_the_subject_is_refused_when_rendered() {
    let ws = Workspace::sample();
    ws.write(
        "templates/note.hbs",
        "---\nkind: note\nsubject: \"About {{vars.topic}}\"\n---\nDear {{salutation}},\n\nA note.\n\n{{> signature}}\n",
    );
    ws.write(
        "contacts/eve.yaml",
        "name: Eve Adams\nemail: eve@example.net\nvars:\n  topic: \"research\\r\\nBcc: x@example.com\"\n",
    );
    let err = ws.fails(&["draft", "note", "--to", "eve"], 1);
    assert_has(&err, "templates/note.hbs");
    assert_has(&err, "contact `eve`: the subject has a line break");
    ws.fails(&["send", "note", "--to", "eve", "--yes"], 1);
    assert!(!ws.path().join("outbox").exists());
}

#[test]
fn reading_works_in_a_workspace_without_contacts_or_templates() {
    let ws = Workspace::empty();
    ws.write(
        "outreach.yaml",
        "me:\n  name: Amina Yusuf\n  email: amina@example.org\n",
    );
    let bounce = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mail");
    let some = std::fs::read_dir(bounce)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "eml"))
        .unwrap();
    ws.ok(&["classify", some.to_str().unwrap()]);
    assert_has(&ws.ok(&["status"]), "0 contacts");
    assert_has(&ws.ok(&["due"]), "Nothing is due");
    let err = ws.fails(&["draft", "intro", "--all"], 1);
    assert_has(&err, "no templates yet");
}

#[test]
fn a_contact_named_with_to_who_cant_get_it_fails_the_run_after_the_others() {
    let ws = Workspace::sample();
    ws.write(
        "contacts/sam.yaml",
        "name: Sam Lee\ntitle: Dr.\nemail: sam@example.net\n",
    );
    // sam has no `met` fields, which post-conference requires.
    let out = ws.run(&["draft", "post-conference", "--to", "sam"]);
    assert_eq!(out.status.code(), Some(1));
    assert_has(
        &text(&out.stderr),
        "sam did not get a post-conference draft",
    );
    assert_has(&text(&out.stderr), "requires");
    // Named together with one who can: that one is sent, then exit 1.
    let out = ws.run(&[
        "send",
        "post-conference",
        "--to",
        "sam,nunez",
        "--yes",
        "--now",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_has(&text(&out.stderr), "sam did not get post-conference");
    assert_has(&text(&out.stdout), "1 sent");
    // A rerun finds nunez's note sent already: no failure for that.
    let out = ws.run(&["send", "post-conference", "--to", "nunez", "--yes", "--now"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // followup: nothing is due for sam, who has had nothing yet.
    let out = ws.run(&["followup", "--to", "sam"]);
    assert_eq!(out.status.code(), Some(1));
    assert_has(&text(&out.stderr), "sam did not get a follow-up");
}
