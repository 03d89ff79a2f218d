-- AML watchlists, SQLite flavour. Keep in step with ../postgres/0002_aml.sql.
--
-- A list is replaced as a whole, in one transaction: its old entries and keys are deleted
-- and the new ones inserted before the commit, so a reader (one statement, one snapshot)
-- sees either the old list or the new one.

-- One row per list name; `version` counts imports.
CREATE TABLE aml_lists (
    name          TEXT PRIMARY KEY NOT NULL,
    version       INTEGER NOT NULL,
    format        TEXT NOT NULL,
    imported_at   TEXT NOT NULL,
    entry_count   INTEGER NOT NULL,
    -- SHA-256 (hex) of the imported file(s), to tell which publication is loaded.
    source_sha256 TEXT NOT NULL
);

-- Ids are assigned by the importer (max + 1 under the write lock), so keys can be written
-- in bulk without reading ids back.
CREATE TABLE aml_entries (
    id            INTEGER PRIMARY KEY NOT NULL,
    list_name     TEXT NOT NULL REFERENCES aml_lists (name) ON DELETE CASCADE,
    case_no       TEXT,
    case_year     TEXT,
    record_date   TEXT,
    full_name     TEXT NOT NULL,
    -- The first document number (for the response); every number is a key.
    id_number     TEXT,
    -- `YYYY-MM-DD` or `YYYY`.
    date_of_birth TEXT,
    -- JSON array of the other names.
    aliases       TEXT NOT NULL,
    -- The folded name keys (main name first, then aliases), one per line: scoring a
    -- candidate needs no transliteration.
    name_keys     TEXT NOT NULL
);
CREATE INDEX aml_entries_list ON aml_entries (list_name);

-- Candidate retrieval: 64-bit hashes of name-token skeleton pairs and of document numbers
-- (see hawiya_documents::screening), each pointing at an entry.
CREATE TABLE aml_keys (
    key      INTEGER NOT NULL,
    entry_id INTEGER NOT NULL,
    PRIMARY KEY (key, entry_id)
) WITHOUT ROWID;
-- For deleting a list's keys when it is replaced.
CREATE INDEX aml_keys_entry ON aml_keys (entry_id);
