//! Where the built-in login keeps a refresh token: outside the workspace
//! (often a git repository), in a file of the user's state directory that
//! only the user can read, or with the user's `token_store_command`.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context as _, Result};

/// One login's refresh token.
pub enum Store {
    /// `$XDG_STATE_HOME/outreach/tokens/KEY` (or ~/.local/state/…), 0600.
    File { key: String, path: PathBuf },
    /// The user's command, run as `COMMAND get|put|delete KEY`; `put`
    /// reads the token on stdin, `get` prints it (nothing when there is
    /// none).
    Command { key: String, command: String },
}

/// The folder of stored logins.
pub fn state_dir() -> Result<PathBuf> {
    let base = match std::env::var_os("XDG_STATE_HOME").map(PathBuf::from) {
        Some(p) if p.is_absolute() => p,
        _ => {
            let home = std::env::var_os("HOME")
                .context("neither XDG_STATE_HOME nor HOME is set: nowhere to keep the login")?;
            PathBuf::from(home).join(".local/state")
        }
    };
    Ok(base.join("outreach/tokens"))
}

impl Store {
    /// The store for login `key`; a file must not lie in the workspace
    /// `root`.
    pub fn new(key: String, command: Option<&str>, root: &Path) -> Result<Store> {
        if let Some(command) = command {
            return Ok(Store::Command {
                key,
                command: command.to_string(),
            });
        }
        let dir = state_dir()?;
        let inside = |d: &Path| {
            let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
            // The folder may not exist yet: compare its nearest ancestor.
            let mut probe = d.to_path_buf();
            while !probe.exists() && probe.pop() {}
            let probe = probe.canonicalize().unwrap_or(probe);
            probe.starts_with(&root) || d.starts_with(&root)
        };
        if inside(&dir) {
            bail!(
                "the login would be kept in {}, inside the workspace: set XDG_STATE_HOME to a folder outside it, or `token_store_command`",
                dir.display()
            );
        }
        Ok(Store::File {
            path: dir.join(&key),
            key,
        })
    }

    pub fn key(&self) -> &str {
        match self {
            Store::File { key, .. } | Store::Command { key, .. } => key,
        }
    }

    /// Where, for messages (never the token).
    pub fn describe(&self) -> String {
        match self {
            Store::File { path, .. } => path.display().to_string(),
            Store::Command { command, .. } => format!("token_store_command `{command}`"),
        }
    }

    /// The stored refresh token, if any.
    pub fn get(&self) -> Result<Option<String>> {
        let text = match self {
            Store::File { path, .. } => match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
            },
            Store::Command { .. } => self.run("get", None)?,
        };
        Ok(text
            .lines()
            .next()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string))
    }

    /// Keeps `token`, replacing the one stored before.
    pub fn put(&self, token: &str) -> Result<()> {
        match self {
            Store::File { path, .. } => {
                let dir = path.parent().expect("a file in a folder");
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                let tmp = path.with_extension("tmp");
                let _ = std::fs::remove_file(&tmp);
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&tmp)
                    .with_context(|| format!("cannot write {}", tmp.display()))?;
                f.write_all(format!("{token}\n").as_bytes())?;
                f.sync_all()?;
                std::fs::rename(&tmp, path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                Ok(())
            }
            Store::Command { .. } => self.run("put", Some(token)).map(drop),
        }
    }

    /// Forgets the token; whether there was one.
    pub fn delete(&self) -> Result<bool> {
        match self {
            Store::File { path, .. } => match std::fs::remove_file(path) {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
                Err(e) => Err(e).with_context(|| format!("cannot remove {}", path.display())),
            },
            Store::Command { .. } => self.run("delete", None).map(|_| true),
        }
    }

    fn run(&self, action: &str, input: Option<&str>) -> Result<String> {
        let Store::Command { key, command } = self else {
            unreachable!("only for a command store")
        };
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!("{command} \"$@\""))
            .args(["outreach", action, key])
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot run the token_store_command `{command}`"))?;
        if let Some(text) = input {
            let mut stdin = child.stdin.take().expect("piped");
            stdin.write_all(format!("{text}\n").as_bytes())?;
        }
        let out = child.wait_with_output()?;
        if !out.status.success() {
            bail!(
                "the token_store_command `{command}` failed on `{action}` ({})",
                out.status
            );
        }
        String::from_utf8(out.stdout).with_context(|| {
            format!("the token_store_command `{command}` printed something that is not UTF-8")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_file_store_is_private_and_a_command_store_gets_what_it_was_given() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/outreach/tokens/k");
        let s = Store::File {
            key: "k".into(),
            path: path.clone(),
        };
        assert_eq!(s.get().unwrap(), None);
        s.put("r1").unwrap();
        s.put("r2").unwrap();
        assert_eq!(s.get().unwrap().as_deref(), Some("r2"));
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert!(s.delete().unwrap());
        assert!(!s.delete().unwrap());

        let kept = dir.path().join("kept");
        let command = format!(
            "f() {{ case $1 in get) cat {k} 2>/dev/null || true;; put) cat >{k};; delete) rm -f {k};; esac; }}; f",
            k = kept.display()
        );
        let c = Store::Command {
            key: "k".into(),
            command,
        };
        assert_eq!(c.get().unwrap(), None);
        c.put("r3").unwrap();
        assert_eq!(c.get().unwrap().as_deref(), Some("r3"));
        c.delete().unwrap();
        assert_eq!(c.get().unwrap(), None);
    }

    #[test]
    fn a_state_folder_inside_the_workspace_is_refused() {
        let ws = tempfile::tempdir().unwrap();
        // Only this test in this binary reads XDG_STATE_HOME through Store::new.
        std::env::set_var("XDG_STATE_HOME", ws.path().join(".state"));
        let e = Store::new("k".into(), None, ws.path()).err().unwrap();
        assert!(e.to_string().contains("inside the workspace"), "{e}");
        assert!(Store::new("k".into(), Some("true"), ws.path()).is_ok());
        std::env::remove_var("XDG_STATE_HOME");
    }
}
