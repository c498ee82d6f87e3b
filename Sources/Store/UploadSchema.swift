/// An organisation's CSV file sent in the browser: processed in the background, its progress and
/// its per-row results (JSON) kept for the result page and its download.
enum UploadSchema {
    static let sqlite = """
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
}
