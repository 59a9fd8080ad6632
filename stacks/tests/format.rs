//! The canonical form of stack files (`cairn fmt`).

use cairn_stacks::format::format;
use proptest::prelude::*;

/// Formats `input`, checks the result is stable, and returns it.
fn fmt(input: &str) -> String {
    let out = format(input).unwrap_or_else(|e| panic!("{e:?} formatting:\n{input}"));
    let again = format(&out).expect("the output formats");
    assert_eq!(again, out, "formatting twice changes the text");
    out
}

#[test]
fn spaces_keys_and_headers() {
    assert_eq!(fmt("a=1"), "a = 1\n");
    assert_eq!(
        fmt("[ aws_vpc . main ]\ncidr_block   =\t\"10.0.0.0/16\"  \n  tags.Name=\"x\"\n"),
        "[aws_vpc.main]\ncidr_block = \"10.0.0.0/16\"\ntags.Name = \"x\"\n"
    );
    assert_eq!(
        fmt("[[ moved ]]\nfrom='aws_vpc.a'\n\"to\" = \"aws_vpc.b\""),
        "[[moved]]\nfrom = 'aws_vpc.a'\n\"to\" = \"aws_vpc.b\"\n"
    );
    assert_eq!(
        fmt("\r\n[stack]\r\nname = \"x\"\r\n"),
        "[stack]\nname = \"x\"\n"
    );
    assert_eq!(fmt(""), "");
    assert_eq!(fmt("\n\n  \n"), "");
}

#[test]
fn blank_lines() {
    let input = "\n\n# The stack.\n[stack]\n\n\nname = \"x\"\n[provider.aws]\nregion = \"us-east-1\"\n\n\n\n\
                 default_tags = {}\n# About the VPC.\n# More.\n[aws_vpc.main]\ncidr_block = \"10.0.0.0/16\"\n\n\n";
    let expected = "# The stack.\n[stack]\nname = \"x\"\n\n[provider.aws]\nregion = \"us-east-1\"\n\n\
                    default_tags = {}\n\n# About the VPC.\n# More.\n[aws_vpc.main]\ncidr_block = \"10.0.0.0/16\"\n";
    assert_eq!(fmt(input), expected);
    // A comment separated from the header below it keeps its blank line.
    assert_eq!(
        fmt("# File.\n\n[stack]\nname = \"x\""),
        "# File.\n\n[stack]\nname = \"x\"\n"
    );
}

#[test]
fn lines_written_on_one_line_stay_there() {
    assert_eq!(fmt("a = [ 1,2 ,3, ]"), "a = [1, 2, 3]\n");
    assert_eq!(fmt("a = [ ]\nb = {   }"), "a = []\nb = {}\n");
    assert_eq!(
        fmt("t = {a=1,  b = [ \"x\" ] ,c={d=true}}"),
        "t = { a = 1, b = [\"x\"], c = { d = true } }\n"
    );
    assert_eq!(
        fmt("when = 1979-05-27 07:32:00Z\npi=3.14_15\nhex = 0xdead_beef"),
        "when = 1979-05-27 07:32:00Z\npi = 3.14_15\nhex = 0xdead_beef\n"
    );
}

#[test]
fn lists_written_over_lines_get_one_element_per_line() {
    let input = "ingress = [{ protocol = \"tcp\", from_port = 80 },\n  {protocol=\"tcp\", from_port = 443}]\n";
    let expected = "ingress = [\n  { protocol = \"tcp\", from_port = 80 },\n  { protocol = \"tcp\", from_port = 443 },\n]\n";
    assert_eq!(fmt(input), expected);
    // Nested: every list around a line break breaks.
    let input = "a = [[1,\n2], [3]]";
    let expected = "a = [\n  [\n    1,\n    2,\n  ],\n  [3],\n]\n";
    assert_eq!(fmt(input), expected);
    // An empty list over lines is just empty.
    assert_eq!(fmt("a = [\n\n]"), "a = []\n");
}

#[test]
fn comments_stay_where_they_are() {
    let input = "\
[aws_security_group.web]   # the web tier
  # Who may connect.
name = \"web\" # its name
description = \"HTTP\"    # shown in the console
vpc_id = \"${aws_vpc.main.id}\"
egress = [ # everything
    # HTTP
  80,   # plain
        443, # TLS

    # Mail.
  25
  # The end.
] # done
";
    let expected = "\
[aws_security_group.web] # the web tier
# Who may connect.
name = \"web\"         # its name
description = \"HTTP\" # shown in the console
vpc_id = \"${aws_vpc.main.id}\"
egress = [ # everything
  # HTTP
  80,  # plain
  443, # TLS

  # Mail.
  25,
  # The end.
] # done
";
    assert_eq!(fmt(input), expected);
}

#[test]
fn an_inline_table_spans_lines_only_when_it_already_did() {
    // TOML 1.0: the list inside breaks, the table around it stays on its lines.
    let input = "\
policy = { Version = \"2012-10-17\", Statement = [
  { Effect = \"Deny\", Action = \"s3:*\" },
] }
";
    assert_eq!(fmt(input), input);
    // TOML 1.1: newlines and comments inside the braces.
    let input = "\
policy = { Version = \"2012-10-17\", Statement = [
  { Sid = \"SSLOnly\", Effect = \"Deny\", Principal = \"*\", Action = \"s3:*\",
    Resource = [\"arn:aws:s3:::${self.bucket}\", \"arn:aws:s3:::${self.bucket}/*\"],
    Condition = { Bool = { \"aws:SecureTransport\" = \"false\" } } },
] }
lifecycle = {
  prevent_destroy = true, # keep it
  ignore_changes = [\"tags\"]
}
";
    let expected = "\
policy = { Version = \"2012-10-17\", Statement = [
  {
    Sid = \"SSLOnly\",
    Effect = \"Deny\",
    Principal = \"*\",
    Action = \"s3:*\",
    Resource = [\"arn:aws:s3:::${self.bucket}\", \"arn:aws:s3:::${self.bucket}/*\"],
    Condition = { Bool = { \"aws:SecureTransport\" = \"false\" } },
  },
] }
lifecycle = {
  prevent_destroy = true, # keep it
  ignore_changes = [\"tags\"],
}
";
    assert_eq!(fmt(input), expected);
}

#[test]
fn strings_keep_their_spelling() {
    let input = "\
a = '''
  indented   \n  kept  '''
b = \"\"\"\\
    folded \\
    line\"\"\"   # after
c = [\"\"\"x
y\"\"\", 'z']
d = \"tab\\there \\u00e9\"
";
    let expected = "\
a = '''
  indented   \n  kept  '''
b = \"\"\"\\
    folded \\
    line\"\"\" # after
c = [\"\"\"x
y\"\"\", 'z']
d = \"tab\\there \\u00e9\"
";
    assert_eq!(fmt(input), expected);
}

#[test]
fn invalid_toml_is_an_error_with_a_place() {
    let text = "[stack]\nname = \"x\"\nname = \"y\"\n";
    let e = format(text).unwrap_err();
    assert!(e.message.contains("duplicate key"), "{e:?}");
    assert_eq!(&text[e.span.clone()], "name");
    let text = "a = [1, 2";
    let e = format(text).unwrap_err();
    assert!(!e.message.is_empty());
}

#[test]
fn the_examples_format_stably() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut seen = 0;
    for dir in std::fs::read_dir(&root).expect("examples") {
        let dir = dir.expect("entry").path();
        for file in std::fs::read_dir(&dir).into_iter().flatten() {
            let path = file.expect("entry").path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).expect("read");
                fmt(&text);
                seen += 1;
            }
        }
    }
    assert!(seen >= 3, "only {seen} example files");
}

/// Random TOML documents with random layout: blank lines, spaces, comments, lists and inline
/// tables on one line or several.
fn document() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec!["a", "b_c", "\"d e\"", "'f'", "g-h", "i"]);
    let space = prop::sample::select(vec!["", " ", "  ", "\t"]);
    let newline = prop::sample::select(vec!["\n", "\n\n", "\n\n\n", " # c\n", "\n  # c\n"]);
    let scalar = prop::sample::select(vec![
        "1",
        "-2.5",
        "true",
        "\"s\"",
        "'lit'",
        "\"\"\"m\nl\"\"\"",
        "1979-05-27",
        "0x1f",
        "1_000",
    ])
    .prop_map(str::to_string);
    let (inner_space, inner_newline) = (space.clone(), newline.clone());
    let value = scalar.prop_recursive(3, 24, 4, move |inner| {
        prop_oneof![
            (
                prop::collection::vec(
                    (inner.clone(), inner_space.clone(), inner_newline.clone()),
                    0..4
                ),
                any::<bool>(),
                any::<bool>()
            )
                .prop_map(|(items, multi, trailing)| {
                    let mut s = String::from("[");
                    for (i, (v, sp, nl)) in items.iter().enumerate() {
                        if multi {
                            s.push_str(nl);
                        }
                        s.push_str(sp);
                        s.push_str(v);
                        if i + 1 < items.len() || trailing {
                            s.push(',');
                        }
                    }
                    if multi {
                        s.push('\n');
                    }
                    s.push(']');
                    s
                }),
            prop::collection::vec(inner, 0..4).prop_map(|items| {
                let body: Vec<String> = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| format!("k{i}={v}"))
                    .collect();
                format!("{{{}}}", body.join(" ,"))
            }),
        ]
    });
    let entry = (key.clone(), space, value, newline.clone())
        .prop_map(|(k, sp, v, nl)| format!("{sp}{k}{sp}={sp}{v}{nl}"));
    let table = (
        any::<bool>(),
        key,
        prop::collection::vec(entry, 0..4),
        newline,
    )
        .prop_map(|(array, name, entries, nl)| {
            let mut seen = std::collections::BTreeSet::new();
            let entries: Vec<String> = entries
                .into_iter()
                .filter(|e| seen.insert(e.split('=').next().unwrap_or("").trim().to_string()))
                .collect();
            let (open, close) = if array { ("[[", "]]") } else { ("[", "]") };
            format!("{open} t.{name} {close}{nl}{}", entries.concat())
        });
    prop::collection::vec(table, 0..4).prop_map(|tables| {
        // Each table once: `t0.a`, `t1.b`, ...
        tables
            .iter()
            .enumerate()
            .map(|(i, t)| t.replacen(" t.", &format!(" t{i}."), 1))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn formatting_keeps_the_meaning_and_is_stable(doc in document()) {
        prop_assume!(doc.parse::<toml::Table>().is_ok());
        // `fmt` checks stability; `format` itself checks the meaning is kept.
        fmt(&doc);
    }
}

#[test]
fn windows_line_ends_become_unix_ones() {
    // Inside a multi-line string `\r\n` is part of the value: it stays.
    assert_eq!(
        fmt("a = \"\"\"x\r\ny\"\"\"\r\nb = [\r\n  1,\r\n]\r\n"),
        "a = \"\"\"x\r\ny\"\"\"\nb = [\n  1,\n]\n"
    );
}
