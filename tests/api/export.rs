use rapport_tests::{Session, TestApp};
use serde_json::json;

/// The file's rows (the header first), read back as a spreadsheet would.
async fn csv(app: &TestApp, by: &Session, path: &str) -> Vec<Vec<String>> {
    let res = app.get(path, &by.access).await.expect(200);
    assert_eq!(
        res.header("content-type"),
        Some("text/csv; charset=utf-8"),
        "{path}"
    );
    assert!(
        res.header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment; filename=")),
        "{path}"
    );
    let text = res
        .text
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark first, for spreadsheets");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filtered_list_exports_as_csv_with_every_row_once_and_no_formula() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    app.post(
        "/api/v1/custom-fields",
        Some(&owner.access),
        json!({"record_type": "person", "label": "Interests", "kind": "multi_select",
               "options": ["chess", "go"]}),
    )
    .await
    .expect(201);
    let org: serde_json::Value = app
        .post(
            "/api/v1/organizations",
            Some(&owner.access),
            json!({"name": "Globex, Inc.", "domain": "globex.example"}),
        )
        .await
        .expect(201)
        .body;
    app.post(
        "/api/v1/people",
        Some(&owner.access),
        json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@globex.example",
               "phone": "+44 20 7946 0000", "organization_id": org["id"], "tags": ["vip", "board"],
               "custom_fields": {"interests": ["chess", "go"]}}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/people",
        Some(&owner.access),
        json!({"first_name": "=HYPERLINK(\"http://evil.example\")", "last_name": "Quote \"me\"", "tags": ["vip"]}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/people",
        Some(&owner.access),
        json!({"first_name": "Bob", "tags": ["other"]}),
    )
    .await
    .expect(201);

    let rows = csv(&app, &owner, "/api/v1/people/export.csv?tag=vip").await;
    assert_eq!(rows[0][..4], ["id", "first_name", "last_name", "email"]);
    assert_eq!(rows.len(), 3, "the header and the two with the tag");
    let ada = rows.iter().find(|r| r[1] == "Ada").unwrap();
    assert_eq!(ada[3], "ada@globex.example");
    assert_eq!(ada[4], "'+44 20 7946 0000", "a leading + is not a formula");
    assert_eq!(ada[6], "Globex, Inc.", "the organisation by name");
    assert_eq!(ada[7], "vip; board");
    assert_eq!(
        rows[0].last().unwrap(),
        "Interests",
        "a column per custom field"
    );
    assert_eq!(ada.last().unwrap(), "chess; go");
    let evil = rows.iter().find(|r| r[2] == "Quote \"me\"").unwrap();
    assert!(
        evil[1].starts_with("'="),
        "a formula is defused: {}",
        evil[1]
    );

    // The same sort as the list.
    let sorted = csv(&app, &owner, "/api/v1/people/export.csv?sort=-name").await;
    let names: Vec<&str> = sorted[1..].iter().map(|r| r[2].as_str()).collect();
    assert_eq!(names, ["Quote \"me\"", "Lovelace", ""]);

    let orgs = csv(&app, &owner, "/api/v1/organizations/export.csv").await;
    assert_eq!(orgs.len(), 2);
    assert_eq!(orgs[1][1], "Globex, Inc.");
    assert_eq!(orgs[1][2], "globex.example");
    assert_eq!(orgs[0][4], "phone");
    assert_eq!(orgs[1][4], "", "each value under its own column");

    // The same list as a workbook: the same cells, text as it is (a text
    // cell is never a formula), read back by a spreadsheet library.
    let res = app
        .get(
            "/api/v1/people/export.xlsx?tag=vip&sort=name",
            &owner.access,
        )
        .await
        .expect(200);
    assert_eq!(
        res.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    assert!(res
        .header("content-disposition")
        .is_some_and(|d| d.contains("people-") && d.ends_with(".xlsx\"")));
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(res.bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let cells: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(cells.len(), 3);
    assert_eq!(cells[0][..3], ["id", "first_name", "last_name"]);
    assert_eq!(cells[0].last().unwrap(), "Interests");
    let ada = cells.iter().find(|r| r[1] == "Ada").unwrap();
    assert_eq!(ada[4], "+44 20 7946 0000", "no quote needed in a text cell");
    assert_eq!(ada[6], "Globex, Inc.");
    assert_eq!(ada.last().unwrap(), "chess; go");
    assert!(cells
        .iter()
        .any(|r| r[1] == "=HYPERLINK(\"http://evil.example\")"));
    // Any other form is not a route.
    app.get("/api/v1/people/export.pdf", &owner.access)
        .await
        .expect(404);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_export_streams_every_row_once_and_keeps_to_what_the_caller_sees() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let student = app.add_member(&owner, "member").await;
    let stranger = app.register("school").await;
    // More rows than one chunk, straight into the table.
    app.sql()
        .await
        .execute(
            "INSERT INTO people (workspace_id, id, first_name, last_name)
             SELECT $1, gen_random_uuid(), 'P' || n, 'Row ' || lpad(n::text, 5, '0')
             FROM generate_series(1, 2500) n",
            &[&owner.workspace_id],
        )
        .await
        .unwrap();
    app.post(
        "/api/v1/people",
        Some(&stranger.access),
        json!({"first_name": "Theirs"}),
    )
    .await
    .expect(201);
    let rows = csv(&app, &owner, "/api/v1/people/export.csv").await;
    assert_eq!(rows.len(), 2501, "the header and every row");
    let mut ids: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    let names: Vec<&str> = rows[1..].iter().map(|r| r[2].as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "in the list's order");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 2500, "each once");
    assert!(!rows.iter().any(|r| r[1] == "Theirs"));

    // The same rows as a workbook, written as they are read: every row
    // once, in order, the header bold and frozen, the filter over them all.
    let res = app
        .get("/api/v1/people/export.xlsx", &owner.access)
        .await
        .expect(200);
    let bytes = res.bytes.clone();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(res.bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let cells: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(cells.len(), 2501);
    assert_eq!(cells[0][0], "id");
    let workbook_names: Vec<&str> = cells[1..].iter().map(|r| r[2].as_str()).collect();
    assert_eq!(workbook_names, names, "the CSV's rows, in the same order");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut xml,
    )
    .unwrap();
    let last = cells[0].len() - 1;
    let last = (b'A' + last as u8) as char;
    assert!(xml.contains(&format!("<autoFilter ref=\"A1:{last}2501\"/>")));
    assert!(xml.contains("state=\"frozen\""));
    assert!(
        xml.contains("<c r=\"A1\" t=\"inlineStr\" s=\"1\">"),
        "the header in bold"
    );
    assert!(!xml.contains("<f>"), "no formula anywhere");

    // A student's export holds themself only (here: no one).
    let mine = csv(&app, &student, "/api/v1/people/export.csv").await;
    assert_eq!(mine.len(), 1, "the header alone");
    // Bad filters are refused before anything is streamed.
    app.get("/api/v1/people/export.csv?status=nope", &owner.access)
        .await
        .expect(422);
    // A school has no organisations.
    let res = app
        .get("/api/v1/organizations/export.csv", &owner.access)
        .await
        .expect(403);
    assert_eq!(res.body["code"], "module_disabled");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_export_with_their_leader_and_how_many_belong_today() {
    let app = TestApp::start().await;
    let owner = app.register("school").await;
    let teacher = app.add_member(&owner, "staff").await;
    app.post(
        "/api/v1/custom-fields",
        Some(&owner.access),
        json!({"record_type": "group", "label": "Room", "kind": "text"}),
    )
    .await
    .expect(201);
    let class: serde_json::Value = app
        .post(
            "/api/v1/groups",
            Some(&owner.access),
            json!({"name": "Python, Tuesday", "kind": "class", "leader_id": teacher.user_id,
                   "tags": ["python"], "custom_fields": {"room": "B12"}}),
        )
        .await
        .expect(201)
        .body;
    app.post(
        "/api/v1/groups",
        Some(&owner.access),
        json!({"name": "Robotics", "kind": "class"}),
    )
    .await
    .expect(201);
    for name in ["Ada", "Bo"] {
        let p: serde_json::Value = app
            .post(
                "/api/v1/people",
                Some(&owner.access),
                json!({"first_name": name}),
            )
            .await
            .expect(201)
            .body;
        app.post(
            &format!("/api/v1/groups/{}/members", class["id"].as_str().unwrap()),
            Some(&owner.access),
            json!({"person_id": p["id"]}),
        )
        .await
        .expect(201);
    }
    let rows = csv(&app, &owner, "/api/v1/groups/export.csv?tag=python").await;
    assert_eq!(rows.len(), 2, "the header and the tagged class: {rows:?}");
    assert_eq!(
        rows[0],
        [
            "id",
            "name",
            "kind",
            "course",
            "description",
            "leader",
            "members",
            "tags",
            "created_at",
            "updated_at",
            "Room"
        ]
    );
    let python = &rows[1];
    assert_eq!(python[1], "Python, Tuesday");
    assert_eq!(python[2], "class");
    assert!(!python[5].is_empty(), "the leader by name");
    assert_eq!(python[6], "2");
    assert_eq!(python[10], "B12");
    let all = app
        .get("/api/v1/groups/export.xlsx?sort=name", &owner.access)
        .await
        .expect(200);
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(all.bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let names: Vec<String> = sheet.rows().skip(1).map(|r| r[1].to_string()).collect();
    assert_eq!(names, ["Python, Tuesday", "Robotics"]);
    app.stop().await;
}

/// An export holds a database connection until its file is sent, so only a
/// few stream at once: one more answers 429 with `Retry-After` and nothing
/// else waits; when a download ends (or its client goes away), its place
/// is free again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_beyond_the_servers_places_wait_their_turn_with_429() {
    let app = TestApp::start_with(|c| c.export_slots = 1).await;
    let owner = app.register("school").await;
    // Enough that the first file cannot fit in the sockets' buffers while
    // nobody reads it.
    app.post(
        "/api/v1/custom-fields",
        Some(&owner.access),
        json!({"record_type": "person", "label": "Bio", "kind": "text"}),
    )
    .await
    .expect(201);
    app.sql()
        .await
        .execute(
            "INSERT INTO people (workspace_id, id, first_name, last_name, custom_fields)
             SELECT $1, gen_random_uuid(), 'P' || n, 'Row',
                    jsonb_build_object('bio', repeat('x', 2000))
             FROM generate_series(1, 20000) n",
            &[&owner.workspace_id],
        )
        .await
        .unwrap();
    let mut first = app
        .client
        .get(format!("{}/api/v1/people/export.csv", app.base))
        .bearer_auth(&owner.access)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    assert!(first.chunk().await.unwrap().is_some(), "the file has begun");

    let res = app.get("/api/v1/people/export.xlsx", &owner.access).await;
    assert_eq!(res.status, 429, "{:?}", res.body);
    assert_eq!(res.header("retry-after"), Some("5"));
    assert_eq!(res.body["code"], "rate_limited");
    // Everything else is answered meanwhile.
    app.get("/api/v1/people?limit=5", &owner.access)
        .await
        .expect(200);

    // The client of the first goes away: its place is given back.
    drop(first);
    let mut answered = 0;
    for _ in 0..100 {
        answered = app
            .get("/api/v1/people/export.csv?q=P1", &owner.access)
            .await
            .status;
        if answered == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(answered, 200, "the place is free again");
    app.stop().await;
}
