//! Bad input never panics the loader: random text, and valid stacks with random damage,
//! always end in a stack or in located errors.

use std::collections::BTreeMap;

use cairn_model::{Catalog, ResourceSchema, SchemaMeta};
use cairn_stacks::{load, VarInputs};
use proptest::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Net {
    cidr_block: String,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    rules: Vec<Rule>,
    #[schemars(extend("x-document" = true))]
    policy: Option<serde_json::Value>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Rule {
    port: i64,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[allow(dead_code)]
struct Out {
    id: String,
}

const VALID: &str = r#"[stack]
name = "fuzz"

[variable.env]
type = "string"
default = "dev"

[aws_net.a]
cidr_block = "10.0.0.0/16"
tags = { Name = "${stack.name}-${var.env}" }
rules = [{ port = 1 }]
policy = { Statement = [{ Resource = "${self.cidr_block}" }] }

[aws_net.b]
cidr_block = "${aws_net.a.id}"

[output.o]
value = ["${aws_net.b.id}", "$${literal}"]
"#;

fn catalog() -> Catalog {
    let mut c = Catalog::default();
    c.insert(ResourceSchema::derive::<Net, Out>(
        "aws_net",
        SchemaMeta::default(),
    ));
    c
}

fn load_text(text: &str) -> bool {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("main.toml"), text).expect("write");
    match load(dir.path(), &VarInputs::default(), &catalog()) {
        Ok(_) => true,
        Err(d) => {
            // Every error is located in a file that exists in the report.
            for item in &d.items {
                assert!(
                    d.sources.contains_key(&item.primary.location.file),
                    "{item:?}"
                );
                assert!(item.primary.location.line >= 1 && item.primary.location.col >= 1);
            }
            assert!(!d.items.is_empty());
            false
        }
    }
}

#[test]
fn the_fuzz_seed_is_valid() {
    assert!(load_text(VALID));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_text_never_panics(text in "[\\[\\]{}=\"'$.a-z_0-9\\n ,#-]{0,200}") {
        load_text(&text);
    }

    #[test]
    fn damaged_stacks_never_panic(cut in 0usize..VALID.len(), len in 0usize..12, insert in "[\\[\\]{}=\"$.a-z\\n]{0,6}") {
        let mut text = VALID.to_string();
        let start = (0..=cut).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        let mut end = (start + len).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.replace_range(start..end, &insert);
        load_text(&text);
    }
}
