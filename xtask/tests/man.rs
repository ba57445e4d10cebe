//! `cargo xtask man`: one page for the command and one for each subcommand, made from the CLI's
//! definitions (so a new option shows up without anyone editing a page).

#[test]
fn man_pages_cover_every_command_and_option() {
    let dir = tempfile::tempdir().unwrap();
    let pages = xtask::man::write(dir.path()).unwrap();
    let names: Vec<String> = pages
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for command in bosbase_backups_cli::command().get_subcommands() {
        let page = format!("bosbase-backups-{}.1", command.get_name());
        assert!(names.contains(&page), "no {page} in {names:?}");
    }
    let top = std::fs::read_to_string(dir.path().join("bosbase-backups.1")).unwrap();
    assert!(top.starts_with(".ie \\n(.g .ds Aq"), "{top}");
    assert!(top.contains(".TH bosbase-backups 1"), "{top}");
    assert!(top.contains("Exit codes"), "the after-help text is missing");
    let download = std::fs::read_to_string(dir.path().join("bosbase-backups-download.1")).unwrap();
    assert!(download.contains("no\\-fsync"), "{download}");
}
