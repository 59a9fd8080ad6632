//! `aws_lambda_permission`: one statement of a Lambda function's resource policy, letting a
//! service (EventBridge, API Gateway, S3, ...) or an account invoke it.

use std::collections::BTreeMap;

use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::{busy, BUSY_PATIENCE};
use crate::common::{
    api, code, generated_from, is_not_found, malformed, read_back, retry, Named, Naming,
    DEFAULT_NAME_PREFIX,
};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_lambda_permission";

/// How a statement's id is generated when the configuration leaves it out.
const NAMING: Naming = Naming {
    rtype: TYPE,
    name: "statement_id",
    prefix: "statement_id_prefix",
    default_prefix: DEFAULT_NAME_PREFIX,
    max_len: 100,
};

/// A statement of a function's resource policy. Every attribute forces replacement: Lambda
/// has no way to change a statement.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [{"given": ["statement_id"], "forbid": ["statement_id_prefix"]}]))]
pub struct Config {
    /// The statement's id, unique in the function's policy; generated when left out (see
    /// `statement_id_prefix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub statement_id: Option<String>,
    /// A unique statement id is generated beginning with this prefix (followed by a UTC
    /// timestamp and a counter, as Terraform's `statement_id_prefix`); conflicts with
    /// `statement_id`. With neither, the id is generated from the prefix `cairn-`
    /// (Terraform's is `terraform-`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 74), regex(pattern = r"^[A-Za-z0-9_-]+$"), extend("x-pattern-says" = "letters, digits, hyphens and underscores"))]
    pub statement_id_prefix: Option<String>,
    /// What is allowed, e.g. `lambda:InvokeFunction`.
    #[schemars(extend("x-force-new" = true))]
    pub action: String,
    /// The function's name or ARN.
    #[schemars(extend("x-force-new" = true))]
    pub function_name: String,
    /// Who is allowed: a service (`events.amazonaws.com`), an account id, or an IAM ARN.
    #[schemars(extend("x-force-new" = true))]
    pub principal: String,
    /// Only when invoked on behalf of this resource (a rule's, bucket's or API's ARN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub source_arn: Option<String>,
    /// Only when invoked on behalf of a resource of this account (S3 buckets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub source_account: Option<String>,
    /// A version or alias: the statement goes into that one's policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub qualifier: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// `<function_name>/<statement_id>`, or `<function_name>:<qualifier>/<statement_id>`.
    pub id: String,
}

/// How `cairn import` names one: as its id.
pub const IMPORT_ID: &str = "`<function_name>/<statement_id>`, or `<function_name>:<qualifier>/<statement_id>` for a version or alias";

/// Where a statement lives: the function (as configured), its qualifier, the statement id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    function: String,
    qualifier: Option<String>,
    statement: String,
}

impl Key {
    /// The statement `statement` of the policy `c` names.
    fn of(c: &Config, statement: &str) -> Key {
        Key {
            function: c.function_name.clone(),
            qualifier: c.qualifier.clone(),
            statement: statement.to_string(),
        }
    }

    fn id(&self) -> String {
        match &self.qualifier {
            Some(q) => format!("{}:{q}/{}", self.function, self.statement),
            None => format!("{}/{}", self.function, self.statement),
        }
    }

    /// The key an id names. A function ARN's qualifier is its eighth part
    /// (`arn:aws:lambda:REGION:ACCOUNT:function:NAME:QUALIFIER`); a name's follows a `:`.
    fn parse(id: &str) -> Option<Key> {
        let (function, statement) = id.rsplit_once('/')?;
        if function.is_empty() || statement.is_empty() || id.contains(char::is_whitespace) {
            return None;
        }
        let (function, qualifier) = if function.starts_with("arn:") {
            let parts: Vec<&str> = function.split(':').collect();
            match parts.len() {
                7 => (function.to_string(), None),
                8 => (parts[..7].join(":"), Some(parts[7].to_string())),
                _ => return None,
            }
        } else {
            match function.split_once(':') {
                Some((f, q)) => (f.to_string(), Some(q.to_string())),
                None => (function.to_string(), None),
            }
        };
        if function.is_empty() || qualifier.as_deref() == Some("") {
            return None;
        }
        Some(Key {
            function,
            qualifier,
            statement: statement.to_string(),
        })
    }
}

/// A resource policy: its function (as configured) and qualifier.
type Policy = (String, Option<String>);

/// One GetPolicy per function (and qualifier), in parallel: each answers for every
/// statement of that policy.
async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    let mut out: BTreeMap<String, Option<Observed>> = BTreeMap::new();
    // By policy (function and qualifier): the requested ids, their keys and prior inputs.
    let mut policies: BTreeMap<Policy, Vec<(String, Key, &Json)>> = BTreeMap::new();
    for r in requests {
        match Key::parse(&r.id) {
            Some(k) => policies
                .entry((k.function.clone(), k.qualifier.clone()))
                .or_default()
                .push((r.id.clone(), k, &r.prior_inputs)),
            None => {
                out.insert(r.id.clone(), None);
            }
        }
    }
    let reads = policies
        .into_iter()
        .map(|((function, qualifier), keys)| async move {
            let statements = policy(aws, &function, qualifier.as_deref()).await?;
            Ok::<_, ProviderError>(
                keys.into_iter()
                    .map(|(id, key, prior)| {
                        let found = statements
                            .iter()
                            .find(|s| s.get("Sid").and_then(Json::as_str) == Some(&key.statement))
                            .map(|s| view(&key, s, prior));
                        (id, found)
                    })
                    .collect::<Vec<_>>(),
            )
        });
    for found in futures::future::try_join_all(reads).await? {
        out.extend(found);
    }
    Ok(out)
}

/// The statements of a function's policy; none when the function or its policy is gone.
async fn policy(
    aws: &Aws,
    function: &str,
    qualifier: Option<&str>,
) -> Result<Vec<Json>, ProviderError> {
    let got = match aws
        .lambda
        .get_policy()
        .function_name(function)
        .set_qualifier(qualifier.map(str::to_string))
        .send()
        .await
    {
        Ok(r) => r,
        Err(e) => {
            let e = e.into_service_error();
            if is_not_found(code(&e)) {
                return Ok(Vec::new());
            }
            return Err(api("GetPolicy", function, e));
        }
    };
    let Some(text) = got.policy() else {
        return Ok(Vec::new());
    };
    let doc: Json = serde_json::from_str(text).map_err(|e| {
        ProviderError::Api(format!("GetPolicy {function}: the policy is not JSON: {e}"))
    })?;
    Ok(match doc.get("Statement") {
        Some(Json::Array(s)) => s.clone(),
        Some(one @ Json::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    })
}

/// The first string of a value that is a string or a list of strings.
fn first_string(v: Option<&Json>) -> Option<String> {
    match v? {
        Json::String(s) => Some(s.clone()),
        Json::Array(items) => items.first().and_then(Json::as_str).map(str::to_string),
        _ => None,
    }
}

/// The principal as configured: a service, `*`, an account id (Lambda writes an account
/// as `arn:aws:iam::ACCOUNT:root`) or an ARN.
fn principal_of(p: Option<&Json>) -> String {
    match p {
        Some(Json::String(s)) => s.clone(),
        Some(Json::Object(m)) => {
            let (kind, value) = match m.iter().next() {
                Some((k, v)) => (k.as_str(), first_string(Some(v)).unwrap_or_default()),
                None => return String::new(),
            };
            if kind == "AWS" {
                let parts: Vec<&str> = value.split(':').collect();
                if parts.len() == 6 && parts[0] == "arn" && parts[2] == "iam" && parts[5] == "root"
                {
                    return parts[4].to_string();
                }
            }
            value
        }
        _ => String::new(),
    }
}

/// A condition's value for `key` under any operator (`ArnLike`, `StringEquals`, ...).
fn condition(s: &Json, key: &str) -> Option<String> {
    let conditions = s.get("Condition")?.as_object()?;
    conditions.values().find_map(|by_key| {
        by_key
            .as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| first_string(Some(v)))
    })
}

fn view(key: &Key, s: &Json, prior: &Json) -> Observed {
    let config = Config {
        statement_id: Some(key.statement.clone()),
        statement_id_prefix: NAMING.read_prefix(&key.statement, prior),
        action: first_string(s.get("Action")).unwrap_or_default(),
        function_name: key.function.clone(),
        principal: principal_of(s.get("Principal")),
        source_arn: condition(s, "AWS:SourceArn"),
        source_account: condition(s, "AWS:SourceAccount"),
        qualifier: key.qualifier.clone(),
    };
    let id = key.id();
    AwsLambdaPermission::observed(&id, &config, &Outputs { id: id.clone() })
}

async fn read_key(aws: &Aws, key: &Key, prior: &Json) -> Result<Option<Observed>, ProviderError> {
    let id = key.id();
    let request = crate::common::request(&id, prior.clone());
    Ok(crate::common::only(&id, read(aws, &request).await?))
}

/// The `aws_lambda_permission` resource type.
pub struct AwsLambdaPermission;

impl Resource for AwsLambdaPermission {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["function_name", "statement_id"]),
        cloudformation: "AWS::Lambda::Permission",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["api", "api/", "/allow", "api:/allow"],
        absent: Some("absent/allow"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    /// By its id.
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        let Some(key) = Key::parse(import_id) else {
            return Err(malformed(
                TYPE,
                import_id,
                "it is not a function and a statement id separated by `/`",
                IMPORT_ID,
            ));
        };
        read_key(aws, &key, &Json::Null).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let statement =
            NAMING.create_name(c.statement_id.as_deref(), c.statement_id_prefix.as_deref())?;
        let key = Key::of(c, &statement);
        let id = key.id();
        retry(
            BUSY_PATIENCE,
            |e: &aws_sdk_lambda::operation::add_permission::AddPermissionError| busy(e),
            || async {
                aws.lambda
                    .add_permission()
                    .function_name(&c.function_name)
                    .statement_id(&statement)
                    .action(&c.action)
                    .principal(&c.principal)
                    .set_source_arn(c.source_arn.clone())
                    .set_source_account(c.source_account.clone())
                    .set_qualifier(c.qualifier.clone())
                    .send()
                    .await
                    .map_err(|e| e.into_service_error())
            },
        )
        .await
        .map_err(|e| api("AddPermission", &id, e))?;
        let config = serde_json::to_value(c).unwrap_or_default();
        read_back(TYPE, &id, || read_key(aws, &key, &config)).await
    }

    /// By its natural key: the function, qualifier and statement id. A statement has no
    /// tags: one whose id was generated by its prefix and what it allows (the statements of
    /// the policy with ids generated from the prefix that allow the same, newest first).
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        let config = serde_json::to_value(c).unwrap_or_default();
        let prefix =
            match NAMING.named(c.statement_id.as_deref(), c.statement_id_prefix.as_deref())? {
                Named::Given(statement) => {
                    let found = read_key(aws, &Key::of(c, statement), &config).await?;
                    return Ok(found.into_iter().collect());
                }
                Named::Generated(prefix) => prefix,
            };
        let want = AwsLambdaPermission::observed("", c, &Outputs { id: String::new() }).inputs;
        let statements = policy(aws, &c.function_name, c.qualifier.as_deref()).await?;
        let mut found: Vec<Observed> = statements
            .iter()
            .filter_map(|s| {
                let sid = s.get("Sid").and_then(Json::as_str)?;
                generated_from(sid, prefix, "").then(|| view(&Key::of(c, sid), s, &config))
            })
            .filter(|o| {
                let same = |k: &str| o.inputs.get(k) == want.get(k);
                ["action", "principal", "source_arn", "source_account"]
                    .into_iter()
                    .all(same)
            })
            .collect();
        found.sort_by(|a, b| b.id.cmp(&a.id));
        Ok(found)
    }

    /// Nothing changes in place (every attribute forces replacement): what is there stands.
    async fn update(
        aws: &Aws,
        prior: &Observed,
        _old: &Config,
        _new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let key = Key::parse(&prior.id).ok_or_else(|| {
            ProviderError::Api(format!("{TYPE}: `{}` is not a permission's id", prior.id))
        })?;
        read_back(TYPE, &prior.id, || read_key(aws, &key, &prior.inputs)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let Some(key) = Key::parse(&prior.id) else {
            return Err(ProviderError::Api(format!(
                "{TYPE}: `{}` is not a permission's id",
                prior.id
            )));
        };
        retry(
            BUSY_PATIENCE,
            |e: &aws_sdk_lambda::operation::remove_permission::RemovePermissionError| busy(e),
            || async {
                aws.lambda
                    .remove_permission()
                    .function_name(&key.function)
                    .statement_id(&key.statement)
                    .set_qualifier(key.qualifier.clone())
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| e.into_service_error())
            },
        )
        .await
        .map_err(|e| api("RemovePermission", &prior.id, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_name_the_function_its_qualifier_and_the_statement() {
        let k = Key::parse("f/allow-events").expect("plain");
        assert_eq!(
            (k.function.as_str(), k.qualifier, k.statement.as_str()),
            ("f", None, "allow-events")
        );
        let k = Key::parse("f:live/s").expect("qualified");
        assert_eq!(k.qualifier.as_deref(), Some("live"));
        assert_eq!(k.id(), "f:live/s");
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:f";
        let k = Key::parse(&format!("{arn}/s")).expect("arn");
        assert_eq!((k.function.as_str(), k.qualifier.as_deref()), (arn, None));
        let k = Key::parse(&format!("{arn}:3/s")).expect("qualified arn");
        assert_eq!(
            (k.function.as_str(), k.qualifier.as_deref()),
            (arn, Some("3"))
        );
        for bad in ["f", "/s", "f/", "f:/s", "arn:aws:lambda/s", "f /s"] {
            assert_eq!(Key::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn statements_read_as_configured() {
        let s = json!({"Sid": "s", "Effect": "Allow", "Action": "lambda:InvokeFunction",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:events:us-east-1:1:rule/r"},
                          "StringEquals": {"AWS:SourceAccount": "111122223333"}}});
        let key = Key::parse("f/s").expect("key");
        let o = view(&key, &s, &Json::Null);
        assert_eq!(o.inputs["principal"], "111122223333");
        assert_eq!(o.inputs["source_arn"], "arn:aws:events:us-east-1:1:rule/r");
        assert_eq!(o.inputs["source_account"], "111122223333");
        assert_eq!(
            principal_of(Some(&json!({"Service": "events.amazonaws.com"}))),
            "events.amazonaws.com"
        );
        assert_eq!(principal_of(Some(&json!("*"))), "*");
    }
}
