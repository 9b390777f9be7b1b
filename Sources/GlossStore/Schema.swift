/// The ledger's SQL schema as numbered migrations. A migration is never edited once shipped:
/// a change is a new migration at the end. `PRAGMA user_version` holds how many have run.
enum Schema {
    static let migrations: [String] = [
        // 1: the append-only event log, its heads, fork evidence, settings.
        """
        CREATE TABLE events(
            rowid   INTEGER PRIMARY KEY,
            id      BLOB NOT NULL UNIQUE CHECK (length(id) = 32),
            author  BLOB NOT NULL CHECK (length(author) = 32),
            seq     INTEGER NOT NULL CHECK (seq >= 1),
            lamport INTEGER NOT NULL CHECK (lamport >= 1),
            time    INTEGER NOT NULL,
            kind    INTEGER NOT NULL,
            bytes   BLOB NOT NULL,
            UNIQUE (author, seq)
        );
        CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'gloss: the event log is append-only; events cannot be changed'); END;
        CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'gloss: the event log is append-only; events cannot be deleted'); END;
        CREATE TABLE heads(id BLOB PRIMARY KEY) WITHOUT ROWID;
        CREATE TABLE forks(
            id          BLOB PRIMARY KEY,
            author      BLOB NOT NULL,
            seq         INTEGER NOT NULL,
            bytes       BLOB NOT NULL,
            detected_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TRIGGER forks_append_only_update BEFORE UPDATE ON forks
            BEGIN SELECT RAISE(ABORT, 'gloss: fork evidence cannot be changed'); END;
        CREATE TRIGGER forks_append_only_delete BEFORE DELETE ON forks
            BEGIN SELECT RAISE(ABORT, 'gloss: fork evidence cannot be deleted'); END;
        CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        """,
        // 2: checkpoints, stored states of replay at a prefix of the log (a cache, never trusted
        // without checking; replaced by the projection and dropped by migration 5).
        """
        CREATE TABLE checkpoints(
            upto        INTEGER PRIMARY KEY,
            event_count INTEGER NOT NULL,
            last_id     BLOB NOT NULL,
            format      INTEGER NOT NULL,
            state       BLOB NOT NULL,
            state_hash  BLOB NOT NULL,
            created     INTEGER NOT NULL
        );
        """,
        // 3: the allow-list of peers that may sync with this ledger.
        """
        CREATE TABLE peers(
            key   BLOB PRIMARY KEY CHECK (length(key) = 32),
            name  TEXT NOT NULL,
            added INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
        // 4: full-text search over annotations, a projection of the log (rebuilt from it).
        """
        CREATE VIRTUAL TABLE search USING fts5(
            quote, comment, tags,
            annotation UNINDEXED, article UNINDEXED, author UNINDEXED,
            tokenize = 'unicode61 remove_diacritics 2'
        );
        """,
        // 5: the state moved into the projection (ProjectionSchema, rebuilt from the log when
        // missing): the checkpoint blobs and the separate search index go.
        """
        DROP TABLE checkpoints;
        DROP TABLE search;
        DELETE FROM settings WHERE key IN ('search.row', 'checkpoint.every');
        """,
        // 6: `gloss log` lists events in the total order (lamport, author, id) as a stream.
        """
        CREATE INDEX events_lamport ON events(lamport);
        """,
        // 7: each row's integrity tag (StoredRowCheck), written when the event is stored after
        // its signature verified; a row is relayed only while its bytes still match it. Rows
        // stored before this migration have none and get a full signature check instead.
        """
        ALTER TABLE events ADD COLUMN tag BLOB;
        """,
        // 8: the device events (kinds 10 and 11, MERGE.md §18), read whole before every batch
        // is projected: who writes for whom depends on them alone.
        """
        CREATE INDEX events_devices ON events(kind, id) WHERE kind IN (10, 11);
        """,
    ]

    /// Brings the file up to the newest schema, in one transaction.
    static func migrate(_ db: SQLiteConnection) throws {
        let s = try db.statement("PRAGMA user_version")
        _ = try s.step()
        let current = Int(s.int(0))
        s.reset()
        guard current <= migrations.count else {
            throw StoreError(.newerSchema, "this ledger has schema version \(current), newer than this gloss understands (\(migrations.count)): upgrade gloss")
        }
        guard current < migrations.count else { return }
        try db.transaction {
            for v in current..<migrations.count {
                try db.execute(migrations[v])
            }
            try db.execute("PRAGMA user_version = \(migrations.count)")
        }
    }
}
