//! Rendering of the stack language's diagnostics with source snippets (miette).

use std::fmt;

use cairn_stacks::{Diagnostic, Diagnostics, Label};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

/// One diagnostic prepared for miette: a message, labels in one file, and related reports for
/// labels in other files.
#[derive(Debug)]
struct Report {
    message: String,
    help: Option<String>,
    source: NamedSource<String>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

fn source_of(diags: &Diagnostics, label: &Label) -> NamedSource<String> {
    let path = &label.location.file;
    let text = diags.sources.get(path).cloned().unwrap_or_default();
    NamedSource::new(path.display().to_string(), text)
}

fn span(label: &Label) -> SourceSpan {
    let s = &label.location.span;
    (s.start, s.end.saturating_sub(s.start)).into()
}

fn report(diags: &Diagnostics, d: &Diagnostic) -> Report {
    let primary_file = &d.primary.location.file;
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        Some(d.primary.message.clone()).filter(|m| !m.is_empty()),
        span(&d.primary),
    )];
    let mut related = Vec::new();
    for l in &d.secondary {
        if &l.location.file == primary_file {
            labels.push(LabeledSpan::new_with_span(
                Some(l.message.clone()).filter(|m| !m.is_empty()),
                span(l),
            ));
        } else {
            related.push(Report {
                message: format!(
                    "{}:{}:{}: {}",
                    l.location.file.display(),
                    l.location.line,
                    l.location.col,
                    l.message
                ),
                help: None,
                source: source_of(diags, l),
                labels: vec![LabeledSpan::new_primary_with_span(
                    Some(l.message.clone()),
                    span(l),
                )],
                related: Vec::new(),
            });
        }
    }
    Report {
        message: format!(
            "{}:{}:{}: {}",
            primary_file.display(),
            d.primary.location.line,
            d.primary.location.col,
            d.message
        ),
        help: d.help.clone(),
        source: source_of(diags, &d.primary),
        labels,
        related,
    }
}

/// All diagnostics as text with source snippets; coloured when `color`.
pub fn render(diags: &Diagnostics, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(1);
    let mut out = String::new();
    for d in &diags.items {
        let r = report(diags, d);
        if handler.render_report(&mut out, &r).is_err() {
            out.push_str(&r.message);
            out.push('\n');
        }
    }
    let n = diags.items.len();
    out.push_str(&format!(
        "{n} error{} found\n",
        if n == 1 { "" } else { "s" }
    ));
    out
}
