//! The JSON report against docs/findings.schema.json.
//!
//! The validator is a small interpreter for the JSON Schema keywords the
//! schema uses (type, const, enum, required, properties, additionalProperties,
//! items, $ref, anyOf, minimum, maximum, pattern); it rejects any other
//! keyword, so the schema cannot silently rely on something unchecked. It
//! stands in for the `jsonschema` crate, whose dependency tree (HTTP client
//! for remote refs, ICU-style formats) is far larger than this contract needs.

use assert_cmd::Command;
use culprit::findings::{Findings, SCHEMA};
use culprit_scenarios::example::example;
use serde_json::{json, Value};

fn schema() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/findings.schema.json"))
        .expect("docs/findings.schema.json");
    serde_json::from_str(&text).expect("schema is JSON")
}

/// Returns every violation as `json-path: message`.
fn validate(root: &Value, schema: &Value, v: &Value, path: &str, errs: &mut Vec<String>) {
    let Some(obj) = schema.as_object() else {
        panic!("schema at {path} is not an object");
    };
    for (k, s) in obj {
        match k.as_str() {
            "$schema" | "title" | "description" | "$defs" | "format" => {}
            "$ref" => {
                let name = s.as_str().and_then(|r| r.strip_prefix("#/$defs/")).expect("local $ref");
                let target = root["$defs"].get(name).unwrap_or_else(|| panic!("unresolved $ref {name}"));
                validate(root, target, v, path, errs);
            }
            "type" => {
                let types: Vec<&str> = match s {
                    Value::String(t) => vec![t.as_str()],
                    Value::Array(a) => a.iter().filter_map(|t| t.as_str()).collect(),
                    _ => panic!("bad type at {path}"),
                };
                if !types.iter().any(|t| is_type(v, t)) {
                    errs.push(format!("{path}: expected {types:?}, got {v}"));
                }
            }
            "const" => {
                if v != s {
                    errs.push(format!("{path}: expected {s}, got {v}"));
                }
            }
            "enum" => {
                if !s.as_array().expect("enum array").contains(v) {
                    errs.push(format!("{path}: {v} not in {s}"));
                }
            }
            "required" => {
                if let Some(o) = v.as_object() {
                    for r in s.as_array().expect("required array") {
                        let r = r.as_str().expect("required name");
                        if !o.contains_key(r) {
                            errs.push(format!("{path}: missing {r}"));
                        }
                    }
                }
            }
            "properties" => {
                if let Some(o) = v.as_object() {
                    for (name, sub) in s.as_object().expect("properties object") {
                        if let Some(x) = o.get(name) {
                            validate(root, sub, x, &format!("{path}.{name}"), errs);
                        }
                    }
                }
            }
            "additionalProperties" => {
                if let (Some(o), Some(false)) = (v.as_object(), s.as_bool()) {
                    let known = obj.get("properties").and_then(|p| p.as_object());
                    for name in o.keys() {
                        if !known.is_some_and(|k| k.contains_key(name)) {
                            errs.push(format!("{path}: unexpected field {name}"));
                        }
                    }
                }
            }
            "items" => {
                if let Some(a) = v.as_array() {
                    for (i, x) in a.iter().enumerate() {
                        validate(root, s, x, &format!("{path}[{i}]"), errs);
                    }
                }
            }
            "anyOf" => {
                let mut all = Vec::new();
                let ok = s.as_array().expect("anyOf array").iter().any(|alt| {
                    let mut e = Vec::new();
                    validate(root, alt, v, path, &mut e);
                    let ok = e.is_empty();
                    all.extend(e);
                    ok
                });
                if !ok {
                    errs.push(format!("{path}: matches no alternative"));
                    errs.extend(all);
                }
            }
            "minimum" => {
                if v.as_f64().is_some_and(|x| x < s.as_f64().expect("number")) {
                    errs.push(format!("{path}: {v} below minimum {s}"));
                }
            }
            "maximum" => {
                if v.as_f64().is_some_and(|x| x > s.as_f64().expect("number")) {
                    errs.push(format!("{path}: {v} above maximum {s}"));
                }
            }
            "pattern" => {
                let re = regex::Regex::new(s.as_str().expect("pattern string")).expect("valid pattern");
                if v.as_str().is_some_and(|x| !re.is_match(x)) {
                    errs.push(format!("{path}: {v} does not match {s}"));
                }
            }
            other => panic!("schema keyword {other:?} at {path} is not checked by this validator"),
        }
    }
}

fn is_type(v: &Value, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_u64() || v.is_i64(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => panic!("unknown type {t}"),
    }
}

fn errors(v: &Value) -> Vec<String> {
    let s = schema();
    let mut errs = Vec::new();
    validate(&s, &s, v, "$", &mut errs);
    errs
}

fn to_value(f: &Findings) -> Value {
    serde_json::to_value(f).expect("serialises")
}

#[test]
fn example_findings_match_the_schema() {
    let errs = errors(&to_value(&example()));
    assert!(errs.is_empty(), "{errs:#?}");
}

#[test]
fn empty_findings_match_the_schema() {
    let f = Findings {
        schema: SCHEMA.into(),
        inputs: Vec::new(),
        incident: None,
        causes: Vec::new(),
        timeline: Vec::new(),
        summary: String::new(),
        notices: Vec::new(),
        charts: Vec::new(),
        patterns: Vec::new(),
        change: None,
    };
    let errs = errors(&to_value(&f));
    assert!(errs.is_empty(), "{errs:#?}");
}

#[test]
fn the_validator_catches_contract_breaks() {
    let good = to_value(&example());
    type Mutation = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Mutation)> = vec![
        ("missing", Box::new(|v| drop(v["causes"][0].as_object_mut().map(|o| o.remove("verdict"))))),
        ("not in", Box::new(|v| v["causes"][0]["verdict"] = json!("root-cause"))),
        ("unexpected field", Box::new(|v| v["incident"]["severity"] = json!(3))),
        ("does not match", Box::new(|v| v["timeline"][0]["ts"] = json!("14:02:11"))),
        ("expected", Box::new(|v| v["schema"] = json!("culprit.findings/2"))),
        ("below minimum", Box::new(|v| v["causes"][0]["evidence"][0]["line"] = json!(0))),
        ("matches no alternative", Box::new(|v| v["incident"]["impact"]["incident_ratio"] = json!(1.5))),
        ("expected", Box::new(|v| v["causes"][1]["baseline_per_min"] = Value::Null)),
    ];
    for (want, mutate) in cases {
        let mut v = good.clone();
        mutate(&mut v);
        let errs = errors(&v);
        assert!(errs.iter().any(|e| e.contains(want)), "expected an error containing {want:?}, got {errs:?}");
    }
}

#[test]
fn every_findings_field_is_in_the_schema_docs() {
    // docs/findings.md documents each field of the schema by name.
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/findings.md")).expect("docs/findings.md");
    let s = schema();
    let mut names: Vec<String> = s["properties"].as_object().expect("props").keys().cloned().collect();
    for def in s["$defs"].as_object().expect("defs").values() {
        if let Some(p) = def.get("properties").and_then(|p| p.as_object()) {
            names.extend(p.keys().cloned());
        }
    }
    for n in names {
        assert!(doc.contains(&format!("`{n}`")), "docs/findings.md does not document `{n}`");
    }
}

#[test]
fn cli_json_output_matches_the_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("app.log"),
        "2024-03-14T14:00:00Z INFO started\n2024-03-14T14:00:05Z ERROR login failed for bob\nnot a log line\n",
    )
    .expect("write");
    for extra in [&[][..], &["--pretty"][..]] {
        let out = Command::cargo_bin("culprit")
            .expect("binary")
            .args(["report", "--format", "json"])
            .args(extra)
            .arg(dir.path())
            .output()
            .expect("runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
        let errs = errors(&v);
        assert!(errs.is_empty(), "{errs:#?}");
        assert_eq!(v["inputs"].as_array().map(|a| a.len()), Some(1));
    }
}
