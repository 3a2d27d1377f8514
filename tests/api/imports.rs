use rapport_domain::api::{
    ApiKeyCreated, ImportPreview, ImportView, OrganizationView, Page, PersonView,
};
use rapport_domain::imports::{ImportRecord, ImportSettings, ImportStatus, RowAction};
use rapport_tests::{Session, TestApp};
use serde_json::{json, Value};
use std::time::Duration;

const CSV: &str = "text/csv";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn upload(app: &TestApp, by: &Session, name: &str, kind: &str, bytes: Vec<u8>) -> ImportView {
    app.upload(
        &format!("/api/v1/imports?record_type=person&filename={name}"),
        &by.access,
        kind,
        bytes,
    )
    .await
    .expect(201)
    .read()
}

async fn preview(app: &TestApp, by: &Session, i: &ImportView, s: &ImportSettings) -> ImportPreview {
    app.post(
        &format!("/api/v1/imports/{}/preview", i.id),
        Some(&by.access),
        serde_json::to_value(s).unwrap(),
    )
    .await
    .expect(200)
    .read()
}

/// Starts the run and waits until the worker has finished it.
async fn run(app: &TestApp, by: &Session, i: &ImportView, s: &ImportSettings) -> ImportView {
    let queued: ImportView = app
        .post(
            &format!("/api/v1/imports/{}/run", i.id),
            Some(&by.access),
            serde_json::to_value(s).unwrap(),
        )
        .await
        .expect(202)
        .read();
    assert_eq!(queued.status, ImportStatus::Queued);
    finished(app, by, i).await
}

async fn finished(app: &TestApp, by: &Session, i: &ImportView) -> ImportView {
    for _ in 0..3000 {
        let now: ImportView = app
            .get(&format!("/api/v1/imports/{}", i.id), &by.access)
            .await
            .expect(200)
            .read();
        if now.status.is_finished() {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the import did not finish");
}

async fn people(app: &TestApp, by: &Session) -> Vec<PersonView> {
    let page: Page<PersonView> = app
        .get("/api/v1/people?limit=100&sort=created_at", &by.access)
        .await
        .expect(200)
        .read();
    page.data
}

fn fields(s: &ImportSettings) -> Vec<Option<&str>> {
    s.columns.iter().map(|c| c.field.as_deref()).collect()
}

/// Latin-1 bytes of `text` (every character below U+0100).
fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(c as u32).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_latin1_csv_of_good_and_bad_rows_imports_the_good_ones_reports_the_bad_and_runs_again_to_no_effect(
) {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    app.post(
        "/api/v1/custom-fields",
        Some(&owner.access),
        json!({"record_type": "person", "label": "Date of birth", "kind": "date"}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/custom-fields",
        Some(&owner.access),
        json!({"record_type": "person", "label": "Level", "kind": "select", "options": ["Beginner", "Advanced"]}),
    )
    .await
    .expect(201);
    let north: Value = app
        .post(
            "/api/v1/organizations",
            Some(&owner.access),
            json!({"name": "North School", "domain": "north.example"}),
        )
        .await
        .expect(201)
        .body;
    let kept: PersonView = app
        .post(
            "/api/v1/people",
            Some(&owner.access),
            json!({"first_name": "Existing", "email": "zoe@example.com"}),
        )
        .await
        .expect(201)
        .read();

    let file = "Pupils exported 2026-09-01;;;;;\n\
                Prénom;Nom;Courriel;Date of birth;Level;École\n\
                Zoë;Brontë;zoe@example.com;10/12/2015;beginner;North School\n\
                Émile;Zola;emile@example.com;31/01/2014;Advanced;north.example\n\
                Ada;Lovelace;not-an-address;01/02/2013;Beginner;\n\
                Alan;Turing;alan@example.com;31/02/2013;Beginner;\n\
                Grace;Hopper;grace@example.com;01/03/2012;Expert;\n\
                Marie;Curie;marie@example.com;07/11/2011;Advanced;South School\n\
                ;;;;;\n\
                Emmy;Noether;emile@example.com;23/03/2010;Advanced;\n";
    let draft = upload(&app, &owner, "pupils.csv", CSV, latin1(file)).await;
    assert_eq!(draft.status, ImportStatus::Draft);
    assert_eq!(draft.format, "csv");
    assert_eq!(draft.settings.header_row, 2, "the title row is passed over");
    assert_eq!(draft.columns[0].header, "Prénom", "Latin-1 is read as such");
    assert_eq!(draft.columns[1].samples, ["Brontë", "Zola", "Lovelace"]);
    assert_eq!(draft.counts.total, 7, "the empty row is not a row");
    let mut settings = draft.settings.clone();
    assert_eq!(
        fields(&settings),
        [
            Some("first_name"),
            Some("last_name"),
            Some("email"),
            Some("custom_fields.date_of_birth"),
            Some("custom_fields.level"),
            None
        ]
    );
    assert_eq!(
        serde_json::to_value(settings.columns[3].date_order).unwrap(),
        "dmy",
        "a day above 12 in the samples says the day comes first"
    );
    // The school's column is the organisation; new ones are created.
    settings.columns[5].field = Some("organization".into());
    settings.create_organizations = true;

    let dry = preview(&app, &owner, &draft, &settings).await;
    assert_eq!(dry.counts.total, 7);
    assert_eq!(
        (dry.counts.created, dry.counts.skipped, dry.counts.rejected),
        (2, 1, 4),
        "{:?}",
        dry.errors
    );
    assert_eq!(dry.new_organizations, 1, "South School");
    assert_eq!(dry.rows[0].row, 3, "rows are numbered as in the file");
    assert_eq!(dry.rows[0].action, RowAction::Skip);
    assert_eq!(dry.rows[1].action, RowAction::Create);
    assert_eq!(
        dry.rows[1].values["custom_fields.date_of_birth"],
        "2014-01-31"
    );
    let reasons: Vec<(u32, &str, Option<u32>)> = dry
        .errors
        .iter()
        .map(|e| (e.row, e.reason.split(':').next().unwrap(), e.column))
        .collect();
    assert_eq!(
        reasons,
        [
            (5, "email", Some(2)),
            (6, "custom_fields.date_of_birth", Some(3)),
            (7, "custom_fields.level", Some(4)),
            (10, "email", Some(2))
        ],
        "each rejection names the column of the cell at fault"
    );
    // The preview shows the file's own cells and marks the one at fault.
    let ada = dry.rows.iter().find(|r| r.row == 5).unwrap();
    assert_eq!(ada.action, RowAction::Reject);
    assert_eq!(ada.column, Some(2));
    assert_eq!(ada.cells[ada.column.unwrap() as usize], "not-an-address");
    assert_eq!(ada.cells[0], "Ada");
    assert_eq!(
        dry.rows[0].column, None,
        "a skipped row has no cell at fault"
    );
    assert_eq!(
        people(&app, &owner).await.len(),
        1,
        "a dry run writes nothing"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM organizations").await,
        1,
        "nor creates an organisation"
    );

    let done = run(&app, &owner, &draft, &settings).await;
    assert_eq!(done.status, ImportStatus::Completed);
    let c = done.counts;
    assert_eq!(
        (c.processed, c.created, c.updated, c.skipped, c.rejected),
        (7, 2, 0, 1, 4)
    );
    let all = people(&app, &owner).await;
    assert_eq!(all.len(), 3);
    let emile = all.iter().find(|p| p.first_name == "Émile").unwrap();
    assert_eq!(emile.last_name, "Zola");
    assert_eq!(
        emile.organization_id.map(|o| o.to_string()),
        north["id"].as_str().map(String::from),
        "matched by domain"
    );
    assert_eq!(
        Value::Object(emile.custom_fields.clone()),
        json!({"date_of_birth": "2014-01-31", "level": "Advanced"})
    );
    let marie = all.iter().find(|p| p.first_name == "Marie").unwrap();
    let south: Value = app
        .get(
            &format!("/api/v1/organizations/{}", marie.organization_id.unwrap()),
            &owner.access,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(south["name"], "South School", "created when asked");
    let zoe = all.iter().find(|p| p.id == kept.id).unwrap();
    assert_eq!(zoe.first_name, "Existing", "a duplicate is skipped");

    // Each created record is audited as created by the importer, and the
    // chain still verifies.
    let audit = app
        .get(
            "/api/v1/audit?action=person.created&limit=10",
            &owner.access,
        )
        .await
        .expect(200);
    assert_eq!(audit.body["data"].as_array().unwrap().len(), 3);
    assert_eq!(
        audit.body["data"][0]["actor"]["id"],
        owner.user_id.to_string()
    );
    let verify = app
        .get("/api/v1/audit/verify", &owner.access)
        .await
        .expect(200);
    assert_eq!(verify.body["ok"], true);
    // Progress was announced.
    let events = app
        .get("/api/v1/events?after=0&limit=100", &owner.access)
        .await
        .expect(200);
    let last = events.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["type"] == "import.updated")
        .unwrap()
        .clone();
    assert_eq!(last["data"]["status"], "completed");
    assert_eq!(last["data"]["counts"]["created"], 2);

    // The report lists every rejected row, its reason and its cells.
    let report = app
        .get(
            &format!("/api/v1/imports/{}/rejected.csv", draft.id),
            &owner.access,
        )
        .await
        .expect(200);
    assert!(report
        .header("content-disposition")
        .unwrap()
        .contains("pupils-rejected.csv"));
    let lines: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(report.text.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0][..4], ["row", "reason", "Prénom", "Nom"]);
    assert_eq!(lines[1][0], "5");
    assert!(lines[1][1].starts_with("email:"), "{}", lines[1][1]);
    assert_eq!(lines[1][2..5], ["Ada", "Lovelace", "not-an-address"]);
    assert!(
        lines[4][1].contains("row 4 "),
        "the same address as Émile's row: {}",
        lines[4][1]
    );

    // The same file again: the mapping comes back, and nothing changes.
    let again = upload(&app, &owner, "pupils.csv", CSV, latin1(file)).await;
    assert_eq!(
        again.settings, settings,
        "the mapping is kept for next time"
    );
    let second = run(&app, &owner, &again, &again.settings).await;
    let c = second.counts;
    assert_eq!((c.created, c.updated, c.skipped, c.rejected), (0, 0, 3, 4));
    assert_eq!(people(&app, &owner).await.len(), 3);
    assert_eq!(app.count("SELECT count(*) FROM organizations").await, 2);

    // A deleted person never blocks a re-import: the row creates them anew.
    app.delete(&format!("/api/v1/people/{}", emile.id), &owner.access)
        .await
        .expect(204);
    let third = upload(&app, &owner, "pupils.csv", CSV, latin1(file)).await;
    let done = run(&app, &owner, &third, &third.settings).await;
    assert_eq!(done.counts.created, 1);
    let now = people(&app, &owner).await;
    assert!(now
        .iter()
        .any(|p| p.first_name == "Émile" && p.id != emile.id));

    let list: Page<ImportView> = app
        .get("/api/v1/imports", &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!(list.data.len(), 3);
    assert_eq!(list.data[0].id, third.id, "newest first");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_xlsx_with_real_dates_updates_duplicates_when_asked_and_then_changes_nothing() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    app.post(
        "/api/v1/custom-fields",
        Some(&owner.access),
        json!({"record_type": "person", "label": "Birthday", "kind": "date"}),
    )
    .await
    .expect(201);
    let ada: PersonView = app
        .post(
            "/api/v1/people",
            Some(&owner.access),
            json!({"first_name": "Ada", "last_name": "Byron", "email": "ada@example.com", "tags": ["old"]}),
        )
        .await
        .expect(201)
        .read();

    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let date = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    for (c, h) in ["Name", "E-mail", "Phone", "Birthday", "Tags", "Owner"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let rows = [
        (
            "Ada Lovelace",
            "ADA@example.com",
            44_203_000_000_f64,
            (1985, 12, 10),
            "maths",
            owner.email.as_str(),
        ),
        (
            "Alan Turing",
            "alan@example.com",
            44_203_000_001_f64,
            (1992, 6, 23),
            "",
            "",
        ),
        (
            "Grace Hopper",
            "grace@example.com",
            44_203_000_002_f64,
            (1996, 12, 9),
            "navy; code",
            "nobody@example.com",
        ),
    ];
    for (r, (name, mail, phone, (y, m, d), tags, who)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, *name).unwrap();
        sheet.write_string(r, 1, *mail).unwrap();
        sheet.write_number(r, 2, *phone).unwrap();
        let when = rust_xlsxwriter::ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
        sheet
            .write_datetime_with_format(r, 3, &when, &date)
            .unwrap();
        sheet.write_string(r, 4, *tags).unwrap();
        sheet.write_string(r, 5, *who).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();

    let draft = upload(&app, &owner, "contacts.xlsx", XLSX, bytes.clone()).await;
    assert_eq!(draft.format, "xlsx");
    assert_eq!(draft.settings.header_row, 1);
    assert_eq!(
        draft.columns[3].samples[0], "1985-12-10",
        "a date cell reads as a date"
    );
    assert_eq!(
        draft.columns[2].samples[0], "44203000000",
        "a whole number has no .0"
    );
    let mut settings = draft.settings.clone();
    assert_eq!(
        fields(&settings),
        [
            Some("full_name"),
            Some("email"),
            Some("phone"),
            Some("custom_fields.birthday"),
            Some("tags"),
            Some("owner")
        ]
    );
    settings.duplicates = rapport_domain::imports::Duplicates::Update;
    let done = run(&app, &owner, &draft, &settings).await;
    let c = done.counts;
    assert_eq!((c.created, c.updated, c.rejected), (1, 1, 1), "{done:?}");
    let ada: PersonView = app
        .get(&format!("/api/v1/people/{}", ada.id), &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!(ada.last_name, "Lovelace", "updated from the row");
    assert_eq!(ada.tags, ["old", "maths"], "tags join");
    assert_eq!(
        ada.owner_id,
        Some(owner.user_id),
        "the owner is matched by e-mail"
    );
    assert_eq!(ada.custom_fields["birthday"], "1985-12-10");
    assert_eq!(ada.version, 2);
    let grace = app
        .get(
            &format!("/api/v1/imports/{}/rejected.csv", draft.id),
            &owner.access,
        )
        .await
        .expect(200);
    assert!(
        grace
            .text
            .contains("owner: no member has this e-mail address"),
        "{}",
        grace.text
    );

    let again = upload(&app, &owner, "contacts.xlsx", XLSX, bytes).await;
    assert_eq!(again.settings, settings);
    let second = run(&app, &owner, &again, &again.settings).await;
    let c = second.counts;
    assert_eq!((c.created, c.updated, c.skipped, c.rejected), (0, 0, 2, 1));
    let ada_after: PersonView = app
        .get(&format!("/api/v1/people/{}", ada.id), &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!(ada_after.version, 2, "running again changes nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_rows_are_rows_of_their_own_and_only_written_rows_make_organisations() {
    use rapport_domain::imports::Duplicates;
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    app.post(
        "/api/v1/custom-fields",
        Some(&owner.access),
        json!({"record_type": "person", "label": "Region", "kind": "text", "required": true}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/people",
        Some(&owner.access),
        json!({"first_name": "Ann", "email": "ann@example.com", "custom_fields": {"region": "North"}}),
    )
    .await
    .expect(201);
    let csv = "Name,Email,Company,Region\nAnn,ann@example.com,Newco,\nBob,,Acme,South\nBob,,Acme,South\nCy,,Acme,\n";
    let draft = upload(&app, &owner, "c.csv", CSV, csv.as_bytes().to_vec()).await;
    let mut settings = draft.settings.clone();
    assert_eq!(
        fields(&settings),
        [
            Some("full_name"),
            Some("email"),
            Some("organization"),
            Some("custom_fields.region")
        ]
    );
    settings.duplicates = Duplicates::Skip;
    settings.create_organizations = true;
    let dry = preview(&app, &owner, &draft, &settings).await;
    let c = dry.counts;
    assert_eq!((c.created, c.skipped, c.rejected), (2, 1, 1), "{dry:?}");
    let done = run(&app, &owner, &draft, &settings).await;
    let c = done.counts;
    assert_eq!(
        (c.created, c.skipped, c.rejected),
        (2, 1, 1),
        "as the dry run said: {done:?}"
    );
    let bobs = people(&app, &owner).await;
    assert_eq!(bobs.iter().filter(|p| p.first_name == "Bob").count(), 2);
    let orgs: Value = app
        .get("/api/v1/organizations?limit=10", &owner.access)
        .await
        .expect(200)
        .read();
    let names: Vec<&str> = orgs["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Acme"], "the skipped row's Newco is not made");

    // The same file again: each row is known, the two Bobs included.
    let again = upload(&app, &owner, "c.csv", CSV, csv.as_bytes().to_vec()).await;
    let done = run(&app, &owner, &again, &settings).await;
    let c = done.counts;
    assert_eq!((c.created, c.skipped, c.rejected), (0, 3, 1), "{done:?}");

    // An update needs no required value the person already has.
    let update = upload(
        &app,
        &owner,
        "u.csv",
        CSV,
        b"Name,Email,Phone\nAnn,ann@example.com,555 0100\nDee,dee@example.com,555 0101\n".to_vec(),
    )
    .await;
    let mut settings = update.settings.clone();
    settings.duplicates = Duplicates::Update;
    let done = run(&app, &owner, &update, &settings).await;
    let c = done.counts;
    assert_eq!((c.created, c.updated, c.rejected), (0, 1, 1), "{done:?}");
    let report = app
        .get(
            &format!("/api/v1/imports/{}/rejected.csv", update.id),
            &owner.access,
        )
        .await
        .expect(200);
    assert!(
        report.text.contains("custom_fields.region"),
        "{}",
        report.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_files_and_settings_are_refused_and_write_nothing() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let path = "/api/v1/imports?record_type=person&filename=x.csv";
    let refused = |res: rapport_tests::Resp, status: u16| {
        let res = res.expect(status);
        assert_eq!(res.header("content-type"), Some("application/problem+json"));
        res
    };
    // Larger than 20 MB.
    let big = vec![b'a'; 20 * 1024 * 1024 + 1];
    refused(app.upload(path, &owner.access, CSV, big).await, 413);
    // Not a table.
    let empty = refused(app.upload(path, &owner.access, CSV, Vec::new()).await, 422);
    assert_eq!(empty.body["errors"][0]["field"], "file");
    let broken = b"PK\x03\x04this is no workbook".to_vec();
    refused(app.upload(path, &owner.access, XLSX, broken).await, 422);
    // A tiny workbook that names a far corner, and a file too wide: refused
    // before anything the size of the sheet is made.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Name").unwrap();
    sheet.write_string(1_048_575, 16_383, "far").unwrap();
    let corner = book.save_to_buffer().unwrap();
    assert!(corner.len() < 20_000);
    let res = refused(app.upload(path, &owner.access, XLSX, corner).await, 422);
    assert_eq!(res.body["errors"][0]["field"], "file");
    let wide = format!("{}\nAda\n", "x,".repeat(1000));
    refused(
        app.upload(path, &owner.access, CSV, wide.into_bytes())
            .await,
        422,
    );
    let unterminated = b"a,b\n\"never closed,1\n".to_vec();
    let res = app.upload(path, &owner.access, CSV, unterminated).await;
    assert!(res.status == 201 || res.status == 422, "{}", res.status);
    // Unknown record type, a missing name.
    refused(
        app.upload(
            "/api/v1/imports?record_type=planet&filename=x.csv",
            &owner.access,
            CSV,
            b"a\n1".to_vec(),
        )
        .await,
        422,
    );
    refused(
        app.upload(
            "/api/v1/imports?record_type=person&filename=%20",
            &owner.access,
            CSV,
            b"a\n1".to_vec(),
        )
        .await,
        422,
    );
    let imports_before = app
        .count("SELECT count(*) FROM imports WHERE status = 'draft'")
        .await;

    let draft = upload(
        &app,
        &owner,
        "ok.csv",
        CSV,
        b"First name,Email\nAda,ada@example.com\n".to_vec(),
    )
    .await;
    assert_eq!(
        app.count("SELECT count(*) FROM imports WHERE status = 'draft'")
            .await,
        imports_before + 1
    );
    let bad_settings = [
        json!({"header_row": 1, "columns": [{"field": "first_name"}]}),
        json!({"header_row": 1, "columns": [{"field": "first_name"}, {"field": "first_name"}]}),
        json!({"header_row": 1, "columns": [{"field": "first_name"}, {"field": "salary"}]}),
        json!({"header_row": 1, "columns": [{"field": "email"}, {"field": null}]}),
        json!({"header_row": 9, "columns": [{"field": "first_name"}, {"field": "email"}]}),
        json!({"header_row": 1, "columns": [{"field": "first_name"}, {"field": "custom_fields.nope"}]}),
    ];
    for s in &bad_settings {
        for verb in ["preview", "run"] {
            refused(
                app.post(
                    &format!("/api/v1/imports/{}/{verb}", draft.id),
                    Some(&owner.access),
                    s.clone(),
                )
                .await,
                422,
            );
        }
    }
    let unknown = json!({"header_row": 1, "columns": [], "colour": "red"});
    refused(
        app.post(
            &format!("/api/v1/imports/{}/run", draft.id),
            Some(&owner.access),
            unknown,
        )
        .await,
        422,
    );
    assert_eq!(people(&app, &owner).await.len(), 0);

    // Another workspace's import is not there; staff and a key without the
    // scope may not import.
    let other = app.register("sales").await;
    let settings = serde_json::to_value(&draft.settings).unwrap();
    for verb in ["preview", "run"] {
        refused(
            app.post(
                &format!("/api/v1/imports/{}/{verb}", draft.id),
                Some(&other.access),
                settings.clone(),
            )
            .await,
            404,
        );
    }
    refused(
        app.get(&format!("/api/v1/imports/{}", draft.id), &other.access)
            .await,
        404,
    );
    refused(
        app.get(
            &format!("/api/v1/imports/{}/rejected.csv", draft.id),
            &other.access,
        )
        .await,
        404,
    );
    refused(
        app.post(
            &format!("/api/v1/imports/{}/cancel", draft.id),
            Some(&other.access),
            json!({}),
        )
        .await,
        404,
    );
    let staff = app.add_member(&owner, "staff").await;
    refused(
        app.upload(path, &staff.access, CSV, b"a\n1".to_vec()).await,
        403,
    );
    refused(
        app.get(&format!("/api/v1/imports/{}", draft.id), &staff.access)
            .await,
        403,
    );
    let key: ApiKeyCreated = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "sync", "scopes": ["people:write"], "expires_at": null}),
        )
        .await
        .expect(201)
        .read();
    refused(app.upload(path, &key.key, CSV, b"a\n1".to_vec()).await, 403);
    let importer: ApiKeyCreated = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "importer", "scopes": ["imports:write"], "expires_at": null}),
        )
        .await
        .expect(201)
        .read();
    refused(
        app.upload(path, &importer.key, CSV, b"a\n1".to_vec()).await,
        403,
    );

    // Organisations where the module is off are not for an import either.
    let school = app.register("school").await;
    let pupils = upload(
        &app,
        &school,
        "p.csv",
        CSV,
        b"Name,Company\nAda,Acme\n".to_vec(),
    )
    .await;
    let mut with_org = pupils.settings.clone();
    with_org.columns[1].field = Some("organization".into());
    let res = refused(
        app.post(
            &format!("/api/v1/imports/{}/preview", pupils.id),
            Some(&school.access),
            serde_json::to_value(&with_org).unwrap(),
        )
        .await,
        422,
    );
    assert_eq!(res.body["errors"][0]["field"], "columns.1.field");

    // Started twice at once: one run.
    let run_path = format!("/api/v1/imports/{}/run", draft.id);
    let (a, b) = tokio::join!(
        app.post(&run_path, Some(&owner.access), settings.clone()),
        app.post(&run_path, Some(&owner.access), settings.clone()),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [202, 409]);
    let done = finished(&app, &owner, &draft).await;
    assert_eq!(done.counts.created, 1);
    refused(
        app.post(
            &format!("/api/v1/imports/{}/run", draft.id),
            Some(&owner.access),
            settings,
        )
        .await,
        409,
    );
    refused(
        app.post(
            &format!("/api/v1/imports/{}/cancel", draft.id),
            Some(&owner.access),
            json!({}),
        )
        .await,
        409,
    );
    assert_eq!(people(&app, &owner).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_cancelled_as_a_draft_queued_or_running_stops_and_writes_no_more() {
    let app = TestApp::start_with(|c| c.run_workers = false).await;
    let state = app.state();
    let owner = app.register("sales").await;
    let rows: String = (0..2500)
        .map(|i| format!("Person {i},p{i}@example.com\n"))
        .collect();
    let file = format!("Name,Email\n{rows}").into_bytes();
    let settings = |i: &ImportView| serde_json::to_value(&i.settings).unwrap();
    let start = |i: &ImportView| {
        let (path, body) = (format!("/api/v1/imports/{}/run", i.id), settings(i));
        let (app, token) = (&app, owner.access.clone());
        async move { app.post(&path, Some(&token), body).await }
    };
    let cancel = |i: &ImportView| {
        let path = format!("/api/v1/imports/{}/cancel", i.id);
        let (app, token) = (&app, owner.access.clone());
        async move { app.post(&path, Some(&token), json!({})).await }
    };
    let status = |i: &ImportView| {
        let path = format!("/api/v1/imports/{}", i.id);
        let app = &app;
        let token = owner.access.clone();
        async move {
            app.get(&path, &token)
                .await
                .expect(200)
                .read::<ImportView>()
        }
    };

    // A draft.
    let draft = upload(&app, &owner, "a.csv", CSV, file.clone()).await;
    let cancelled: ImportView = cancel(&draft).await.expect(200).read();
    assert_eq!(cancelled.status, ImportStatus::Cancelled);
    assert!(cancelled.finished_at.is_some());
    start(&draft).await.expect(409);

    // Queued: the job finds it cancelled and does nothing.
    let queued = upload(&app, &owner, "a.csv", CSV, file.clone()).await;
    assert_eq!(start(&queued).await.expect(202).body["status"], "queued");
    assert_eq!(
        cancel(&queued).await.expect(200).body["status"],
        "cancelled"
    );
    assert!(rapport_api::jobs::work_one(&state, "t").await);
    assert_eq!(status(&queued).await.status, ImportStatus::Cancelled);
    assert_eq!(people(&app, &owner).await.len(), 0);

    // Running: it stops before its next batch; the batches written stay.
    let running = upload(&app, &owner, "a.csv", CSV, file).await;
    start(&running).await.expect(202);
    let sql = app.sql().await;
    sql.execute(
        "UPDATE imports SET status = 'running' WHERE id = $1",
        &[&running.id],
    )
    .await
    .unwrap();
    let asked: ImportView = cancel(&running).await.expect(200).read();
    assert_eq!(
        asked.status,
        ImportStatus::Running,
        "it stops at its next batch"
    );
    assert!(rapport_api::jobs::work_one(&state, "t").await);
    let stopped = status(&running).await;
    assert_eq!(stopped.status, ImportStatus::Cancelled);
    assert!(stopped.counts.processed < 2500);
    assert_eq!(
        people(&app, &owner).await.len() as u32,
        stopped.counts.created,
        "what was written is what the counts say"
    );
    cancel(&running).await.expect(409);
}

/// How long 100,000 rows take (run by `scripts/bench.sh`; prints, asserts
/// only that every row was written).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: scripts/bench.sh runs it"]
async fn a_hundred_thousand_rows() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let rows: String = (0..100_000)
        .map(|i| {
            format!(
                "Given{i},Family{i},p{i}@example.com,+44 20 7946 {:04},Company {},lead\n",
                i % 10_000,
                i % 500
            )
        })
        .collect();
    let file = format!("First name,Last name,Email,Phone,Company,Status\n{rows}").into_bytes();
    let started = std::time::Instant::now();
    let draft = upload(&app, &owner, "big.csv", CSV, file).await;
    let mut settings = draft.settings.clone();
    settings.create_organizations = true;
    let uploaded = started.elapsed();
    let dry = preview(&app, &owner, &draft, &settings).await;
    let previewed = started.elapsed();
    assert_eq!(dry.counts.created, 100_000, "{:?}", dry.errors);
    let done = run(&app, &owner, &draft, &settings).await;
    let ran = started.elapsed();
    assert_eq!(done.counts.created, 100_000);
    println!(
        "import of 100,000 rows: upload {:.1} s, dry run {:.1} s, run {:.1} s (total {:.1} s)",
        uploaded.as_secs_f64(),
        (previewed - uploaded).as_secs_f64(),
        (ran - previewed).as_secs_f64(),
        ran.as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_larger_than_a_json_body_may_carry_an_idempotency_key() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    // About 3 MB: above the 1 MB of any other body, below the 20 MB of a file.
    let mut file = String::from("First name,Last name,Email\n");
    for i in 0..60_000 {
        file.push_str(&format!("Ada{i},Lovelace{i},ada{i}@example.com\n"));
    }
    assert!(file.len() > 2_000_000);
    let path = "/api/v1/imports?record_type=person&filename=big.csv";
    let send = |bytes: Vec<u8>| {
        let (app, owner) = (&app, &owner);
        async move {
            app.upload_with(
                path,
                &owner.access,
                "text/csv",
                bytes,
                &[("idempotency-key", "upload-1")],
            )
            .await
        }
    };
    let first = send(file.clone().into_bytes()).await.expect(201);
    let again = send(file.clone().into_bytes()).await.expect(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(
        first.body["id"], again.body["id"],
        "the same draft, not a second"
    );
    let drafts = app
        .count("SELECT count(*) FROM imports WHERE filename = 'big.csv'")
        .await;
    assert_eq!(drafts, 1);
    // The same key with another file is refused, and writes nothing.
    send(format!("{file}Grace,Hopper,grace@example.com\n").into_bytes())
        .await
        .expect(422);
    // A body over the file limit is refused as too large, key or not.
    send(vec![b'a'; 21 * 1024 * 1024]).await.expect(413);
    assert_eq!(
        app.count("SELECT count(*) FROM imports WHERE filename = 'big.csv'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_starts_of_one_import_at_once_run_it_once() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let file =
        "First name,Last name,Email\nAda,Lovelace,ada@example.com\nAlan,Turing,alan@example.com\n";
    let draft = upload(&app, &owner, "two.csv", "text/csv", file.into()).await;
    let path = format!("/api/v1/imports/{}/run", draft.id);
    let body = serde_json::to_value(&draft.settings).unwrap();
    let starts = (0..4).map(|_| {
        let (app, owner, path, body) = (&app, &owner, &path, body.clone());
        async move { app.post(path, Some(&owner.access), body).await.status }
    });
    let mut codes: Vec<u16> = futures::future::join_all(starts).await;
    codes.sort();
    assert_eq!(codes, [202, 409, 409, 409]);
    let done = finished(&app, &owner, &draft).await;
    assert_eq!(done.counts.created, 2);
    assert_eq!(people(&app, &owner).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_imports_naming_one_new_address_at_once_make_one_person() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    let mut drafts = Vec::new();
    for name in ["a.csv", "b.csv"] {
        let file = format!("First name,Last name,Email\nGrace,Hopper,grace@example.com\nOnly,{name},{name}@example.com\n");
        drafts.push(upload(&app, &owner, name, "text/csv", file.into_bytes()).await);
    }
    let runs = drafts.iter().map(|d| {
        let (app, owner) = (&app, &owner);
        async move { run(app, owner, d, &d.settings).await }
    });
    let done = futures::future::join_all(runs).await;
    let created: i64 = done.iter().map(|d| d.counts.created as i64).sum();
    let skipped: i64 = done.iter().map(|d| d.counts.skipped as i64).sum();
    assert_eq!((created, skipped), (3, 1), "{done:?}");
    let grace = app
        .count("SELECT count(*) FROM people WHERE email = 'grace@example.com'")
        .await;
    assert_eq!(grace, 1);
}

async fn organizations(app: &TestApp, by: &Session) -> Vec<OrganizationView> {
    let page: Page<OrganizationView> = app
        .get("/api/v1/organizations?limit=100&sort=name", &by.access)
        .await
        .expect(200)
        .read();
    page.data
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_of_organisations_matches_them_by_domain_or_name_updates_them_and_runs_again_to_no_effect(
) {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    app.post(
        "/api/v1/custom-fields",
        Some(&owner.access),
        json!({"record_type": "organization", "label": "Tier", "kind": "select", "options": ["Gold", "Silver"]}),
    )
    .await
    .expect(201);
    for body in [
        json!({"name": "Globex", "domain": "globex.example", "industry": "Chemicals"}),
        json!({"name": "Hooli"}),
    ] {
        app.post("/api/v1/organizations", Some(&owner.access), body)
            .await
            .expect(201);
    }
    let file = "Company;Website;Sector;Phone;Tier;Account owner\n\
                Acme;https://www.Acme.example/about;Manufacturing;+33 1 23 45 67 89;gold;\n\
                Globex;globex.example;Energy;;silver;\n\
                Initech;not a domain!;Software;;;\n\
                Acme again;acme.example;;;;\n\
                Umbrella;;Pharma;;platinum;\n\
                Hooli;;Tech;;;\n\
                Stark;;;;;nobody@example.com\n";
    let path = "/api/v1/imports?record_type=organization&filename=accounts.csv";
    let draft: ImportView = app
        .upload(path, &owner.access, CSV, file.as_bytes().to_vec())
        .await
        .expect(201)
        .read();
    let mut settings = draft.settings.clone();
    assert_eq!(
        fields(&settings),
        [
            Some("name"),
            Some("domain"),
            Some("industry"),
            Some("phone"),
            Some("custom_fields.tier"),
            Some("owner")
        ],
        "the usual names of an organisation's columns are known"
    );
    settings.duplicates = rapport_domain::imports::Duplicates::Update;

    let dry = preview(&app, &owner, &draft, &settings).await;
    let c = dry.counts;
    assert_eq!(
        (c.created, c.updated, c.skipped, c.rejected),
        (1, 2, 0, 4),
        "{:?}",
        dry.errors
    );
    let reasons: Vec<(u32, &str, Option<u32>)> = dry
        .errors
        .iter()
        .map(|e| (e.row, e.reason.split(':').next().unwrap(), e.column))
        .collect();
    assert_eq!(
        reasons,
        [
            (4, "domain", Some(1)),
            (5, "domain", Some(1)),
            (6, "custom_fields.tier", Some(4)),
            (8, "owner", Some(5)),
        ]
    );
    assert!(
        dry.errors[1].reason.contains("row 2"),
        "{:?}",
        dry.errors[1]
    );
    assert_eq!(dry.rows[0].values["domain"], "acme.example");
    assert_eq!(
        organizations(&app, &owner).await.len(),
        2,
        "a dry run writes nothing"
    );

    let done = run(&app, &owner, &draft, &settings).await;
    assert_eq!(done.status, ImportStatus::Completed);
    let c = done.counts;
    assert_eq!((c.created, c.updated, c.skipped, c.rejected), (1, 2, 0, 4));
    let all = organizations(&app, &owner).await;
    let names: Vec<&str> = all.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["Acme", "Globex", "Hooli"]);
    let acme = &all[0];
    assert_eq!(acme.domain.as_deref(), Some("acme.example"));
    assert_eq!(acme.industry.as_deref(), Some("Manufacturing"));
    assert_eq!(acme.custom_fields["tier"], "Gold");
    assert_eq!(
        all[1].industry.as_deref(),
        Some("Energy"),
        "matched by domain"
    );
    assert_eq!(all[1].custom_fields["tier"], "Silver");
    assert_eq!(all[2].industry.as_deref(), Some("Tech"), "matched by name");
    let audited = app
        .count("SELECT count(*) FROM audit_log WHERE action IN ('organization.created', 'organization.updated')")
        .await;
    assert_eq!(
        audited,
        2 + 3,
        "the two made by hand, then the import's three"
    );

    // The same file again with the same choices changes nothing.
    let again: ImportView = app
        .upload(path, &owner.access, CSV, file.as_bytes().to_vec())
        .await
        .expect(201)
        .read();
    assert_eq!(
        again.settings.duplicates, settings.duplicates,
        "the mapping is kept for next time"
    );
    let done = run(&app, &owner, &again, &again.settings).await;
    let c = done.counts;
    assert_eq!((c.created, c.updated, c.skipped, c.rejected), (0, 0, 3, 4));
    assert_eq!(organizations(&app, &owner).await.len(), 3);

    // A deleted organisation does not block a new import of it.
    app.delete(&format!("/api/v1/organizations/{}", acme.id), &owner.access)
        .await
        .expect(204);
    let third: ImportView = app
        .upload(path, &owner.access, CSV, file.as_bytes().to_vec())
        .await
        .expect(201)
        .read();
    let done = run(&app, &owner, &third, &third.settings).await;
    assert_eq!(done.counts.created, 1);
    let acmes: Vec<OrganizationView> = organizations(&app, &owner)
        .await
        .into_iter()
        .filter(|o| o.name == "Acme")
        .collect();
    assert_eq!(acmes.len(), 1);
    assert_ne!(
        acmes[0].id, acme.id,
        "a new one, the deleted one left in the trash"
    );

    // Importing organisations needs the right to write them, and their module.
    let key: ApiKeyCreated = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "people only", "scopes": ["imports:write", "people:write"], "expires_at": null}),
        )
        .await
        .expect(201)
        .read();
    let res = app
        .upload(path, &key.key, CSV, b"Company\nAcme\n".to_vec())
        .await;
    assert_eq!(res.status, 403, "{:?}", res.body);
    let key: ApiKeyCreated = app
        .post(
            "/api/v1/api-keys",
            Some(&owner.access),
            json!({"name": "accounts", "scopes": ["imports:write", "organizations:write"], "expires_at": null}),
        )
        .await
        .expect(201)
        .read();
    app.upload(path, &key.key, CSV, b"Company\nAcme\n".to_vec())
        .await
        .expect(201);
    let res = app
        .upload(
            "/api/v1/imports?record_type=person&filename=p.csv",
            &key.key,
            CSV,
            b"Name\nAda\n".to_vec(),
        )
        .await;
    assert_eq!(res.status, 403, "people need people:write");
    // Nor may it see or stop an import of people, whose rows are people's
    // personal data.
    let people: ImportView = app
        .upload(
            "/api/v1/imports?record_type=person&filename=p.csv",
            &owner.access,
            CSV,
            b"Name;Email\nAda;ada@example.com\n".to_vec(),
        )
        .await
        .expect(201)
        .read();
    let listed: Page<ImportView> = app
        .get("/api/v1/imports", &key.key)
        .await
        .expect(200)
        .read();
    assert!(!listed.data.is_empty());
    assert!(
        listed
            .data
            .iter()
            .all(|i| i.record_type == ImportRecord::Organization),
        "only the imports of organisations are listed for this key"
    );
    let mine: Page<ImportView> = app
        .get("/api/v1/imports", &owner.access)
        .await
        .expect(200)
        .read();
    assert!(mine.data.iter().any(|i| i.id == people.id));
    for path in [
        format!("/api/v1/imports/{}", people.id),
        format!("/api/v1/imports/{}/rejected.csv", people.id),
    ] {
        assert_eq!(app.get(&path, &key.key).await.status, 403, "{path}");
    }
    let res = app
        .post(
            &format!("/api/v1/imports/{}/cancel", people.id),
            Some(&key.key),
            json!({}),
        )
        .await;
    assert_eq!(res.status, 403);
    let still: ImportView = app
        .get(&format!("/api/v1/imports/{}", people.id), &owner.access)
        .await
        .expect(200)
        .read();
    assert_eq!(still.status, ImportStatus::Draft, "not cancelled");
    let school = app.register("school").await;
    let res = app
        .upload(path, &school.access, CSV, b"Company\nAcme\n".to_vec())
        .await;
    assert_eq!(res.status, 403, "{:?}", res.body);
    assert_eq!(res.body["code"], "module_disabled");
    // A file of organisations must name them.
    let nameless: ImportView = app
        .upload(
            path,
            &owner.access,
            CSV,
            b"Website\nacme.example\n".to_vec(),
        )
        .await
        .expect(201)
        .read();
    let res = app
        .post(
            &format!("/api/v1/imports/{}/preview", nameless.id),
            Some(&owner.access),
            serde_json::to_value(&nameless.settings).unwrap(),
        )
        .await;
    assert_eq!(res.status, 422);
    assert_eq!(res.body["errors"][0]["field"], "columns");
}

/// A file of organisations uploaded, and its settings set to update
/// duplicates.
async fn organisations_to_update(
    app: &TestApp,
    by: &Session,
    file: &str,
) -> (ImportView, ImportSettings) {
    let draft: ImportView = app
        .upload(
            "/api/v1/imports?record_type=organization&filename=o.csv",
            &by.access,
            CSV,
            file.as_bytes().to_vec(),
        )
        .await
        .expect(201)
        .read();
    let mut settings = draft.settings.clone();
    settings.duplicates = rapport_domain::imports::Duplicates::Update;
    (draft, settings)
}

/// Two rows of one file that reach the same organisation — one by its
/// domain, one by its name — or a name alone after a row that creates
/// that name: the second is a duplicate of the first, in the dry run and
/// in the run alike, and no organisation is written twice or made twice.
#[tokio::test]
async fn rows_that_reach_one_organisation_by_domain_and_by_name_are_one_duplicate() {
    let app = TestApp::start().await;
    let owner = app.register("sales").await;
    app.post(
        "/api/v1/organizations",
        Some(&owner.access),
        json!({"name": "Acme", "domain": "acme.example"}),
    )
    .await
    .expect(201);
    let file = "Company,Website,Sector\n\
                Acme Corp,acme.example,Software\n\
                ACME,,Retail\n\
                Beta,beta.example,Mining\n\
                beta,,Fishing\n\
                Gamma,,Games\n";
    let (draft, settings) = organisations_to_update(&app, &owner, file).await;
    let dry = preview(&app, &owner, &draft, &settings).await;
    let c = dry.counts;
    assert_eq!(
        (c.created, c.updated, c.skipped, c.rejected),
        (2, 1, 0, 2),
        "{:?}",
        dry.errors
    );
    let rejected: Vec<(u32, &str)> = dry
        .errors
        .iter()
        .map(|e| (e.row, e.reason.as_str()))
        .collect();
    assert_eq!(
        rejected,
        [
            (3, "name: the same organisation as row 2 of this file"),
            (5, "name: the same name as row 4 of this file"),
        ]
    );
    let done = run(&app, &owner, &draft, &settings).await;
    assert_eq!(done.status, ImportStatus::Completed);
    assert_eq!(
        done.counts, dry.counts,
        "the run does what the dry run said"
    );
    let all = organizations(&app, &owner).await;
    let seen: Vec<(&str, Option<&str>)> = all
        .iter()
        .map(|o| (o.name.as_str(), o.industry.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            ("Acme Corp", Some("Software")),
            ("Beta", Some("Mining")),
            ("Gamma", Some("Games"))
        ]
    );

    // A row whose tags, joined to the organisation's own, would be more
    // than 50 is rejected, not cut short.
    let many: Vec<String> = (0..45).map(|n| format!("t{n}")).collect();
    app.post(
        "/api/v1/organizations",
        Some(&owner.access),
        json!({"name": "Delta", "domain": "delta.example", "tags": many}),
    )
    .await
    .expect(201);
    let file = "Company,Website,Tags\nDelta,delta.example,\"a,b,c,d,e,f\"\n";
    let (draft, settings) = organisations_to_update(&app, &owner, file).await;
    assert_eq!(fields(&settings)[2], Some("tags"));
    let dry = preview(&app, &owner, &draft, &settings).await;
    assert_eq!(dry.counts.rejected, 1, "{:?}", dry.errors);
    assert!(
        dry.errors[0]
            .reason
            .starts_with("tags: with the record's own, 51 tags"),
        "{:?}",
        dry.errors
    );
}
