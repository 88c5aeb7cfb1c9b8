//! The library's modules form layers, each using only those below it, with no cycle
//! (docs/ARCHITECTURE.md, "Layers"). This test reads `src/**/*.rs`, collects the edges between
//! top-level modules that `crate::` paths make (comments aside), and fails on an edge to a
//! higher layer, a cycle, a module whose layer is not declared, or a path through a root
//! re-export (`crate::Item`), which would hide the edge.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The layers, lowest first. A module may use its own layer's modules (without a cycle) and
/// those of lower layers, never a higher layer's.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "values",
        &[
            "quote",
            "words",
            "status",
            "headers",
            "number",
            "permission",
        ],
    ),
    (
        "entry and job rules",
        &[
            "entry",
            "cancellation",
            "command",
            "query",
            "error",
            "caller",
            "event",
            "lifecycle",
        ],
    ),
    ("the run aggregate", &["run", "machine", "tenant"]),
    ("invariants and audit", &["invariants"]),
    ("wire", &["wire"]),
    ("the generated documents (feature `rules`)", &["rules"]),
    ("the test generators (feature `proptest`)", &["strategy"]),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

/// The top-level module a source file belongs to: `src/run.rs` -> `run`,
/// `src/wire/handler.rs` -> `wire`; `None` for `src/lib.rs`, the crate root.
fn module_of(root: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(root).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib").then(|| name.to_owned())
}

/// The code of a file without its comments (`//`, `///`, `//!`, to the end of the line).
fn code(source: &str) -> String {
    source
        .lines()
        .map(|line| line.find("//").map_or(line, |at| &line[..at]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first segment of every `crate::` path in `code`: `crate::run::JournalRun` -> `run`,
/// `crate::{a::X, b}` -> `a`, `b`.
fn crate_paths(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.push(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.push(name);
        }
    }
    found
}

fn rust_files(dir: &Path, into: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            into.push(path);
        }
    }
}

/// Every edge `from -> to` between distinct top-level modules, with a file that makes it.
fn edges() -> BTreeMap<(String, String), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut edges = BTreeMap::new();
    for file in files {
        let Some(from) = module_of(&root, &file) else {
            continue;
        };
        let source = fs::read_to_string(&file).unwrap();
        for to in crate_paths(&code(&source)) {
            if to != from {
                edges
                    .entry((from.clone(), to))
                    .or_insert_with(|| file.display().to_string());
            }
        }
    }
    edges
}

/// What is wrong with these edges: an edge to a higher layer, a module of no layer, a path
/// through the root, or a cycle.
fn faults(edges: &BTreeMap<(String, String), String>) -> Vec<String> {
    let mut found = Vec::new();
    for ((from, to), file) in edges {
        if to.starts_with(char::is_uppercase) {
            found.push(format!(
                "{file}: `crate::{to}` goes through a root re-export; name its module"
            ));
            continue;
        }
        match (layer_of(from), layer_of(to)) {
            (Some(a), Some(b)) if b > a => found.push(format!(
                "{file}: `{from}` ({}) uses `{to}` ({}), a higher layer",
                LAYERS[a].0, LAYERS[b].0
            )),
            (Some(_), Some(_)) => {}
            (None, _) => found.push(format!("{file}: module `{from}` has no declared layer")),
            (_, None) => found.push(format!("{file}: module `{to}` has no declared layer")),
        }
    }
    // No cycle: repeatedly remove the modules that use no remaining module.
    let mut remaining: BTreeSet<&str> = edges
        .keys()
        .flat_map(|(a, b)| [a.as_str(), b.as_str()])
        .collect();
    loop {
        let leaves: Vec<&str> = remaining
            .iter()
            .copied()
            .filter(|m| {
                !edges
                    .keys()
                    .any(|(a, b)| a == m && remaining.contains(b.as_str()))
            })
            .collect();
        if leaves.is_empty() {
            break;
        }
        for leaf in leaves {
            remaining.remove(leaf);
        }
    }
    if !remaining.is_empty() {
        found.push(format!(
            "the modules {remaining:?} use each other in a cycle"
        ));
    }
    found
}

#[test]
fn modules_use_only_their_own_layer_and_those_below_without_a_cycle() {
    let edges = edges();
    assert!(
        edges.contains_key(&("machine".to_owned(), "run".to_owned())),
        "the scan finds the edges: {edges:?}"
    );
    assert_eq!(faults(&edges), Vec::<String>::new());
}

#[test]
fn every_module_of_the_library_has_a_layer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let missing: Vec<String> = files
        .iter()
        .filter_map(|file| module_of(&root, file))
        .filter(|module| layer_of(module).is_none())
        .collect();
    assert_eq!(missing, Vec::<String>::new());
}

#[test]
fn the_check_fails_on_an_upward_edge_a_cycle_and_a_root_path() {
    let edge = |from: &str, to: &str| ((from.to_owned(), to.to_owned()), format!("src/{from}.rs"));
    let upward: BTreeMap<_, _> = [edge("error", "wire")].into_iter().collect();
    assert_eq!(
        faults(&upward),
        vec!["src/error.rs: `error` (entry and job rules) uses `wire` (wire), a higher layer"]
    );
    let cycle: BTreeMap<_, _> = [edge("run", "machine"), edge("machine", "run")]
        .into_iter()
        .collect();
    assert_eq!(
        faults(&cycle),
        vec![r#"the modules {"machine", "run"} use each other in a cycle"#]
    );
    let through_root: BTreeMap<_, _> = [edge("entry", "Rejection")].into_iter().collect();
    assert_eq!(
        faults(&through_root),
        vec!["src/entry.rs: `crate::Rejection` goes through a root re-export; name its module"]
    );
    assert_eq!(
        crate_paths("use crate::run::JournalRun;\nuse crate::{a::X, b};"),
        vec!["run", "a", "b"]
    );
    assert_eq!(
        code("let x = 1; // crate::wire\n/// crate::wire"),
        "let x = 1; \n"
    );
}
