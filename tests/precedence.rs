//! `PRECEDENCE`, the order of `decide`'s checks that docs/STATE_MACHINE.md lists, names the
//! rejections as they are: every name is a `Rejection` variant, and every variant `decide`
//! can answer is in it (the tenant's two rules are `tenant`'s, outside `decide`).

use std::fs;
use std::path::Path;

use journal_run::PRECEDENCE;

/// The variants of `enum Rejection`, read from src/error.rs.
fn rejection_variants() -> Vec<String> {
    let source =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/error.rs")).unwrap();
    let start = source.find("pub enum Rejection {").unwrap();
    let body = &source[start..];
    let end = body.find("\n}").unwrap();
    body[..end]
        .lines()
        .filter_map(|line| {
            let name = line.strip_prefix("    ")?;
            let name = name.split([' ', ',', '{', '(']).next()?;
            (name.starts_with(char::is_uppercase)).then(|| name.to_owned())
        })
        .collect()
}

#[test]
fn every_name_in_the_precedence_is_a_rejection_and_every_rejection_of_decide_is_named() {
    let variants = rejection_variants();
    assert!(variants.contains(&"RunStatus".to_owned()), "{variants:?}");
    let named: Vec<&str> = PRECEDENCE
        .iter()
        .flat_map(|(_, rejections)| rejections.iter().copied())
        .collect();
    let unknown: Vec<&&str> = named
        .iter()
        .filter(|name| !variants.iter().any(|v| v == *name))
        .collect();
    assert_eq!(
        unknown,
        Vec::<&&str>::new(),
        "names that are not Rejection variants"
    );
    let missing: Vec<&String> = variants
        .iter()
        .filter(|v| !named.contains(&v.as_str()))
        .collect();
    assert_eq!(missing, ["PendingRunExists", "RunExecuting"]);
}
