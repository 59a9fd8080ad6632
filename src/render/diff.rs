//! Line diffs of documents (canonical JSON) and multi-line text, shared by every plan format:
//! only the changed lines and a few lines of context around them.

use cairn_model::Value;

/// One line of a document diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    /// Unchanged context.
    Same(String),
    Added(String),
    Removed(String),
    /// Unchanged lines left out between two groups of changes.
    Gap,
}

/// Changed lines of `before` → `after` as canonical JSON, with three lines of context.
///
/// Lines are compared without their trailing comma, so that adding an element at the end of
/// a list is one added line, not the previous last line changed too.
pub fn document(before: &Value, after: &Value) -> Vec<Line> {
    lines(&before.canonical_json(), &after.canonical_json())
}

/// Changed lines of two texts (documents in canonical JSON, multi-line strings), with three
/// lines of context; lines compared without a trailing comma.
pub fn lines(before: &str, after: &str) -> Vec<Line> {
    let old: Vec<&str> = before.lines().collect();
    let new: Vec<&str> = after.lines().collect();
    let key = |l: &&str| l.trim_end_matches(',').to_string();
    let old_keys: Vec<String> = old.iter().map(key).collect();
    let new_keys: Vec<String> = new.iter().map(key).collect();
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &old_keys, &new_keys);
    let mut out = Vec::new();
    for (i, group) in similar::group_diff_ops(ops, 3).into_iter().enumerate() {
        if i > 0 || group.first().is_some_and(|op| op.old_range().start > 0) {
            out.push(Line::Gap);
        }
        for op in group {
            let (tag, old_range, new_range) = op.as_tag_tuple();
            match tag {
                similar::DiffTag::Equal => {
                    out.extend(new[new_range].iter().map(|l| Line::Same(l.to_string())))
                }
                similar::DiffTag::Delete => {
                    out.extend(old[old_range].iter().map(|l| Line::Removed(l.to_string())))
                }
                similar::DiffTag::Insert => {
                    out.extend(new[new_range].iter().map(|l| Line::Added(l.to_string())))
                }
                similar::DiffTag::Replace => {
                    out.extend(old[old_range].iter().map(|l| Line::Removed(l.to_string())));
                    out.extend(new[new_range].iter().map(|l| Line::Added(l.to_string())));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_added_statement_line_is_one_added_line() {
        let doc = |actions: &[&str]| {
            Value::from_json(serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Resource": "*", "Action": actions}]
            }))
        };
        let lines = document(
            &doc(&["s3:GetObject"]),
            &doc(&["s3:GetObject", "s3:PutObject"]),
        );
        let added: Vec<&Line> = lines
            .iter()
            .filter(|l| matches!(l, Line::Added(_)))
            .collect();
        let removed = lines
            .iter()
            .filter(|l| matches!(l, Line::Removed(_)))
            .count();
        assert_eq!(added.len(), 1, "{lines:?}");
        assert_eq!(removed, 0, "{lines:?}");
        assert!(matches!(added[0], Line::Added(l) if l.contains("s3:PutObject")));
    }
}
