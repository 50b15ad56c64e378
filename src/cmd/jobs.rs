//! `playtube jobs`: what the queue holds, as a table (or `--json`), optionally refreshed with `--watch`:
//! the most recent jobs with their state (queued, running with worker and progress, failed and
//! retrying, done, dead-lettered with the error) and the stream counts. Read-only.

use std::time::Duration;

use serde::Serialize;

use crate::cli::JobsArgs;
use crate::config::queue::QueueFlags;
use crate::config::Settings;
use crate::exit::{Code, UsageError};
use crate::queue::{JobRecord, Queue, Summary};

#[derive(Serialize)]
struct Snapshot {
    summary: Summary,
    jobs: Vec<JobRecord>,
}

pub fn run(settings: &Settings, args: &JobsArgs) -> anyhow::Result<Code> {
    let output = &settings.output;
    let q = crate::config::queue::resolve(
        settings,
        &QueueFlags { url: args.queue.url.clone(), name: args.queue.name.clone(), ..Default::default() },
    )?;
    let every = match args.watch {
        None => None,
        Some(s) if s > 0.0 && s.is_finite() => Some(Duration::from_secs_f64(s)),
        Some(s) => return Err(UsageError::new(format!("--watch {s} must be a number of seconds > 0 (e.g. 2)")).into()),
    };
    if args.limit == 0 || args.limit > 10_000 {
        return Err(UsageError::new("--limit must be between 1 and 10000").into());
    }
    let mut queue = Queue::connect(&q.queue).map_err(super::worker::environment_error)?;
    let mut shown = 0u64;
    loop {
        let jobs = queue.jobs(args.limit)?;
        let summary = queue.summary(&jobs)?;
        let snapshot = Snapshot { summary, jobs };
        if output.json {
            if every.is_some() {
                // One compact object per line, so a watch can be piped into jq.
                output.print(&format!("{}\n", serde_json::to_string(&snapshot)?))?;
            } else {
                output.print_json(&snapshot)?;
            }
        } else {
            if every.is_some() && output.color {
                output.print("\x1b[2J\x1b[H")?;
            }
            output.print(&render(&snapshot, crate::queue::format::now_ms()))?;
        }
        shown += 1;
        let Some(every) = every else { break };
        if args.count.is_some_and(|c| shown >= c) || crate::pipeline::process::interrupted() {
            break;
        }
        std::thread::sleep(every);
    }
    Ok(Code::Success)
}

fn ago(now: u64, then: Option<u64>) -> String {
    match then {
        Some(t) if now >= t => format!("{}s ago", (now - t) / 1000),
        _ => "-".into(),
    }
}

fn render(s: &Snapshot, now: u64) -> String {
    let rows: Vec<Vec<String>> = s
        .jobs
        .iter()
        .map(|j| {
            let detail = match j.state {
                crate::queue::JobState::Running => format!(
                    "{} {:.0}% (heartbeat {})",
                    j.worker.as_deref().unwrap_or("?"),
                    j.progress.unwrap_or(0.0),
                    ago(now, j.heartbeat_at)
                ),
                crate::queue::JobState::Done => format!("finished {}", ago(now, j.finished_at)),
                crate::queue::JobState::Queued => format!("queued {}", ago(now, j.enqueued_at)),
                _ => {
                    let mut e = j.error.clone().unwrap_or_default().replace('\n', " ");
                    if e.chars().count() > 80 {
                        e = e.chars().take(77).collect::<String>() + "...";
                    }
                    e
                }
            };
            vec![j.id.clone(), j.asset.clone(), j.state.as_str().to_owned(), j.attempts.to_string(), detail]
        })
        .collect();
    let mut out = crate::ui::table::grid(&["JOB", "ASSET", "STATE", "ATTEMPTS", "DETAIL"], &rows);
    out.push_str(&format!(
        "{} waiting, {} claimed by {} worker(s), {} dead-lettered\n",
        s.summary.waiting, s.summary.claimed, s.summary.workers, s.summary.dead_letters
    ));
    out
}
