//! AWS WAF (v2): web ACLs and their associations with the resources they protect.

pub mod association;
pub mod web_acl;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use cairn_model::{ErrorKind, ProviderError};

/// `common::api`, with WAF's `WAFNonexistentItemException` (what it answers for a web ACL or
/// resource that is gone) as "not found".
pub(crate) fn api<E>(op: &str, what: &str, e: E) -> ProviderError
where
    E: ProvideErrorMetadata + aws_types::request_id::RequestId + std::error::Error + 'static,
{
    let gone = e.code() == Some("WAFNonexistentItemException");
    let mut err = crate::common::api(op, what, e);
    if let (true, ProviderError::Aws(a)) = (gone, &mut err) {
        a.kind = ErrorKind::NotFound;
    }
    err
}
