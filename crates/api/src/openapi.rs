//! The OpenAPI document: paths and schemas come from the routes' annotations;
//! the conventions every route shares (security schemes, problem answers,
//! `Idempotency-Key`, `If-Match`) are added here in one place.

use rapport_domain::problem::Problem;
use serde_json::{json, Value};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rapport API",
        description = "One relationship-management platform for schools, tutors, certification programmes, sales teams and support desks.\n\n\
            Authenticate with `Authorization: Bearer <access token>` (from `/api/v1/auth/login`) or with an API key \
            `Authorization: Bearer rpk_<prefix>_<secret>`. The workspace comes from the token or key, never from the path. \
            Errors are RFC 9457 `application/problem+json`. The `security` of each operation names, as its scope, \
            the permission the operation needs.",
        license(name = "AGPL-3.0-only"),
    ),
    components(schemas(Problem)),
    tags(
        (name = "auth", description = "Sign-up, sign-in and sessions"),
        (name = "me", description = "The signed-in user"),
        (name = "workspaces", description = "Workspaces and templates, and the export of everything a workspace holds"),
        (name = "members", description = "Members and roles"),
        (name = "people", description = "People: contacts, customers, students, practitioners"),
        (name = "branches", description = "Branches: the places a workspace works from, the branch of each person and of each member; a moderator given branches sees the people of those only"),
        (name = "organizations", description = "Organisations: companies and client companies"),
        (name = "custom-fields", description = "The fields a workspace adds to people, organisations and groups"),
        (name = "imports", description = "Importing people and organisations from CSV and XLSX files: mapping, dry run, a background run with progress events, a report of rejected rows"),
        (name = "search", description = "One search across people, organisations and groups"),
        (name = "messaging", description = "Conversations between members, an admin's broadcasts and each member's notifications, in one inbox: unread counts, read receipts, live delivery; a member reads only the conversations they are in"),
        (name = "notes", description = "Notes on people, organisations and groups, in Markdown shown safely; each record's timeline lists them with its changes"),
        (name = "groups", description = "Groups: classes, cohorts, teams and segments, and who belongs to them when"),
        (name = "sessions", description = "Sessions: lessons, tutoring sessions, consultations and meetings, with their host and participants; a host is never booked twice at once"),
        (name = "ledger", description = "The ledger: money and medals as append-only entries per person, corrected by compensating entries, with balances that are their sums"),
        (name = "medals", description = "Medals: awarded within monthly limits, a bronze for each lesson attended, exchanged for silver"),
        (name = "store", description = "The reward store: items priced in medals, bought with one's balance, orders fulfilled or cancelled and refunded"),
        (name = "dashboards", description = "What each role looks at first: a school's enrolment, attendance by class, money this month and top medal earners; a tutoring business's sessions to come and to log, new students and this month's money"),
        (name = "finance", description = "Finance: rates per student and tutor pay rates, invoices from completed sessions with gapless numbers and PDFs, credit notes, payments applied to the oldest invoice first, and revenue, cost and margin by month, student, tutor and branch"),
        (name = "payments", description = "Tuition: fee plans and discounts, monthly charges, payments applied to the oldest charge first with gapless receipts, and debts by age"),
        (name = "invitations", description = "Inviting people"),
        (name = "api-keys", description = "Keys for integrations"),
        (name = "audit", description = "The hash-chained audit trail"),
        (name = "events", description = "The event log and the WebSocket"),
        (name = "mail", description = "Mail kept when no SMTP server is configured"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct BaseDoc;

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    })
}

/// Adds what every operation shares, and returns the finished document.
pub fn finish(doc: utoipa::openapi::OpenApi) -> Value {
    let mut v = serde_json::to_value(&doc).unwrap_or(Value::Null);
    v["components"]["securitySchemes"] = json!({
        "bearer": {
            "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
            "description": "An access token from sign-in, valid 15 minutes."
        },
        "api_key": {
            "type": "http", "scheme": "bearer", "bearerFormat": "rpk_<prefix>_<secret>",
            "description": "An API key of the workspace, limited by its scopes."
        }
    });
    if let Some(paths) = v["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                decorate(path, method, op);
            }
        }
    }
    v
}

/// A unique, readable operation id: `patch_members_by_user_id`.
fn operation_id(method: &str, path: &str) -> String {
    let tail = path
        .strip_prefix("/api/v1/")
        .unwrap_or(path.trim_start_matches('/'));
    let mut id = String::from(method);
    for part in tail.split('/').filter(|p| !p.is_empty()) {
        id.push('_');
        match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(param) => {
                id.push_str("by_");
                id.push_str(param);
            }
            None => id.extend(
                part.chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }),
            ),
        }
    }
    id
}

fn decorate(path: &str, method: &str, op: &mut Value) {
    op["operationId"] = Value::String(operation_id(method, path));
    let secured = op["security"].as_array().is_some_and(|reqs| {
        reqs.iter()
            .any(|r| r.as_object().is_some_and(|o| !o.is_empty()))
    });
    let only_secured = op["security"].as_array().is_some_and(|reqs| {
        reqs.iter()
            .all(|r| r.as_object().is_some_and(|o| !o.is_empty()))
    });
    let has_body = op.get("requestBody").is_some();
    let has_path_params = path.contains('{');
    let has_query = op["parameters"]
        .as_array()
        .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
    let api = path.starts_with("/api/v1/");
    let key_limited = crate::auth::covers(path)
        || op["security"]
            .as_array()
            .is_some_and(|r| r.iter().any(|s| s.get("api_key").is_some()));
    let mut add = |status: &str, description: &str| {
        if op["responses"].get(status).is_none() {
            op["responses"][status] = problem(description);
        }
    };
    // A POST of the API takes an Idempotency-Key, which may be malformed.
    let idempotent = method == "post" && api && !crate::auth::covers(path);
    if has_body || has_query || has_path_params || idempotent {
        add("400", "Malformed request (not JSON, or a malformed header)");
    }
    if only_secured {
        add("401", "Not authenticated");
    } else if api {
        // Any request whose Authorization header names a credential that is
        // not valid (an ended session, a revoked key) is refused, even here.
        add(
            "401",
            "The Authorization header names a credential that is not valid",
        );
    }
    if secured {
        add(
            "403",
            "Authenticated, but the role or the key's scopes do not allow this",
        );
    }
    if has_path_params {
        add("404", "No such record in this workspace");
    }
    if matches!(method, "patch" | "put" | "delete") && has_path_params {
        add(
            "412",
            "The record changed since the version named in If-Match",
        );
    }
    if has_body {
        add("413", "The body is larger than allowed");
        add("422", "Invalid fields");
    } else if has_query {
        add("422", "Invalid parameters");
    } else if idempotent {
        add("422", "The Idempotency-Key was used with another request");
    }
    if idempotent {
        add(
            "409",
            "A request with this Idempotency-Key is still running",
        );
    }
    if key_limited {
        add("429", "Too many requests");
    }
    if api {
        add(
            "503",
            "The database cannot be reached, or the server is too busy; retry after `Retry-After`",
        );
    }
    let mut params = |p: Value| {
        if !op["parameters"].is_array() {
            op["parameters"] = json!([]);
        }
        if let Some(list) = op["parameters"].as_array_mut() {
            list.push(p);
        }
    };
    if idempotent {
        params(json!({
            "name": "Idempotency-Key", "in": "header", "required": false,
            "description": "Replays the first answer to a repeated request for 24 hours.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255}
        }));
    }
    if matches!(method, "patch" | "put" | "delete") && has_path_params {
        params(json!({
            "name": "If-Match", "in": "header", "required": false,
            "description": "The version you read, as `\"<version>\"`; a newer version answers 412.",
            "schema": {"type": "string"}
        }));
    }
}

/// The document as committed in `openapi/openapi.json`.
pub fn to_pretty_json(doc: &Value) -> String {
    let mut s = serde_json::to_string_pretty(doc).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn operation_ids_name_method_and_path() {
        assert_eq!(
            super::operation_id("patch", "/api/v1/members/{user_id}"),
            "patch_members_by_user_id"
        );
        assert_eq!(
            super::operation_id("get", "/api/v1/api-keys"),
            "get_api_keys"
        );
        assert_eq!(super::operation_id("get", "/healthz"), "get_healthz");
    }
}
