//! Loading stacks: resolution of references, variables, `self`, default tags, and every kind
//! of error, located. Data-driven: each case is a set of files and what must come out.

use std::collections::BTreeMap;

use cairn_model::{Catalog, Expr, ResourceSchema, SchemaMeta, Value};
use cairn_stacks::{load, Stack, VarInputs};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A VPC.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Vpc {
    #[schemars(extend("x-force-new" = true))]
    cidr_block: String,
    #[serde(default = "yes")]
    enable_dns_support: bool,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

fn yes() -> bool {
    true
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Subnet {
    vpc_id: String,
    cidr_block: String,
    #[serde(default)]
    map_public_ip_on_launch: bool,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Group {
    name: String,
    vpc_id: String,
    #[serde(default)]
    ingress: Vec<Rule>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Rule {
    protocol: String,
    from_port: i64,
    to_port: i64,
    #[serde(default)]
    security_groups: Vec<String>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Bucket {
    bucket: String,
    #[schemars(extend("x-document" = true))]
    policy: Option<serde_json::Value>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[allow(dead_code)]
struct Out {
    id: String,
    arn: String,
}

/// A type with a generated name: `name` or `name_prefix`, not both.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [{"given": ["name"], "forbid": ["name_prefix"]}]))]
#[allow(dead_code)]
struct Queue {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    name_prefix: Option<String>,
}

/// A data source's arguments.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct VpcLookup {
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    id: Option<String>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[allow(dead_code)]
struct VpcRead {
    id: String,
    cidr_block: String,
}

fn catalog() -> Catalog {
    let mut c = Catalog::default();
    c.insert(ResourceSchema::derive::<Vpc, Out>(
        "aws_vpc",
        SchemaMeta::default(),
    ));
    c.insert(ResourceSchema::derive::<Subnet, Out>(
        "aws_subnet",
        SchemaMeta::default(),
    ));
    c.insert(ResourceSchema::derive::<Group, Out>(
        "aws_security_group",
        SchemaMeta::default(),
    ));
    c.insert(ResourceSchema::derive::<Queue, Out>(
        "aws_sqs_queue",
        SchemaMeta::default(),
    ));
    c.insert_data(ResourceSchema::derive::<VpcLookup, VpcRead>(
        "aws_vpc",
        SchemaMeta::default(),
    ));
    c.insert(ResourceSchema::derive::<Bucket, Out>(
        "aws_s3_bucket",
        SchemaMeta {
            stateful: true,
            ..SchemaMeta::default()
        },
    ));
    c
}

fn load_files(files: &[(&str, &str)], vars: &[&str]) -> Result<Stack, String> {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, text).expect("write");
    }
    let inputs = VarInputs {
        assignments: vars.iter().map(|s| s.to_string()).collect(),
        ..VarInputs::default()
    };
    load(dir.path(), &inputs, &catalog()).map_err(|d| {
        // Paths are absolute temp paths: keep the file name only.
        // Paths are absolute temp paths: keep what is below the stack's directory.
        let root = format!("{}/", dir.path().display());
        d.to_string()
            .lines()
            .map(|l| l.replace(&root, ""))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// Every expected line must be among the errors, and there must be as many errors.
fn check_errors(files: &[(&str, &str)], vars: &[&str], expected: &[&str]) {
    let err = match load_files(files, vars) {
        Ok(_) => panic!("expected errors {expected:?}, the stack loaded"),
        Err(e) => e,
    };
    for want in expected {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    assert_eq!(err.lines().count(), expected.len(), "{err}");
}

fn attr(stack: &Stack, address: &str, name: &str) -> Expr {
    let r = stack
        .config
        .resources
        .iter()
        .find(|r| r.address.to_string() == address)
        .unwrap_or_else(|| panic!("{address} missing"));
    r.attributes
        .get(name)
        .cloned()
        .unwrap_or_else(|| panic!("{address}.{name} missing"))
}

const HEAD: &str = "[stack]\nname = \"demo\"\n\n";

#[test]
fn resolves_variables_stack_self_and_default_tags() {
    let main = format!(
        "{HEAD}[provider.aws]\nregion = \"eu-west-1\"\ndefault_tags = {{ Team = \"core\", Name = \"default\" }}\n\n\
[variable.env]\ntype = \"string\"\ndefault = \"dev\"\n\n\
[variable.port]\ntype = \"number\"\n\n\
[aws_vpc.main]\ncidr_block = \"10.0.0.0/16\"\ntags = {{ Name = \"${{stack.name}}-${{var.env}}\" }}\n\n\
[aws_subnet.a]\nvpc_id = \"${{aws_vpc.main.id}}\"\ncidr_block = \"10.0.1.0/24\"\ntags = {{ Ref = \"vpc-${{aws_vpc.main.id}}\" }}\n\n\
[aws_security_group.web]\nname = \"web\"\nvpc_id = \"${{aws_vpc.main.id}}\"\ningress = [{{ protocol = \"tcp\", from_port = \"${{var.port}}\", to_port = 443 }}]\n\n\
[aws_s3_bucket.logs]\nbucket = \"${{stack.name}}-$${{literal}}\"\npolicy = {{ Resource = \"arn:aws:s3:::${{self.bucket}}/*\" }}\n\n\
[output.vpc]\nvalue = \"${{aws_vpc.main.id}}\"\nsensitive = true\n"
    );
    let stack = load_files(&[("main.toml", &main)], &["port=8443", "env=prod"]).expect("loads");
    assert_eq!(stack.name, "demo");
    assert_eq!(stack.provider.region.as_deref(), Some("eu-west-1"));
    // Own tags win over default tags; both are present.
    assert_eq!(
        attr(&stack, "aws_vpc.main", "tags"),
        Expr::Value(Value::map([
            ("Name", Value::string("demo-prod")),
            ("Team", Value::string("core")),
        ]))
    );
    // A whole-string reference keeps the variable's type.
    let Expr::Value(ingress) = attr(&stack, "aws_security_group.web", "ingress") else {
        panic!("ingress not resolved");
    };
    assert_eq!(
        ingress.get_path(&[
            cairn_model::PathSeg::Index(0),
            cairn_model::PathSeg::Key("from_port".into())
        ]),
        Some(Value::from(8443i64))
    );
    // `$${` is literal; `self` sees the configured value.
    assert_eq!(
        attr(&stack, "aws_s3_bucket.logs", "bucket"),
        Expr::Value(Value::string("demo-${literal}"))
    );
    assert_eq!(
        attr(&stack, "aws_s3_bucket.logs", "policy"),
        Expr::Value(Value::map([(
            "Resource",
            Value::string("arn:aws:s3:::demo-${literal}/*")
        )]))
    );
    // References become graph edges.
    let subnet = stack
        .config
        .resources
        .iter()
        .find(|r| r.address.name == "a")
        .expect("subnet");
    assert_eq!(
        subnet.dependencies(),
        vec!["aws_vpc.main".parse().expect("address")]
    );
    assert!(matches!(
        attr(&stack, "aws_subnet.a", "vpc_id"),
        Expr::Ref(_)
    ));
    assert!(matches!(attr(&stack, "aws_subnet.a", "tags"), Expr::Map(_)));
    assert!(stack.config.outputs["vpc"].sensitive);
    assert_eq!(stack.variables["env"].value, Value::string("prod"));
}

#[test]
fn files_merge_and_duplicates_point_at_both() {
    let a = format!("{HEAD}[aws_vpc.main]\ncidr_block = \"10.0.0.0/16\"\n");
    let b = "[aws_subnet.s]\nvpc_id = \"${aws_vpc.main.id}\"\ncidr_block = \"10.0.1.0/24\"\n";
    let stack = load_files(&[("a.toml", &a), ("b.toml", b)], &[]).expect("loads");
    assert_eq!(stack.config.resources.len(), 2);
    assert_eq!(stack.files.len(), 2);

    let dup = "[aws_vpc.main]\ncidr_block = \"10.1.0.0/16\"\n";
    check_errors(
        &[("a.toml", &a), ("b.toml", dup)],
        &[],
        &["b.toml:1:10: `aws_vpc.main` is defined twice"],
    );
}

#[test]
fn every_error_at_once_with_locations_and_suggestions() {
    let main = format!(
        "{HEAD}[aws_vcp.x]\ncidr_block = \"10.0.0.0/16\"\n\n\
[aws_vpc.main]\ncidr_blok = \"10.0.0.0/16\"\nenable_dns_support = \"yes\"\n\n\
[aws_subnet.a]\nvpc_id = \"${{aws_vpc.mian.id}}\"\ncidr_block = \"${{var.cidr}}\"\n\n\
[aws_subnet.b]\nvpc_id = \"${{aws_vpc.main.idd}}\"\ncidr_block = \"${{aws_vpc.main.tags}}\"\nnope = 1\n\n\
[aws_security_group.g]\nname = \"g\"\nvpc_id = \"${{aws_vpc.main.id}}\"\ningress = [{{ protocol = \"tcp\", from_port = 1, to_pot = 2 }}]\nlifecycle = {{ ignore_changes = [\"ingres\"] }}\ndepends_on = [\"aws_vpc.man\"]\n"
    );
    check_errors(
        &[("main.toml", &main)],
        &[],
        &[
            "main.toml:4:2: unknown resource type `aws_vcp` (did you mean `aws_vpc`?)",
            "main.toml:8:1: unknown attribute `cidr_blok` for aws_vpc (did you mean `cidr_block`?)",
            "main.toml:9:22: expected a bool, found a string",
            "main.toml:7:10: `aws_vpc.main` is missing required attribute `cidr_block`",
            "main.toml:12:11: reference to undeclared resource `aws_vpc.mian` (did you mean `aws_vpc.main`?)",
            "main.toml:13:15: no variable named `cidr` is declared",
            "main.toml:16:11: aws_vpc has no attribute `idd` (did you mean `id`?)",
            "main.toml:17:15: expected a string, but `aws_vpc.main.tags` is a map of string",
            "main.toml:18:1: unknown attribute `nope` for aws_subnet",
            "main.toml:23:47: unknown attribute `to_pot` (did you mean `to_port`?)",
            "main.toml:23:12: missing required attribute `to_port`",
            "main.toml:24:33: `ingres` is not an attribute of aws_security_group (did you mean `ingress`?)",
            "main.toml:25:15: reference to undeclared resource `aws_vpc.man` (did you mean `aws_vpc.main`?)",
        ],
    );
}

#[test]
fn cycles_list_their_members() {
    let main = format!(
        "{HEAD}[aws_vpc.main]\ncidr_block = \"10.0.0.0/16\"\n\n\
[aws_security_group.one]\nname = \"one\"\nvpc_id = \"${{aws_vpc.main.id}}\"\ningress = [{{ protocol = \"tcp\", from_port = 1, to_port = 1, security_groups = [\"${{aws_security_group.two.id}}\"] }}]\n\n\
[aws_security_group.two]\nname = \"two\"\nvpc_id = \"${{aws_vpc.main.id}}\"\ndepends_on = [\"aws_security_group.one\"]\n"
    );
    check_errors(
        &[("main.toml", &main)],
        &[],
        &["main.toml:7:21: dependency cycle: aws_security_group.one → aws_security_group.two → aws_security_group.one"],
    );
}

#[test]
fn variable_errors() {
    let main = format!(
        "{HEAD}[variable.count]\ntype = \"number\"\n\n[variable.name]\ntype = \"strng\"\ndefault = \"x\"\n\n[variable.needed]\ntype = \"string\"\n"
    );
    check_errors(
        &[("main.toml", &main)],
        &["count=many", "nmae=x"],
        &[
            "main.toml:8:8: invalid variable type (did you mean `string`?)",
            "<command line>:1:7: invalid value for variable `count`",
            "<command line>:2:7: no variable named `nmae` is declared (did you mean `name`?)",
            "main.toml:11:11: variable `needed` has no value",
        ],
    );
}

#[test]
fn syntax_errors_and_missing_stack() {
    check_errors(
        &[("main.toml", "[aws_vpc.main\ncidr_block = 1\n")],
        &[],
        &["main.toml:1:"],
    );
    check_errors(
        &[(
            "main.toml",
            "[aws_vpc.main]\ncidr_block = \"10.0.0.0/16\"\n",
        )],
        &[],
        &["main.toml:1:1: the stack has no [stack] table"],
    );
}

#[test]
fn type_mismatches_and_templates() {
    let main = format!(
        "{HEAD}[variable.tags]\ntype = \"map\"\ndefault = {{ a = \"b\" }}\n\n\
[aws_vpc.main]\ncidr_block = \"x-${{var.tags}}\"\ntags = \"${{var.tags}}\"\n\n\
[aws_subnet.a]\nvpc_id = \"${{aws_vpc.main.id}}\"\ncidr_block = \"${{aws_vpc.main.tags}}-x\"\nmap_public_ip_on_launch = \"${{aws_vpc.main.cidr_block}}\"\n\n\
[aws_s3_bucket.b]\nbucket = \"${{aws_s3_bucket.b.id}}\"\npolicy = \"{{not json\"\n"
    );
    check_errors(
        &[("main.toml", &main)],
        &[],
        &[
            "main.toml:9:17: cannot put a map into a string",
            "main.toml:14:15: cannot put a map of string into a string",
            "main.toml:15:28: expected a bool, but `aws_vpc.main.cidr_block` is a string",
            "main.toml:18:11: `aws_s3_bucket.b` refers to itself",
            "main.toml:19:10: not a valid JSON document",
        ],
    );
}

#[test]
fn sensitivity_follows_references() {
    let main = format!(
        "{HEAD}[variable.secret]\ntype = \"string\"\nsensitive = true\ndefault = \"s3cr3t\"\n\n\
[aws_vpc.main]\ncidr_block = \"10.0.0.0/16\"\ntags = {{ Token = \"x-${{var.secret}}\" }}\n\n\
[aws_subnet.a]\nvpc_id = \"${{aws_vpc.main.id}}\"\ncidr_block = \"10.0.1.0/24\"\ntags = \"${{aws_vpc.main.tags}}\"\n\n\
[output.plain]\nvalue = \"${{aws_vpc.main.id}}\"\n\n[output.leaks]\nvalue = \"${{aws_subnet.a.tags}}\"\n"
    );
    let stack = load_files(&[("main.toml", &main)], &[]).expect("loads");
    let res = |a: &str| {
        stack
            .config
            .resources
            .iter()
            .find(|r| r.address.to_string() == a)
            .expect("resource")
    };
    assert!(res("aws_vpc.main").sensitive.contains("tags"));
    assert!(!res("aws_vpc.main").sensitive.contains("cidr_block"));
    // Through a reference to a tainted attribute, and on to an output.
    assert!(res("aws_subnet.a").sensitive.contains("tags"));
    assert!(stack.config.outputs["leaks"].sensitive);
    assert!(!stack.config.outputs["plain"].sensitive);
    assert!(stack.variables["secret"].sensitive);
}

/// `load_settings` reads `[backend]` and `[provider.aws]` only: a variable without a value
/// elsewhere does not stop it; a backend value that needs one is an error at its place.
#[test]
fn settings_load_without_variable_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stack = r#"[stack]
name = "net"

[provider.aws]
region = "${var.region}"

[variable.region]
type = "string"

[variable.password]
type = "string"
sensitive = true

[backend]
type = "s3"
bucket = "acme-state"
key = "net/prod.json"
"#;
    std::fs::write(dir.path().join("stack.toml"), stack).expect("write");
    let settings = cairn_stacks::load_settings(dir.path()).expect("settings");
    let backend = settings.backend.expect("backend");
    assert_eq!(backend.kind, "s3");
    assert_eq!(
        backend.settings.get("key"),
        Some(&Value::string("net/prod.json"))
    );
    assert_eq!(settings.provider.region, None, "left to the AWS chain");

    std::fs::write(
        dir.path().join("stack.toml"),
        stack.replace("\"acme-state\"", "\"${var.region}-state\""),
    )
    .expect("write");
    let err = cairn_stacks::load_settings(dir.path())
        .expect_err("a backend needing a variable")
        .to_string();
    assert!(err.contains("stack.toml:16:10"), "{err}");
    assert!(err.contains("[backend] values must be literal"), "{err}");

    // Without [backend], the settings say so (the local state file is used).
    std::fs::write(dir.path().join("stack.toml"), "[stack]\nname = \"x\"\n").expect("write");
    assert_eq!(
        cairn_stacks::load_settings(dir.path())
            .expect("settings")
            .backend,
        None
    );
}

#[test]
fn backend_errors() {
    let s3 = |body: &str| format!("{HEAD}[backend]\ntype = \"s3\"\n{body}");
    check_errors(
        &[(
            "main.toml",
            &s3("bucket = \"b\"\nkye = \"k\"\nregion = 1\n"),
        )],
        &[],
        &[
            "main.toml:4:1: a backend of type \"s3\" needs `key`",
            "main.toml:7:1: unknown key `kye` in a backend of type \"s3\" (did you mean `key`?)",
            "main.toml:8:10: [backend] `region` must be a string",
        ],
    );
    check_errors(
        &[("main.toml", &format!("{HEAD}[backend]\ntype = \"s4\"\n"))],
        &[],
        &["main.toml:5:8: unknown backend type `s4` (did you mean `s3`?)"],
    );
    check_errors(
        &[(
            "main.toml",
            &format!("{HEAD}[backend]\ntype = \"local\"\npath = \"x\"\n"),
        )],
        &[],
        &["main.toml:6:1: unknown key `path` in a backend of type \"local\""],
    );
}

/// Every resource address of a loaded stack, in order, one per line.
fn addresses(stack: &Stack) -> String {
    let mut all: Vec<String> = stack
        .config
        .resources
        .iter()
        .map(|r| r.address.to_string())
        .collect();
    all.sort();
    all.join("\n")
}

/// An expression with its references shown as `${address.path}`, for compact expectations.
fn shown(e: &Expr) -> String {
    use cairn_model::{Part, PathSeg};
    let reference = |r: &cairn_model::Reference| {
        let path: Vec<String> = r
            .path
            .iter()
            .map(|p| match p {
                PathSeg::Key(k) => k.clone(),
                PathSeg::Index(i) => i.to_string(),
            })
            .collect();
        format!("${{{}.{}}}", r.address, path.join("."))
    };
    match e {
        Expr::Value(v) => v.to_json_lossy().to_string(),
        Expr::Ref(r) => reference(r),
        Expr::Template(parts) => parts
            .iter()
            .map(|p| match p {
                Part::Literal(l) => l.clone(),
                Part::Ref(r) => reference(r),
                Part::Expr(e) => format!("${{{}}}", shown(e)),
            })
            .collect(),
        Expr::Call(name, args) => format!(
            "{name}({})",
            args.iter().map(shown).collect::<Vec<_>>().join(", ")
        ),
        Expr::Unary(op, e) => format!("{}{}", op.symbol(), shown(e)),
        Expr::Binary(op, a, b) => format!("({} {} {})", shown(a), op.symbol(), shown(b)),
        Expr::Conditional(c, t, e) => format!("({} ? {} : {})", shown(c), shown(t), shown(e)),
        Expr::Index(b, k) => format!("{}[{}]", shown(b), shown(k)),
        Expr::Try(options) => format!(
            "try({})",
            options.iter().map(shown).collect::<Vec<_>>().join(", ")
        ),
        Expr::List(items) => format!(
            "[{}]",
            items.iter().map(shown).collect::<Vec<_>>().join(", ")
        ),
        Expr::Map(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{k}: {}", shown(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[test]
fn for_each_makes_instances_with_each_key_value_and_splat() {
    let main = format!(
        "{HEAD}[locals]\nsubnets = {{ b = {{ cidr = \"10.0.2.0/24\" }}, a = {{ cidr = \"10.0.1.0/24\" }} }}\nnames = [\"web\", \"db\"]\n\n\
[aws_vpc.main]\ncidr_block = \"10.0.0.0/16\"\n\n\
[aws_subnet.app]\nfor_each = \"${{local.subnets}}\"\nvpc_id = \"${{aws_vpc.main.id}}\"\ncidr_block = \"${{each.value.cidr}}\"\ntags = {{ Name = \"app-${{each.key}}\" }}\n\n\
[aws_security_group.g]\nfor_each = \"${{local.names}}\"\nname = \"${{each.value}}\"\nvpc_id = \"${{aws_subnet.app[\\\"a\\\"].vpc_id}}\"\n\n\
[aws_s3_bucket.logs]\nfor_each = {{ a = \"${{aws_vpc.main.id}}\" }}\nbucket = \"logs-${{each.value}}\"\npolicy = {{ Subnets = \"${{aws_subnet.app[*].id}}\", Same = \"${{aws_subnet.app[each.key].id}}\" }}\ndepends_on = [\"aws_security_group.g\"]\n"
    );
    let stack = load_files(&[("main.toml", &main)], &[]).expect("loads");
    assert_eq!(
        addresses(&stack),
        "aws_s3_bucket.logs[\"a\"]\naws_security_group.g[\"db\"]\naws_security_group.g[\"web\"]\naws_subnet.app[\"a\"]\naws_subnet.app[\"b\"]\naws_vpc.main"
    );
    let check = |address: &str, name: &str, expected: &str| {
        assert_eq!(
            shown(&attr(&stack, address, name)),
            expected,
            "{address}.{name}"
        );
    };
    check("aws_subnet.app[\"b\"]", "cidr_block", "\"10.0.2.0/24\"");
    check("aws_subnet.app[\"a\"]", "tags", "{\"Name\":\"app-a\"}");
    check("aws_security_group.g[\"web\"]", "name", "\"web\"");
    check(
        "aws_security_group.g[\"db\"]",
        "vpc_id",
        "${aws_subnet.app[\"a\"].vpc_id}",
    );
    check(
        "aws_s3_bucket.logs[\"a\"]",
        "bucket",
        "logs-${aws_vpc.main.id}",
    );
    check(
        "aws_s3_bucket.logs[\"a\"]",
        "policy",
        "{Same: ${aws_subnet.app[\"a\"].id}, Subnets: [${aws_subnet.app[\"a\"].id}, ${aws_subnet.app[\"b\"].id}]}",
    );
    let bucket = stack
        .config
        .resources
        .iter()
        .find(|r| r.address.name == "logs")
        .expect("bucket");
    assert_eq!(
        bucket
            .depends_on
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>(),
        [
            "aws_security_group.g[\"db\"]",
            "aws_security_group.g[\"web\"]"
        ]
    );
}

#[test]
fn for_each_errors_say_why_and_what_to_do() {
    let main = format!(
        "{HEAD}[aws_vpc.main]\ncidr_block = \"10.0.0.0/16\"\n\n\
[aws_subnet.a]\nfor_each = \"${{aws_vpc.main.tags}}\"\nvpc_id = \"x\"\ncidr_block = \"y\"\n\n\
[aws_subnet.b]\nfor_each = [\"x\", \"x\"]\nvpc_id = \"${{aws_vpc.main.id}}\"\ncidr_block = \"${{each.key}}\"\n\n\
[aws_subnet.c]\nfor_each = [1, 2]\nvpc_id = \"x\"\ncidr_block = \"y\"\n\n\
[aws_subnet.d]\nfor_each = {{ one = \"10.0.1.0/24\" }}\nvpc_id = \"${{aws_vpc.main[0].id}}\"\ncidr_block = \"${{each.value}}\"\ntags = {{ A = \"${{aws_subnet.d[\\\"two\\\"].id}}\", B = \"${{aws_subnet.d.id}}\" }}\n\n\
[aws_vpc.other]\ncidr_block = \"${{each.key}}\"\ntags = {{ A = \"${{aws_subnet.d[each.key].id}}\" }}\n"
    );
    check_errors(
        &[("main.toml", &main)],
        &[],
        &[
            "main.toml:8:12: the keys of `for_each` must be known before anything is created",
            "main.toml:13:12: `for_each` lists \"x\" twice",
            "main.toml:18:12: `for_each` over a list takes a list of strings",
            "main.toml:24:11: `aws_vpc.main` has no `for_each` or `count`: there is no `aws_vpc.main[\"0\"]`",
            "main.toml:26:14: `aws_subnet.d` has no instance [\"two\"]",
            "main.toml:26:50: `aws_subnet.d` has `for_each`: say which instance",
            "main.toml:29:15: `each` is only available in a resource with `for_each`",
            "main.toml:30:15: `each` is only available in a resource with `for_each`",
        ],
    );
}

#[test]
fn locals_built_around_references_keep_their_shape() {
    // A table or list with references inside is a map or a list, whatever its last
    // reference's type: usable as tags and as a list of ids, not as a string.
    let main = format!(
        "{HEAD}[locals]\ntags = {{ Vpc = \"${{aws_vpc.main.id}}\", Name = \"web\" }}\n\
groups = [\"${{aws_vpc.main.id}}\"]\n\n\
[aws_vpc.main]\ncidr_block = \"10.0.0.0/16\"\n\n\
[aws_subnet.s]\nvpc_id = \"${{aws_vpc.main.id}}\"\ncidr_block = \"10.0.1.0/24\"\ntags = \"${{local.tags}}\"\n\n\
[aws_security_group.g]\nname = \"g\"\nvpc_id = \"${{aws_vpc.main.id}}\"\n\
ingress = [{{ protocol = \"tcp\", from_port = 1, to_port = 1, security_groups = \"${{local.groups}}\" }}]\n\n\
[output.tags]\nvalue = \"${{local.tags}}\"\n"
    );
    let stack = load_files(&[("main.toml", &main)], &[]).expect("loads");
    assert_eq!(
        shown(&attr(&stack, "aws_subnet.s", "tags")),
        "{Name: \"web\", Vpc: ${aws_vpc.main.id}}"
    );
    let bad = format!(
        "{HEAD}[locals]\ntags = {{ Vpc = \"${{aws_vpc.main.id}}\" }}\n\n\
[aws_vpc.main]\ncidr_block = \"${{local.tags}}\"\n"
    );
    check_errors(
        &[("main.toml", &bad)],
        &[],
        &["expected a string, but `local.tags` is a map of any"],
    );
}

#[test]
fn locals_are_usable_wherever_variables_are() {
    let main = format!(
        "{HEAD}[variable.env]\ntype = \"string\"\ndefault = \"dev\"\n\n\
[locals]\nprefix = \"${{stack.name}}-${{local.env}}\"\nenv = \"${{var.env}}\"\nvpc = \"${{aws_vpc.main.id}}\"\ncidrs = {{ a = \"10.0.1.0/24\" }}\n\n\
[aws_vpc.main]\ncidr_block = \"10.0.0.0/16\"\ntags = {{ Name = \"${{local.prefix}}\" }}\n\n\
[aws_subnet.s]\nfor_each = \"${{local.cidrs}}\"\nvpc_id = \"${{local.vpc}}\"\ncidr_block = \"${{local.cidrs[each.key]}}\"\n\n\
[output.cidr]\nvalue = \"${{local.cidrs.a}}\"\n"
    );
    let stack = load_files(&[("main.toml", &main)], &["env=prod"]).expect("loads");
    assert_eq!(
        shown(&attr(&stack, "aws_vpc.main", "tags")),
        "{\"Name\":\"demo-prod\"}"
    );
    assert_eq!(
        shown(&attr(&stack, "aws_subnet.s[\"a\"]", "vpc_id")),
        "${aws_vpc.main.id}"
    );
    assert_eq!(
        shown(&attr(&stack, "aws_subnet.s[\"a\"]", "cidr_block")),
        "\"10.0.1.0/24\""
    );
    assert_eq!(
        shown(&stack.config.outputs["cidr"].value),
        "\"10.0.1.0/24\""
    );

    let bad = format!(
        "{HEAD}[locals]\na = \"${{local.b}}\"\nb = \"${{local.a}}\"\nc = \"${{local.nme}}\"\nname = \"x\"\n"
    );
    check_errors(
        &[("main.toml", &bad)],
        &[],
        &[
            "main.toml:5:1: these refer to each other in a circle: local.a → local.b",
            "main.toml:7:6: no local named `nme` is declared (did you mean `name`?)",
        ],
    );
}

const NET: &str = "[variable.cidr]\ntype = \"string\"\n\n\
[variable.subnets]\ntype = \"map(string)\"\ndefault = { a = \"10.0.1.0/24\" }\n\n\
[aws_vpc.main]\ncidr_block = \"${var.cidr}\"\n\n\
[aws_subnet.s]\nfor_each = \"${var.subnets}\"\nvpc_id = \"${aws_vpc.main.id}\"\ncidr_block = \"${each.value}\"\n\n\
[module.inner]\nsource = \"../inner\"\nvpc_id = \"${aws_vpc.main.id}\"\n\n\
[output.vpc_id]\nvalue = \"${aws_vpc.main.id}\"\n\n\
[output.subnet_ids]\nvalue = \"${aws_subnet.s[*].id}\"\n\n\
[output.group]\nvalue = \"${module.inner.group_id}\"\n\n\
[output.subnets]\nvalue = \"${aws_subnet.s}\"\n";

const INNER: &str = "[variable.vpc_id]\ntype = \"string\"\n\n\
[aws_security_group.g]\nname = \"g\"\nvpc_id = \"${var.vpc_id}\"\n\n\
[output.group_id]\nvalue = \"${aws_security_group.g.id}\"\n";

#[test]
fn modules_nest_and_expose_outputs_under_their_addresses() {
    let main = format!(
        "{HEAD}[module.net]\nsource = \"modules/net\"\ncidr = \"10.1.0.0/16\"\nsubnets = {{ x = \"10.1.1.0/24\", y = \"10.1.2.0/24\" }}\n\n\
[aws_s3_bucket.b]\nbucket = \"${{module.net.vpc_id}}\"\npolicy = {{ S = \"${{module.net.subnet_ids}}\", G = \"${{module.net.group}}\" }}\ndepends_on = [\"module.net\"]\n\n\
[output.first]\nvalue = \"${{module.net.subnet_ids[0]}}\"\n\n\
[output.y]\nvalue = \"${{module.net.subnets[\\\"y\\\"].cidr_block}}\"\n"
    );
    let stack = load_files(
        &[
            ("main.toml", &main),
            ("modules/net/main.toml", NET),
            ("modules/inner/main.toml", INNER),
        ],
        &[],
    )
    .expect("loads");
    assert_eq!(
        addresses(&stack),
        "aws_s3_bucket.b\nmodule.net.aws_subnet.s[\"x\"]\nmodule.net.aws_subnet.s[\"y\"]\nmodule.net.aws_vpc.main\nmodule.net.module.inner.aws_security_group.g"
    );
    assert_eq!(
        shown(&attr(
            &stack,
            "module.net.module.inner.aws_security_group.g",
            "vpc_id"
        )),
        "${module.net.aws_vpc.main.id}"
    );
    assert_eq!(
        shown(&attr(&stack, "aws_s3_bucket.b", "policy")),
        "{G: ${module.net.module.inner.aws_security_group.g.id}, S: [${module.net.aws_subnet.s[\"x\"].id}, ${module.net.aws_subnet.s[\"y\"].id}]}"
    );
    assert_eq!(
        shown(&stack.config.outputs["first"].value),
        "${module.net.aws_subnet.s[\"x\"].id}"
    );
    assert_eq!(
        shown(&stack.config.outputs["y"].value),
        "${module.net.aws_subnet.s[\"y\"].cidr_block}"
    );
    let b = stack
        .config
        .resources
        .iter()
        .find(|r| r.address.to_string() == "aws_s3_bucket.b")
        .expect("b");
    assert_eq!(b.depends_on.len(), 4, "{:?}", b.depends_on);
    // Module files are part of the stack's configuration (plan files fingerprint them).
    assert_eq!(stack.files.len(), 3);
}

#[test]
fn module_errors_point_into_the_module_files() {
    let main = format!(
        "{HEAD}[module.net]\nsource = \"modules/net\"\ncidr = 5\nsubnet = {{}}\n\n\
[module.gone]\nsource = \"modules/nothing\"\n\n\
[module.loop]\nsource = \"modules/loop\"\n\n\
[module.ok]\nsource = \"modules/net\"\ncidr = \"10.0.0.0/16\"\n\n\
[aws_s3_bucket.b]\nbucket = \"${{module.ok.vpc}}\"\n"
    );
    let broken_inner = "[variable.vpc_id]\ntype = \"string\"\n\n[stack]\nname = \"x\"\n\n[aws_security_group.g]\nname = \"g\"\nvpc_id = \"${aws_vpc.main.id}\"\n\n[output.group_id]\nvalue = \"${aws_security_group.g.id}\"\n";
    check_errors(
        &[
            ("main.toml", &main),
            ("modules/net/main.toml", NET),
            ("modules/inner/main.toml", broken_inner),
            ("modules/loop/main.toml", "[module.again]\nsource = \".\"\n"),
        ],
        &[],
        &[
            "main.toml:6:8: expected a string, found a number",
            "main.toml:7:1: module `net` has no variable `subnet` (did you mean `subnets`?)",
            "main.toml:10:10: cannot read module source",
            "main.toml:20:11: module `ok` has no output `vpc` (did you mean `vpc_id`?)",
            "modules/inner/main.toml:4:2: a module has no [stack]",
            "modules/inner/main.toml:9:11: reference to undeclared resource `aws_vpc.main`",
            "modules/loop/main.toml:2:10: module `again` calls itself (through modules/loop)",
        ],
    );
}

#[test]
fn moved_and_import_blocks_name_addresses() {
    let main = format!(
        "{HEAD}[aws_vpc.main]\ncidr_block = \"10.0.0.0/16\"\n\n\
[aws_subnet.s]\nfor_each = [\"a\"]\nvpc_id = \"${{aws_vpc.main.id}}\"\ncidr_block = \"10.0.1.0/24\"\n\n\
[[moved]]\nfrom = \"aws_vpc.old\"\nto = \"aws_vpc.main\"\n\n\
[[moved]]\nfrom = \"aws_subnet.a\"\nto = 'aws_subnet.s[\"a\"]'\n\n\
[[import]]\nto = \"aws_vpc.main\"\nid = \"vpc-123\"\n"
    );
    let stack = load_files(&[("main.toml", &main)], &[]).expect("loads");
    let moves: Vec<String> = stack
        .config
        .moves
        .iter()
        .map(|m| format!("{} -> {}", m.from, m.to))
        .collect();
    assert_eq!(
        moves,
        [
            "aws_vpc.old -> aws_vpc.main",
            "aws_subnet.a -> aws_subnet.s[\"a\"]"
        ]
    );
    assert_eq!(stack.config.imports.len(), 1);
    assert_eq!(stack.config.imports[0].id, "vpc-123");

    let bad = format!(
        "{HEAD}[aws_vpc.main]\ncidr_block = \"10.0.0.0/16\"\n\n\
[[moved]]\nfrom = \"aws_vpc.main\"\nto = \"aws_vpc.new\"\n\n\
[[moved]]\nfrom = \"aws_vpc\"\n\n\
[[import]]\nto = \"aws_vpc.mian\"\nid = \"vpc-1\"\n\n\
[[import]]\nto = \"aws_vpc.main\"\n"
    );
    check_errors(
        &[("main.toml", &bad)],
        &[],
        &[
            "main.toml:8:8: `aws_vpc.main` is still in the configuration",
            "main.toml:12:8: invalid resource address \"aws_vpc\"",
            "[[moved]] has no `to`",
            "main.toml:15:6: `aws_vpc.mian` is not in the configuration (did you mean `aws_vpc.main`?)",
            "[[import]] has no `id`",
        ],
    );
}

#[test]
fn expressions_compute_what_is_known_and_wait_for_the_rest() {
    let main = format!(
        "{HEAD}[variable.cidr]\ntype = \"string\"\ndefault = \"10.0.0.0/16\"\n\n\
[variable.env]\ntype = \"string\"\ndefault = \"prod\"\n\n\
[locals]\ntags = {{ Team = \"web\" }}\nports = [80, 443]\n\n\
[aws_vpc.main]\ncidr_block = \"${{var.cidr}}\"\ntags = \"${{merge(local.tags, {{ Env = upper(var.env) }})}}\"\n\n\
[aws_subnet.a]\nvpc_id = \"${{aws_vpc.main.id}}\"\ncidr_block = \"${{cidrsubnet(var.cidr, 8, 1)}}\"\n\
map_public_ip_on_launch = \"${{var.env == \\\"prod\\\" ? false : true}}\"\n\
tags = {{ Name = \"${{format(\\\"%s-%02d\\\", var.env, 3)}}\", Vpc = \"id-${{upper(aws_vpc.main.id)}}\", Cidr = \"${{cidrsubnet(aws_vpc.main.cidr_block, 8, local.ports[0] / 40)}}\", Last = \"${{local.ports[length(local.ports) - 1]}}\", Pick = \"${{var.env != \\\"prod\\\" ? aws_vpc.main.id : \\\"none\\\"}}\", Tried = \"${{try(local.tags.Missing, \\\"fallback\\\")}}\", Can = \"${{can(local.tags.Missing)}}\", Path = \"${{path.module}}/x\" }}\n"
    );
    let stack = load_files(&[("main.toml", &main)], &[]).expect("loads");
    let check = |address: &str, name: &str, expected: &str| {
        assert_eq!(
            shown(&attr(&stack, address, name)),
            expected,
            "{address}.{name}"
        );
    };
    check(
        "aws_vpc.main",
        "tags",
        "{\"Env\":\"PROD\",\"Team\":\"web\"}",
    );
    check("aws_subnet.a", "cidr_block", "\"10.0.1.0/24\"");
    check("aws_subnet.a", "map_public_ip_on_launch", "false");
    check(
        "aws_subnet.a",
        "tags",
        "{Can: \"false\", Cidr: cidrsubnet(${aws_vpc.main.cidr_block}, 8, 2), Last: \"443\", Name: \"prod-03\", Path: \"./x\", Pick: \"none\", Tried: \"fallback\", Vpc: id-${upper(${aws_vpc.main.id})}}",
    );
}

/// An attribute that is `null` when the stack loads is not set at all, as in Terraform: the
/// idiom `x = var.y == "" ? null : var.y` leaves `x` to its default.
#[test]
fn null_attributes_are_left_unset() {
    let main = format!(
        "{HEAD}[variable.name]\ntype = \"string\"\ndefault = \"\"\n\n\
[aws_subnet.a]\nvpc_id = \"vpc-1\"\ncidr_block = \"10.0.1.0/24\"\ntags = '${{var.name == \"\" ? null : {{ Name = var.name }}}}'\nmap_public_ip_on_launch = '${{null}}'\n"
    );
    let stack = load_files(&[("main.toml", &main)], &[]).expect("loads");
    let subnet = &stack.config.resources[0];
    assert_eq!(subnet.address.to_string(), "aws_subnet.a");
    assert!(
        !subnet.attributes.contains_key("tags"),
        "{:?}",
        subnet.attributes
    );
    assert!(
        !subnet.attributes.contains_key("map_public_ip_on_launch"),
        "{:?}",
        subnet.attributes
    );
    let named = load_files(&[("main.toml", &main)], &["name=app"]).expect("loads");
    assert_eq!(
        shown(&attr(&named, "aws_subnet.a", "tags")),
        "{\"Name\":\"app\"}"
    );
}

/// A number or bool written as a literal string converts where a number or bool goes, as in
/// Terraform; one that is not a number stays an error.
#[test]
fn literal_numbers_and_bools_in_strings_convert() {
    let main = format!(
        "{HEAD}[aws_subnet.a]\nvpc_id = \"vpc-1\"\ncidr_block = \"10.0.1.0/24\"\nmap_public_ip_on_launch = \"true\"\n"
    );
    let stack = load_files(&[("main.toml", &main)], &[]).expect("loads");
    assert_eq!(
        shown(&attr(&stack, "aws_subnet.a", "map_public_ip_on_launch")),
        "true"
    );
    let wrong = format!(
        "{HEAD}[aws_subnet.a]\nvpc_id = \"vpc-1\"\ncidr_block = \"10.0.1.0/24\"\nmap_public_ip_on_launch = \"yes\"\n"
    );
    let err = load_files(&[("main.toml", &wrong)], &[]).expect_err("not a bool");
    assert!(err.contains("main.toml:7:27: expected a bool"), "{err}");
}

#[test]
fn expression_errors_name_the_function_and_where() {
    let main = format!(
        "{HEAD}[variable.cidr]\ndefault = \"10.0.0.0/16\"\n\n\
[aws_vpc.main]\ncidr_block = \"${{cidrsubnet(var.cidr, 8)}}\"\n\n\
[aws_vpc.b]\ncidr_block = \"${{cidrsubnet(var.cidr, 8, 300)}}\"\n\n\
[aws_vpc.c]\ncidr_block = \"${{nosuch(1)}}\"\ntags = {{ A = \"${{timestamp()}}\", B = \"${{1 + \\\"a\\\"}}\", C = \"${{var.cidr +}}\", D = \"${{count.index}}\", E = \"${{lenght(var.cidr)}}\" }}\n\n\
[aws_vpc.d]\ncidr_block = \"${{split(\\\"/\\\", var.cidr)}}\"\n"
    );
    check_errors(
        &[("main.toml", &main)],
        &[],
        &[
            "main.toml:8:17: `cidrsubnet` takes 3 arguments, got 2 (the signature is `cidrsubnet(prefix string, newbits number, netnum number) → string`)",
            "main.toml:11:17: prefix extension of 8 does not accommodate a subnet numbered 300",
            "main.toml:14:17: there is no function `nosuch`",
            "main.toml:15:17: there is no function `timestamp` (a value that changes on every plan",
            "main.toml:15:36: right operand of `+`: expected a number, found the string \"a\"",
            "main.toml:15:69: expected an expression, found the end",
            "main.toml:15:78: `count.index` is only known in a resource with `count`",
            "main.toml:15:102: there is no function `lenght` (did you mean `length`?)",
            "main.toml:18:14: `${split(\"/\", var.cidr)}` does not fit here: expected a string, found a list",
        ],
    );
}

#[test]
fn count_makes_numbered_instances() {
    let main = format!(
        "{HEAD}[variable.zones]\ntype = \"list(string)\"\ndefault = [\"a\", \"b\", \"c\"]\n\n\
[variable.enabled]\ntype = \"bool\"\ndefault = true\n\n\
[aws_subnet.s]\ncount = \"${{length(var.zones)}}\"\nvpc_id = \"v\"\ncidr_block = \"${{cidrsubnet(\\\"10.0.0.0/16\\\", 8, count.index)}}\"\ntags = {{ Zone = \"${{var.zones[count.index]}}\" }}\n\n\
[aws_vpc.opt]\ncount = \"${{var.enabled ? 1 : 0}}\"\ncidr_block = \"10.1.0.0/16\"\ntags = {{ First = \"${{aws_subnet.s[0].id}}\", All = \"${{join(\\\",\\\", aws_subnet.s[*].id)}}\" }}\n\n\
[aws_vpc.none]\ncount = 0\ncidr_block = \"10.2.0.0/16\"\n\n\
[aws_s3_bucket.b]\nbucket = \"b\"\npolicy = {{ Vpcs = \"${{aws_vpc.none[*].id}}\", Subnets = \"${{aws_subnet.s}}\" }}\n"
    );
    let stack = load_files(&[("main.toml", &main)], &[]).expect("loads");
    assert_eq!(
        addresses(&stack),
        "aws_s3_bucket.b\naws_subnet.s[0]\naws_subnet.s[1]\naws_subnet.s[2]\naws_vpc.opt[0]"
    );
    let check = |address: &str, name: &str, expected: &str| {
        assert_eq!(
            shown(&attr(&stack, address, name)),
            expected,
            "{address}.{name}"
        );
    };
    check("aws_subnet.s[2]", "cidr_block", "\"10.0.2.0/24\"");
    check("aws_subnet.s[1]", "tags", "{\"Zone\":\"b\"}");
    check(
        "aws_vpc.opt[0]",
        "tags",
        "{All: join(\",\", [${aws_subnet.s[0].id}, ${aws_subnet.s[1].id}, ${aws_subnet.s[2].id}]), First: ${aws_subnet.s[0].id}}",
    );
    check(
        "aws_s3_bucket.b",
        "policy",
        "{Subnets: [${aws_subnet.s[0].}, ${aws_subnet.s[1].}, ${aws_subnet.s[2].}], Vpcs: []}",
    );

    let bad = format!(
        "{HEAD}[aws_vpc.main]\ncidr_block = \"10.0.0.0/16\"\n\n\
[aws_subnet.a]\ncount = \"${{aws_vpc.main.id}}\"\nvpc_id = \"v\"\ncidr_block = \"c\"\n\n\
[aws_subnet.b]\ncount = 2\nfor_each = [\"x\"]\nvpc_id = \"v\"\ncidr_block = \"c\"\n\n\
[aws_subnet.c]\ncount = -1\nvpc_id = \"v\"\ncidr_block = \"c\"\n\n\
[aws_vpc.refs]\ncidr_block = \"${{aws_subnet.d[5].id}}\"\ntags = {{ A = \"${{aws_subnet.d[\\\"x\\\"].id}}\" }}\n\n\
[aws_subnet.d]\ncount = 2\nvpc_id = \"${{aws_subnet.d.id}}\"\ncidr_block = \"c\"\n"
    );
    check_errors(
        &[("main.toml", &bad)],
        &[],
        &[
            "main.toml:8:9: `count` must be known before anything is created",
            "main.toml:13:1: `aws_subnet.b` has both `for_each` and `count`",
            "main.toml:19:9: `count` takes a whole number from 0 to 1000",
            "main.toml:24:15: `aws_subnet.d` has no instance [5] (its instances: [0], [1])",
            "main.toml:25:14: `aws_subnet.d` has no instance [\"x\"]",
            "main.toml:29:11: `aws_subnet.d` has `count`: say which instance",
        ],
    );
}

#[test]
fn templatefile_and_file_read_beside_the_stack() {
    let main = format!(
        "{HEAD}[variable.env]\ndefault = \"prod\"\n\n\
[aws_vpc.main]\ncidr_block = \"10.0.0.0/16\"\n\n\
[aws_s3_bucket.b]\nbucket = \"${{trimspace(file(\\\"name.txt\\\"))}}\"\npolicy = {{ Data = \"${{templatefile(\\\"boot.tpl\\\", {{ env = var.env, ports = [80, 443], vpc = aws_vpc.main.id }})}}\", Sum = \"${{filemd5(\\\"name.txt\\\")}}\" }}\n"
    );
    let template = "#!/bin/sh\necho ${upper(env)}\n%{ for p in ports ~}\nopen ${p}\n%{ endfor ~}\n%{ if env == \"prod\" }on ${vpc}%{ else }off%{ endif }\n";
    let stack = load_files(
        &[
            ("main.toml", &main),
            ("name.txt", "logs\n"),
            ("boot.tpl", template),
        ],
        &[],
    )
    .expect("loads");
    assert_eq!(
        shown(&attr(&stack, "aws_s3_bucket.b", "bucket")),
        "\"logs\""
    );
    assert_eq!(
        shown(&attr(&stack, "aws_s3_bucket.b", "policy")),
        "{Data: #!/bin/sh\necho PROD\nopen 80\nopen 443\non ${aws_vpc.main.id}\n, Sum: \"7755cd776caa84bc4f553a749c81ef5d\"}"
    );

    let bad = format!(
        "{HEAD}[aws_s3_bucket.b]\nbucket = \"${{file(\\\"missing.txt\\\")}}\"\npolicy = {{ A = \"${{templatefile(\\\"t.tpl\\\", {{ a = 1 }})}}\" }}\n"
    );
    check_errors(
        &[("main.toml", &bad), ("t.tpl", "x ${b}\n%{ for x in 3 }\n")],
        &[],
        &[
            "main.toml:5:10: cannot read `missing.txt`",
            "t.tpl:1:5: the template has no variable `b`",
        ],
    );
}

#[test]
fn variable_validation_reports_the_message_at_the_condition() {
    let main = format!(
        "{HEAD}[variable.zones]\ntype = \"list(string)\"\ndefault = []\nvalidation = [{{ condition = \"${{length(var.zones) > 0}}\", error_message = \"at least one zone\" }}]\n\n\
[variable.env]\ndefault = \"dev\"\nvalidation = [\n  {{ condition = '${{contains([\"dev\", \"prod\"], var.env)}}', error_message = \"dev or prod\" }},\n  {{ condition = \"${{var.env}}\" }},\n]\n"
    );
    check_errors(
        &[("main.toml", &main)],
        &[],
        &[
            "main.toml:7:29: invalid value for variable `zones`: at least one zone",
            "main.toml:13:3: a validation rule needs `condition` and `error_message`",
        ],
    );
    check_errors(
        &[("main.toml", &main)],
        &["zones=[\"a\"]", "env=test"],
        &[
            "main.toml:12:17: invalid value for variable `env`: dev or prod",
            "main.toml:13:3: a validation rule needs `condition` and `error_message`",
        ],
    );
}

#[test]
fn data_sources_are_declared_like_resources_and_kept_apart() {
    let main = format!(
        "{HEAD}[provider.aws]\ndefault_tags = {{ Team = \"web\" }}\n\n[provider.aws.west]\nregion = \"us-west-2\"\ndefault_tags = {{ Side = \"west\" }}\n\n\
[data.aws_vpc.shared]\ntags = {{ Name = \"shared\" }}\n\n\
[aws_subnet.a]\nvpc_id = \"${{data.aws_vpc.shared.id}}\"\ncidr_block = \"${{cidrsubnet(data.aws_vpc.shared.cidr_block, 8, 1)}}\"\n\n\
[aws_subnet.b]\nprovider = \"aws.west\"\nvpc_id = \"v\"\ncidr_block = \"c\"\n"
    );
    let stack = load_files(&[("main.toml", &main)], &[]).expect("loads");
    assert_eq!(addresses(&stack), "aws_subnet.a\naws_subnet.b");
    assert_eq!(stack.config.data.len(), 1);
    let data = &stack.config.data[0];
    assert_eq!(data.address.to_string(), "data.aws_vpc.shared");
    // What a data source looks for is not changed by default tags.
    assert_eq!(shown(&data.attributes["tags"]), "{\"Name\":\"shared\"}");
    assert_eq!(
        shown(&attr(&stack, "aws_subnet.a", "cidr_block")),
        "cidrsubnet(${data.aws_vpc.shared.cidr_block}, 8, 1)"
    );
    assert_eq!(
        shown(&attr(&stack, "aws_subnet.a", "tags")),
        "{\"Team\":\"web\"}"
    );
    // An aliased provider's own default tags.
    assert_eq!(
        shown(&attr(&stack, "aws_subnet.b", "tags")),
        "{\"Side\":\"west\"}"
    );
    let b = stack
        .config
        .resources
        .iter()
        .find(|r| r.address.name == "b")
        .expect("b");
    assert_eq!(b.provider.as_deref(), Some("west"));
    assert_eq!(
        stack.provider.aliases["west"].region.as_deref(),
        Some("us-west-2")
    );

    let bad = format!(
        "{HEAD}[data.aws_vcp.x]\n\n[data.aws_vpc.y]\nlifecycle = {{ prevent_destroy = true }}\n\n\
[aws_vpc.main]\ncidr_block = \"${{data.aws_vpc.none.cidr_block}}\"\nprovider = \"aws.east\"\n\n\
[data.aws_vpc.z]\nid = \"${{aws_vpc.main.id}}\"\n"
    );
    check_errors(
        &[("main.toml", &bad)],
        &[],
        &[
            "main.toml:4:7: unknown data source `aws_vcp` (did you mean `aws_vpc`?)",
            "main.toml:7:1: a data source has no `lifecycle`",
            "main.toml:10:15: reference to undeclared data source `data.aws_vpc.none` (did you mean `data.aws_vpc.y`?)",
            "main.toml:11:12: no provider `aws.east`",
            "main.toml:14:6: `data.aws_vpc.z` reads while planning, and `aws_vpc.main` is a resource of this stack",
        ],
    );
}

#[test]
fn an_attribute_given_can_refuse_another() {
    let main = format!(
        "{HEAD}[aws_sqs_queue.a]\nname_prefix = \"jobs-\"\n\n[aws_sqs_queue.b]\nname = \"jobs\"\nname_prefix = \"jobs-\"\n"
    );
    check_errors(
        &[("main.toml", &main)],
        &[],
        &["main.toml:9:1: `aws_sqs_queue.b` cannot have `name_prefix` when name is given"],
    );
}
