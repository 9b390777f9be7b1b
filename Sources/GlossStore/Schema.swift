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
        // 9: erasure (MERGE.md §19), the log's one controlled exception to append-only. An
        // UPDATE of an event may only cut its payload out (keeping header ‖ signature, every
        // other column unchanged), and only for an event listed in `erasures`, which accepts a
        // target only when a stored erasure (kind 12) names it, in the log or received ahead
        // of it as a notice (`erasure_notices`, append-only like fork evidence). A row inserted without its
        // payload needs the same. DELETE stays refused. The header's length is read from the
        // bytes: 94, plus 32 for prev when seq > 1, plus 32 per dep (the count byte is found
        // with instr() over the 256 byte values).
        """
        CREATE TABLE erasure_notices(id BLOB PRIMARY KEY, bytes BLOB NOT NULL, received INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TRIGGER erasure_notices_append_only_update BEFORE UPDATE ON erasure_notices
            BEGIN SELECT RAISE(ABORT, 'gloss: erasure notices cannot be changed'); END;
        CREATE TRIGGER erasure_notices_append_only_delete BEFORE DELETE ON erasure_notices
            BEGIN SELECT RAISE(ABORT, 'gloss: erasure notices cannot be deleted'); END;
        CREATE TABLE erasures(target BLOB PRIMARY KEY, erasure BLOB NOT NULL) WITHOUT ROWID;
        CREATE TRIGGER erasures_named BEFORE INSERT ON erasures
            WHEN NOT EXISTS (SELECT 1 FROM events e WHERE e.id = NEW.erasure AND e.kind = 12 AND instr(e.bytes, NEW.target) > 0)
             AND NOT EXISTS (SELECT 1 FROM erasure_notices n WHERE n.id = NEW.erasure AND instr(n.bytes, NEW.target) > 0)
            BEGIN SELECT RAISE(ABORT, 'gloss: a payload may be erased only when a stored erasure names it'); END;
        CREATE TRIGGER erasures_append_only_update BEFORE UPDATE ON erasures
            BEGIN SELECT RAISE(ABORT, 'gloss: erasures cannot be changed'); END;
        CREATE TRIGGER erasures_append_only_delete BEFORE DELETE ON erasures
            BEGIN SELECT RAISE(ABORT, 'gloss: erasures cannot be deleted'); END;
        DROP TRIGGER events_append_only_update;
        CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
            WHEN NOT (NEW.rowid IS OLD.rowid AND NEW.id IS OLD.id AND NEW.author IS OLD.author AND NEW.seq IS OLD.seq
                AND NEW.lamport IS OLD.lamport AND NEW.time IS OLD.time AND NEW.kind IS OLD.kind AND NEW.tag IS OLD.tag
                AND EXISTS (SELECT 1 FROM erasures WHERE target = OLD.id)
                AND length(OLD.bytes) > (94 + (CASE WHEN OLD.seq > 1 THEN 32 ELSE 0 END) + 32 * (instr(X'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff', substr(OLD.bytes, 58 + (CASE WHEN OLD.seq > 1 THEN 32 ELSE 0 END), 1)) - 1)) + 64
                AND length(NEW.bytes) = (94 + (CASE WHEN OLD.seq > 1 THEN 32 ELSE 0 END) + 32 * (instr(X'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff', substr(OLD.bytes, 58 + (CASE WHEN OLD.seq > 1 THEN 32 ELSE 0 END), 1)) - 1)) + 64
                AND substr(NEW.bytes, 1, (94 + (CASE WHEN OLD.seq > 1 THEN 32 ELSE 0 END) + 32 * (instr(X'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff', substr(OLD.bytes, 58 + (CASE WHEN OLD.seq > 1 THEN 32 ELSE 0 END), 1)) - 1))) = substr(OLD.bytes, 1, (94 + (CASE WHEN OLD.seq > 1 THEN 32 ELSE 0 END) + 32 * (instr(X'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff', substr(OLD.bytes, 58 + (CASE WHEN OLD.seq > 1 THEN 32 ELSE 0 END), 1)) - 1)))
                AND substr(NEW.bytes, (94 + (CASE WHEN OLD.seq > 1 THEN 32 ELSE 0 END) + 32 * (instr(X'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff', substr(OLD.bytes, 58 + (CASE WHEN OLD.seq > 1 THEN 32 ELSE 0 END), 1)) - 1)) + 1) = substr(OLD.bytes, -64))
            BEGIN SELECT RAISE(ABORT, 'gloss: the event log is append-only; only a payload an erasure names may be removed'); END;
        CREATE TRIGGER events_erased_insert AFTER INSERT ON events
            WHEN length(NEW.bytes) = (94 + (CASE WHEN NEW.seq > 1 THEN 32 ELSE 0 END) + 32 * (instr(X'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff', substr(NEW.bytes, 58 + (CASE WHEN NEW.seq > 1 THEN 32 ELSE 0 END), 1)) - 1)) + 64 AND NOT EXISTS (SELECT 1 FROM erasures WHERE target = NEW.id)
            BEGIN SELECT RAISE(ABORT, 'gloss: an event without its payload needs an erasure naming it'); END;
        CREATE INDEX events_erasures ON events(kind, id) WHERE kind = 12;
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
