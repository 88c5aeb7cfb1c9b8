//! `journal-run demo`: the documented example, played through the library.
//!
//! JR-00000075 is Completed with ten entries, one of them transferred to accounting. The
//! cancel request is accepted; nine entries are cancelled, one fails; the run stays Completed
//! (Zuora, `PUT /v1/journal-runs/{jr-number}/cancel`).

use std::fmt::Write as _;

use journal_run::wire::CancelHandler;
use journal_run::{
    AttemptOutcome, Caller, Command, Event, JournalEntryNumber, JournalRun, JournalRunNumber,
    TransferResult,
};

use crate::digest::{digest, process_id, request_id};

use crate::render::{paint, table, Tone};

/// The demo's text.
pub fn render() -> Result<String, Box<dyn std::error::Error>> {
    let number: JournalRunNumber = "JR-00000075".parse()?;
    let zuora = Caller::superuser();
    let mut run = JournalRun::new(number, vec![]);
    let entries: Vec<JournalEntryNumber> = (1..=10)
        .map(|n| JournalEntryNumber::new(n).ok_or("entry numbers start at 1"))
        .collect::<Result<_, _>>()?;
    let transferred = *entries.get(3).ok_or("ten entries")?;
    run.execute(&zuora, &Command::StartProcessing)?;
    run.execute(&zuora, &Command::CompleteProcessing { entries })?;
    run.execute(&zuora, &Command::BeginTransfer { entry: transferred })?;
    run.execute(
        &zuora,
        &Command::FinishTransfer {
            entry: transferred,
            result: TransferResult::Yes,
        },
    )?;

    let mut out = String::new();
    let status = |run: &JournalRun| run.state().name();
    writeln!(
        out,
        "Journal run {number} is {} with {} summary journal entries; {transferred} is transferred to accounting (Yes).\n",
        status(&run),
        run.entries().len()
    )?;
    writeln!(
        out,
        "Request:  PUT /v1/journal-runs/{number}/cancel   (caller has \"Cancel Journal Run\")"
    )?;
    // The request goes through the wire layer's handler, as in `journal-run cancel`, with ids
    // derived from the demo's own name.
    let digest = digest(None, &["demo"]);
    let handled = CancelHandler::default().handle(
        &number.to_string(),
        &[("Authorization", crate::cancel::ASSUMED_AUTHORIZATION)],
        &zuora,
        &run,
        &request_id(digest)?,
        &process_id(digest)?,
    );
    run.apply(&handled.decision?)?;
    writeln!(
        out,
        "Response: {} {}",
        handled.response.status,
        serde_json::to_string(&handled.response.body)?
    )?;
    writeln!(
        out,
        "The run is now {}; Zuora cancels its entries asynchronously, one by one:\n",
        status(&run)
    )?;

    let mut steps = table([
        "step",
        "entry",
        "Transferred to Accounting",
        "result",
        "run status",
    ]);
    let mut step = 0;
    loop {
        let before = run.clone();
        let Ok(Event::EntryAttempted { entry, outcome }) =
            run.execute(&zuora, &Command::StepCancellation)
        else {
            break;
        };
        step += 1;
        let tta = before
            .entry(entry)
            .map_or("?", |e| e.transferred_to_accounting.as_str());
        let result = match outcome {
            AttemptOutcome::Cancelled => "cancelled".to_owned(),
            AttemptOutcome::AlreadyCancelled => "already cancelled".to_owned(),
            AttemptOutcome::Failed {
                transferred_to_accounting,
            } => format!("failed: Transferred to Accounting is {transferred_to_accounting}"),
        };
        steps.add_row(vec![
            step.to_string(),
            entry.to_string(),
            tta.to_owned(),
            result,
            status(&run).to_owned(),
        ]);
    }
    writeln!(out, "{steps}\n")?;
    run.execute(&zuora, &Command::SettleCancellation)?;
    let cancelled = run.cancelled_count();
    let total = run.entries().len();
    let summary = format!(
        "Settled: the run is {} ({cancelled} of {total} entries cancelled, {} failed).",
        status(&run),
        total - cancelled
    );
    writeln!(out, "{}", paint(&summary, Tone::Good))?;
    writeln!(
        out,
        "It is not Cancelled, because {transferred} is not: a run becomes Cancelled only when every one of its entries is."
    )?;
    Ok(out)
}
