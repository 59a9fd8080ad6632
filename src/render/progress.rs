//! Apply progress: one line per started, progressing, finished, failed or skipped step;
//! timestamped when not on a terminal (CI logs).

use cairn_engine::{Event, Step};

use crate::style::Painter;

fn ing(step: Step) -> &'static str {
    match step {
        Step::Create => "Creating...",
        Step::Update => "Updating...",
        Step::Delete => "Destroying...",
    }
}

fn done(step: Step) -> &'static str {
    match step {
        Step::Create => "Created",
        Step::Update => "Updated",
        Step::Delete => "Destroyed",
    }
}

/// One event as a line of text (without a trailing newline).
pub fn line(event: &Event, paint: Painter, timestamps: bool) -> String {
    let body = match event {
        Event::Started { address, step } => format!("{address}: {}", ing(*step)),
        Event::Progress {
            address, message, ..
        } => format!("{address}: {message}"),
        Event::Finished {
            address,
            step,
            elapsed,
            id,
        } => {
            let id = id
                .as_ref()
                .map(|i| format!(" [id={i}]"))
                .unwrap_or_default();
            paint.green(&format!(
                "{address}: {} after {:.1}s{id}",
                done(*step),
                elapsed.as_secs_f64()
            ))
        }
        Event::Failed {
            address,
            step,
            elapsed,
            error,
        } => paint.red(&format!(
            "{address}: {} failed after {:.1}s: {error}",
            step.as_str(),
            elapsed.as_secs_f64()
        )),
        Event::Skipped {
            address,
            step,
            because,
        } => paint.yellow(&format!(
            "{address}: {} skipped because {because} failed",
            step.as_str()
        )),
    };
    if timestamps {
        let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
        format!("{now} {body}")
    } else {
        body
    }
}
