//! The log of AWS calls (`CAIRN_LOG=debug`): an SDK interceptor on every client that logs,
//! for each call, its service and operation, the HTTP status, AWS's request id, how many
//! attempts it took (retries of throttling and 5xx answers) and how long. Only those: never
//! a request's or answer's body, so sensitive values cannot reach the log. The resource a
//! call is for is the `tracing` span the provider opens around each operation.

use std::time::Instant;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

/// Logs each AWS call at debug level, under the target `cairn::aws`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallLog;

/// When the call started.
#[derive(Debug, Clone)]
struct Started(Instant);

impl Storable for Started {
    type Storer = StoreReplace<Self>;
}

/// Attempts made so far.
#[derive(Debug, Clone)]
struct Attempts(u32);

impl Storable for Attempts {
    type Storer = StoreReplace<Self>;
}

/// The headers AWS services put their request id in.
const REQUEST_ID_HEADERS: [&str; 3] = ["x-amzn-requestid", "x-amz-request-id", "x-amzn-request-id"];

impl Intercept for CallLog {
    fn name(&self) -> &'static str {
        "cairn::CallLog"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if tracing::enabled!(target: "cairn::aws", tracing::Level::DEBUG) {
            cfg.interceptor_state().store_put(Started(Instant::now()));
        }
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // Counted only for a call being logged (see `read_before_execution`).
        if cfg.load::<Started>().is_some() {
            let n = cfg.load::<Attempts>().map_or(0, |a| a.0);
            cfg.interceptor_state().store_put(Attempts(n + 1));
        }
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(started) = cfg.load::<Started>() else {
            return Ok(());
        };
        let elapsed_ms = started.0.elapsed().as_millis() as u64;
        let (service, operation) = cfg
            .load::<Metadata>()
            .map(|m| (m.service().to_string(), m.name().to_string()))
            .unwrap_or_default();
        let attempts = cfg.load::<Attempts>().map_or(0, |a| a.0);
        let response = context.response();
        let status = response.map(|r| r.status().as_u16());
        let request_id = response.and_then(|r| {
            REQUEST_ID_HEADERS
                .iter()
                .find_map(|h| r.headers().get(*h))
                .map(str::to_string)
        });
        let outcome = match context.output_or_error() {
            Some(Ok(_)) => "ok",
            Some(Err(_)) => "failed",
            None => "unfinished",
        };
        tracing::debug!(
            target: "cairn::aws",
            status = status.map(i64::from).unwrap_or(-1),
            request_id = request_id.as_deref().unwrap_or("-"),
            attempts,
            elapsed_ms,
            "{service}.{operation} {outcome}"
        );
        Ok(())
    }
}
