//! Hash functions (`md5`, `sha1`, `sha256`, `sha512`, `base64sha256`, `base64sha512`) and
//! [`digest`], which the stack loader's file functions share.

use std::fmt::Write as _;

use super::{Args, Outcome};
use crate::value::Value;

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The hash or encoding of raw bytes that Terraform's hash functions (and the loader's
/// `filemd5`, `filebase64`, `filebase64sha256`) produce: `kind` is "md5", "sha1", "sha256"
/// or "sha512" (lowercase hex), "base64", "base64sha256" or "base64sha512". An unknown
/// kind gives an empty string.
pub fn digest(kind: &str, bytes: &[u8]) -> String {
    use md5::Digest as _;
    use sha2::Digest as _;
    match kind {
        "md5" => hex(&md5::Md5::digest(bytes)),
        "sha1" => hex(&sha1::Sha1::digest(bytes)),
        "sha256" => hex(&sha2::Sha256::digest(bytes)),
        "sha512" => hex(&sha2::Sha512::digest(bytes)),
        "base64" => base64_of(bytes),
        "base64sha256" => base64_of(&sha2::Sha256::digest(bytes)),
        "base64sha512" => base64_of(&sha2::Sha512::digest(bytes)),
        _ => String::new(),
    }
}

fn hash_of(a: &Args, kind: &str) -> Outcome {
    Ok(Value::String(digest(kind, a.string(0)?.as_bytes())))
}

pub(super) fn md5(a: &Args) -> Outcome {
    hash_of(a, "md5")
}

pub(super) fn sha1(a: &Args) -> Outcome {
    hash_of(a, "sha1")
}

pub(super) fn sha256(a: &Args) -> Outcome {
    hash_of(a, "sha256")
}

pub(super) fn sha512(a: &Args) -> Outcome {
    hash_of(a, "sha512")
}

pub(super) fn base64sha256(a: &Args) -> Outcome {
    hash_of(a, "base64sha256")
}

pub(super) fn base64sha512(a: &Args) -> Outcome {
    hash_of(a, "base64sha512")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::digest;
    use crate::functions::test_support::check;

    #[test]
    fn hash_functions() {
        check(
            "md5",
            json!(["hello world"]),
            json!("5eb63bbbe01eeed093cb22bb8f5acdc3"),
        );
        check(
            "sha1",
            json!(["hello world"]),
            json!("2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"),
        );
        check(
            "sha256",
            json!(["hello world"]),
            json!("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"),
        );
        check(
            "sha512",
            json!(["hello world"]),
            json!("309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f"),
        );
        check(
            "base64sha256",
            json!(["hello world"]),
            json!("uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="),
        );
        check(
            "base64sha512",
            json!(["hello world"]),
            json!("MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw=="),
        );
    }

    #[test]
    fn digest_of_bytes() {
        assert_eq!(
            digest("md5", b"hello world"),
            "5eb63bbbe01eeed093cb22bb8f5acdc3"
        );
        assert_eq!(digest("base64", &[0xff, 0x00]), "/wA=");
        assert_eq!(
            digest("base64sha256", b"hello world"),
            "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="
        );
        assert_eq!(digest("crc32", b"x"), "");
    }
}
