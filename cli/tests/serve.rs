//! `journal-run serve` as a process: its first two lines, a config error, a clean stop on
//! SIGTERM that keeps everything accepted, and a restart that finds it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_journal-run");

/// A server process and what it printed.
struct Serve {
    child: Child,
    addr: String,
    client: (String, String),
}

fn start(db: &str, extra: &[&str]) -> Serve {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--db", db])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("journal-run serve starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    let mut second = String::new();
    lines.read_line(&mut first).expect("a first line");
    lines.read_line(&mut second).expect("a second line");
    let addr = first
        .strip_prefix("listening on http://")
        .and_then(|rest| rest.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("the first line is `listening on http://ADDR:PORT`: {first:?}"))
        .to_owned();
    let parts: Vec<&str> = second.trim_end().split(' ').collect();
    assert_eq!(
        parts.get(..2),
        Some(&["oauth", "client:"][..]),
        "{second:?}"
    );
    assert_eq!(parts.len(), 4, "{second:?}");
    assert_eq!(
        parts[2].len(),
        36,
        "a client id of 36 characters, as Zuora's official client requires"
    );
    assert!(parts[3].len() <= 42, "a secret of at most 42 characters");
    Serve {
        child,
        addr,
        client: (parts[2].to_owned(), parts[3].to_owned()),
    }
}

/// One HTTP/1.1 request; the status and the body.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connects");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).expect("sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("an answer");
    let status = answer
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn fetch_token(serve: &Serve) -> String {
    let form = format!(
        "client_id={}&client_secret={}&grant_type=client_credentials",
        serve.client.0, serve.client.1
    );
    let (status, body) = http(
        &serve.addr,
        "POST",
        "/oauth/token",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &form,
    );
    assert_eq!(status, 200, "{body}");
    let value: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    value["access_token"].as_str().expect("a token").to_owned()
}

fn terminate(mut serve: Serve) -> std::process::ExitStatus {
    let pid = serve.child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    serve.child.wait().expect("the server exits")
}

#[test]
fn serve_prints_two_lines_stops_cleanly_and_keeps_what_it_accepted() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let db = dir.path().join("journal-run.db");
    let db = db.to_str().expect("a UTF-8 path");
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/jr-00000075.json");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[jobs]\nmode = \"manual\"\n").expect("a config");
    let config = config.to_str().expect("a UTF-8 path");

    let serve = start(db, &["--load", example, "--config", config]);
    let token = fetch_token(&serve);
    let bearer = format!("Bearer {token}");
    let (status, body) = http(
        &serve.addr,
        "PUT",
        "/v1/journal-runs/JR-00000075/cancel",
        &[("Authorization", &bearer)],
        "",
    );
    assert_eq!((status, body.as_str()), (200, r#"{"success":true}"#));
    let exit = terminate(serve);
    assert!(exit.success(), "SIGTERM stops the server cleanly: {exit:?}");

    // Restarted on the same store: the accepted cancel is there, and its job resumes.
    let serve = start(db, &["--config", config]);
    let token = fetch_token(&serve);
    let bearer = format!("Bearer {token}");
    let (_, body) = http(
        &serve.addr,
        "GET",
        "/v1/journal-runs/JR-00000075",
        &[("Authorization", &bearer)],
        "",
    );
    assert!(body.contains(r#""status":"CancelInprogress""#), "{body}");
    let (_, finished) = http(
        &serve.addr,
        "POST",
        "/_control/runs/JR-00000075/job/finish",
        &[],
        "",
    );
    assert!(finished.contains(r#""status":"Completed""#), "{finished}");
    assert!(terminate(serve).success());
}

#[test]
fn serve_refuses_a_bad_config_with_exit_2() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "multi_entity = \"yes\"\n").expect("a config");
    let output = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            ":memory:",
            "--config",
        ])
        .arg(&config)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("multi_entity"), "{stderr}");
    assert!(output.stdout.is_empty());
}
