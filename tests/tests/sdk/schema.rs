//! The public models and the spec cannot drift apart: their JSON Schemas (schemars) must agree
//! with the spec's component schemas.

use std::collections::BTreeSet;

use bosbase_backups::{BackupInfo, Health, HealthData, Superuser};
use serde_json::Value;

fn spec_schema(name: &str) -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/backups.yaml");
    let spec: Value = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    spec["components"]["schemas"][name].clone()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

fn required(v: &Value) -> BTreeSet<String> {
    v["required"]
        .as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// The JSON type of a property, or the schema it refers to.
fn kind(v: &Value) -> String {
    if let Some(r) = v["$ref"].as_str() {
        return format!("ref {}", r.rsplit('/').next().unwrap());
    }
    match &v["type"] {
        Value::String(t) => t.clone(),
        // schemars writes an Option<T> as ["T", "null"]
        Value::Array(ts) => ts
            .iter()
            .filter_map(|t| t.as_str())
            .find(|t| *t != "null")
            .unwrap()
            .to_string(),
        other => panic!("no type in {v}: {other}"),
    }
}

/// Every property of ours is in the spec with the same type; `exact`: and the other way round,
/// with the same required set.
fn agree(ours: schemars::Schema, spec_name: &str, exact: bool) {
    let ours = ours.as_value().clone();
    let spec = spec_schema(spec_name);
    let (our_props, spec_props) = (&ours["properties"], &spec["properties"]);
    for name in keys(our_props) {
        assert!(
            spec_props.get(&name).is_some(),
            "{spec_name}.{name} is not in the spec"
        );
        assert_eq!(
            kind(&our_props[&name]),
            kind(&spec_props[&name]),
            "{spec_name}.{name}"
        );
    }
    if exact {
        assert_eq!(keys(our_props), keys(spec_props), "{spec_name}: properties");
        assert_eq!(required(&ours), required(&spec), "{spec_name}: required");
    } else {
        assert!(
            required(&ours).is_subset(&required(&spec)),
            "{spec_name}: required"
        );
    }
}

#[test]
fn models_agree_with_the_spec() {
    agree(schemars::schema_for!(BackupInfo), "BackupFileInfo", true);
    agree(schemars::schema_for!(Health), "Health", true);
    agree(schemars::schema_for!(HealthData), "HealthData", true);
    agree(schemars::schema_for!(Superuser), "SuperuserRecord", false);
}

#[test]
fn size_is_never_negative_in_either() {
    let ours = schemars::schema_for!(BackupInfo);
    assert_eq!(ours.as_value()["properties"]["size"]["minimum"], 0);
    assert_eq!(
        spec_schema("BackupFileInfo")["properties"]["size"]["minimum"],
        0
    );
}
