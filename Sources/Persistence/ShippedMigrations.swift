import Gateway

/// The migrations each store shipped before the two shared one list (SQLite v1-v17,
/// PostgreSQL pg1-pg12): moved here as the same SQL under the same identifiers, so a database that
/// ran them sees nothing new. Never edited: a change is a new entry in `Schema.migrations`.
enum ShippedMigrations {
    static let sqlite: [Migration] = [
        Migration("v1 sessions, tickets, history, outbox", sqlite: [
            """
                CREATE TABLE store_meta (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    durable_syncs INTEGER NOT NULL DEFAULT 0
                );
                INSERT INTO store_meta (id) VALUES (1);

                CREATE TABLE subscribers (
                    msisdn TEXT PRIMARY KEY,
                    language TEXT,
                    opted_out INTEGER NOT NULL DEFAULT 0,
                    updated_at DATETIME NOT NULL
                );

                CREATE TABLE ussd_sessions (
                    key TEXT PRIMARY KEY,
                    msisdn TEXT NOT NULL,
                    service_code TEXT NOT NULL,
                    state TEXT NOT NULL,
                    last_text TEXT,
                    last_reply TEXT,
                    last_reply_final INTEGER,
                    resumable INTEGER NOT NULL,
                    version INTEGER NOT NULL,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                CREATE INDEX ussd_sessions_resumable ON ussd_sessions (msisdn, updated_at) WHERE resumable = 1;
                CREATE INDEX ussd_sessions_updated ON ussd_sessions (updated_at);

                CREATE TABLE tickets (
                    id INTEGER PRIMARY KEY,
                    reference TEXT NOT NULL UNIQUE CHECK (length(reference) = 9 AND reference NOT GLOB '*[^0-9]*'),
                    service TEXT NOT NULL,
                    fault TEXT NOT NULL,
                    area TEXT NOT NULL,
                    address TEXT NOT NULL,
                    description TEXT NOT NULL DEFAULT '',
                    moe TEXT NOT NULL,
                    queue TEXT NOT NULL,
                    status TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    reporter TEXT,
                    language TEXT NOT NULL,
                    public_update TEXT,
                    expected_at DATETIME,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                CREATE INDEX tickets_reporter ON tickets (reporter, created_at);
                CREATE INDEX tickets_queue ON tickets (moe, queue, status);

                CREATE TABLE ticket_events (
                    id INTEGER PRIMARY KEY,
                    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
                    at DATETIME NOT NULL,
                    kind TEXT NOT NULL,
                    from_status TEXT,
                    to_status TEXT,
                    note TEXT,
                    is_public INTEGER NOT NULL DEFAULT 0,
                    actor TEXT NOT NULL
                );
                CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, at);

                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY,
                    ticket_id INTEGER REFERENCES tickets (id),
                    msisdn TEXT NOT NULL,
                    body TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'sending', 'sent', 'delivered', 'failed', 'suppressed')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at DATETIME NOT NULL,
                    provider_message_id TEXT,
                    last_error TEXT,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
                """,
        ], postgres: []),
        Migration("v2 SMS: opt-out, help throttle, inbound messages, outbox delivery", sqlite: [
            """
                ALTER TABLE subscribers ADD COLUMN opted_out_at DATETIME;
                ALTER TABLE subscribers ADD COLUMN last_help_at DATETIME;

                ALTER TABLE outbox ADD COLUMN even_if_opted_out INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE outbox ADD COLUMN segments INTEGER;
                ALTER TABLE outbox ADD COLUMN sent_at DATETIME;
                ALTER TABLE outbox ADD COLUMN delivered_at DATETIME;
                CREATE INDEX outbox_provider_id ON outbox (provider_message_id);

                CREATE TABLE inbound_sms (
                    id INTEGER PRIMARY KEY,
                    provider TEXT NOT NULL,
                    provider_id TEXT,
                    msisdn TEXT NOT NULL,
                    body TEXT NOT NULL,
                    received_at DATETIME NOT NULL,
                    UNIQUE (provider, provider_id)
                );
                """,
        ], postgres: []),
        Migration("v3 organisations and bulk reports", sqlite: [
            """
                CREATE TABLE organisations (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    key_hash TEXT NOT NULL UNIQUE,
                    key_prefix TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    revoked_at DATETIME
                );
                ALTER TABLE tickets ADD COLUMN source_org INTEGER REFERENCES organisations (id);
                ALTER TABLE tickets ADD COLUMN external_id TEXT;
                CREATE UNIQUE INDEX tickets_org_external ON tickets (source_org, external_id) WHERE external_id IS NOT NULL;
                """,
        ], postgres: []),
        Migration("v4 staff, MOE API tokens, audit log", sqlite: [
            """
                CREATE TABLE users (
                    id INTEGER PRIMARY KEY,
                    username TEXT NOT NULL UNIQUE,
                    password_hash TEXT NOT NULL,
                    moe TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('dispatcher', 'supervisor', 'admin')),
                    failed_logins INTEGER NOT NULL DEFAULT 0,
                    locked_until DATETIME,
                    created_at DATETIME NOT NULL
                );
                CREATE TABLE moe_tokens (
                    id INTEGER PRIMARY KEY,
                    moe TEXT NOT NULL,
                    token_hash TEXT NOT NULL UNIQUE,
                    token_prefix TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    revoked_at DATETIME
                );
                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY,
                    at DATETIME NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    ticket_id INTEGER REFERENCES tickets (id),
                    detail TEXT
                );
                CREATE INDEX audit_log_ticket ON audit_log (ticket_id, at);
                """,
        ], postgres: []),
        Migration("v5 console: sessions, assignees, duplicates", sqlite: [
            """
                CREATE TABLE staff_sessions (
                    token_hash TEXT PRIMARY KEY,
                    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    csrf TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    last_seen_at DATETIME NOT NULL
                );
                ALTER TABLE tickets ADD COLUMN assignee TEXT;
                ALTER TABLE tickets ADD COLUMN duplicate_of INTEGER REFERENCES tickets (id);
                CREATE INDEX tickets_duplicate_of ON tickets (duplicate_of) WHERE duplicate_of IS NOT NULL;
                CREATE INDEX tickets_moe_created ON tickets (moe, created_at);
                CREATE INDEX audit_log_at ON audit_log (at);
                """,
        ], postgres: []),
        Migration("v6 internet safety: throttles, quotas, held SMS, signed DLRs, append-only audit", sqlite: [
            """
                CREATE TABLE secrets (
                    name TEXT PRIMARY KEY,
                    value TEXT NOT NULL
                );

                -- Failed sign-ins by username, by address and by the pair: growing waits, never a lock.
                CREATE TABLE sign_in_failures (
                    key TEXT PRIMARY KEY,
                    failures INTEGER NOT NULL,
                    last_at DATETIME NOT NULL
                );
                ALTER TABLE users ADD COLUMN disabled_at DATETIME;

                ALTER TABLE organisations ADD COLUMN daily_quota INTEGER NOT NULL DEFAULT 50000;
                CREATE INDEX tickets_org_created ON tickets (source_org, created_at) WHERE source_org IS NOT NULL;

                -- The outbox gains 'held' (over the per-number daily cap) and handed_at (when it went
                -- to the provider, which the cap counts). SQLite cannot change a CHECK: rebuild.
                CREATE TABLE outbox_v6 (
                    id INTEGER PRIMARY KEY,
                    ticket_id INTEGER REFERENCES tickets (id),
                    msisdn TEXT NOT NULL,
                    body TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'held', 'sending', 'sent', 'delivered', 'failed', 'suppressed')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at DATETIME NOT NULL,
                    provider_message_id TEXT,
                    last_error TEXT,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL,
                    even_if_opted_out INTEGER NOT NULL DEFAULT 0,
                    segments INTEGER,
                    sent_at DATETIME,
                    delivered_at DATETIME,
                    handed_at DATETIME
                );
                INSERT INTO outbox_v6 (id, ticket_id, msisdn, body, status, attempts, next_attempt_at, provider_message_id, last_error,
                                       created_at, updated_at, even_if_opted_out, segments, sent_at, delivered_at, handed_at)
                    SELECT id, ticket_id, msisdn, body, status, attempts, next_attempt_at, provider_message_id, last_error,
                           created_at, updated_at, even_if_opted_out, segments, sent_at, delivered_at, sent_at FROM outbox;
                DROP TABLE outbox;
                ALTER TABLE outbox_v6 RENAME TO outbox;
                CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
                CREATE INDEX outbox_provider_id ON outbox (provider_message_id);
                CREATE INDEX outbox_msisdn_handed ON outbox (msisdn, handed_at);

                -- The audit log is append-only: no UPDATE ever, and DELETE only of rows past the
                -- retention period (three years), which the purge does and audits.
                ALTER TABLE audit_log ADD COLUMN address TEXT;
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TRIGGER audit_log_no_early_delete BEFORE DELETE ON audit_log
                WHEN OLD.at > strftime('%Y-%m-%d %H:%M:%f', 'now', '-1095 days')
                BEGIN SELECT RAISE(ABORT, 'audit entries are kept for three years'); END;
                """,
        ], postgres: []),
        Migration("v7 due date stored at creation", sqlite: [
            // Additive: an older instance keeps working (its new tickets get a due date computed on read).
            """
                ALTER TABLE tickets ADD COLUMN due_at DATETIME;
                CREATE INDEX tickets_moe_due ON tickets (moe, due_at);
                """,
        ], postgres: []),
        Migration("v8 service levels", sqlite: [
            // Additive: the acknowledgement target, and since when a scheduled ticket's clock is paused.
            """
                ALTER TABLE tickets ADD COLUMN acknowledge_due_at DATETIME;
                ALTER TABLE tickets ADD COLUMN paused_at DATETIME;
                """,
        ], postgres: []),
        Migration("v9 escalation", sqlite: [
            // Additive: how far each ticket is escalated, and how staff above are reached.
            """
                ALTER TABLE tickets ADD COLUMN escalation_level INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX tickets_open_due ON tickets (due_at) WHERE status IN ('new', 'acknowledged', 'assigned', 'in_progress');
                ALTER TABLE users ADD COLUMN phone TEXT;
                ALTER TABLE users ADD COLUMN email TEXT;
                ALTER TABLE users ADD COLUMN head INTEGER NOT NULL DEFAULT 0;
                """,
        ], postgres: []),
        Migration("v10 staff e-mail", sqlite: [
            """
                CREATE TABLE staff_mail (
                    id INTEGER PRIMARY KEY,
                    ticket_id INTEGER REFERENCES tickets (id),
                    address TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    body TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at DATETIME NOT NULL,
                    lease_until DATETIME,
                    last_error TEXT,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                CREATE INDEX staff_mail_due ON staff_mail (status, next_attempt_at);
                """,
        ], postgres: []),
        Migration("v11 satisfaction surveys", sqlite: [
            """
                CREATE TABLE surveys (
                    id INTEGER PRIMARY KEY,
                    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
                    msisdn TEXT NOT NULL,
                    reference TEXT NOT NULL,
                    resolution INTEGER NOT NULL,
                    sent_at DATETIME NOT NULL,
                    rating INTEGER CHECK (rating BETWEEN 0 AND 5),
                    answered_at DATETIME,
                    UNIQUE (ticket_id, msisdn, resolution)
                );
                CREATE INDEX surveys_msisdn ON surveys (msisdn, sent_at);
                CREATE INDEX tickets_status_updated ON tickets (status, updated_at);
                """,
        ], postgres: []),
        Migration("v12 daily figures", sqlite: [
            // The rollup the dashboard and the indicators API read, and the marks of the tickets
            // whose day must be made again (see FigureRollup); every ticket is marked once here.
            """
                CREATE TABLE daily_figures (
                    day INTEGER NOT NULL,
                    moe TEXT NOT NULL,
                    service TEXT NOT NULL,
                    area TEXT NOT NULL,
                    received INTEGER NOT NULL,
                    open INTEGER NOT NULL,
                    closed_on TEXT NOT NULL,
                    last_closed INTEGER,
                    figures TEXT NOT NULL,
                    PRIMARY KEY (day, moe, service, area)
                ) WITHOUT ROWID;
                CREATE INDEX daily_figures_open ON daily_figures (open) WHERE open > 0;
                CREATE TABLE figure_days (
                    day INTEGER PRIMARY KEY,
                    made_at DATETIME NOT NULL
                );
                CREATE INDEX tickets_created ON tickets (created_at);
                CREATE TABLE figures_changed (
                    ticket_id INTEGER PRIMARY KEY,
                    version INTEGER NOT NULL,
                    created_at DATETIME NOT NULL
                );
                CREATE INDEX figures_changed_created ON figures_changed (created_at);
                CREATE TRIGGER figures_ticket_added AFTER INSERT ON tickets BEGIN
                    INSERT INTO figures_changed (ticket_id, version, created_at) VALUES (NEW.id, 1, NEW.created_at)
                    ON CONFLICT (ticket_id) DO UPDATE SET version = version + 1;
                END;
                CREATE TRIGGER figures_ticket_changed AFTER UPDATE ON tickets BEGIN
                    INSERT INTO figures_changed (ticket_id, version, created_at) VALUES (NEW.id, 1, NEW.created_at)
                    ON CONFLICT (ticket_id) DO UPDATE SET version = version + 1;
                END;
                CREATE TRIGGER figures_ticket_removed AFTER DELETE ON tickets BEGIN
                    INSERT INTO figures_changed (ticket_id, version, created_at) VALUES (OLD.id, 1, OLD.created_at)
                    ON CONFLICT (ticket_id) DO UPDATE SET version = version + 1;
                END;
                CREATE TRIGGER figures_survey_answered AFTER UPDATE OF rating ON surveys BEGIN
                    INSERT INTO figures_changed (ticket_id, version, created_at)
                    SELECT id, 1, created_at FROM tickets WHERE id = NEW.ticket_id
                    ON CONFLICT (ticket_id) DO UPDATE SET version = version + 1;
                END;
                INSERT INTO figures_changed (ticket_id, version, created_at) SELECT id, 1, created_at FROM tickets;
                """,
        ], postgres: []),
        Migration("v13 incidents", sqlite: [
            """
                CREATE TABLE incidents (
                    id INTEGER PRIMARY KEY,
                    moe TEXT NOT NULL,
                    service TEXT NOT NULL,
                    faults TEXT NOT NULL,
                    areas TEXT NOT NULL,
                    description TEXT NOT NULL,
                    expected_at DATETIME,
                    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL,
                    closed_at DATETIME
                );
                CREATE INDEX incidents_open ON incidents (status, moe);
                CREATE TABLE incident_events (
                    id INTEGER PRIMARY KEY,
                    incident_id INTEGER NOT NULL REFERENCES incidents (id),
                    at DATETIME NOT NULL,
                    kind TEXT NOT NULL,
                    description TEXT,
                    expected_at DATETIME,
                    areas TEXT,
                    actor TEXT NOT NULL
                );
                CREATE INDEX incident_events_incident ON incident_events (incident_id, id);
                """,
        ], postgres: []),
        Migration("v14 incident residents and tickets, outbox priority", sqlite: [
            """
                -- Residents told of an incident who asked to hear when it is fixed: once each.
                CREATE TABLE incident_residents (
                    incident_id INTEGER NOT NULL REFERENCES incidents (id),
                    msisdn TEXT NOT NULL,
                    language TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    attached_at DATETIME NOT NULL,
                    PRIMARY KEY (incident_id, msisdn)
                );
                -- A ticket belongs to at most one incident.
                CREATE TABLE incident_tickets (
                    ticket_id INTEGER PRIMARY KEY REFERENCES tickets (id),
                    incident_id INTEGER NOT NULL REFERENCES incidents (id),
                    linked_at DATETIME NOT NULL,
                    linked_by TEXT NOT NULL
                );
                CREATE INDEX incident_tickets_incident ON incident_tickets (incident_id);
                CREATE INDEX incidents_service ON incidents (status, service);
                -- 0: a reply or a ticket's own news; 1: a broadcast, sent after every 0 that is due.
                ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX outbox_queue ON outbox (priority, next_attempt_at) WHERE status IN ('pending', 'held');
                """,
        ], postgres: []),
        Migration("v15 purge leaves the daily figures alone", sqlite: [
            // A purge changes who reported a ticket and the words they wrote, nothing any figure
            // counts: only the columns the figures read mark a ticket for the rollup.
            """
                DROP TRIGGER figures_ticket_changed;
                CREATE TRIGGER figures_ticket_changed AFTER UPDATE OF \(FigureColumns.sql) ON tickets BEGIN
                    INSERT INTO figures_changed (ticket_id, version, created_at) VALUES (NEW.id, 1, NEW.created_at)
                    ON CONFLICT (ticket_id) DO UPDATE SET version = version + 1;
                END;
                -- Which instance runs a scheduled job, until when.
                CREATE TABLE job_leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until DATETIME NOT NULL);
                """,
        ], postgres: []),
        Migration("v16 organisation members and uploads", sqlite: [
            // A role's CHECK cannot be altered in SQLite: the table is rebuilt (sessions keep pointing at `users`).
            // An organisation's member has the role `organisation` and `moe` 'org:<id>', which names no MOE's tickets.
            """
                CREATE TABLE users_v16 (
                    id INTEGER PRIMARY KEY,
                    username TEXT NOT NULL UNIQUE,
                    password_hash TEXT NOT NULL,
                    moe TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('dispatcher', 'supervisor', 'admin', 'organisation')),
                    failed_logins INTEGER NOT NULL DEFAULT 0,
                    locked_until DATETIME,
                    created_at DATETIME NOT NULL,
                    disabled_at DATETIME, phone TEXT, email TEXT, head INTEGER NOT NULL DEFAULT 0
                );
                INSERT INTO users_v16 SELECT id, username, password_hash, moe, role, failed_logins, locked_until, created_at, disabled_at, phone, email, head FROM users;
                DROP TABLE users;
                ALTER TABLE users_v16 RENAME TO users;
                \(uploadsTable)
                ALTER TABLE tickets ADD COLUMN source_upload INTEGER REFERENCES uploads (id);
                CREATE INDEX tickets_upload ON tickets (source_upload) WHERE source_upload IS NOT NULL;
                """,
        ], postgres: []),
        Migration("v17 locations and reporter details from front ends", sqlite: [
            """
                ALTER TABLE tickets ADD COLUMN lat REAL;
                ALTER TABLE tickets ADD COLUMN long REAL;
                -- What a front end (FixMyStreet) sends about the person: purged with the reporter's number.
                CREATE TABLE reporter_details (
                    ticket_id INTEGER PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
                    email TEXT, first_name TEXT, last_name TEXT, media_url TEXT, attributes TEXT
                );
                -- FixMyStreet reads public updates by time; a ticket's creation (every report) is not in it.
                CREATE INDEX ticket_events_public ON ticket_events (at) WHERE is_public OR kind = 'duplicate';
                """,
        ], postgres: []),
    ]

    /// An organisation's CSV file sent in the browser (v16): processed in the background, its
    /// progress and its per-row results (JSON) kept for the result page and its download.
    static let uploadsTable = """
        CREATE TABLE uploads (
            id INTEGER PRIMARY KEY,
            organisation_id INTEGER NOT NULL REFERENCES organisations (id),
            uploaded_by TEXT NOT NULL,
            filename TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('processing', 'done', 'failed')),
            total_rows INTEGER NOT NULL,
            done_rows INTEGER NOT NULL DEFAULT 0,
            accepted INTEGER NOT NULL DEFAULT 0,
            duplicates INTEGER NOT NULL DEFAULT 0,
            rejected INTEGER NOT NULL DEFAULT 0,
            results TEXT,
            problem TEXT,
            created_at DATETIME NOT NULL,
            updated_at DATETIME NOT NULL,
            finished_at DATETIME
        );
        CREATE INDEX uploads_organisation ON uploads (organisation_id, id);
        """

    /// In PostgreSQL's own types; each statement run alone.
    static let postgres: [Migration] = [
        Migration("pg1 sessions, tickets, outbox, organisations, staff, audit", sqlite: [], postgres: [
            """
            CREATE TABLE subscribers (
                msisdn TEXT PRIMARY KEY,
                language TEXT,
                opted_out BOOLEAN NOT NULL DEFAULT false,
                opted_out_at TIMESTAMPTZ,
                last_help_at TIMESTAMPTZ,
                updated_at TIMESTAMPTZ NOT NULL
            )
            """,
            """
            CREATE TABLE ussd_sessions (
                key TEXT PRIMARY KEY,
                msisdn TEXT NOT NULL,
                service_code TEXT NOT NULL,
                state TEXT NOT NULL,
                last_text TEXT,
                last_reply TEXT,
                last_reply_final BOOLEAN,
                resumable BOOLEAN NOT NULL,
                version BIGINT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL
            )
            """,
            "CREATE INDEX ussd_sessions_resumable ON ussd_sessions (msisdn, updated_at) WHERE resumable",
            "CREATE INDEX ussd_sessions_updated ON ussd_sessions (updated_at)",
            """
            CREATE TABLE organisations (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                key_hash TEXT NOT NULL UNIQUE,
                key_prefix TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                revoked_at TIMESTAMPTZ,
                daily_quota INTEGER NOT NULL DEFAULT 50000
            )
            """,
            """
            CREATE TABLE tickets (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                reference TEXT NOT NULL UNIQUE CHECK (reference ~ '^[0-9]{9}$'),
                service TEXT NOT NULL,
                fault TEXT NOT NULL,
                area TEXT NOT NULL,
                address TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                moe TEXT NOT NULL,
                queue TEXT NOT NULL,
                status TEXT NOT NULL,
                channel TEXT NOT NULL,
                reporter TEXT,
                language TEXT NOT NULL,
                public_update TEXT,
                expected_at TIMESTAMPTZ,
                created_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL,
                source_org BIGINT REFERENCES organisations (id),
                external_id TEXT,
                assignee TEXT,
                duplicate_of BIGINT REFERENCES tickets (id),
                due_at TIMESTAMPTZ
            )
            """,
            "CREATE INDEX tickets_reporter ON tickets (reporter, created_at)",
            "CREATE INDEX tickets_queue ON tickets (moe, queue, status)",
            "CREATE UNIQUE INDEX tickets_org_external ON tickets (source_org, external_id) WHERE external_id IS NOT NULL",
            "CREATE INDEX tickets_org_created ON tickets (source_org, created_at) WHERE source_org IS NOT NULL",
            "CREATE INDEX tickets_duplicate_of ON tickets (duplicate_of) WHERE duplicate_of IS NOT NULL",
            "CREATE INDEX tickets_moe_created ON tickets (moe, created_at)",
            "CREATE INDEX tickets_moe_due ON tickets (moe, due_at)",
            """
            CREATE TABLE ticket_events (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
                at TIMESTAMPTZ NOT NULL,
                kind TEXT NOT NULL,
                from_status TEXT,
                to_status TEXT,
                note TEXT,
                is_public BOOLEAN NOT NULL DEFAULT false,
                actor TEXT NOT NULL
            )
            """,
            "CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, at)",
            """
            CREATE TABLE outbox (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                ticket_id BIGINT REFERENCES tickets (id),
                msisdn TEXT NOT NULL,
                body TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'held', 'sending', 'sent', 'delivered', 'failed', 'suppressed')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TIMESTAMPTZ NOT NULL,
                provider_message_id TEXT,
                last_error TEXT,
                created_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL,
                even_if_opted_out BOOLEAN NOT NULL DEFAULT false,
                segments INTEGER,
                sent_at TIMESTAMPTZ,
                delivered_at TIMESTAMPTZ,
                handed_at TIMESTAMPTZ,
                -- A claim by one instance's sender; past it, another may claim the message again.
                lease_until TIMESTAMPTZ
            )
            """,
            "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
            "CREATE INDEX outbox_provider_id ON outbox (provider_message_id)",
            "CREATE INDEX outbox_msisdn_handed ON outbox (msisdn, handed_at)",
            """
            CREATE TABLE inbound_sms (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                provider TEXT NOT NULL,
                provider_id TEXT,
                msisdn TEXT NOT NULL,
                body TEXT NOT NULL,
                received_at TIMESTAMPTZ NOT NULL,
                UNIQUE (provider, provider_id)
            )
            """,
            """
            CREATE TABLE users (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                username TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL,
                moe TEXT NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('dispatcher', 'supervisor', 'admin')),
                created_at TIMESTAMPTZ NOT NULL,
                disabled_at TIMESTAMPTZ
            )
            """,
            """
            CREATE TABLE moe_tokens (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                moe TEXT NOT NULL,
                token_hash TEXT NOT NULL UNIQUE,
                token_prefix TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                revoked_at TIMESTAMPTZ
            )
            """,
            """
            CREATE TABLE staff_sessions (
                token_hash TEXT PRIMARY KEY,
                user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                csrf TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                last_seen_at TIMESTAMPTZ NOT NULL
            )
            """,
            """
            CREATE TABLE sign_in_failures (
                key TEXT PRIMARY KEY,
                failures INTEGER NOT NULL,
                last_at TIMESTAMPTZ NOT NULL
            )
            """,
            "CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
            """
            CREATE TABLE audit_log (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                at TIMESTAMPTZ NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                ticket_id BIGINT REFERENCES tickets (id),
                detail TEXT,
                address TEXT
            )
            """,
            "CREATE INDEX audit_log_ticket ON audit_log (ticket_id, at)",
            "CREATE INDEX audit_log_at ON audit_log (at)",
            // Append-only, as on SQLite: no UPDATE, and DELETE only past three years.
            """
            CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' THEN RAISE EXCEPTION 'the audit log is append-only'; END IF;
                IF OLD.at > now() - interval '1095 days' THEN RAISE EXCEPTION 'audit entries are kept for three years'; END IF;
                RETURN OLD;
            END $$
            """,
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_guard()",
        ]),
        Migration("pg2 shared request buckets", sqlite: [], postgres: [
            """
            CREATE TABLE rate_buckets (
                key TEXT PRIMARY KEY,
                tokens DOUBLE PRECISION NOT NULL,
                at TIMESTAMPTZ NOT NULL
            )
            """,
            "CREATE INDEX rate_buckets_at ON rate_buckets (at)",
        ]),
        Migration("pg3 service levels", sqlite: [], postgres: [
            "ALTER TABLE tickets ADD COLUMN acknowledge_due_at TIMESTAMPTZ",
            "ALTER TABLE tickets ADD COLUMN paused_at TIMESTAMPTZ",
        ]),
        Migration("pg4 escalation", sqlite: [], postgres: [
            "ALTER TABLE tickets ADD COLUMN escalation_level INTEGER NOT NULL DEFAULT 0",
            "CREATE INDEX tickets_open_due ON tickets (due_at) WHERE status IN ('new', 'acknowledged', 'assigned', 'in_progress')",
            "ALTER TABLE users ADD COLUMN phone TEXT",
            "ALTER TABLE users ADD COLUMN email TEXT",
            "ALTER TABLE users ADD COLUMN head BOOLEAN NOT NULL DEFAULT false",
        ]),
        Migration("pg5 staff e-mail", sqlite: [], postgres: [
            """
            CREATE TABLE staff_mail (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                ticket_id BIGINT REFERENCES tickets (id),
                address TEXT NOT NULL,
                subject TEXT NOT NULL,
                body TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TIMESTAMPTZ NOT NULL,
                lease_until TIMESTAMPTZ,
                last_error TEXT,
                created_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL
            )
            """,
            "CREATE INDEX staff_mail_due ON staff_mail (status, next_attempt_at)",
        ]),
        Migration("pg6 satisfaction surveys", sqlite: [], postgres: [
            """
            CREATE TABLE surveys (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                ticket_id BIGINT NOT NULL REFERENCES tickets (id),
                msisdn TEXT NOT NULL,
                reference TEXT NOT NULL,
                resolution INTEGER NOT NULL,
                sent_at TIMESTAMPTZ NOT NULL,
                rating INTEGER CHECK (rating BETWEEN 0 AND 5),
                answered_at TIMESTAMPTZ,
                UNIQUE (ticket_id, msisdn, resolution)
            )
            """,
            "CREATE INDEX surveys_msisdn ON surveys (msisdn, sent_at)",
            "CREATE INDEX tickets_status_updated ON tickets (status, updated_at)",
        ]),
        // The rollup the dashboard and the indicators API read, and the marks of the tickets whose
        // day must be made again (see FigureRollup); every ticket is marked once here.
        Migration("pg7 daily figures", sqlite: [], postgres: [
            """
            CREATE TABLE daily_figures (
                day INTEGER NOT NULL,
                moe TEXT NOT NULL,
                service TEXT NOT NULL,
                area TEXT NOT NULL,
                received INTEGER NOT NULL,
                open INTEGER NOT NULL,
                closed_on TEXT NOT NULL,
                last_closed INTEGER,
                figures TEXT NOT NULL,
                PRIMARY KEY (day, moe, service, area)
            )
            """,
            "CREATE INDEX daily_figures_open ON daily_figures (open) WHERE open > 0",
            "CREATE TABLE figure_days (day INTEGER PRIMARY KEY, made_at TIMESTAMPTZ NOT NULL)",
            "CREATE INDEX tickets_created ON tickets (created_at)",
            """
            CREATE TABLE figures_changed (
                ticket_id BIGINT PRIMARY KEY,
                version BIGINT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL
            )
            """,
            "CREATE INDEX figures_changed_created ON figures_changed (created_at)",
            """
            CREATE FUNCTION figures_mark_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE t tickets;
            BEGIN
                IF TG_OP = 'DELETE' THEN t := OLD; ELSE t := NEW; END IF;
                INSERT INTO figures_changed (ticket_id, version, created_at) VALUES (t.id, 1, t.created_at)
                ON CONFLICT (ticket_id) DO UPDATE SET version = figures_changed.version + 1;
                RETURN NULL;
            END $$
            """,
            "CREATE TRIGGER figures_ticket_changed AFTER INSERT OR UPDATE OR DELETE ON tickets FOR EACH ROW EXECUTE FUNCTION figures_mark_ticket()",
            """
            CREATE FUNCTION figures_mark_survey() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO figures_changed (ticket_id, version, created_at) SELECT id, 1, created_at FROM tickets WHERE id = NEW.ticket_id
                ON CONFLICT (ticket_id) DO UPDATE SET version = figures_changed.version + 1;
                RETURN NULL;
            END $$
            """,
            "CREATE TRIGGER figures_survey_answered AFTER UPDATE OF rating ON surveys FOR EACH ROW EXECUTE FUNCTION figures_mark_survey()",
            "INSERT INTO figures_changed (ticket_id, version, created_at) SELECT id, 1, created_at FROM tickets",
        ]),
        Migration("pg8 incidents", sqlite: [], postgres: [
            """
            CREATE TABLE incidents (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                moe TEXT NOT NULL,
                service TEXT NOT NULL,
                faults TEXT NOT NULL,
                areas TEXT NOT NULL,
                description TEXT NOT NULL,
                expected_at TIMESTAMPTZ,
                status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
                created_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL,
                closed_at TIMESTAMPTZ
            )
            """,
            "CREATE INDEX incidents_open ON incidents (status, moe)",
            """
            CREATE TABLE incident_events (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                incident_id BIGINT NOT NULL REFERENCES incidents (id),
                at TIMESTAMPTZ NOT NULL,
                kind TEXT NOT NULL,
                description TEXT,
                expected_at TIMESTAMPTZ,
                areas TEXT,
                actor TEXT NOT NULL
            )
            """,
            "CREATE INDEX incident_events_incident ON incident_events (incident_id, id)",
        ]),
        Migration("pg9 incident residents and tickets, outbox priority", sqlite: [], postgres: [
            """
            CREATE TABLE incident_residents (
                incident_id BIGINT NOT NULL REFERENCES incidents (id),
                msisdn TEXT NOT NULL,
                language TEXT NOT NULL,
                channel TEXT NOT NULL,
                attached_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (incident_id, msisdn)
            )
            """,
            """
            CREATE TABLE incident_tickets (
                ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id),
                incident_id BIGINT NOT NULL REFERENCES incidents (id),
                linked_at TIMESTAMPTZ NOT NULL,
                linked_by TEXT NOT NULL
            )
            """,
            "CREATE INDEX incident_tickets_incident ON incident_tickets (incident_id)",
            "CREATE INDEX incidents_service ON incidents (status, service)",
            "ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0",
            "CREATE INDEX outbox_queue ON outbox (priority, next_attempt_at) WHERE status IN ('pending', 'held')",
        ]),
        // A purge changes who reported a ticket and the words they wrote, nothing any figure
        // counts: only the columns the figures read mark a ticket for the rollup.
        Migration("pg10 purge leaves the daily figures alone", sqlite: [], postgres: [
            "DROP TRIGGER figures_ticket_changed ON tickets",
            "CREATE TRIGGER figures_ticket_written AFTER INSERT OR DELETE ON tickets FOR EACH ROW EXECUTE FUNCTION figures_mark_ticket()",
            "CREATE TRIGGER figures_ticket_changed AFTER UPDATE OF \(FigureColumns.sql) ON tickets FOR EACH ROW EXECUTE FUNCTION figures_mark_ticket()",
            "CREATE TABLE job_leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until TIMESTAMPTZ NOT NULL)",
        ]),
        // An organisation's member has the role `organisation` and `moe` 'org:<id>', which names no MOE's tickets.
        Migration("pg11 organisation members and uploads", sqlite: [], postgres: [
            "ALTER TABLE users DROP CONSTRAINT users_role_check",
            "ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('dispatcher', 'supervisor', 'admin', 'organisation'))",
            """
            CREATE TABLE uploads (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                organisation_id BIGINT NOT NULL REFERENCES organisations (id),
                uploaded_by TEXT NOT NULL,
                filename TEXT NOT NULL,
                status TEXT NOT NULL,
                total_rows INTEGER NOT NULL,
                done_rows INTEGER NOT NULL DEFAULT 0,
                accepted INTEGER NOT NULL DEFAULT 0,
                duplicates INTEGER NOT NULL DEFAULT 0,
                rejected INTEGER NOT NULL DEFAULT 0,
                results TEXT,
                problem TEXT,
                created_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL,
                finished_at TIMESTAMPTZ
            )
            """,
            "CREATE INDEX uploads_organisation ON uploads (organisation_id, id)",
            "ALTER TABLE tickets ADD COLUMN source_upload BIGINT REFERENCES uploads (id)",
            "CREATE INDEX tickets_upload ON tickets (source_upload) WHERE source_upload IS NOT NULL",
        ]),
        // What a front end (FixMyStreet) sends about the person is purged with the reporter's number.
        Migration("pg12 locations and reporter details from front ends", sqlite: [], postgres: [
            "ALTER TABLE tickets ADD COLUMN lat DOUBLE PRECISION, ADD COLUMN long DOUBLE PRECISION",
            """
            CREATE TABLE reporter_details (
                ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
                email TEXT, first_name TEXT, last_name TEXT, media_url TEXT, attributes TEXT
            )
            """,
            "CREATE INDEX ticket_events_public ON ticket_events (at) WHERE is_public OR kind = 'duplicate'",
        ]),
    ]
}
