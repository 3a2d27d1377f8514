//! An S3-compatible object store (AWS S3, MinIO, Garage, Cloudflare R2,
//! ...) for uploaded files: objects `<prefix><workspace>/<id>` in one
//! bucket, addressed path-style (`<endpoint>/<bucket>/<key>`), each request
//! signed with AWS Signature Version 4.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Where and as whom: from `RAPPORT_S3_*`.
#[derive(Clone)]
pub struct S3Config {
    /// `https://s3.eu-west-1.amazonaws.com`, `http://127.0.0.1:9000`.
    pub endpoint: String,
    pub bucket: String,
    /// `us-east-1` unless the store says otherwise (`auto` for R2).
    pub region: String,
    pub access_key: String,
    pub secret_key: String,
    /// Put before every key: `rapport/`.
    pub prefix: String,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key", &self.access_key)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct S3 {
    config: S3Config,
    client: reqwest::Client,
    /// `host` or `host:port`, as sent in the `Host` header.
    host: String,
    /// `scheme://host[:port]`: where requests go.
    origin: String,
    /// The endpoint's own path, if any, before the bucket.
    base_path: String,
}

/// The hash of an empty body.
const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

impl S3 {
    pub fn new(config: S3Config) -> anyhow::Result<S3> {
        let url = reqwest::Url::parse(&config.endpoint)
            .map_err(|e| anyhow::anyhow!("RAPPORT_S3_ENDPOINT: {e}"))?;
        anyhow::ensure!(
            matches!(url.scheme(), "http" | "https"),
            "RAPPORT_S3_ENDPOINT must be an http or https address"
        );
        anyhow::ensure!(
            url.username().is_empty()
                && url.password().is_none()
                && url.query().is_none()
                && url.fragment().is_none(),
            "RAPPORT_S3_ENDPOINT is a scheme, a host, a port and perhaps a path: no user, query or fragment"
        );
        anyhow::ensure!(
            url.path()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.~/".contains(&b)),
            "RAPPORT_S3_ENDPOINT's path may hold letters, digits, -, _, ., ~ and /"
        );
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => anyhow::bail!("RAPPORT_S3_ENDPOINT has no host"),
        };
        anyhow::ensure!(
            !config.bucket.is_empty()
                && config
                    .bucket
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.".contains(&b)),
            "RAPPORT_S3_BUCKET must be a bucket name (lower-case letters, digits, - and .)"
        );
        anyhow::ensure!(
            config
                .prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b)),
            "RAPPORT_S3_PREFIX may hold letters, digits, -, _, . and /"
        );
        // A store that moves a bucket answers with a redirect that would
        // lose the signature: its error is clearer than a 403 elsewhere.
        let client = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(5))
            .timeout(std::time::Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(S3 {
            base_path: url.path().trim_end_matches('/').to_string(),
            origin: url.origin().ascii_serialization(),
            config,
            client,
            host,
        })
    }

    fn path(&self, ws: Uuid, id: Uuid) -> String {
        format!(
            "{}/{}/{}{ws}/{id}",
            self.base_path, self.config.bucket, self.config.prefix
        )
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> anyhow::Result<reqwest::Response> {
        let payload = match &body {
            Some(b) => hex::encode(Sha256::digest(b)),
            None => EMPTY.to_string(),
        };
        let now = chrono::Utc::now();
        let date = now.format("%Y%m%dT%H%M%SZ").to_string();
        let authorization = authorization(&Request {
            method: method.as_str(),
            path,
            query: "",
            headers: &[
                ("host", &self.host),
                ("x-amz-content-sha256", &payload),
                ("x-amz-date", &date),
            ],
            payload: &payload,
            date: &date,
            region: &self.config.region,
            access_key: &self.config.access_key,
            secret_key: &self.config.secret_key,
        });
        let url = format!("{}{path}", self.origin);
        let mut req = self
            .client
            .request(method.clone(), url)
            .header("x-amz-content-sha256", &payload)
            .header("x-amz-date", &date)
            .header("authorization", authorization);
        if let Some(b) = body {
            req = req.body(b);
        }
        req.send()
            .await
            .map_err(|e| anyhow::anyhow!("the object store did not answer {method} {path}: {e}"))
    }

    async fn failed(what: &str, res: reqwest::Response) -> anyhow::Error {
        let status = res.status();
        let body = res.text().await.unwrap_or_default();
        let code = body
            .split("<Code>")
            .nth(1)
            .and_then(|c| c.split("</Code>").next())
            .unwrap_or("");
        anyhow::anyhow!("the object store refused to {what}: {status} {code}")
    }

    pub async fn put(&self, ws: Uuid, id: Uuid, bytes: &[u8]) -> anyhow::Result<()> {
        let res = self
            .send(
                reqwest::Method::PUT,
                &self.path(ws, id),
                Some(bytes.to_vec()),
            )
            .await?;
        if res.status().is_success() {
            Ok(())
        } else {
            Err(Self::failed("keep a file", res).await)
        }
    }

    pub async fn get(&self, ws: Uuid, id: Uuid) -> anyhow::Result<Option<Vec<u8>>> {
        let res = self
            .send(reqwest::Method::GET, &self.path(ws, id), None)
            .await?;
        match res.status() {
            s if s.is_success() => Ok(Some(res.bytes().await?.to_vec())),
            reqwest::StatusCode::NOT_FOUND => Ok(None),
            _ => Err(Self::failed("give a file", res).await),
        }
    }

    pub async fn remove(&self, ws: Uuid, id: Uuid) -> anyhow::Result<()> {
        let res = self
            .send(reqwest::Method::DELETE, &self.path(ws, id), None)
            .await?;
        match res.status() {
            s if s.is_success() || s == reqwest::StatusCode::NOT_FOUND => Ok(()),
            _ => Err(Self::failed("remove a file", res).await),
        }
    }
}

/// What a signature covers.
pub struct Request<'a> {
    pub method: &'a str,
    /// The path as sent, each segment already URI-encoded.
    pub path: &'a str,
    /// The query as sent, its pairs sorted and encoded.
    pub query: &'a str,
    /// The signed headers, lower-case names, sorted by name.
    pub headers: &'a [(&'a str, &'a str)],
    /// The hex SHA-256 of the body.
    pub payload: &'a str,
    /// `20130524T000000Z`.
    pub date: &'a str,
    pub region: &'a str,
    pub access_key: &'a str,
    pub secret_key: &'a str,
}

/// The `Authorization` header of a request signed with AWS Signature
/// Version 4 for S3.
pub fn authorization(r: &Request<'_>) -> String {
    let day = &r.date[..8];
    let canonical_headers: String = r
        .headers
        .iter()
        .map(|(k, v)| format!("{k}:{}\n", v.trim()))
        .collect();
    let signed: Vec<&str> = r.headers.iter().map(|(k, _)| *k).collect();
    let signed = signed.join(";");
    let canonical = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed}\n{}",
        r.method, r.path, r.query, r.payload
    );
    let scope = format!("{day}/{}/s3/aws4_request", r.region);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
        r.date,
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let mac = |key: &[u8], data: &str| -> Vec<u8> {
        let mut m = Hmac::<Sha256>::new_from_slice(key).expect("any key");
        m.update(data.as_bytes());
        m.finalize().into_bytes().to_vec()
    };
    let k = mac(format!("AWS4{}", r.secret_key).as_bytes(), day);
    let k = mac(&k, r.region);
    let k = mac(&k, "s3");
    let k = mac(&k, "aws4_request");
    let signature = hex::encode(mac(&k, &to_sign));
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={signature}",
        r.access_key
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of AWS's own documentation ("Signature Calculations for
    /// the Authorization Header", GET Object).
    #[test]
    fn a_signature_is_the_one_aws_documents() {
        let auth = authorization(&Request {
            method: "GET",
            path: "/test.txt",
            query: "",
            headers: &[
                ("host", "examplebucket.s3.amazonaws.com"),
                ("range", "bytes=0-9"),
                ("x-amz-content-sha256", EMPTY),
                ("x-amz-date", "20130524T000000Z"),
            ],
            payload: EMPTY,
            date: "20130524T000000Z",
            region: "us-east-1",
            access_key: "AKIAIOSFODNN7EXAMPLE",
            secret_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        });
        assert_eq!(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn a_bad_configuration_is_named() {
        let c = |endpoint: &str, bucket: &str| S3Config {
            endpoint: endpoint.into(),
            bucket: bucket.into(),
            region: "us-east-1".into(),
            access_key: "a".into(),
            secret_key: "s".into(),
            prefix: String::new(),
        };
        assert!(S3::new(c("ftp://x", "b")).is_err());
        assert!(S3::new(c("http://127.0.0.1:9000", "Bad_Bucket")).is_err());
        assert!(S3::new(c("http://user:pw@127.0.0.1:9000", "b")).is_err());
        assert!(S3::new(c("http://127.0.0.1:9000/?x=1", "b")).is_err());
        assert!(S3::new(c("http://127.0.0.1:9000/a:b", "b")).is_err());
        let s = S3::new(c("http://127.0.0.1:9000", "files")).unwrap();
        assert_eq!(
            (s.host.as_str(), s.origin.as_str()),
            ("127.0.0.1:9000", "http://127.0.0.1:9000")
        );
        let (ws, id) = (Uuid::nil(), Uuid::max());
        assert_eq!(s.path(ws, id), format!("/files/{ws}/{id}"));
        // The default port is not sent, so not signed; a path goes before the bucket.
        let s = S3::new(c("https://store.example:443/s3/", "files")).unwrap();
        assert_eq!(
            (s.host.as_str(), s.origin.as_str()),
            ("store.example", "https://store.example")
        );
        assert_eq!(s.path(ws, id), format!("/s3/files/{ws}/{id}"));
    }
}
