//! The live page over HTTP (the browser drives it in scripts/page-test.sh): where it is, what
//! it shows, its actions through the control API's rules, its escaping, its paging, its live
//! parts' versions, and its guard.

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use common::{example, manual, Server};
use journal_run_server::config::{Client, Config};
use reqwest::Method;
use serde_json::{json, Value};
use tower::ServiceExt as _;

/// A client that does not follow redirects, to see them.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

async fn get(server: &Server, path: &str) -> (u16, String) {
    let response = server
        .http
        .get(server.url(path))
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

/// Posts a page form as a browser on the page does; the status and the `Location`.
async fn post_form(server: &Server, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
    let origin = server.base.clone();
    let response = no_redirects()
        .post(server.url(path))
        .header("Origin", origin)
        .header("Sec-Fetch-Site", "same-origin")
        .form(form)
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, location, response.text().await.unwrap_or_default())
}

/// The text of the element with `id="job-summary"`.
fn job_summary(html: &str) -> String {
    let start = html.find("id=\"job-summary\"").expect("a job summary");
    let from = start + html[start..].find('>').expect("its tag ends") + 1;
    let to = from + html[from..].find('<').expect("its text ends");
    html[from..to].to_owned()
}

async fn cancel(server: &Server, number: &str) {
    let token = server.token().await;
    let (_, _, body) = server
        .call(
            Method::PUT,
            &format!("/v1/journal-runs/{number}/cancel"),
            &token,
            &[],
            None,
        )
        .await;
    assert_eq!(body, json!({"success": true}));
}

async fn run_status(server: &Server, number: &str) -> Value {
    server
        .control_get(&format!("/runs/{number}"))
        .await
        .get("journalRun")
        .and_then(|r| r.get("status"))
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn the_page_is_at_the_root_of_the_control_prefix_and_slash_redirects_there() {
    let server = Server::start(manual()).await;
    let client = no_redirects();
    for path in ["/", "/_control"] {
        let response = client.get(server.url(path)).send().await.expect("sent");
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(response.headers()["location"], "/_control/", "{path}");
    }
    let response = client
        .get(server.url("/_control/"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(headers["content-security-policy"]
        .to_str()
        .expect("ascii")
        .contains("script-src 'self'"));
    assert_eq!(headers["x-frame-options"], "DENY");
    let html = response.text().await.expect("a body");
    assert!(html.starts_with("<!DOCTYPE html><html lang=\"en\">"));
    assert!(html.contains("No journal runs yet."));
    assert!(html.contains(r#"<script src="/_control/page/assets/htmx-2.0.11.min.js" defer>"#));

    // Another method on `/` is Zuora's unknown path, as before.
    let (status, _, body) = server.call(Method::POST, "/", "x", &[], None).await;
    assert_eq!(status, 200);
    assert_eq!(body["success"], false);

    // The assets are the binary's own.
    let htmx = client
        .get(server.url("/_control/page/assets/htmx-2.0.11.min.js"))
        .send()
        .await
        .expect("sent");
    assert_eq!(htmx.status(), 200);
    assert_eq!(
        htmx.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert!(htmx
        .text()
        .await
        .expect("a body")
        .starts_with("var htmx=function(){"));
    let (status, css) = get(&server, "/_control/page/assets/page.css").await;
    assert_eq!(status, 200);
    assert!(css.contains(".status-completed"));
    let (status, _) = get(&server, "/_control/page/assets/other.js").await;
    assert_eq!(status, 404);
    server.stop().await;
}

#[tokio::test]
async fn the_list_shows_each_runs_status_counts_and_job() {
    let server = Server::start(manual()).await;
    server.load(&example(), None).await;
    server.load(&example(), Some("entity-b")).await;
    cancel(&server, "JR-00000075").await;
    for _ in 0..3 {
        server.control("/runs/JR-00000075/job/step", None).await;
    }
    let (status, html) = get(&server, "/_control/").await;
    assert_eq!(status, 200);
    assert!(html.contains("2 journal runs, by entity and number"));
    // The run of no entity is mid-job; entity-b's is at rest.
    assert!(html.contains(r#"<a href="/_control/page/runs/JR-00000075">JR-00000075</a>"#));
    assert!(html
        .contains(r#"<a href="/_control/page/runs/JR-00000075?entity=entity-b">JR-00000075</a>"#));
    assert!(html.contains(r#"<span class="badge status-cancelinprogress">CancelInprogress</span>"#));
    assert!(html.contains(
        r#"<progress value="3" max="10" aria-label="Cancellation job of JR-00000075">3 of 10</progress> 3 of 10 attempted"#
    ));
    // Entry counts: 3 cancelled of 10; Transferred to Accounting as loaded (JE-7's null is No).
    assert!(html.contains(
        r#"<td class="num">10</td><td class="num">7</td><td class="num">3</td><td>No 8, Yes 1, Ignore 1</td>"#
    ));
    assert!(html.contains(
        r#"<td class="num">10</td><td class="num">10</td><td class="num">0</td><td>No 8, Yes 1, Ignore 1</td><td><span class="muted">none running</span>"#
    ));
    server.stop().await;
}

#[tokio::test]
async fn a_run_page_shows_the_job_its_failures_entries_log_and_diagram() {
    let server = Server::start(manual()).await;
    server.load(&example(), None).await;
    let (_, before) = get(&server, "/_control/page/runs/JR-00000075").await;
    assert_eq!(
        job_summary(&before),
        "No cancellation job has run since the run was loaded."
    );
    assert!(before.contains("The run is at rest: it has no background step to take."));
    assert!(!before.contains(">Step</button>"));

    cancel(&server, "JR-00000075").await;
    let (_, started) = get(&server, "/_control/page/runs/JR-00000075").await;
    assert_eq!(
        job_summary(&started),
        "CancelInprogress, 0 of 10 attempted, 0 cancelled"
    );
    assert!(started.contains("Next background step: <code>stepCancellation</code>."));
    assert!(started.contains(">Step</button>") && started.contains(">Finish</button>"));
    // Manual jobs cannot be paused: nothing moves them but these buttons.
    assert!(!started.contains("Pause job"));

    server.control("/runs/JR-00000075/job/finish", None).await;
    let (_, done) = get(&server, "/_control/page/runs/JR-00000075").await;
    assert_eq!(
        job_summary(&done),
        "Completed, 9 of 10 cancelled, JE-00000004 failed: Transferred to Accounting is Yes"
    );
    assert!(done.contains(
        r#"<progress value="10" max="10" aria-label="Cancellation job: entries attempted">10 of 10</progress> 10 of 10 entries attempted"#
    ));
    assert!(done.contains(r##"<a href="#JE-00000004">JE-00000004</a>: not cancelled, its Transferred to Accounting was <strong>Yes</strong> when the job attempted it"##));
    // The entries, with their documents' notes and custom fields.
    assert!(done.contains(r#"<tr id="JE-00000004"><th scope="row">JE-00000004</th><td><span class="badge entry-created">Created</span></td><td><span class="badge tta-yes">Yes</span></td>"#));
    assert!(done.contains("January close, batch 4"));
    assert!(done.contains("<dt>CostCenter__c</dt><dd><code>&quot;CC-304&quot;</code></dd>"));
    // The log, newest first, each failure with its reason.
    assert!(done.contains("12 records, newest first"));
    assert!(done.contains(
        "<td><code>entryAttempted</code></td><td>JE-00000004: failed, Transferred to Accounting is Yes</td>"
    ));
    let settled = done.find("the run is Completed").expect("the settlement");
    let requested = done.find("the run was Completed").expect("the request");
    assert!(settled < requested, "newest first");
    // The diagram, from the rules, with the run's status marked.
    assert!(done.contains("<td>Completed <strong>(now)</strong></td><td><code>cancelRun</code></td><td>CancelInprogress</td>"));
    assert!(done.contains("CancelInprogress --&gt; Completed: settleCancellation"));
    assert!(done.contains("The run is at rest"));

    let (status, missing) = get(&server, "/_control/page/runs/JR-00000099").await;
    assert_eq!(status, 404);
    assert!(missing.contains("journal run JR-00000099 not found"));
    let (status, bad) = get(&server, "/_control/page/runs/nope").await;
    assert_eq!(status, 400);
    assert!(bad.contains("jr-number"));
    server.stop().await;
}

#[tokio::test]
async fn the_forms_go_through_the_control_api_and_its_rules() {
    let config = Config::from_toml(
        r#"
        [jobs]
        mode = "manual"
        [[clients]]
        client_id = "11111111-1111-4111-8111-111111111111"
        client_secret = "secret-one"
        caller = { permissions = ["Cancel Journal Run"], entities = ["entity-a"] }
        "#,
    )
    .expect("a config");
    let server = Server::start(config).await;
    server.load(&example(), Some("entity-a")).await;
    server.cancel_example_in("entity-a").await;

    let (status, location, _) = post_form(
        &server,
        "/_control/page/runs/JR-00000075/job/step?entity=entity-a",
        &[],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        location,
        "/_control/page/runs/JR-00000075?entity=entity-a#job-heading"
    );
    let (_, page) = get(&server, "/_control/page/runs/JR-00000075?entity=entity-a").await;
    assert_eq!(
        job_summary(&page),
        "CancelInprogress, 1 of 10 attempted, 1 cancelled"
    );

    // The accounting integration on JE-00000002: No -> Processing, by the rules.
    assert!(page.contains(r#"<form class="inline" method="post" action="/_control/page/entries/JE-00000002/transfer?entity=entity-a"><button type="submit" name="to" value="Processing" aria-label="Start transfer of JE-00000002">Start transfer</button></form>"#));
    let (status, location, _) = post_form(
        &server,
        "/_control/page/entries/JE-00000002/transfer?entity=entity-a",
        &[("to", "Processing")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        location,
        "/_control/page/runs/JR-00000075?entity=entity-a#JE-00000002"
    );
    let (_, page) = get(&server, "/_control/page/runs/JR-00000075?entity=entity-a").await;
    assert!(page.contains(r#"aria-label="Transfer succeeded of JE-00000002">Transfer succeeded</button><button type="submit" name="to" value="Error" aria-label="Transfer failed of JE-00000002">Transfer failed</button>"#));
    // A move the rules refuse is refused, with the rules' reason, and changes nothing.
    let (status, _, refused) = post_form(
        &server,
        "/_control/page/entries/JE-00000004/transfer?entity=entity-a",
        &[("to", "Processing")],
    )
    .await;
    assert_eq!(status, 409);
    assert!(refused.contains("<h1>Not done</h1>"));
    assert!(refused.contains(
        r#"<a href="/_control/page/runs/JR-00000075?entity=entity-a#JE-00000004">Back</a>"#
    ));

    let (status, _, _) = post_form(
        &server,
        "/_control/page/runs/JR-00000075/job/finish?entity=entity-a",
        &[],
    )
    .await;
    assert_eq!(status, 303);
    let (_, page) = get(&server, "/_control/page/runs/JR-00000075?entity=entity-a").await;
    assert_eq!(
        job_summary(&page),
        "Completed, 8 of 10 cancelled, JE-00000002 failed: Transferred to Accounting is \
         Processing; JE-00000004 failed: Transferred to Accounting is Yes"
    );
    let log = server
        .control_get("/runs/JR-00000075/log?entity=entity-a")
        .await;
    let transfer = &log.as_array().expect("a log")[2];
    assert_eq!(transfer["by"], "accounting integration");
    assert_eq!(
        transfer["change"]["event"]["event"],
        "transferredToAccountingChanged"
    );

    // An action that does not exist is the control API's 404.
    let (status, _, body) = post_form(
        &server,
        "/_control/page/runs/JR-00000075/job/jump?entity=entity-a",
        &[],
    )
    .await;
    assert_eq!(status, 404);
    assert!(body.contains("no job action &quot;jump&quot;"));
    server.stop().await;
}

#[tokio::test]
async fn every_job_can_be_paused_and_resumed_from_the_page() {
    let mut config = Config::default();
    config.jobs.step_interval_ms = 10;
    let server = Server::start(config).await;
    let (_, page) = get(&server, "/_control/").await;
    assert!(page.contains(r#"<form class="inline" method="post" action="/_control/page/jobs/pause"><button type="submit">Pause every job</button></form>"#));
    let (status, location, _) = post_form(&server, "/_control/page/jobs/pause", &[]).await;
    assert_eq!((status, location.as_str()), (303, "/_control/"));
    server.load(&example(), None).await;
    cancel(&server, "JR-00000075").await;
    let (_, page) = get(&server, "/_control/page/runs/JR-00000075").await;
    assert!(page.contains("every job is paused"));
    assert_eq!(
        job_summary(&page),
        "CancelInprogress, 0 of 10 attempted, 0 cancelled"
    );
    assert!(page.contains(">Pause job</button>"));
    let (status, _, _) = post_form(&server, "/_control/page/runs/JR-00000075/job/pause", &[]).await;
    assert_eq!(status, 303);
    let (status, _, _) = post_form(&server, "/_control/page/jobs/resume", &[]).await;
    assert_eq!(status, 303);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(run_status(&server, "JR-00000075").await, "CancelInprogress");
    let (_, page) = get(&server, "/_control/page/runs/JR-00000075").await;
    assert!(page.contains("This run's job is paused."));
    assert!(page.contains(">Resume job</button>"));
    let (status, _, _) =
        post_form(&server, "/_control/page/runs/JR-00000075/job/resume", &[]).await;
    assert_eq!(status, 303);
    let mut status = Value::Null;
    for _ in 0..200 {
        status = run_status(&server, "JR-00000075").await;
        if status == "Completed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(status, "Completed");
    server.stop().await;
}

#[tokio::test]
async fn a_post_from_another_site_is_refused_and_changes_nothing() {
    let server = Server::start(manual()).await;
    server.load(&example(), None).await;
    cancel(&server, "JR-00000075").await;
    let response = no_redirects()
        .post(server.url("/_control/page/runs/JR-00000075/job/finish"))
        .header("Origin", "http://attacker.example")
        .header("Sec-Fetch-Site", "cross-site")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 403);
    // The page's own refusal, a page for the person who followed the link, not the control
    // API's JSON.
    let content_type = response.headers()["content-type"]
        .to_str()
        .map(str::to_owned);
    assert!(
        content_type
            .as_deref()
            .is_ok_and(|t| t.starts_with("text/html")),
        "{content_type:?}"
    );
    let body = response.text().await.expect("a body");
    assert!(
        body.contains("taken only from the page itself, not from another site"),
        "{body}"
    );
    assert_eq!(run_status(&server, "JR-00000075").await, "CancelInprogress");
    server.stop().await;
}

#[tokio::test]
async fn everything_a_run_holds_is_escaped() {
    let mut config = manual();
    config.clients.push(Client {
        client_id: "11111111-1111-4111-8111-111111111111".to_owned(),
        client_secret: "a-secret".to_owned(),
        user: "<i>gl-sync</i>".to_owned(),
        caller: journal_run::Caller::superuser(),
    });
    let server = Server::start(config).await;
    let mut snapshot = example();
    let entry = &mut snapshot["journalEntries"][0];
    entry["notes"] = json!("<script>alert('notes')</script>");
    entry["Evil__c"] = json!("<img src=x onerror=alert(1)>");
    server.load(&snapshot, None).await;
    // An edit through Zuora's API is logged with its user, and shown in the log.
    let token = server.token().await;
    let (_, _, body) = server
        .call(
            Method::PUT,
            "/v1/journal-entries/JE-00000002/basic-information",
            &token,
            &[],
            Some(&json!({"notes": "</td><script>alert('edit')</script>"})),
        )
        .await;
    assert_eq!(body["success"], true, "{body}");

    let (status, page) = get(&server, "/_control/page/runs/JR-00000075").await;
    assert_eq!(status, 200);
    assert!(page.contains("&lt;script&gt;alert('notes')&lt;/script&gt;"));
    assert!(page.contains("&quot;&lt;img src=x onerror=alert(1)&gt;&quot;"));
    assert!(page.contains(
        "<td>&lt;i&gt;gl-sync&lt;/i&gt;</td><td><code>entryEdited</code></td>\
         <td>JE-00000002: notes: &lt;/td&gt;&lt;script&gt;alert('edit')&lt;/script&gt;</td>"
    ));
    assert!(!page.contains("<script>alert"));
    assert!(!page.contains("<img"));
    assert!(!page.contains("<i>"));
    // The only script is htmx's file.
    assert_eq!(page.matches("<script").count(), 1);
    // A bad query value is refused, and the refusal quotes it escaped, if at all.
    let (status, refusal) = get(&server, "/_control/page/runs/JR-00000075?entity=%3Cb%3E").await;
    assert_eq!(status, 400);
    assert!(refusal.contains("entity: ") && !refusal.contains("<b>"));
    server.stop().await;
}

#[tokio::test]
async fn a_run_of_a_hundred_thousand_entries_is_paged() {
    let server = Server::start(manual()).await;
    let processing: Value = server
        .http
        .put(server.url("/_control/processing"))
        .json(&json!({"entries": 100_000, "fail": false}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    assert_eq!(processing["entries"], 100_000);
    let token = server.token().await;
    let request = json!({
        "journalEntryDate": "2026-01-31",
        "targetStartDate": "2026-01-01",
        "targetEndDate": "2026-01-31",
        "transactionTypes": [{"type": "Invoice Item"}]
    });
    let (_, _, created) = server
        .call(
            Method::POST,
            "/v1/journal-runs",
            &token,
            &[],
            Some(&request),
        )
        .await;
    assert_eq!(created["journalRunNumber"], "JR-00000001");
    server.control("/runs/JR-00000001/job/finish", None).await;

    let (status, first) = get(&server, "/_control/page/runs/JR-00000001").await;
    assert_eq!(status, 200);
    assert_eq!(first.matches("<tr id=\"JE-").count(), 100);
    assert!(first.contains("Entries JE-00000001 to JE-00000100 of 100000"));
    assert!(first.contains("<span>Page 1 of 1000</span>"));
    assert!(
        first.contains(r#"<a href="/_control/page/runs/JR-00000001?page=2" rel="next">Next</a>"#)
    );
    assert!(
        first.len() < 400_000,
        "one page, not the run: {}",
        first.len()
    );

    let (_, last) = get(&server, "/_control/page/runs/JR-00000001?page=1000").await;
    assert!(last.contains("Entries JE-00099901 to JE-00100000 of 100000"));
    assert!(last
        .contains(r#"<a href="/_control/page/runs/JR-00000001?page=999" rel="prev">Previous</a>"#));
    // Pages past the last are the last; pages that are not numbers are the first.
    let (_, beyond) = get(&server, "/_control/page/runs/JR-00000001?page=5000").await;
    assert!(beyond.contains("<span>Page 1000 of 1000</span>"));
    let (_, junk) = get(&server, "/_control/page/runs/JR-00000001?page=x").await;
    assert!(junk.contains("<span>Page 1 of 1000</span>"));

    // The list counts them all.
    let (_, list) = get(&server, "/_control/").await;
    assert!(list.contains(r#"<td class="num">100000</td><td class="num">100000</td><td class="num">0</td><td>No 100000</td>"#));
    server.stop().await;
}

#[tokio::test]
async fn a_live_part_is_answered_204_while_unchanged() {
    let server = Server::start(manual()).await;
    server.load(&example(), None).await;
    cancel(&server, "JR-00000075").await;
    let (_, page) = get(&server, "/_control/page/runs/JR-00000075").await;
    let poll = page
        .split("hx-get=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the live part's poll")
        .replace("&amp;", "&");
    assert!(poll.starts_with("/_control/page/runs/JR-00000075/live?page=1&log=1&v="));
    assert!(page.contains(r#"hx-trigger="every 1s" hx-swap="outerHTML""#));
    let response = server
        .http
        .get(server.url(&poll))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 204);

    server.control("/runs/JR-00000075/job/step", None).await;
    let (status, part) = get(&server, &poll).await;
    assert_eq!(status, 200);
    assert!(part.starts_with(
        r#"<div id="run" hx-get="/_control/page/runs/JR-00000075/live?page=1&amp;log=1&amp;v="#
    ));
    assert_eq!(
        job_summary(&part),
        "CancelInprogress, 1 of 10 attempted, 1 cancelled"
    );
    assert!(!part.contains("<html"));

    let (_, index) = get(&server, "/_control/").await;
    let poll = index
        .split("hx-get=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the list's poll")
        .to_owned();
    let response = server
        .http
        .get(server.url(&poll))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 204);
    server.control("/runs/JR-00000075/job/step", None).await;
    let (status, part) = get(&server, &poll).await;
    assert_eq!(status, 200);
    assert!(part.contains("2 of 10 attempted"));
    server.stop().await;
}

/// A request to the router as if from `peer`, with an optional `Authorization`.
async fn as_peer(config: Config, peer: [u8; 4], path: &str, token: Option<&str>) -> u16 {
    let started = common::started(config, vec![common::repo("examples/jr-00000075.json")]).await;
    let router = journal_run_server::router(started.app());
    let mut request = Request::get(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let mut request = request.body(Body::empty()).expect("a request");
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((peer, 40000))));
    router
        .oneshot(request)
        .await
        .expect("an answer")
        .status()
        .as_u16()
}

#[tokio::test]
async fn the_page_is_guarded_as_the_control_api() {
    let remote = [192, 0, 2, 7];
    for path in [
        "/_control/",
        "/_control",
        "/_control/page/runs",
        "/_control/page/runs/JR-00000075",
        "/_control/page/assets/page.css",
    ] {
        assert_eq!(
            as_peer(Config::default(), remote, path, None).await,
            403,
            "{path}"
        );
    }
    assert_eq!(
        as_peer(Config::default(), [127, 0, 0, 1], "/_control/", None).await,
        200
    );

    let mut open = Config::default();
    open.control.allow_remote = true;
    open.control.token = Some("a-long-control-token".to_owned());
    assert_eq!(as_peer(open.clone(), remote, "/_control/", None).await, 403);
    assert_eq!(
        as_peer(open.clone(), remote, "/_control/", Some("wrong")).await,
        403
    );
    assert_eq!(
        as_peer(
            open.clone(),
            remote,
            "/_control/",
            Some("a-long-control-token")
        )
        .await,
        200
    );
    assert_eq!(
        as_peer(
            open,
            remote,
            "/_control/page/runs/JR-00000075",
            Some("a-long-control-token")
        )
        .await,
        200
    );
}
