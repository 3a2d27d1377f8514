// The tables of migrations/, as diesel sees them.

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    workspaces (id) {
        id -> Uuid,
        name -> Text,
        template -> Text,
        modules -> Array<Text>,
        time_zone -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    memberships (workspace_id, user_id) {
        workspace_id -> Uuid,
        user_id -> Uuid,
        role -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Uuid,
        family_id -> Uuid,
        user_id -> Uuid,
        workspace_id -> Uuid,
        token_hash -> Binary,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        replaced_by -> Nullable<Uuid>,
        regraced_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    invitations (workspace_id, id) {
        id -> Uuid,
        workspace_id -> Uuid,
        email -> Text,
        role -> Text,
        token_hash -> Binary,
        invited_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        accepted_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        version -> Int4,
        person_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    password_resets (id) {
        id -> Uuid,
        user_id -> Uuid,
        token_hash -> Binary,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Uuid,
        workspace_id -> Uuid,
        name -> Text,
        prefix -> Text,
        secret_hash -> Binary,
        scopes -> Array<Text>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        expires_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        version -> Int4,
    }
}

diesel::table! {
    audit_heads (workspace_id) {
        workspace_id -> Uuid,
        seq -> Int8,
        hash -> Binary,
    }
}

diesel::table! {
    audit_log (workspace_id, id) {
        workspace_id -> Uuid,
        seq -> Nullable<Int8>,
        id -> Uuid,
        occurred_at -> Timestamptz,
        actor_kind -> Text,
        actor_id -> Nullable<Uuid>,
        action -> Text,
        record_type -> Text,
        record_id -> Nullable<Text>,
        changes -> Jsonb,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        request_id -> Nullable<Text>,
        payload_digest -> Binary,
        redacted -> Bool,
        prev_hash -> Nullable<Binary>,
        hash -> Nullable<Binary>,
    }
}

diesel::table! {
    event_heads (workspace_id) {
        workspace_id -> Uuid,
        seq -> Int8,
    }
}

diesel::table! {
    events (workspace_id, id) {
        workspace_id -> Uuid,
        seq -> Nullable<Int8>,
        kind -> Text,
        occurred_at -> Timestamptz,
        actor_kind -> Text,
        actor_id -> Nullable<Uuid>,
        data -> Jsonb,
        permission -> Text,
        subject_user_id -> Nullable<Uuid>,
        id -> Int8,
    }
}

diesel::table! {
    jobs (id) {
        id -> Int8,
        kind -> Text,
        payload -> Jsonb,
        status -> Text,
        attempts -> Int4,
        max_attempts -> Int4,
        run_at -> Timestamptz,
        locked_at -> Nullable<Timestamptz>,
        locked_by -> Nullable<Text>,
        last_error -> Nullable<Text>,
        dedupe_key -> Nullable<Text>,
        created_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    mail_messages (id) {
        id -> Uuid,
        workspace_id -> Nullable<Uuid>,
        to_address -> Text,
        subject -> Text,
        body -> Text,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        calendar -> Nullable<Text>,
        attachment_name -> Nullable<Text>,
        attachment -> Nullable<Bytea>,
    }
}

diesel::table! {
    idempotency_keys (scope, key) {
        scope -> Text,
        key -> Text,
        request_hash -> Binary,
        status -> Nullable<Int2>,
        response_body -> Nullable<Binary>,
        response_headers -> Nullable<Jsonb>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    ws_tickets (ticket_hash) {
        ticket_hash -> Binary,
        user_id -> Nullable<Uuid>,
        api_key_id -> Nullable<Uuid>,
        workspace_id -> Uuid,
        expires_at -> Timestamptz,
        family_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    password_failures (address_hash) {
        address_hash -> Binary,
        failures -> Int4,
        first_failed_at -> Timestamptz,
        locked_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    schedules (name) {
        name -> Text,
        last_occurrence -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    organizations (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        name -> Text,
        domain -> Nullable<Text>,
        industry -> Nullable<Text>,
        phone -> Nullable<Text>,
        address -> Nullable<Text>,
        owner_id -> Nullable<Uuid>,
        tags -> Array<Text>,
        custom_fields -> Jsonb,
        archived_custom_fields -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        version -> Int4,
    }
}

diesel::table! {
    people (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        first_name -> Text,
        last_name -> Text,
        sort_name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        organization_id -> Nullable<Uuid>,
        owner_id -> Nullable<Uuid>,
        user_id -> Nullable<Uuid>,
        status -> Text,
        tags -> Array<Text>,
        custom_fields -> Jsonb,
        archived_custom_fields -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        version -> Int4,
        erased_at -> Nullable<Timestamptz>,
        branch_id -> Nullable<Uuid>,
        sensitive_fields -> Nullable<Bytea>,
    }
}

diesel::table! {
    groups (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        name -> Text,
        kind -> Text,
        description -> Nullable<Text>,
        leader_id -> Nullable<Uuid>,
        course -> Nullable<Text>,
        tags -> Array<Text>,
        custom_fields -> Jsonb,
        archived_custom_fields -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        version -> Int4,
    }
}

diesel::table! {
    group_members (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        group_id -> Uuid,
        person_id -> Uuid,
        joined_on -> Date,
        left_on -> Nullable<Date>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    notes (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        person_id -> Nullable<Uuid>,
        organization_id -> Nullable<Uuid>,
        group_id -> Nullable<Uuid>,
        record_type -> Text,
        record_id -> Uuid,
        body -> Text,
        author_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    custom_fields (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        record_type -> Text,
        key -> Text,
        label -> Text,
        kind -> Text,
        options -> Array<Text>,
        required -> Bool,
        position -> Int4,
        archived_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        sensitive -> Bool,
    }
}

diesel::table! {
    imports (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        record_type -> Text,
        filename -> Text,
        format -> Text,
        content -> Bytea,
        signature -> Text,
        file_columns -> Jsonb,
        settings -> Jsonb,
        status -> Text,
        cancel_requested -> Bool,
        total -> Int4,
        processed -> Int4,
        created -> Int4,
        updated -> Int4,
        skipped -> Int4,
        rejected -> Int4,
        error -> Nullable<Text>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
        run_token -> Nullable<Uuid>,
    }
}

diesel::table! {
    import_rejections (workspace_id, import_id, row_number) {
        workspace_id -> Uuid,
        import_id -> Uuid,
        row_number -> Int4,
        reason -> Text,
        cells -> Array<Text>,
    }
}

diesel::table! {
    import_mappings (workspace_id, record_type, signature) {
        workspace_id -> Uuid,
        record_type -> Text,
        signature -> Text,
        settings -> Jsonb,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    imported_people (workspace_id, fingerprint) {
        workspace_id -> Uuid,
        fingerprint -> Bytea,
        person_id -> Uuid,
    }
}

diesel::table! {
    imported_organizations (workspace_id, fingerprint) {
        workspace_id -> Uuid,
        fingerprint -> Bytea,
        organization_id -> Uuid,
    }
}

diesel::table! {
    sessions (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        kind -> Text,
        title -> Text,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        location -> Nullable<Text>,
        online_url -> Nullable<Text>,
        host_id -> Nullable<Uuid>,
        status -> Text,
        cancel_reason -> Nullable<Text>,
        notes -> Nullable<Text>,
        fee_minor -> Nullable<Int8>,
        fee_currency -> Nullable<Text>,
        capacity -> Nullable<Int4>,
        buffer_before_min -> Int4,
        buffer_after_min -> Int4,
        busy -> Tstzrange,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        series_id -> Nullable<Uuid>,
        recurrence_id -> Nullable<Timestamptz>,
        exception -> Bool,
        booked_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    availability (workspace_id, user_id) {
        workspace_id -> Uuid,
        user_id -> Uuid,
        time_zone -> Text,
        weekly -> Jsonb,
        overrides -> Jsonb,
        time_off -> Jsonb,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    booking_rules (workspace_id, kind) {
        workspace_id -> Uuid,
        kind -> Text,
        duration_min -> Int4,
        buffer_before_min -> Int4,
        buffer_after_min -> Int4,
        slot_interval_min -> Int4,
        min_notice_min -> Int4,
        window_days -> Int4,
        max_per_day -> Nullable<Int4>,
        max_per_week -> Nullable<Int4>,
        requires_confirmation -> Bool,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    reminder_settings (workspace_id) {
        workspace_id -> Uuid,
        lead_min -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    session_reminders (workspace_id, session_id, starts_at) {
        workspace_id -> Uuid,
        session_id -> Uuid,
        starts_at -> Timestamptz,
        sent_at -> Timestamptz,
    }
}

diesel::table! {
    session_invitations (workspace_id, session_id, email) {
        workspace_id -> Uuid,
        session_id -> Uuid,
        email -> Text,
        sequence -> Int4,
        cancelled -> Bool,
        sent_digest -> Text,
        title -> Text,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        sent_at -> Timestamptz,
    }
}

diesel::table! {
    calendar_feeds (token_hash) {
        token_hash -> Binary,
        workspace_id -> Uuid,
        user_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    session_series (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        rrule -> Text,
        time_zone -> Text,
        starts_local -> Timestamp,
        duration_min -> Int4,
        exdates -> Array<Date>,
        ends_before -> Nullable<Timestamptz>,
        materialised_until -> Timestamptz,
        kind -> Text,
        title -> Text,
        location -> Nullable<Text>,
        online_url -> Nullable<Text>,
        host_id -> Nullable<Uuid>,
        notes -> Nullable<Text>,
        fee_minor -> Nullable<Int8>,
        fee_currency -> Nullable<Text>,
        capacity -> Nullable<Int4>,
        buffer_before_min -> Int4,
        buffer_after_min -> Int4,
        participant_ids -> Array<Uuid>,
        group_ids -> Array<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    session_participants (workspace_id, session_id, person_id) {
        workspace_id -> Uuid,
        session_id -> Uuid,
        person_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    session_groups (workspace_id, session_id, group_id) {
        workspace_id -> Uuid,
        session_id -> Uuid,
        group_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    attendance (workspace_id, session_id, person_id) {
        workspace_id -> Uuid,
        session_id -> Uuid,
        person_id -> Uuid,
        status -> Text,
        note -> Nullable<Text>,
        recorded_by -> Nullable<Uuid>,
        recorded_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    ledger_entries (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        person_id -> Uuid,
        amount_minor -> Int8,
        currency -> Text,
        reason -> Text,
        cause_type -> Nullable<Text>,
        cause_id -> Nullable<Text>,
        corrects -> Nullable<Uuid>,
        actor_kind -> Text,
        actor_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    ledger_balances (workspace_id, person_id, currency) {
        workspace_id -> Uuid,
        person_id -> Uuid,
        currency -> Text,
        balance_minor -> Int8,
        entries -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    medal_settings (workspace_id) {
        workspace_id -> Uuid,
        attendance_bronze -> Bool,
        gold_per_month -> Int4,
        silver_per_month -> Int4,
        bronze_per_month -> Int4,
        student_cap_per_month -> Nullable<Int4>,
        bronze_per_silver -> Nullable<Int4>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    store_items (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        name -> Text,
        description -> Nullable<Text>,
        image_url -> Nullable<Text>,
        price_gold -> Int4,
        price_silver -> Int4,
        price_bronze -> Int4,
        stock -> Int4,
        active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        image_sha256 -> Nullable<Text>,
    }
}

diesel::table! {
    store_item_images (workspace_id, item_id) {
        workspace_id -> Uuid,
        item_id -> Uuid,
        content_type -> Text,
        bytes -> Bytea,
        sha256 -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    store_orders (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        item_id -> Uuid,
        person_id -> Uuid,
        quantity -> Int4,
        price_gold -> Int4,
        price_silver -> Int4,
        price_bronze -> Int4,
        status -> Text,
        cancel_reason -> Nullable<Text>,
        placed_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    guardians (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        person_id -> Uuid,
        position -> Int2,
        name -> Text,
        relation -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        receives_mail -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    fee_plans (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        name -> Text,
        amount_minor -> Int8,
        currency -> Text,
        group_id -> Nullable<Uuid>,
        person_id -> Nullable<Uuid>,
        first_month -> Date,
        active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    fee_discounts (workspace_id, person_id) {
        workspace_id -> Uuid,
        person_id -> Uuid,
        percent -> Int4,
        reason -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    tuition_charges (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        person_id -> Uuid,
        plan_id -> Nullable<Uuid>,
        month -> Date,
        description -> Text,
        amount_minor -> Int8,
        currency -> Text,
        discount_percent -> Int4,
        entry_id -> Uuid,
        voided_at -> Nullable<Timestamptz>,
        void_reason -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    payments (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        person_id -> Uuid,
        amount_minor -> Int8,
        currency -> Text,
        method -> Text,
        paid_on -> Date,
        note -> Nullable<Text>,
        receipt_number -> Int8,
        applied -> Jsonb,
        entry_id -> Uuid,
        recorded_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    receipt_numbers (workspace_id) {
        workspace_id -> Uuid,
        last -> Int8,
    }
}

diesel::table! {
    conversations (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        kind -> Text,
        subject -> Nullable<Text>,
        pair -> Nullable<Array<Uuid>>,
        owner_id -> Nullable<Uuid>,
        audience -> Nullable<Jsonb>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        last_message_at -> Timestamptz,
    }
}

diesel::table! {
    conversation_participants (workspace_id, conversation_id, user_id) {
        workspace_id -> Uuid,
        conversation_id -> Uuid,
        user_id -> Uuid,
        can_reply -> Bool,
        last_message_at -> Timestamptz,
        last_read_at -> Nullable<Timestamptz>,
        joined_at -> Timestamptz,
    }
}

diesel::table! {
    messages (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        conversation_id -> Uuid,
        kind -> Text,
        author_id -> Nullable<Uuid>,
        body -> Nullable<Text>,
        link_type -> Nullable<Text>,
        link_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        edited_at -> Nullable<Timestamptz>,
        deleted_at -> Nullable<Timestamptz>,
        version -> Int4,
    }
}

diesel::table! {
    message_deliveries (workspace_id, user_id, conversation_id, message_id) {
        workspace_id -> Uuid,
        user_id -> Uuid,
        conversation_id -> Uuid,
        message_id -> Uuid,
        read_at -> Nullable<Timestamptz>,
        mailed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    message_attachments (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        message_id -> Nullable<Uuid>,
        uploaded_by -> Nullable<Uuid>,
        file_name -> Text,
        content_type -> Text,
        size -> Int8,
        sha256 -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    removed_files (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        removed_at -> Timestamptz,
    }
}

diesel::table! {
    person_availability (workspace_id, person_id) {
        workspace_id -> Uuid,
        person_id -> Uuid,
        time_zone -> Text,
        weekly -> Jsonb,
        overrides -> Jsonb,
        time_off -> Jsonb,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    branches (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        name -> Text,
        address -> Nullable<Text>,
        archived_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    member_branches (workspace_id, user_id, branch_id) {
        workspace_id -> Uuid,
        user_id -> Uuid,
        branch_id -> Uuid,
    }
}

diesel::table! {
    rates (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        person_id -> Uuid,
        tutor_id -> Nullable<Uuid>,
        subject -> Nullable<Text>,
        unit -> Text,
        amount_minor -> Int8,
        currency -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    pay_rates (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        tutor_id -> Uuid,
        subject -> Nullable<Text>,
        unit -> Text,
        amount_minor -> Int8,
        currency -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    finance_numbers (workspace_id, kind) {
        workspace_id -> Uuid,
        kind -> Text,
        last -> Int8,
    }
}

diesel::table! {
    invoices (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        number -> Int8,
        person_id -> Uuid,
        currency -> Text,
        total_minor -> Int8,
        credited_minor -> Int8,
        month -> Nullable<Date>,
        issued_on -> Date,
        due_on -> Date,
        entry_id -> Uuid,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    invoice_lines (workspace_id, invoice_id, line) {
        workspace_id -> Uuid,
        invoice_id -> Uuid,
        line -> Int4,
        person_id -> Uuid,
        session_id -> Nullable<Uuid>,
        description -> Text,
        month -> Date,
        minutes -> Int4,
        tutor_id -> Nullable<Uuid>,
        branch_id -> Nullable<Uuid>,
        unit -> Text,
        unit_minor -> Int8,
        amount_minor -> Int8,
        cost_minor -> Int8,
        credited_minor -> Int8,
        released -> Bool,
        package_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    packages (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        person_id -> Uuid,
        name -> Text,
        subject -> Nullable<Text>,
        sessions -> Int4,
        used -> Int4,
        price_minor -> Int8,
        currency -> Text,
        starts_on -> Date,
        expires_on -> Nullable<Date>,
        invoice_id -> Uuid,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    session_logs (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        session_id -> Uuid,
        user_id -> Nullable<Uuid>,
        based_on -> Int4,
        completed -> Bool,
        records -> Jsonb,
        logged_at -> Timestamptz,
        applied_at -> Timestamptz,
    }
}

diesel::table! {
    package_uses (workspace_id, session_id, person_id) {
        workspace_id -> Uuid,
        session_id -> Uuid,
        person_id -> Uuid,
        package_id -> Uuid,
        created_at -> Timestamptz,
        settled -> Bool,
        month -> Nullable<Date>,
        minutes -> Int4,
        tutor_id -> Nullable<Uuid>,
        branch_id -> Nullable<Uuid>,
        cost_minor -> Int8,
    }
}

diesel::table! {
    credit_notes (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Uuid,
        number -> Int8,
        invoice_id -> Uuid,
        person_id -> Uuid,
        currency -> Text,
        amount_minor -> Int8,
        reason -> Text,
        lines -> Jsonb,
        entry_id -> Uuid,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    finance_months (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Int8,
        month -> Date,
        person_id -> Uuid,
        tutor_id -> Nullable<Uuid>,
        branch_id -> Nullable<Uuid>,
        currency -> Text,
        revenue_minor -> Int8,
        cost_minor -> Int8,
        sessions -> Int4,
        minutes -> Int8,
    }
}

diesel::table! {
    finance_totals (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Int8,
        month -> Date,
        tutor_id -> Nullable<Uuid>,
        branch_id -> Nullable<Uuid>,
        currency -> Text,
        revenue_minor -> Int8,
        cost_minor -> Int8,
        sessions -> Int4,
        minutes -> Int8,
    }
}

diesel::table! {
    finance_years (workspace_id, id) {
        workspace_id -> Uuid,
        id -> Int8,
        year -> Date,
        person_id -> Uuid,
        tutor_id -> Nullable<Uuid>,
        branch_id -> Nullable<Uuid>,
        currency -> Text,
        revenue_minor -> Int8,
        cost_minor -> Int8,
        sessions -> Int4,
        minutes -> Int8,
    }
}

diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(memberships -> workspaces (workspace_id));
diesel::joinable!(api_keys -> workspaces (workspace_id));
diesel::allow_tables_to_appear_in_same_query!(
    users,
    branches,
    person_availability,
    member_branches,
    workspaces,
    memberships,
    invitations,
    api_keys,
    refresh_tokens,
    organizations,
    people,
    groups,
    group_members,
    notes,
    audit_log,
    custom_fields,
    imports,
    import_rejections,
    import_mappings,
    imported_people,
    imported_organizations,
    sessions,
    session_series,
    calendar_feeds,
    availability,
    booking_rules,
    reminder_settings,
    session_reminders,
    session_invitations,
    session_participants,
    session_groups,
    attendance,
    ledger_entries,
    packages,
    package_uses,
    session_logs,
    finance_totals,
    finance_years,
    ledger_balances,
    medal_settings,
    store_item_images,
    store_items,
    store_orders,
    guardians,
    fee_plans,
    fee_discounts,
    tuition_charges,
    payments,
    receipt_numbers,
    conversations,
    conversation_participants,
    messages,
    message_deliveries,
    message_attachments,
    removed_files,
    rates,
    pay_rates,
    finance_numbers,
    invoices,
    invoice_lines,
    credit_notes,
    finance_months
);
