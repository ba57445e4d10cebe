//! `--help` of every command, as golden snapshots: a reviewer sees every change of the interface.

use crate::{bare, run};

const COMMANDS: [&str; 12] = [
    "list",
    "create",
    "upload",
    "download",
    "url",
    "delete",
    "restore",
    "prune",
    "health",
    "keygen",
    "decrypt",
    "completions",
];

#[test]
fn top_level_help() {
    let run = run(bare(), &["--help"]);
    insta::assert_snapshot!("help", run.ok());
    // `-h` is the short form, and no command at all is a usage error that shows the commands.
    assert_eq!(
        crate::run(bare(), &["-h"]).ok().lines().next(),
        run.ok().lines().next()
    );
    let none = crate::run(bare(), &[]);
    assert_eq!(none.code, 2, "{none:#?}");
    assert!(none.stderr.contains("Commands:"), "{none:#?}");
}

#[test]
fn every_command_has_help_with_examples() {
    for command in COMMANDS {
        let run = run(bare(), &[command, "--help"]);
        let text = run.ok();
        assert!(text.contains("\nExamples:\n  "), "{command}: {text}");
        insta::assert_snapshot!(format!("help_{command}"), text);
    }
}

#[test]
fn help_never_shows_the_environment_values() {
    let run = run(
        {
            let mut cmd = bare();
            cmd.env("BOSBASE_TOKEN", "secret-token-value")
                .env("BOSBASE_EMAIL", "who@example.com")
                .env("BOSBASE_URL", "http://example.invalid");
            cmd
        },
        &["list", "--help"],
    );
    let text = run.ok();
    for secret in ["secret-token-value", "who@example.com", "example.invalid"] {
        assert!(!text.contains(secret), "{text}");
    }
}

#[test]
fn version() {
    let run = run(bare(), &["--version"]);
    assert_eq!(
        run.ok(),
        format!("bosbase-backups {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["frobnicate"][..],
        &["delete"],
        &["prune"],
        &["restore", "a.zip", "--timeout", "soon"],
        &["list", "--no-such-option"],
    ] {
        let run = run(bare(), args);
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        assert!(run.stderr.starts_with("error: "), "{args:?}: {run:#?}");
        assert!(run.stdout.is_empty(), "{args:?}: {run:#?}");
    }
}

/// Each shell's script names every command; bash's really completes them.
#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = run(bare(), &["completions", shell]).ok().to_string();
        for command in COMMANDS {
            assert!(script.contains(command), "{shell}: no {command}");
        }
    }
    let script = run(bare(), &["completions", "bash"]).ok().to_string();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("completion.bash");
    std::fs::write(&path, script).unwrap();
    // What bash offers after `bosbase-backups res<TAB>`.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {}; COMP_WORDS=(bosbase-backups res); COMP_CWORD=1; COMP_LINE='bosbase-backups res'; \
             COMP_POINT=${{#COMP_LINE}}; _bosbase__backups bosbase-backups res bosbase-backups; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            path.display()
        ))
        .output()
        .unwrap();
    let offered = String::from_utf8_lossy(&out.stdout);
    assert_eq!(offered.trim(), "restore", "{out:?}");
    assert_eq!(run(bare(), &["completions", "tcsh"]).code, 2);
}
