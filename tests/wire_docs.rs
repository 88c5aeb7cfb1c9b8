//! docs/WIRE.md says what the code does: its example bodies are the handler's answers, and its
//! tables of categories, codes and HTTP statuses are the code's.

mod wire_support;

use journal_run::wire::{http_status, CancelHandler};
use journal_run::ErrorCategory;
use strum::VariantArray;
use wire_support::*;

fn wire_md() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/WIRE.md")).unwrap()
}

/// Each `<!-- example: NAME -->`: the name, the heading above it and the JSON block below it.
fn examples(doc: &str) -> Vec<(String, String, serde_json::Value)> {
    let lines: Vec<&str> = doc.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(name) = line
            .strip_prefix("<!-- example: ")
            .and_then(|rest| rest.strip_suffix(" -->"))
        else {
            continue;
        };
        let heading = lines[..i]
            .iter()
            .rev()
            .find(|l| l.starts_with("#### "))
            .unwrap_or_else(|| panic!("{name}: no heading"));
        assert_eq!(
            lines[i + 1],
            "```json",
            "{name}: a ```json block follows the marker"
        );
        let end = lines[i + 2..]
            .iter()
            .position(|l| *l == "```")
            .unwrap_or_else(|| panic!("{name}: unterminated block"));
        let body = lines[i + 2..i + 2 + end].join("\n");
        let json = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
        found.push((name.to_owned(), (*heading).to_owned(), json));
    }
    found
}

#[test]
fn every_example_body_is_the_handlers_answer() {
    let doc = wire_md();
    let documented = examples(&doc);
    for (name, heading, body) in &documented {
        let scenario = scenario_named(name);
        let response = scenario.run().response;
        assert_eq!(
            &serde_json::to_value(&response.body).unwrap(),
            body,
            "{name}"
        );
        assert!(
            heading.contains(&format!("HTTP {}", response.status)),
            "{name}: {heading}"
        );
        if let Some(code) = scenario.code {
            assert!(
                heading.contains(&format!("code `{code}`")),
                "{name}: {heading}"
            );
        }
    }
    let names: Vec<&str> = documented.iter().map(|(n, _, _)| n.as_str()).collect();
    for scenario in scenarios() {
        assert!(
            names.contains(&scenario.name),
            "docs/WIRE.md has no example for {}",
            scenario.name
        );
    }
}

/// The cells of the markdown table rows whose first cell satisfies `first`.
fn rows<'a>(
    doc: &'a str,
    first: impl Fn(&str) -> bool + 'a,
) -> impl Iterator<Item = Vec<String>> + 'a {
    doc.lines().filter_map(move |line| {
        let cells: Vec<String> = line
            .strip_prefix('|')?
            .strip_suffix('|')?
            .split(" | ")
            .map(|c| c.trim().to_owned())
            .collect();
        first(&cells[0]).then_some(cells)
    })
}

fn category(code: &str) -> ErrorCategory {
    let code: u8 = code.parse().unwrap();
    *ErrorCategory::VARIANTS
        .iter()
        .find(|c| c.code() == code)
        .unwrap_or_else(|| panic!("no category {code}"))
}

#[test]
fn the_category_table_is_http_status() {
    let doc = wire_md();
    let table: Vec<Vec<String>> = rows(&doc, |c| c.len() == 2 && c.parse::<u8>().is_ok())
        .filter(|row| row.len() == 3)
        .collect();
    assert_eq!(table.len(), ErrorCategory::VARIANTS.len());
    for row in table {
        let status: u16 = row[2].split(' ').next().unwrap().parse().unwrap();
        assert_eq!(http_status(category(&row[0])), status, "{row:?}");
    }
}

#[test]
fn the_precedence_table_has_the_handlers_codes_and_statuses() {
    let doc = wire_md();
    let table: Vec<Vec<String>> = rows(&doc, |c| {
        c.parse::<u8>().is_ok_and(|n| (1..=10).contains(&n)) && c.len() <= 2
    })
    .filter(|row| row.len() == 6)
    .collect();
    assert_eq!(table.len(), 15);
    let handler = CancelHandler::default();
    let mut previous_step = 0;
    for row in table {
        let step: u8 = row[0].parse().unwrap();
        assert!(step >= previous_step, "steps ascend: {row:?}");
        previous_step = step;
        let category = category(&row[3]);
        assert_eq!(row[4], format!("`{}`", handler.code(category)), "{row:?}");
        assert_eq!(row[5], http_status(category).to_string(), "{row:?}");
    }
}
