//! The README's tour shows real output: each `journal-run ...` command shown in an `sh` block
//! and followed by a `text` block must print exactly that text.

mod common;

use common::run;

/// The `(command, shown output)` pairs of the README.
fn tour() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(common::root().join("README.md"))
        .unwrap_or_else(|e| panic!("README.md: {e}"));
    let blocks: Vec<(&str, &str)> = readme
        .split("```")
        .skip(1)
        .step_by(2)
        .filter_map(|block| block.split_once('\n'))
        .collect();
    blocks
        .windows(2)
        .filter_map(|pair| match pair {
            [("sh", command), ("text", output)] if command.trim().starts_with("journal-run ") => {
                Some((command.trim().to_owned(), (*output).to_owned()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn the_readmes_tour_shows_what_the_tool_prints() {
    let tour = tour();
    assert!(
        tour.len() >= 3,
        "the README's tour has {} examples",
        tour.len()
    );
    for (command, shown) in tour {
        let args: Vec<&str> = command.split_whitespace().skip(1).collect();
        let (_, stdout, stderr) = run(&args);
        assert_eq!(
            stdout, shown,
            "`{command}` prints something else (stderr: {stderr})"
        );
    }
}
