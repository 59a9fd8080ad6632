//! What a Terraform user writes that cairn spells otherwise, or does not have yet, and the
//! cairn way to say it: for diagnostics that answer a Terraform habit with cairn's form
//! instead of a generic error.

/// The cairn way for a Terraform resource type cairn does not have as such.
pub fn resource_type(rtype: &str) -> Option<&'static str> {
    Some(match rtype {
        "aws_iam_role_policy" => "an inline policy is part of its role in cairn: the role's `inline_policy = [{ name = \"...\", policy = { ... } }]`",
        "aws_route" => "routes are part of their table in cairn: `route = [{ cidr_block = \"0.0.0.0/0\", gateway_id = \"...\" }]` on `aws_route_table`",
        "aws_security_group_ingress_rule" | "aws_vpc_security_group_ingress_rule" => {
            "use `aws_security_group_rule` with `type = \"ingress\"`, or the group's `ingress` blocks"
        }
        "aws_security_group_egress_rule" | "aws_vpc_security_group_egress_rule" => {
            "use `aws_security_group_rule` with `type = \"egress\"`, or the group's `egress` blocks"
        }
        "aws_alb" => "cairn spells it `aws_lb`",
        "aws_alb_target_group" => "cairn spells it `aws_lb_target_group`",
        "aws_alb_listener" => "cairn spells it `aws_lb_listener`",
        "aws_alb_listener_rule" => "cairn spells it `aws_lb_listener_rule`",
        "aws_s3_bucket_versioning" => "versioning is part of the bucket in cairn: `versioning = true` on `aws_s3_bucket`",
        "aws_s3_bucket_policy" => "the policy is part of the bucket in cairn: `policy = { ... }` on `aws_s3_bucket`",
        "aws_s3_bucket_public_access_block" => "the public access block is part of the bucket in cairn: `public_access_block = { ... }` on `aws_s3_bucket`",
        "aws_s3_bucket_server_side_encryption_configuration" => "encryption is part of the bucket in cairn: `server_side_encryption = { sse_algorithm = \"aws:kms\" }` on `aws_s3_bucket`",
        "aws_internet_gateway_attachment" => "the gateway's attachment is its `vpc_id` in cairn",
        "aws_iam_policy_attachment" => "use `aws_iam_role_policy_attachment` (one role, one policy), or the role's `managed_policy_arns`",
        _ => return None,
    })
}

/// The cairn way for a Terraform attribute of `rtype` that cairn spells otherwise.
pub fn attribute(rtype: &str, name: &str) -> Option<&'static str> {
    Some(match (rtype, name) {
        ("aws_lambda_function", "filename") => {
            "cairn zips the code itself: `source = \"path/to/dir-or-file\"` (relative to the stack)"
        }
        ("aws_lambda_function", "s3_bucket" | "s3_key") => {
            "cairn uploads the code itself: `source = \"path/to/dir-or-file\"`"
        }
        // The types that generate a name from a prefix take it (as Terraform's do); these
        // hints answer for the others.
        ("aws_s3_bucket", "name_prefix") => "a bucket's prefix is `bucket_prefix`, as in Terraform",
        ("aws_db_instance", "name_prefix") => {
            "an instance's prefix is `identifier_prefix`, as in Terraform"
        }
        ("aws_lambda_permission", "name_prefix") => {
            "a statement's prefix is `statement_id_prefix`, as in Terraform"
        }
        (_, "name_prefix" | "bucket_prefix" | "identifier_prefix") => {
            "this type generates no name from a prefix (nor does it in Terraform): give the full name (e.g. \"${stack.name}-web\")"
        }
        _ => return None,
    })
}

/// The cairn way for a reference's root that Terraform has and cairn does not yet.
pub fn reference_root(root: &str) -> Option<&'static str> {
    Some(match root {
        "terraform" => "cairn has no `terraform.*`: `${stack.name}` names the stack",
        _ => return None,
    })
}

/// The cairn way for a Terraform function cairn does not have.
pub fn function(name: &str) -> Option<&'static str> {
    Some(match name {
        "timestamp" | "uuid" | "uuidv5" | "bcrypt" | "plantimestamp" => {
            "a value that changes on every plan would never let a plan be empty: pass it in as a variable"
        }
        "fileexists" | "fileset" | "abspath" | "dirname" | "basename" | "pathexpand" => {
            "paths in a stack are relative to the directory of the file that names them: name the file itself"
        }
        "templatestring" => "write the template into a file beside the stack and use `templatefile`",
        "yamlencode" | "yamldecode" | "csvdecode" => "cairn reads TOML and JSON: use `jsonencode`/`jsondecode`",
        "sensitive" | "nonsensitive" => "mark the variable or output `sensitive = true`",
        "type" => "`cairn eval` shows the value of an expression",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terraform_habits_get_the_cairn_way() {
        assert!(resource_type("aws_iam_role_policy").is_some_and(|h| h.contains("inline_policy")));
        assert!(resource_type("aws_vpc").is_none());
        assert!(attribute("aws_lambda_function", "filename").is_some_and(|h| h.contains("source")));
        // Only a type that takes no prefix hears about one.
        assert!(attribute("aws_ecr_repository", "name_prefix")
            .is_some_and(|h| h.contains("no name from a prefix") && h.contains("full name")));
        assert!(
            attribute("aws_s3_bucket", "name_prefix").is_some_and(|h| h.contains("bucket_prefix"))
        );
        assert!(attribute("aws_db_instance", "name_prefix")
            .is_some_and(|h| h.contains("identifier_prefix")));
        assert!(reference_root("terraform").is_some_and(|h| h.contains("stack.name")));
        assert!(function("timestamp").is_some_and(|h| h.contains("variable")));
        assert_eq!(function("cidrsubnet"), None);
    }
}
