//! The single-page app: files from the built `dist/`, and `index.html` for
//! any other path so that a reload on a deep link works.

use crate::error::ApiError;
use actix_files::NamedFile;
use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpRequest, HttpResponse, Responder};
use std::path::{Component, Path, PathBuf};

/// Trunk names built assets `<name>-<hash>.<ext>`: those can be cached for a year.
fn is_hashed(name: &str) -> bool {
    name.rsplit_once('.')
        .map(|(stem, ext)| (stem.strip_suffix("_bg").unwrap_or(stem), ext))
        .and_then(|(stem, _)| stem.rsplit_once('-'))
        .is_some_and(|(_, hash)| hash.len() >= 16 && hash.chars().all(|c| c.is_ascii_hexdigit()))
}

pub async fn serve(req: HttpRequest, dir: Option<PathBuf>) -> HttpResponse {
    let path = req.path();
    if path.starts_with("/api/") || path == "/api" {
        return actix_web::ResponseError::error_response(&ApiError::NotFound);
    }
    let Some(dir) = dir.filter(|d| d.join("index.html").is_file()) else {
        return HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header(CacheControl(vec![CacheDirective::NoCache]))
            .body(PLACEHOLDER);
    };
    let relative = Path::new(path.trim_start_matches('/'));
    let safe = relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)));
    let candidate = dir.join(relative);
    if safe && !path.ends_with('/') && candidate.is_file() {
        if let Ok(file) = NamedFile::open(&candidate) {
            let name = candidate
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let cache = if is_hashed(name) {
                CacheControl(vec![
                    CacheDirective::Public,
                    CacheDirective::MaxAge(31_536_000),
                    CacheDirective::Extension("immutable".into(), None),
                ])
            } else {
                CacheControl(vec![CacheDirective::NoCache])
            };
            let mut res = file
                .use_etag(true)
                .use_last_modified(true)
                .respond_to(&req)
                .map_into_boxed_body();
            res.headers_mut().insert(
                actix_web::http::header::CACHE_CONTROL,
                cache.to_string().parse().expect("valid header"),
            );
            return res;
        }
    }
    match std::fs::read_to_string(dir.join("index.html")) {
        Ok(html) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header(CacheControl(vec![CacheDirective::NoCache]))
            .insert_header((
                actix_web::http::header::CONTENT_SECURITY_POLICY,
                csp_for(&html),
            ))
            .body(html),
        Err(_) => actix_web::ResponseError::error_response(&ApiError::NotFound),
    }
}

/// The app's policy, allowing exactly the inline scripts of `index.html` by their hashes.
fn csp_for(html: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let mut hashes = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body = &after[tag_end + 1..];
        let Some(close) = body.find("</script>") else {
            break;
        };
        if !tag.contains("src=") {
            let digest = sha2::Sha256::digest(&body.as_bytes()[..close]);
            hashes.push_str(&format!(
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &body[close..];
    }
    crate::middleware::app_policy(&hashes)
}

const PLACEHOLDER: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rapport</title></head>
<body><main><h1>Rapport</h1>
<p>The API is running. The app has not been built: run the README's first command.</p>
<p><a href="/api-docs/">API documentation</a></p></main></body></html>
"#;

#[cfg(test)]
mod tests {
    #[test]
    fn recognises_trunk_hashed_names() {
        assert!(super::is_hashed("rapport-frontend-1a2b3c4d5e6f7a8b.wasm"));
        assert!(!super::is_hashed("index.html"));
        assert!(!super::is_hashed("favicon.ico"));
        assert!(super::is_hashed(
            "rapport-frontend-eae56ed9fe809bc4_bg.wasm"
        ));
    }

    #[test]
    fn the_policy_names_each_inline_script_by_its_hash() {
        let csp = super::csp_for(
            "<script type=\"module\">alert(1)</script><script src=\"/a.js\"></script>",
        );
        assert_eq!(csp.matches("'sha256-").count(), 1, "{csp}");
    }
}
