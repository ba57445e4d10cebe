//! Guards on the spec-check's inputs (the check itself is `cargo xtask spec-check`, run by CI).

use std::fs;

fn spec_check_file(name: &str) -> String {
    let path = xtask::workspace_root().join("spec-check").join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn python_tools_are_pinned_exactly() {
    let requirements = spec_check_file("requirements.txt");
    let pins: Vec<&str> = requirements
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    for pin in &pins {
        let (name, version) = pin.split_once("==").unwrap_or_else(|| {
            panic!("`{pin}` in spec-check/requirements.txt is not name==version")
        });
        assert!(
            !name.is_empty() && !version.is_empty() && !version.contains(['*', ',', ' ']),
            "`{pin}` in spec-check/requirements.txt is not one exact version"
        );
    }
    for tool in ["schemathesis", "openapi-python-client"] {
        assert!(
            pins.iter().any(|p| p.starts_with(&format!("{tool}=="))),
            "spec-check/requirements.txt does not pin {tool}"
        );
    }
}

#[test]
fn schemathesis_config_names_existing_hooks() {
    let config = spec_check_file("schemathesis.toml");
    let hooks = config
        .lines()
        .find_map(|l| l.strip_prefix("hooks = "))
        .expect("schemathesis.toml sets hooks")
        .trim_matches('"');
    assert!(
        xtask::workspace_root().join(hooks).is_file(),
        "schemathesis.toml names {hooks}, which does not exist"
    );
}

#[test]
fn npm_tools_are_pinned_exactly() {
    let package: serde_json::Value =
        serde_json::from_str(&spec_check_file("node/package.json")).expect("package.json is JSON");
    let deps = package["devDependencies"]
        .as_object()
        .expect("package.json has devDependencies");
    for tool in [
        "@redocly/cli",
        "openapi-typescript",
        "openapi-fetch",
        "typescript",
    ] {
        let version = deps[tool]
            .as_str()
            .unwrap_or_else(|| panic!("{tool} is not pinned"));
        assert!(
            version.chars().all(|c| c.is_ascii_digit() || c == '.'),
            "{tool} is pinned to `{version}` in spec-check/node/package.json, not one exact version"
        );
    }
    let lock = spec_check_file("node/package-lock.json");
    assert!(
        lock.contains("\"node_modules/@redocly/cli\""),
        "spec-check/node/package-lock.json is not the lock of package.json"
    );
}
