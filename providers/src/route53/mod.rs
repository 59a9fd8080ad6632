//! Route 53 resource types (hosted zones and their record sets) and what they share: zone
//! ids and domain names as Route 53 answers them, change batches and waiting for them.

pub mod record;
pub mod zone;

use std::time::Duration;

use aws_sdk_route53::types::ChangeStatus;
use cairn_model::{OpContext, ProviderError};

use crate::common::api;
use crate::Aws;

pub(crate) use crate::data::lookups::{clean_zone_id, normalize_domain};

/// How long a change (a zone made, records changed) may take to reach every Route 53 name
/// server (Terraform waits up to 30 minutes).
const INSYNC_PATIENCE: Duration = Duration::from_secs(30 * 60);

/// A builder's error (a required field left out) as a configuration error.
fn built<T>(
    rtype: &str,
    r: Result<T, aws_smithy_types::error::operation::BuildError>,
) -> Result<T, ProviderError> {
    r.map_err(|e| ProviderError::InvalidConfig(format!("{rtype}: {e}")))
}

/// Waits until the change `change_id` (`/change/C...`) is `INSYNC` (GetChange).
async fn wait_insync(
    aws: &Aws,
    ctx: &OpContext,
    rtype: &str,
    what: &str,
    change_id: &str,
) -> Result<(), ProviderError> {
    let id = change_id.trim_start_matches("/change/").to_string();
    crate::common::wait_until(ctx, rtype, what, "in sync", INSYNC_PATIENCE, || {
        let id = id.clone();
        async move {
            let got = aws
                .route53
                .get_change()
                .id(&id)
                .send()
                .await
                .map_err(|e| api("GetChange", &id, e.into_service_error()))?;
            Ok(got
                .change_info()
                .is_none_or(|c| c.status() == &ChangeStatus::Insync))
        }
    })
    .await
}

/// The name of the zone `zone_id` (GetHostedZone), without the trailing dot.
async fn zone_name(aws: &Aws, zone_id: &str) -> Result<Option<String>, ProviderError> {
    Ok(crate::data::lookups::get_zone(aws, zone_id)
        .await?
        .and_then(|z| z.hosted_zone().map(|h| normalize_domain(h.name()))))
}
