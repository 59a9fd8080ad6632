//! What resolving the journal did (operations an earlier run left unfinished), in words:
//! shown before a plan, an apply or a drift report.

use std::fmt::Write;

use cairn_engine::{Recovered, Resolution};

use crate::style::Painter;

/// One line per resolved operation under a heading; empty when there was nothing to resolve.
pub fn human(recovered: &[Recovered], paint: Painter) -> String {
    if recovered.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "{} an earlier run stopped with {} operation(s) unfinished; resolved:\n",
        paint.yellow(&paint.bold("Recovered:")),
        recovered.len()
    );
    for r in recovered {
        let op = &r.operation;
        let what = match &r.resolution {
            Resolution::Adopted { id, others } => {
                let mut s = format!("its create had made {id}: recorded in state");
                if !others.is_empty() {
                    let _ = write!(
                        s,
                        " (also found, not managed, left alone: {})",
                        others.join(", ")
                    );
                }
                s
            }
            Resolution::Absent => "its create made nothing: intent dropped".into(),
            Resolution::Settled => format!("its {} is settled by the refresh", op.operation),
        };
        let _ = writeln!(out, "  {}: {what}", op.address);
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_engine::PendingOperation;

    fn op(address: &str, operation: &str) -> PendingOperation {
        PendingOperation {
            token: "t".into(),
            address: address.parse().expect("address"),
            operation: operation.into(),
            started_unix: 0,
            inputs: None,
            dependencies: Vec::new(),
            prevent_destroy: false,
            provider: None,
        }
    }

    #[test]
    fn each_resolution_in_words() {
        let paint = Painter { enabled: false };
        assert_eq!(human(&[], paint), "");
        let text = human(
            &[
                Recovered {
                    operation: op("aws_vpc.main", "create"),
                    resolution: Resolution::Adopted {
                        id: "vpc-1".into(),
                        others: vec!["vpc-2".into()],
                    },
                },
                Recovered {
                    operation: op("aws_subnet.a", "create"),
                    resolution: Resolution::Absent,
                },
                Recovered {
                    operation: op("aws_subnet.b", "delete"),
                    resolution: Resolution::Settled,
                },
            ],
            paint,
        );
        assert_eq!(
            text,
            "Recovered: an earlier run stopped with 3 operation(s) unfinished; resolved:\n  \
             aws_vpc.main: its create had made vpc-1: recorded in state (also found, not managed, left alone: vpc-2)\n  \
             aws_subnet.a: its create made nothing: intent dropped\n  \
             aws_subnet.b: its delete is settled by the refresh\n\n"
        );
    }
}
