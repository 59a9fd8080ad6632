//! What the data source tests share: a moto server of their own, the provider pointed at it,
//! and the SDK configuration to make what the data sources are to find.

use std::sync::Once;

use cairn_providers::{AwsProvider, AwsSettings};
use cairn_testkit::Moto;

static CREDENTIALS: Once = Once::new();

pub struct World {
    pub _moto: Moto,
    pub provider: AwsProvider,
    pub shared: aws_config::SdkConfig,
}

/// A fresh moto server, the provider pointed at it, and the SDK configuration.
pub async fn world() -> World {
    CREDENTIALS.call_once(|| {
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    });
    let moto = Moto::start();
    let provider = AwsProvider::new(AwsSettings {
        region: Some("us-east-1".into()),
        endpoint: Some(moto.endpoint()),
        artifacts: None,
        ..AwsSettings::default()
    })
    .await;
    let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(moto.endpoint())
        .load()
        .await;
    World {
        _moto: moto,
        provider,
        shared,
    }
}
