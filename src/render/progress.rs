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
        let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ");
        format!("{now} {body}")
    } else {
        body
    }
}

/// The live view on a terminal: one spinner per running operation with its elapsed time;
/// each finished, failed or skipped operation becomes a permanent line above them.
pub struct LiveView {
    bars: indicatif::MultiProgress,
    running: std::sync::Mutex<std::collections::BTreeMap<String, indicatif::ProgressBar>>,
    paint: Painter,
}

impl LiveView {
    pub fn new(paint: Painter) -> LiveView {
        Self::with_target(paint, indicatif::ProgressDrawTarget::stdout())
    }

    fn with_target(paint: Painter, target: indicatif::ProgressDrawTarget) -> LiveView {
        LiveView {
            bars: indicatif::MultiProgress::with_draw_target(target),
            running: std::sync::Mutex::new(Default::default()),
            paint,
        }
    }

    /// How many operations are running now.
    #[cfg(test)]
    fn running(&self) -> usize {
        self.running.lock().map(|r| r.len()).unwrap_or(0)
    }

    pub fn event(&self, event: &Event) {
        let Ok(mut running) = self.running.lock() else {
            return;
        };
        match event {
            Event::Started { address, step } => {
                let bar = self.bars.add(indicatif::ProgressBar::new_spinner());
                if let Ok(style) =
                    indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                {
                    bar.set_style(style);
                }
                bar.set_message(format!("{address}: {}", ing(*step)));
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
                running.insert(address.to_string(), bar);
            }
            Event::Progress {
                address, message, ..
            } => {
                if let Some(bar) = running.get(&address.to_string()) {
                    bar.set_message(format!("{address}: {message}"));
                }
            }
            Event::Finished { address, .. }
            | Event::Failed { address, .. }
            | Event::Skipped { address, .. } => {
                if let Some(bar) = running.remove(&address.to_string()) {
                    bar.finish_and_clear();
                    self.bars.remove(&bar);
                }
                let _ = self.bars.println(line(event, self.paint, false));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_live_view_tracks_what_runs() {
        let view = LiveView::with_target(
            Painter { enabled: false },
            indicatif::ProgressDrawTarget::hidden(),
        );
        let a: cairn_model::Address = "aws_vpc.main".parse().expect("address");
        let b: cairn_model::Address = "aws_subnet.a".parse().expect("address");
        view.event(&Event::Started {
            address: a.clone(),
            step: Step::Create,
        });
        view.event(&Event::Started {
            address: b.clone(),
            step: Step::Create,
        });
        assert_eq!(view.running(), 2);
        view.event(&Event::Finished {
            address: a,
            step: Step::Create,
            elapsed: Duration::from_secs(2),
            id: None,
        });
        assert_eq!(view.running(), 1);
        view.event(&Event::Failed {
            address: b,
            step: Step::Create,
            elapsed: Duration::from_secs(1),
            error: "boom".into(),
        });
        assert_eq!(view.running(), 0);
    }

    #[test]
    fn log_lines_are_timestamped() {
        let a: cairn_model::Address = "aws_vpc.main".parse().expect("address");
        let l = line(
            &Event::Failed {
                address: a,
                step: Step::Create,
                elapsed: Duration::from_millis(1500),
                error: "AccessDenied: no".into(),
            },
            Painter { enabled: false },
            true,
        );
        assert!(
            l.ends_with("aws_vpc.main: create failed after 1.5s: AccessDenied: no"),
            "{l}"
        );
        assert!(l.chars().nth(4) == Some('-') && l.contains('T'), "{l}");
    }
}
