//! The `journal-run` command-line tool.

use std::process::ExitCode;

use journal_run::{
    Caller, Command, Event, JournalEntryNumber, JournalRun, JournalRunNumber, RequestScope,
    TransferResult,
};

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        Some("demo") | None => match demo() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Some(other) => {
            eprintln!("error: unknown command `{other}`; try `journal-run demo`");
            ExitCode::from(2)
        }
    }
}

/// The documented example: JR-00000075, Completed, ten entries, one transferred.
fn demo() -> Result<(), Box<dyn std::error::Error>> {
    let number: JournalRunNumber = "JR-00000075".parse()?;
    let zuora = Caller::superuser();
    let mut run = JournalRun::new(number, vec![]);
    let entries: Vec<JournalEntryNumber> = (1..=10)
        .map(|n| JournalEntryNumber::new(n).ok_or("zero"))
        .collect::<Result<_, _>>()?;
    let transferred = entries.get(3).copied().ok_or("no entry 4")?;
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
    println!(
        "{number} is {} with {} entries; {transferred} is transferred to accounting.",
        run.status().map_or("deleted", |s| s.as_str()),
        run.entries().len()
    );
    println!("PUT /v1/journal-runs/{number}/cancel");
    run.execute(
        &zuora,
        &Command::CancelRun {
            run: number,
            scope: RequestScope::default(),
        },
    )?;
    println!(
        "  -> 200 {{\"success\": true}}; status {}",
        run.status().map_or("deleted", |s| s.as_str())
    );
    while run.job().is_some_and(|job| job.next < run.entries().len()) {
        if let Event::EntryAttempted { entry, outcome } =
            run.execute(&zuora, &Command::StepCancellation)?
        {
            println!("  {entry}: {outcome:?}");
        }
    }
    run.execute(&zuora, &Command::SettleCancellation)?;
    println!(
        "settled: {} ({} of {} entries cancelled)",
        run.status().map_or("deleted", |s| s.as_str()),
        run.cancelled_count(),
        run.entries().len()
    );
    Ok(())
}
