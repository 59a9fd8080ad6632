//! `aws_iam_policy_document`: an IAM policy document built from statements written as
//! tables, with Terraform's rendering. It reads nothing from AWS: the engine computes it
//! with the function `data.aws_iam_policy_document` (so its values may wait for apply).

use cairn_model::{functions, ProviderError, Value};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::DataSource;
use crate::resource::Answer;
use crate::Aws;

/// An IAM policy document from statements written as tables (Terraform's
/// `aws_iam_policy_document`): `${data.aws_iam_policy_document.NAME.json}` goes wherever a
/// policy does. Reads nothing from AWS; values known only after apply (an ARN) may be used.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyArgs {
    /// The policy language version: `2012-10-17` (default) or `2008-10-17`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["2012-10-17", "2008-10-17"]))]
    pub version: Option<String>,
    /// The policy's `Id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<String>,
    /// Policy documents (JSON) whose statements come first; statements here with the same
    /// `sid` replace theirs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_policy_documents: Vec<String>,
    /// Policy documents (JSON) whose statements replace those with the same `sid`, or are
    /// added.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub override_policy_documents: Vec<String>,
    /// The statements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statement: Vec<Statement>,
}

/// One statement.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// The statement's id (letters and digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `Allow` (default) or `Deny`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["Allow", "Deny"]))]
    pub effect: Option<String>,
    /// Actions, e.g. `s3:GetObject`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<String>,
    /// Every action but these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_actions: Vec<String>,
    /// Resource ARNs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// Every resource but these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_resources: Vec<String>,
    /// Who the statement applies to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub principals: Vec<Principal>,
    /// Everyone but these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_principals: Vec<Principal>,
    /// Conditions, all of which must hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub condition: Vec<Condition>,
}

/// Principals of one type.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Principal {
    /// `AWS`, `Service`, `Federated`, `CanonicalUser` or `*`.
    #[serde(rename = "type")]
    pub kind: String,
    /// ARNs, account ids, service names (`ecs-tasks.amazonaws.com`), or `*`.
    pub identifiers: Vec<String>,
}

/// One condition: `test` (e.g. `StringEquals`) of `variable` (e.g. `aws:SourceArn`)
/// against `values`.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub test: String,
    pub variable: String,
    pub values: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct PolicyAttrs {
    /// The document, indented as Terraform renders it.
    pub json: String,
    /// The document without whitespace.
    pub minified_json: String,
    /// A checksum of the document.
    pub id: String,
}

pub struct AwsIamPolicyDocument;

impl DataSource for AwsIamPolicyDocument {
    const TYPE: &'static str = "aws_iam_policy_document";
    type Args = PolicyArgs;
    type Attrs = PolicyAttrs;

    async fn read(_: &Aws, args: &PolicyArgs) -> Answer<PolicyAttrs> {
        let json =
            serde_json::to_value(args).map_err(|e| ProviderError::InvalidConfig(e.to_string()))?;
        let name = format!("{}{}", cairn_model::DATA_PREFIX, Self::TYPE);
        let document = functions::call(&name, vec![Value::from_json(json)])
            .map_err(|e| ProviderError::InvalidConfig(e.to_string()))?;
        serde_json::from_value(document.to_json_lossy())
            .map_err(|e| ProviderError::Api(format!("{name}: {e}")))
    }
}
