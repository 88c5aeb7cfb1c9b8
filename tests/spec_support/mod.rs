//! Zuora's official OpenAPI spec as JSON Schemas, for conformance tests: the library's
//! (tests/conformance.rs) and the server's (server/tests/conformance.rs). tests/conformance.rs's
//! module docs describe the conversion and the stricter-than-spec additions.

#![allow(dead_code)]

use std::cell::Cell;
use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::{json, Map, Value};

/// `../shared/reference/zuora-journal-openapi.yaml` beside the repository: found from the
/// including package's directory (the root package's or `server/`), up to the workspace root,
/// the directory with `Cargo.lock`.
pub fn spec_path() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = manifest
        .ancestors()
        .find(|dir| dir.join("Cargo.lock").exists())
        .unwrap_or(&manifest)
        .to_path_buf();
    root.join("../shared/reference/zuora-journal-openapi.yaml")
}

/// The spec's two documents, as JSON.
pub struct Spec {
    pub complete: Value,
    pub fragments: Value,
}

pub fn spec() -> Option<&'static Spec> {
    static SPEC: OnceLock<Option<Spec>> = OnceLock::new();
    let spec = SPEC
        .get_or_init(|| {
            let path = spec_path();
            let text = std::fs::read_to_string(&path).ok()?;
            let mut documents = serde_yaml_ng::Deserializer::from_str(&text).map(|document| {
                <Value as serde::Deserialize>::deserialize(document)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            });
            let complete = documents.next().expect("document 1");
            let fragments = documents.next().expect("document 2");
            Some(Spec {
                complete,
                fragments,
            })
        })
        .as_ref();
    if spec.is_none() {
        println!(
            "skipped: {} not found (Zuora's spec extract sits beside the repository in CI)",
            spec_path().display()
        );
    }
    spec
}

thread_local! {
    /// Documents validated by the current test (each test runs on its own thread), for its
    /// summary line.
    pub static VALIDATED: Cell<usize> = const { Cell::new(0) };
}

/// OpenAPI 3.0 -> JSON Schema 2020-12 (see the module docs).
fn convert(openapi: &Value) -> Value {
    match openapi {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                match key.as_str() {
                    "$ref" => {
                        let target = value.as_str().expect("a $ref is a string");
                        let name = target
                            .strip_prefix("#/components/schemas/")
                            .unwrap_or_else(|| panic!("unexpected $ref {target}"));
                        out.insert(key.clone(), json!(format!("#/$defs/{name}")));
                    }
                    "nullable" | "example" => {}
                    _ => {
                        out.insert(key.clone(), convert(value));
                    }
                }
            }
            if map.get("nullable") == Some(&json!(true)) {
                if let Some(Value::String(t)) = out.get("type").cloned() {
                    out.insert("type".into(), json!([t, "null"]));
                }
                if let Some(Value::Array(values)) = out.get_mut("enum") {
                    values.push(Value::Null);
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(convert).collect()),
        other => other.clone(),
    }
}

fn close(schema: &mut Value) {
    schema["additionalProperties"] = json!(false);
}

/// The stricter-than-spec additions (see the module docs).
fn tighten(defs: &mut Map<String, Value>) {
    for name in ["CommonResponse", "ErrorResponse"] {
        if let Some(schema) = defs.get_mut(name) {
            let item = &mut schema["properties"]["reasons"]["items"];
            close(item);
            item["required"] = json!(["code", "message"]);
        }
    }
    if let Some(schema) = defs.get_mut("CommonResponse") {
        close(schema);
        schema["required"] = json!(["success"]);
    }
    if let Some(schema) = defs.get_mut("GETJournalRunType") {
        close(schema);
        close(&mut schema["properties"]["organizationLabels"]["items"]);
    }
    for name in [
        "GETJournalRunTransactionType",
        "GETJournalEntrySegmentType",
        "GETJournalEntriesInJournalRunType",
    ] {
        if let Some(schema) = defs.get_mut(name) {
            close(schema);
        }
    }
}

fn schemas_of(document: &Value) -> Map<String, Value> {
    let schemas = document["components"]["schemas"]
        .as_object()
        .expect("components.schemas");
    schemas
        .iter()
        .map(|(name, schema)| (name.clone(), convert(schema)))
        .collect()
}

/// The `$defs` of document 1, or of document 2 laid over document 1.
fn defs(spec: &Spec, fragments: bool) -> Map<String, Value> {
    let mut defs = schemas_of(&spec.complete);
    if fragments {
        defs.extend(schemas_of(&spec.fragments));
    }
    tighten(&mut defs);
    defs
}

pub struct Validator {
    name: String,
    validator: jsonschema::Validator,
}

impl Validator {
    pub fn new(spec: &Spec, name: &str, fragments: bool) -> Self {
        let defs = defs(spec, fragments);
        assert!(defs.contains_key(name), "the spec has no schema {name}");
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$defs": defs,
            "$ref": format!("#/$defs/{name}"),
        });
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&schema)
            .unwrap_or_else(|e| panic!("schema {name}: {e}"));
        Self {
            name: format!("{name}{}", if fragments { " (document 2)" } else { "" }),
            validator,
        }
    }

    pub fn from_schema(schema: &Value, name: &str) -> Self {
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(schema)
            .unwrap_or_else(|e| panic!("schema {name}: {e}"));
        Self {
            name: name.to_owned(),
            validator,
        }
    }

    pub fn errors(&self, document: &Value) -> Vec<String> {
        self.validator
            .iter_errors(document)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }

    #[track_caller]
    pub fn accepts(&self, what: &str, document: &Value) {
        let errors = self.errors(document);
        assert!(
            errors.is_empty(),
            "{what} does not conform to {}:\n{}\n{document:#}",
            self.name,
            errors.join("\n")
        );
        VALIDATED.set(VALIDATED.get() + 1);
    }

    #[track_caller]
    pub fn rejects(&self, what: &str, document: &Value) {
        assert!(
            !self.errors(document).is_empty(),
            "{what} should not conform to {}: {document:#}",
            self.name
        );
    }
}
