//! Zuora's asynchronous work: processing a created run, the cancellation job entry by entry,
//! finishing a deletion. Each step is a command of the library, decided and recorded like a
//! request's; a job's state is the run's state, so a restarted server resumes every job
//! where its log stopped, and ends it as an uninterrupted one would.

use std::sync::Arc;
use std::time::Duration;

use journal_run::Command;
use tokio::sync::watch;

use crate::app::{now_rfc3339, App};
use crate::config::JobMode;
use crate::tenant::{system, LogRecord, RunKey, Tenant};

/// Who the log names as the author of background steps.
pub const ZUORA: &str = "zuora";

/// How many steps a run's job takes in one turn when jobs are unpaced.
const UNPACED_BURST: usize = 4096;

/// Takes the next step of run `key`'s background work, if it has one now: the command, and
/// its log record to persist.
pub fn step(
    app: &App,
    tenant: &mut Tenant,
    key: &RunKey,
    at: &str,
) -> Option<(Command, LogRecord)> {
    let command = tenant.next_job_command(key, app.processing())?;
    match tenant.execute(key, &system(), &command, at, ZUORA) {
        Ok(record) => Some((command, record)),
        Err(error) => {
            tracing::warn!(run = %key.number, %error, "a job step was refused");
            None
        }
    }
}

/// One turn of every job that is not paused: up to `burst` steps each. Returns whether any
/// step was taken.
fn turn(app: &App, burst: usize) -> bool {
    let mut tenant = app.write();
    let keys: Vec<RunKey> = tenant
        .active()
        .filter(|(_, r)| !r.paused)
        .map(|(k, _)| k.clone())
        .collect();
    let mut records = Vec::new();
    let at = now_rfc3339();
    for key in keys {
        for _ in 0..burst {
            match step(app, &mut tenant, &key, &at) {
                Some((_, record)) => records.push((key.clone(), record)),
                None => break,
            }
        }
    }
    let worked = !records.is_empty();
    if worked {
        // The jobs do not wait for the commit: a step lost in a crash is taken again, the
        // same, from the committed state.
        drop(app.persist(&mut tenant, records));
    }
    worked
}

/// The shortest wait while the jobs have nothing to do: a wake-up (a request that gives them
/// work) ends it sooner.
const IDLE_POLL: Duration = Duration::from_millis(50);

/// How long the jobs wait after a turn, at the configured pace `interval`: after a turn that
/// took steps, the pace (none when unpaced, so an unpaced job runs on at once); after an idle
/// turn, at least [`IDLE_POLL`], so that a server with nothing to do does not spin.
fn pause_after(worked: bool, interval: Duration) -> Duration {
    if worked {
        interval
    } else {
        interval.max(IDLE_POLL)
    }
}

/// Drives the jobs until `shutdown` turns true. In manual mode nothing moves by itself.
pub async fn drive(app: Arc<App>, mut shutdown: watch::Receiver<bool>) {
    if app.config.jobs.mode == JobMode::Manual {
        return;
    }
    let interval = app.config.jobs.interval();
    let burst = if interval.is_zero() { UNPACED_BURST } else { 1 };
    loop {
        if *shutdown.borrow() {
            return;
        }
        let worked = !app.paused() && turn(&app, burst);
        let wait = pause_after(worked, interval);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = app.wake_jobs.notified(), if !worked => {}
            _ = shutdown.changed() => return,
        }
        if wait.is_zero() {
            tokio::task::yield_now().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_run_on_at_their_pace_and_an_idle_server_does_not_spin() {
        let ms = Duration::from_millis;
        assert_eq!(pause_after(true, Duration::ZERO), Duration::ZERO);
        assert_eq!(pause_after(true, ms(10)), ms(10));
        assert_eq!(pause_after(true, ms(500)), ms(500));
        assert_eq!(pause_after(false, Duration::ZERO), IDLE_POLL);
        assert_eq!(pause_after(false, ms(10)), IDLE_POLL);
        assert_eq!(pause_after(false, ms(500)), ms(500));
    }
}
