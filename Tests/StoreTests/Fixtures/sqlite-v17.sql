PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
INSERT INTO grdb_migrations VALUES('v1 sessions, tickets, history, outbox');
INSERT INTO grdb_migrations VALUES('v2 SMS: opt-out, help throttle, inbound messages, outbox delivery');
INSERT INTO grdb_migrations VALUES('v3 organisations and bulk reports');
INSERT INTO grdb_migrations VALUES('v4 staff, MOE API tokens, audit log');
INSERT INTO grdb_migrations VALUES('v5 console: sessions, assignees, duplicates');
INSERT INTO grdb_migrations VALUES('v6 internet safety: throttles, quotas, held SMS, signed DLRs, append-only audit');
INSERT INTO grdb_migrations VALUES('v7 due date stored at creation');
INSERT INTO grdb_migrations VALUES('v8 service levels');
INSERT INTO grdb_migrations VALUES('v9 escalation');
INSERT INTO grdb_migrations VALUES('v10 staff e-mail');
INSERT INTO grdb_migrations VALUES('v11 satisfaction surveys');
INSERT INTO grdb_migrations VALUES('v12 daily figures');
INSERT INTO grdb_migrations VALUES('v13 incidents');
INSERT INTO grdb_migrations VALUES('v14 incident residents and tickets, outbox priority');
INSERT INTO grdb_migrations VALUES('v15 purge leaves the daily figures alone');
INSERT INTO grdb_migrations VALUES('v16 organisation members and uploads');
INSERT INTO grdb_migrations VALUES('v17 locations and reporter details from front ends');
CREATE TABLE store_meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    durable_syncs INTEGER NOT NULL DEFAULT 0
);
INSERT INTO store_meta VALUES(1,0);
CREATE TABLE subscribers (
    msisdn TEXT PRIMARY KEY,
    language TEXT,
    opted_out INTEGER NOT NULL DEFAULT 0,
    updated_at DATETIME NOT NULL
, opted_out_at DATETIME, last_help_at DATETIME);
INSERT INTO subscribers VALUES('+27821110001','en',0,'2026-12-04 20:37:01.200',NULL,NULL);
INSERT INTO subscribers VALUES('+27821110002',NULL,0,'2026-12-04 20:37:01.270',NULL,NULL);
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
INSERT INTO ussd_sessions VALUES('africastalking:fx1','+27821110001','*120*1234#','s12:en11:report_done1:01:11:01:77:address14:12 Vilakazi St4:area6:soweto5:fault10:burst_pipe8:language2:en7:privacy1:19:reference11:335 070 1197:service5:water1:0','1*1*1*1*1*12 Vilakazi St*1','Thank you. Your reference is 335 070 119. We will also send it by SMS. Dial again to track it.',1,0,8,'2026-12-04 20:37:01.188','2026-12-04 20:37:01.256');
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
, source_org INTEGER REFERENCES organisations (id), external_id TEXT, assignee TEXT, duplicate_of INTEGER REFERENCES tickets (id), due_at DATETIME, acknowledge_due_at DATETIME, paused_at DATETIME, escalation_level INTEGER NOT NULL DEFAULT 0, source_upload INTEGER REFERENCES uploads (id), lat REAL, long REAL);
INSERT INTO tickets VALUES(1,'335070119','water','burst_pipe','soweto','12 Vilakazi St','','water','water-south','new','ussd','+27821110001','en',NULL,NULL,'2026-12-04 20:37:01.256','2026-12-04 20:37:01.256',NULL,NULL,NULL,NULL,'2026-12-05 20:37:01.256','2026-12-04 22:37:01.256',NULL,0,NULL,NULL,NULL);
INSERT INTO tickets VALUES(2,'776198079','water','unspecified','unknown','burst pipe at 3 Mooki St','burst pipe at 3 Mooki St','water','water-general','new','sms','+27821110002','en',NULL,NULL,'2026-12-04 20:37:01.270','2026-12-04 20:37:01.270',NULL,NULL,NULL,NULL,'2026-12-06 20:37:01.270','2026-12-05 00:37:01.270',NULL,0,NULL,NULL,NULL);
INSERT INTO tickets VALUES(3,'377535321','water','leak','soweto','1 Main Rd','drips','water','water-south','in_progress','bulk','+27821110003','en','Crew on site',NULL,'2026-12-04 20:37:01.285','2026-12-04 20:37:03.803',1,'w1',NULL,NULL,'2026-12-06 20:37:01.285','2026-12-05 00:37:01.285',NULL,0,NULL,NULL,NULL);
INSERT INTO tickets VALUES(4,'346582112','roads','pothole','soweto','2 Main Rd','','roads','roads-general','new','bulk',NULL,'en',NULL,NULL,'2026-12-04 20:37:01.285','2026-12-04 20:37:01.285',1,'w2',NULL,NULL,'2026-12-11 14:30:00.000','2026-12-07 14:30:00.000',NULL,0,NULL,NULL,NULL);
INSERT INTO tickets VALUES(5,'985787398','waste','missed_collection','soweto','5 Main Rd','','waste','waste-general','new','bulk',NULL,'en',NULL,NULL,'2026-12-04 20:37:01.666','2026-12-04 20:37:01.666',1,'u1',NULL,NULL,'2026-12-09 09:00:00.000','2026-12-07 09:00:00.000',NULL,0,1,NULL,NULL);
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
INSERT INTO ticket_events VALUES(1,1,'2026-12-04 20:37:01.256','created',NULL,'new','routed to water/water-south',0,'ussd');
INSERT INTO ticket_events VALUES(2,2,'2026-12-04 20:37:01.270','created',NULL,'new','routed to water/water-general',0,'sms');
INSERT INTO ticket_events VALUES(3,3,'2026-12-04 20:37:01.285','created',NULL,'new','routed to water/water-south',0,'bulk');
INSERT INTO ticket_events VALUES(4,4,'2026-12-04 20:37:01.285','created',NULL,'new','routed to roads/roads-general',0,'bulk');
INSERT INTO ticket_events VALUES(5,5,'2026-12-04 20:37:01.666','created',NULL,'new','routed to waste/waste-general',0,'bulk');
INSERT INTO ticket_events VALUES(6,3,'2026-12-04 20:37:03.803','status','new','in_progress','Crew on site',1,'api:water');
CREATE TABLE inbound_sms (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,
    provider_id TEXT,
    msisdn TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at DATETIME NOT NULL,
    UNIQUE (provider, provider_id)
);
INSERT INTO inbound_sms VALUES(1,'kannel',NULL,'+27821110002','REPORT WATER burst pipe at 3 Mooki St','2026-12-04 20:37:01.270');
CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    key_hash TEXT NOT NULL UNIQUE,
    key_prefix TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    revoked_at DATETIME
, daily_quota INTEGER NOT NULL DEFAULT 50000);
INSERT INTO organisations VALUES(1,'Ward 12','6d689a89775c7738295dd76805494fc2fdf7157542ad537576c93666dd40fdc2','cg_7kts','2026-12-04 20:37:00.064',NULL,50000);
CREATE TABLE moe_tokens (
    id INTEGER PRIMARY KEY,
    moe TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    token_prefix TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    revoked_at DATETIME
);
INSERT INTO moe_tokens VALUES(1,'water','89ab6a791125d6e5117fba8ec0e1a953029de31bc2daeeba8141f7225bcd1995','mt_za7t','2026-12-04 20:37:00.830',NULL);
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at DATETIME NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    ticket_id INTEGER REFERENCES tickets (id),
    detail TEXT
, address TEXT);
INSERT INTO audit_log VALUES(1,'2026-12-04 20:37:01.287','org:1','bulk upload',NULL,'Ward 12: 2 accepted, 0 rejected','127.0.0.1');
INSERT INTO audit_log VALUES(2,'2026-12-04 20:37:01.338','nomsa','signed in',NULL,NULL,'127.0.0.1');
INSERT INTO audit_log VALUES(3,'2026-12-04 20:37:01.666','nomsa','upload',NULL,'Ward 12, upload 1: upload.csv, 1 rows','127.0.0.1');
INSERT INTO audit_log VALUES(4,'2026-12-04 20:37:01.668','nomsa','upload processed',NULL,'Ward 12, upload 1: 1 accepted, 0 duplicates, 0 rejected',NULL);
INSERT INTO audit_log VALUES(5,'2026-12-04 20:37:03.803','api:water','status in_progress',3,'public update: Crew on site; internal note: valve','127.0.0.1');
INSERT INTO audit_log VALUES(6,'2026-12-04 20:37:03.817','api:water','incident declared',NULL,'incident 1: soweto','127.0.0.1');
CREATE TABLE staff_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    last_seen_at DATETIME NOT NULL
);
INSERT INTO staff_sessions VALUES('9cd5309a40f1fbeb7e683d725a55d580344ed1de6f4dfcb5357c12f7fd0fde7a',2,'2EKyjFndTnefPh6r12PzBYoC0uFRBCgQyx1Iu8khFsS','2026-12-04 20:37:01.338','2026-12-04 20:37:01.664');
CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO secrets VALUES('dlr-signing-key','9b6117457ffd2f253a5602795d56dfc257763ba4b133989173bda5189b0b1429');
CREATE TABLE sign_in_failures (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_at DATETIME NOT NULL
);
INSERT INTO sign_in_failures VALUES('a:127.0.0.1',0,'2026-12-04 20:37:01.338');
CREATE TABLE IF NOT EXISTS "outbox" (
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
, priority INTEGER NOT NULL DEFAULT 0);
INSERT INTO outbox VALUES(1,1,'+27821110001','City services: we received your report (Burst pipe). Your reference is 335 070 119. Dial the USSD code and choose Track to follow it.','sent',1,'2026-12-04 20:37:01.256','log-1',NULL,'2026-12-04 20:37:01.256','2026-12-04 20:37:01.347',0,1,'2026-12-04 20:37:01.347',NULL,'2026-12-04 20:37:01.306',0);
INSERT INTO outbox VALUES(2,2,'+27821110002',replace('Thank you. Your reference is 776 198 079. Send STATUS 776 198 079 to follow it.\nWe keep your number and reports. SMS MYDATA to learn more.','\n',char(10)),'sent',1,'2026-12-04 20:37:01.270','log-2',NULL,'2026-12-04 20:37:01.270','2026-12-04 20:37:01.347',0,1,'2026-12-04 20:37:01.347',NULL,'2026-12-04 20:37:01.306',0);
INSERT INTO outbox VALUES(3,3,'+27821110003','City services: we received your report (Leak). Your reference is 377 535 321. Dial the USSD code and choose Track to follow it.','sent',1,'2026-12-04 20:37:01.285','log-3',NULL,'2026-12-04 20:37:01.285','2026-12-04 20:37:01.347',0,1,'2026-12-04 20:37:01.347',NULL,'2026-12-04 20:37:01.306',0);
INSERT INTO outbox VALUES(4,3,'+27821110003','Ref 377 535 321: In progress. Crew on site','pending',0,'2026-12-04 20:37:03.803',NULL,NULL,'2026-12-04 20:37:03.803','2026-12-04 20:37:03.803',0,NULL,NULL,NULL,NULL,0);
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
CREATE TABLE figure_days (
    day INTEGER PRIMARY KEY,
    made_at DATETIME NOT NULL
);
CREATE TABLE figures_changed (
    ticket_id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at DATETIME NOT NULL
);
INSERT INTO figures_changed VALUES(1,1,'2026-12-04 20:37:01.256');
INSERT INTO figures_changed VALUES(2,1,'2026-12-04 20:37:01.270');
INSERT INTO figures_changed VALUES(3,3,'2026-12-04 20:37:01.285');
INSERT INTO figures_changed VALUES(4,1,'2026-12-04 20:37:01.285');
INSERT INTO figures_changed VALUES(5,1,'2026-12-04 20:37:01.666');
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
INSERT INTO incidents VALUES(1,'water','water','','soweto','Main burst in Soweto','2027-01-15 14:00:00.000','open','2026-12-04 20:37:03.817','2026-12-04 20:37:03.817',NULL);
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
INSERT INTO incident_events VALUES(1,1,'2026-12-04 20:37:03.817','declared','Main burst in Soweto','2027-01-15 14:00:00.000','soweto','api:water');
CREATE TABLE incident_residents (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    msisdn TEXT NOT NULL,
    language TEXT NOT NULL,
    channel TEXT NOT NULL,
    attached_at DATETIME NOT NULL,
    PRIMARY KEY (incident_id, msisdn)
);
CREATE TABLE incident_tickets (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets (id),
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    linked_at DATETIME NOT NULL,
    linked_by TEXT NOT NULL
);
CREATE TABLE job_leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until DATETIME NOT NULL);
CREATE TABLE IF NOT EXISTS "users" (
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
INSERT INTO users VALUES(1,'thandi','$2b$12$gQrtpb9zi7JVyz1.NkphNenEA7Ux8KNZPUYrdLJ4qORKNknkbdSM2','water','dispatcher',0,NULL,'2026-12-04 20:36:59.535',NULL,NULL,NULL,0);
INSERT INTO users VALUES(2,'nomsa','$2b$12$le9iz/IFrVdUAG3KQ.wvZeEvmUGZVKjHVJBqgRHLqoC1eg0m/jc1m','org:1','organisation',0,NULL,'2026-12-04 20:37:00.304',NULL,NULL,NULL,0);
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
INSERT INTO uploads VALUES(1,1,'nomsa','upload.csv','done',1,1,1,0,0,'[{"row":2,"reference":"985787398","external_id":"u1"}]',NULL,'2026-12-04 20:37:01.665','2026-12-04 20:37:01.668',NULL);
CREATE TABLE reporter_details (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    email TEXT, first_name TEXT, last_name TEXT, media_url TEXT, attributes TEXT
);
CREATE INDEX ussd_sessions_resumable ON ussd_sessions (msisdn, updated_at) WHERE resumable = 1;
CREATE INDEX ussd_sessions_updated ON ussd_sessions (updated_at);
CREATE INDEX tickets_reporter ON tickets (reporter, created_at);
CREATE INDEX tickets_queue ON tickets (moe, queue, status);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, at);
CREATE UNIQUE INDEX tickets_org_external ON tickets (source_org, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX audit_log_ticket ON audit_log (ticket_id, at);
CREATE INDEX tickets_duplicate_of ON tickets (duplicate_of) WHERE duplicate_of IS NOT NULL;
CREATE INDEX tickets_moe_created ON tickets (moe, created_at);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX tickets_org_created ON tickets (source_org, created_at) WHERE source_org IS NOT NULL;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_provider_id ON outbox (provider_message_id);
CREATE INDEX outbox_msisdn_handed ON outbox (msisdn, handed_at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_early_delete BEFORE DELETE ON audit_log
WHEN OLD.at > strftime('%Y-%m-%d %H:%M:%f', 'now', '-1095 days')
BEGIN SELECT RAISE(ABORT, 'audit entries are kept for three years'); END;
CREATE INDEX tickets_moe_due ON tickets (moe, due_at);
CREATE INDEX tickets_open_due ON tickets (due_at) WHERE status IN ('new', 'acknowledged', 'assigned', 'in_progress');
CREATE INDEX staff_mail_due ON staff_mail (status, next_attempt_at);
CREATE INDEX surveys_msisdn ON surveys (msisdn, sent_at);
CREATE INDEX tickets_status_updated ON tickets (status, updated_at);
CREATE INDEX daily_figures_open ON daily_figures (open) WHERE open > 0;
CREATE INDEX tickets_created ON tickets (created_at);
CREATE INDEX figures_changed_created ON figures_changed (created_at);
CREATE TRIGGER figures_ticket_added AFTER INSERT ON tickets BEGIN
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
CREATE INDEX incidents_open ON incidents (status, moe);
CREATE INDEX incident_events_incident ON incident_events (incident_id, id);
CREATE INDEX incident_tickets_incident ON incident_tickets (incident_id);
CREATE INDEX incidents_service ON incidents (status, service);
CREATE INDEX outbox_queue ON outbox (priority, next_attempt_at) WHERE status IN ('pending', 'held');
CREATE TRIGGER figures_ticket_changed AFTER UPDATE OF reference, service, fault, area, moe, queue, status, channel, created_at, updated_at, due_at, acknowledge_due_at, paused_at, escalation_level, duplicate_of, expected_at ON tickets BEGIN
    INSERT INTO figures_changed (ticket_id, version, created_at) VALUES (NEW.id, 1, NEW.created_at)
    ON CONFLICT (ticket_id) DO UPDATE SET version = version + 1;
END;
CREATE INDEX uploads_organisation ON uploads (organisation_id, id);
CREATE INDEX tickets_upload ON tickets (source_upload) WHERE source_upload IS NOT NULL;
CREATE INDEX ticket_events_public ON ticket_events (at) WHERE is_public OR kind = 'duplicate';
COMMIT;
