//! The typed API client: JSON over fetch, the access token kept in memory,
//! one refresh through the HttpOnly cookie on a 401, and problem+json turned
//! into field errors.

use crate::i18n;
use crate::session::Session;
use gloo_net::http::{Request, RequestBuilder, Response};
use leptos::prelude::*;
use rapport_domain::api::TokenResponse;
use rapport_domain::problem::{FieldError, Problem};
use rapport_domain::validate::Validate;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why a call failed, as the user should be told: in the app's language,
/// from the problem's `code` and each field error's `code`, never the
/// server's English (which is only for codes this app does not know).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ApiError {
    pub status: u16,
    pub problem: Option<Problem>,
    /// A page's own sentence for what went wrong, said instead of the code's.
    pub said: Option<String>,
    /// A page's own sentence for a field: (field, sentence).
    pub said_fields: Vec<(String, String)>,
}

/// The app's message for a field error: its code's, with its figures.
pub fn field_message(e: &FieldError) -> String {
    let key = format!("invalid.{}", e.code);
    if !i18n::has(i18n::Lang::En, &key) {
        return e.message.clone();
    }
    let figures: Vec<(&str, String)> = e
        .params
        .iter()
        .map(|(k, v)| {
            (
                k.as_str(),
                v.as_str().map_or_else(|| v.to_string(), String::from),
            )
        })
        .collect();
    let args: Vec<(&str, &str)> = figures.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let text = i18n::tf(&key, &args);
    // A figure the server did not send: its own words say more.
    if text.contains('{') {
        e.message.clone()
    } else {
        text
    }
}

impl ApiError {
    /// Says `text` instead of the code's message.
    pub fn say(mut self, text: String) -> Self {
        self.said = Some(text);
        self
    }

    /// Says `text` next to `field`.
    pub fn say_at(mut self, field: &str, text: String) -> Self {
        self.said_fields.push((field.to_string(), text));
        self
    }

    fn network(e: impl std::fmt::Display) -> Self {
        ApiError {
            status: 0,
            problem: Some(Problem {
                kind: "about:blank".into(),
                title: "Network error".into(),
                status: 0,
                detail: Some(e.to_string()),
                code: "network".into(),
                errors: Vec::new(),
            }),
            ..Default::default()
        }
    }

    /// The message for one field, if the server or the page named it.
    pub fn field(&self, name: &str) -> Option<String> {
        if let Some((_, text)) = self.said_fields.iter().find(|(f, _)| f == name) {
            return Some(text.clone());
        }
        self.problem
            .as_ref()?
            .errors
            .iter()
            .find(|e| e.field == name)
            .map(field_message)
    }

    /// Whether any message belongs to a named field (the form then says nothing more).
    pub fn names_a_field(&self) -> bool {
        !self.said_fields.is_empty() || self.fields().iter().any(|f| !f.field.is_empty())
    }

    pub fn fields(&self) -> Vec<FieldError> {
        self.problem
            .as_ref()
            .map(|p| p.errors.clone())
            .unwrap_or_default()
    }

    /// A sentence for a toast or the form: the page's, else the code's in the
    /// app's language, else (a code this app does not know) the server's.
    pub fn message(&self) -> String {
        if let Some(text) = &self.said {
            return text.clone();
        }
        if self.status == 0 {
            return i18n::t("error.network");
        }
        match &self.problem {
            Some(p) => {
                let key = format!("problem.{}", p.code);
                if i18n::has(i18n::Lang::En, &key) {
                    i18n::t(&key)
                } else {
                    p.detail.clone().unwrap_or_else(|| p.title.clone())
                }
            }
            None => i18n::t("error.generic"),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[derive(Clone, Copy, PartialEq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Put,
    Delete,
}

fn builder(method: Method, path: &str) -> RequestBuilder {
    match method {
        Method::Get => Request::get(path),
        Method::Post => Request::post(path),
        Method::Patch => Request::patch(path),
        Method::Put => Request::put(path),
        Method::Delete => Request::delete(path),
    }
}

/// What a request carries.
#[derive(Clone)]
pub enum Body {
    Json(serde_json::Value),
    /// A file the person picked, sent as it is with its own type.
    File(web_sys::File),
}

async fn send(
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&serde_json::Value>,
) -> ApiResult<Response> {
    let body = body.map(|v| Body::Json(v.clone()));
    send_with(method, path, token, body.as_ref(), None).await
}

async fn send_with(
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Body>,
    if_match: Option<i32>,
) -> ApiResult<Response> {
    let mut b = builder(method, path).header("accept", "application/json");
    if let Some(v) = if_match {
        b = b.header("if-match", &format!("\"{v}\""));
    }
    if let Some(t) = token {
        b = b.header("authorization", &format!("Bearer {t}"));
    }
    let req = match body {
        Some(Body::Json(v)) => b.json(v).map_err(ApiError::network)?,
        Some(Body::File(f)) => {
            let kind = match f.type_() {
                t if t.is_empty() => "application/octet-stream".to_string(),
                t => t,
            };
            b.header("content-type", &kind)
                .body(wasm_bindgen::JsValue::from(f.clone()))
                .map_err(ApiError::network)?
        }
        None => b.build().map_err(ApiError::network)?,
    };
    req.send().await.map_err(ApiError::network)
}

async fn error_of(res: Response) -> ApiError {
    let status = res.status();
    let problem = res.json::<Problem>().await.ok();
    ApiError {
        status,
        problem,
        ..Default::default()
    }
}

/// Exchanges the refresh cookie for new tokens.
pub async fn refresh() -> ApiResult<TokenResponse> {
    let res = send(Method::Post, "/api/v1/auth/refresh", None, None).await?;
    if res.ok() {
        res.json().await.map_err(ApiError::network)
    } else {
        Err(error_of(res).await)
    }
}

/// A fresh access token after `stale` was refused. Refreshes run one at a
/// time across the tabs of this browser, which share the rotating refresh
/// cookie: a caller that waited finds the token already renewed.
async fn renew(stale: Option<String>) -> ApiResult<String> {
    with_lock("rapport-refresh", async move {
        if let Some(current) = use_session().and_then(|s| s.token.get_untracked()) {
            if Some(&current) != stale.as_ref() {
                return Ok(current);
            }
        }
        let tokens = refresh().await?;
        if let Some(s) = use_session() {
            s.accept_tokens(&tokens);
        }
        Ok(tokens.access_token)
    })
    .await
}

/// Moves this session to another workspace. It spends the rotating refresh
/// cookie, so it runs under the same browser-wide lock as a refresh.
pub async fn switch(workspace_id: uuid::Uuid) -> ApiResult<TokenResponse> {
    with_lock("rapport-refresh", async move {
        post::<_, TokenResponse>(
            "/api/v1/auth/switch",
            &rapport_domain::api::SwitchRequest {
                workspace_id,
                // The refresh cookie goes with the request.
                refresh_token: None,
            },
        )
        .await
    })
    .await
}

type LocalTask<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T>>>;

/// Runs `f` holding the browser-wide Web Lock `name`, or directly where the
/// browser has no Web Locks.
async fn with_lock<T: 'static>(name: &str, f: impl std::future::Future<Output = T> + 'static) -> T {
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    let task: Rc<RefCell<Option<LocalTask<T>>>> = Rc::new(RefCell::new(Some(Box::pin(f))));

    let locks = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"locks".into()).ok())
        .filter(|l| l.is_object());
    let request = locks
        .as_ref()
        .and_then(|l| js_sys::Reflect::get(l, &"request".into()).ok())
        .and_then(|r| r.dyn_into::<js_sys::Function>().ok());
    if let (Some(locks), Some(request)) = (locks, request) {
        let result: Rc<RefCell<Option<T>>> = Rc::new(RefCell::new(None));
        let (task_in, result_in) = (task.clone(), result.clone());
        let callback = Closure::once(move |_lock: JsValue| -> js_sys::Promise {
            let fut = task_in.borrow_mut().take();
            wasm_bindgen_futures::future_to_promise(async move {
                if let Some(fut) = fut {
                    *result_in.borrow_mut() = Some(fut.await);
                }
                Ok(JsValue::UNDEFINED)
            })
        });
        if let Ok(promise) = request.call2(&locks, &name.into(), callback.as_ref().unchecked_ref())
        {
            let _ = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise)).await;
        }
        drop(callback);
        let done = result.borrow_mut().take();
        if let Some(v) = done {
            return v;
        }
    }
    // No Web Locks, or the lock could not be had: run it here.
    let fut = task.borrow_mut().take();
    match fut {
        Some(fut) => fut.await,
        None => unreachable!("the task ran under the lock but left no result"),
    }
}

/// Calls the API as the signed-in user; on a 401 refreshes once and retries,
/// and signs out cleanly when that fails too.
pub async fn call<T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> ApiResult<T> {
    call_if(method, path, body, None).await
}

/// `call`, on condition that the record is still at `version` (`If-Match`):
/// a 412 `stale_version` when someone changed it meanwhile.
async fn call_if<T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
    version: Option<i32>,
) -> ApiResult<T> {
    decode(authorized(method, path, body.map(Body::Json), version).await?).await
}

/// Sends as the signed-in user, refreshing once on a 401 (see [`call`]).
async fn authorized(
    method: Method,
    path: &str,
    body: Option<Body>,
    version: Option<i32>,
) -> ApiResult<Response> {
    let session = use_session();
    let token = session.map(|s| s.token.get_untracked()).unwrap_or_default();
    let mut res = send_with(method, path, token.as_deref(), body.as_ref(), version).await?;
    if res.status() == 401 && token.is_some() {
        match renew(token).await {
            Ok(access) => {
                res = send_with(method, path, Some(&access), body.as_ref(), version).await?
            }
            Err(_) => {
                if let Some(s) = session {
                    s.signed_out();
                }
            }
        }
    }
    Ok(res)
}

/// Fetches a file the API makes (an export) and hands it to the browser
/// to save, under the name the answer gives.
pub async fn download(path: &str) -> ApiResult<()> {
    use wasm_bindgen::JsCast;
    let (url, name) = fetched(path).await?;
    let name = name.unwrap_or_else(|| "rapport-download".into());
    let link = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        .ok_or_else(|| ApiError::network("no document"))?;
    link.set_href(&url);
    link.set_download(&name);
    link.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Fetches a picture the API serves to those signed in (a store item's)
/// as a `blob:` address an `<img>` can show.
pub async fn picture(path: &str) -> ApiResult<String> {
    fetched(path).await.map(|(url, _)| url)
}

/// Fetches `path` as the signed-in user into a `blob:` address, with the
/// file name its answer gives.
async fn fetched(path: &str) -> ApiResult<(String, Option<String>)> {
    let res = authorized(Method::Get, path, None, None).await?;
    if !res.ok() {
        return Err(error_of(res).await);
    }
    // The name as written (`filename*`, UTF-8), else its plain stand-in.
    let name = res.headers().get("content-disposition").and_then(|d| {
        let written = d.split(';').find_map(|p| {
            p.trim()
                .strip_prefix("filename*=UTF-8''")
                .and_then(|n| js_sys::decode_uri_component(n).ok())
                .and_then(|n| n.as_string())
        });
        written.or_else(|| {
            d.split("filename=\"")
                .nth(1)
                .map(|n| n.trim_end_matches('"').to_string())
        })
    });
    let kind = res.headers().get("content-type").unwrap_or_default();
    let bytes = res.binary().await.map_err(ApiError::network)?;
    let fail = |_| ApiError::network("the browser refused the file");
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(&bytes[..]));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(&kind);
    let blob =
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    Ok((url, name))
}

async fn decode<T: DeserializeOwned>(res: Response) -> ApiResult<T> {
    if !res.ok() {
        return Err(error_of(res).await);
    }
    if res.status() == 204 {
        return serde_json::from_str("null").map_err(ApiError::network);
    }
    res.json::<T>().await.map_err(ApiError::network)
}

/// Calls a route that needs no sign-in (sign-in itself, registration, resets).
async fn public<T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> ApiResult<T> {
    decode(send(method, path, None, body.as_ref()).await?).await
}

pub async fn get<T: DeserializeOwned>(path: &str) -> ApiResult<T> {
    call(Method::Get, path, None).await
}

/// The 422 the server gives for `errors`, said without a round trip.
pub fn invalid(errors: Vec<rapport_domain::problem::FieldError>) -> ApiError {
    ApiError {
        status: 422,
        problem: Some(Problem {
            kind: "about:blank".into(),
            title: "Invalid input".into(),
            status: 422,
            detail: None,
            code: "validation".into(),
            errors,
        }),
        ..Default::default()
    }
}

/// Checks `body` with the same validation the server runs, so that invalid
/// fields are said at once and the same way (a 422 with field errors),
/// without a round trip.
pub fn checked<B: Serialize + Validate>(body: &B) -> ApiResult<serde_json::Value> {
    if let Err(errors) = body.validate() {
        return Err(invalid(errors));
    }
    serde_json::to_value(body).map_err(ApiError::network)
}

/// Sends one of the domain's request types, checked first.
pub async fn submit<B: Serialize + Validate, T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: &B,
) -> ApiResult<T> {
    call(method, path, Some(checked(body)?)).await
}

/// Sends a request type to a route that needs no sign-in, checked first.
pub async fn submit_public<B: Serialize + Validate, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> ApiResult<T> {
    public(Method::Post, path, Some(checked(body)?)).await
}

pub async fn post<B: Serialize + Validate, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> ApiResult<T> {
    submit(Method::Post, path, body).await
}

/// A POST whose route takes no body (resending an invitation).
pub async fn post_empty<T: DeserializeOwned>(path: &str) -> ApiResult<T> {
    call(Method::Post, path, None).await
}

pub async fn patch<B: Serialize + Validate, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> ApiResult<T> {
    submit(Method::Patch, path, body).await
}

/// A `PATCH` of the record at `version`: refused (412) when it moved on.
pub async fn patch_at<B: Serialize + Validate, T: DeserializeOwned>(
    path: &str,
    version: i32,
    body: &B,
) -> ApiResult<T> {
    call_if(Method::Patch, path, Some(checked(body)?), Some(version)).await
}

/// A `PUT` over the document at `version`: refused (412) when it moved on.
pub async fn put_at<B: Serialize + Validate, T: DeserializeOwned>(
    path: &str,
    version: i32,
    body: &B,
) -> ApiResult<T> {
    call_if(Method::Put, path, Some(checked(body)?), Some(version)).await
}

pub async fn put<B: Serialize + Validate, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> ApiResult<T> {
    submit(Method::Put, path, body).await
}

/// Sends a file the person picked as the body of a POST.
pub async fn upload<T: DeserializeOwned>(path: &str, file: web_sys::File) -> ApiResult<T> {
    decode(authorized(Method::Post, path, Some(Body::File(file)), None).await?).await
}

/// Puts `file` at `path` as the request body (a store item's picture).
pub async fn put_file<T: DeserializeOwned>(path: &str, file: web_sys::File) -> ApiResult<T> {
    decode(authorized(Method::Put, path, Some(Body::File(file)), None).await?).await
}

pub async fn delete(path: &str) -> ApiResult<()> {
    call::<()>(Method::Delete, path, None).await
}

/// A `DELETE` of the record at `version`: refused (412) when it moved on.
pub async fn delete_at(path: &str, version: i32) -> ApiResult<()> {
    call_if::<()>(Method::Delete, path, None, Some(version)).await
}

fn use_session() -> Option<Session> {
    crate::session::try_current()
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    js_sys::encode_uri_component(s).into()
}
