//! Located diagnostics of the stack language: what is wrong, where (file, line, column, byte
//! span) and, when it helps, what was probably meant.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

/// A place in a source file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// Byte range in the file's text.
    pub span: Range<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// A location with a short note on what is there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub location: Location,
    pub message: String,
}

/// One error in a stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub message: String,
    /// Where the error is.
    pub primary: Label,
    /// Other places that explain it (the first definition of a duplicate, cycle members).
    pub secondary: Vec<Label>,
    /// What to do about it, e.g. `did you mean `cidr_block`?`.
    pub help: Option<String>,
}

/// Every error found in one run, with the text of the files they point into.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
    pub sources: BTreeMap<PathBuf, String>,
}

impl Diagnostics {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl fmt::Display for Diagnostics {
    /// Plain one-line-per-error form (`file:line:col: message`), for logs and tests.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.items {
            write!(f, "{}: {}", d.primary.location, d.message)?;
            if let Some(h) = &d.help {
                write!(f, " ({h})")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// Line and column (1-based, column in characters) of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(text).line_col(text, offset)
}

/// Where each line of a text starts, to turn many byte offsets into lines and columns
/// without scanning the text again for each (a stack file may hold thousands of resources).
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    /// The 1-based line and column (in characters) of byte `offset` of `text`, the text
    /// this index was made from.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line.saturating_sub(1)];
        let col = text.get(start..offset).map_or(0, |t| t.chars().count()) + 1;
        (line, col)
    }
}

/// The closest of `candidates` to `name`, if one is close enough to be a likely typo: a few
/// edits away (a swap of two neighbours counts as one) or sharing most of its prefix.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let budget = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| {
            (
                strsim::osa_distance(name, c),
                strsim::jaro_winkler(name, c),
                c,
            )
        })
        .filter(|(edits, similarity, _)| *edits <= budget || *similarity >= 0.85)
        .min_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)))
        .map(|(_, _, c)| c)
}

/// `did you mean `x`?` for the closest candidate.
pub fn suggestion<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        // Columns count characters, not bytes.
        assert_eq!(line_col(text, 10), (2, 4));
    }

    #[test]
    fn suggestions() {
        let names = ["cidr_block", "enable_dns_support", "tags"];
        assert_eq!(closest("cidr_blok", names), Some("cidr_block"));
        assert_eq!(closest("tag", names), Some("tags"));
        assert_eq!(closest("zzz", names), None);
        assert_eq!(closest("evn", ["env", "region"]), Some("env"));
        assert_eq!(
            closest("aws_vcp", ["aws_vpc", "aws_subnet"]),
            Some("aws_vpc")
        );
    }
}
