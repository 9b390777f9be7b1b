import GlossCore
import Logging
import PostgresNIO

/// The hub's tables in PostgreSQL, numbered migrations applied under a lock of their own,
/// and the append-only rules the database itself enforces (triggers, as the SQLite log has):
/// events are only inserted, once by id, one per (author, seq); the one UPDATE allowed cuts
/// the payload out of an event a stored erasure names; nothing is ever deleted.
public enum HubSchema {
    /// The schema this gloss writes and reads.
    public static let version = 2
    /// Every write to the log's tables holds this transaction-level advisory lock: it makes
    /// `events.pos` follow commit order, so a reader's `pos > cursor` never skips a row that
    /// committed late, and each writer sees every event committed before it decides.
    static let appendLock: Int64 = 0x676C_6F73_7301
    static let migrateLock: Int64 = 0x676C_6F73_7302
    /// Held by whoever brings the projection up to the log (`HubLog.project`): one at a time.
    static let projectLock: Int64 = 0x676C_6F73_7303

    /// Each migration's statements, in order; the schema version after migration i is i + 1.
    static let migrations: [[String]] = [[
        "CREATE TABLE hub_meta(key text PRIMARY KEY, value text NOT NULL)",
        """
        CREATE TABLE events(
          pos     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          id      bytea  NOT NULL UNIQUE CHECK (length(id) = 32),
          author  bytea  NOT NULL CHECK (length(author) = 32),
          seq     bigint NOT NULL CHECK (seq >= 1),
          lamport bigint NOT NULL CHECK (lamport >= 1),
          time    bigint NOT NULL,
          kind    integer NOT NULL,
          bytes   bytea  NOT NULL,
          tag     bytea  NOT NULL,
          UNIQUE (author, seq))
        """,
        "CREATE INDEX events_devices ON events(kind, pos) WHERE kind IN (10, 11)",
        "CREATE INDEX events_erasures ON events(kind, pos) WHERE kind = 12",
        "CREATE TABLE forks(id bytea PRIMARY KEY, author bytea NOT NULL, seq bigint NOT NULL, bytes bytea NOT NULL, detected_at bigint NOT NULL)",
        "CREATE INDEX forks_author ON forks(author, seq)",
        "CREATE TABLE erasure_notices(id bytea PRIMARY KEY, bytes bytea NOT NULL, received bigint NOT NULL)",
        "CREATE TABLE erasures(target bytea PRIMARY KEY, erasure bytea NOT NULL)",
        "CREATE TABLE hub_tips(author bytea PRIMARY KEY, seq bigint NOT NULL, id bytea NOT NULL)",
        "CREATE TABLE peers(key bytea PRIMARY KEY CHECK (length(key) = 32), name text NOT NULL, added bigint NOT NULL)",
        "CREATE TABLE settings(key text PRIMARY KEY, value text NOT NULL)",
        // The header's length read from its bytes (EVENTS.md §3): 94, 32 more for prev when
        // seq > 1, 32 per dep, whose count is the byte after prev.
        """
        CREATE FUNCTION gloss_header_length(b bytea, seq bigint) RETURNS integer IMMUTABLE STRICT LANGUAGE sql AS $$
          SELECT 94 + (CASE WHEN seq > 1 THEN 32 ELSE 0 END) + 32 * get_byte(b, 57 + (CASE WHEN seq > 1 THEN 32 ELSE 0 END)) $$
        """,
        """
        CREATE FUNCTION gloss_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
          RAISE EXCEPTION 'gloss: % is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'GA001'; END $$
        """,
        """
        CREATE FUNCTION gloss_events_update() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE h integer := gloss_header_length(OLD.bytes, OLD.seq); BEGIN
          IF (NEW.pos, NEW.id, NEW.author, NEW.seq, NEW.lamport, NEW.time, NEW.kind, NEW.tag)
               IS NOT DISTINCT FROM (OLD.pos, OLD.id, OLD.author, OLD.seq, OLD.lamport, OLD.time, OLD.kind, OLD.tag)
             AND EXISTS (SELECT 1 FROM erasures WHERE target = OLD.id)
             AND length(OLD.bytes) > h + 64
             AND NEW.bytes = substring(OLD.bytes FROM 1 FOR h) || substring(OLD.bytes FROM length(OLD.bytes) - 63)
          THEN RETURN NEW; END IF;
          RAISE EXCEPTION 'gloss: the event log is append-only; only a payload an erasure names may be removed' USING ERRCODE = 'GA001';
        END $$
        """,
        """
        CREATE FUNCTION gloss_erased_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM erasures WHERE target = NEW.id) THEN
            RAISE EXCEPTION 'gloss: an event without its payload needs an erasure naming it' USING ERRCODE = 'GA001';
          END IF; RETURN NEW; END $$
        """,
        """
        CREATE FUNCTION gloss_erasure_named() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM events e WHERE e.id = NEW.erasure AND e.kind = 12 AND position(NEW.target IN e.bytes) > 0)
             AND NOT EXISTS (SELECT 1 FROM erasure_notices n WHERE n.id = NEW.erasure AND position(NEW.target IN n.bytes) > 0) THEN
            RAISE EXCEPTION 'gloss: a payload may be erased only when a stored erasure names it' USING ERRCODE = 'GA001';
          END IF; RETURN NEW; END $$
        """,
        "CREATE TRIGGER events_update BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION gloss_events_update()",
        // WHEN keeps PL/pgSQL off the hot path: only rows in the erased form run the function.
        """
        CREATE TRIGGER events_erased BEFORE INSERT ON events FOR EACH ROW
          WHEN (length(NEW.bytes) = gloss_header_length(NEW.bytes, NEW.seq) + 64) EXECUTE FUNCTION gloss_erased_insert()
        """,
        "CREATE TRIGGER erasures_named BEFORE INSERT ON erasures FOR EACH ROW EXECUTE FUNCTION gloss_erasure_named()",
    ] + ["events", "forks", "erasure_notices", "erasures"].flatMap { t in [
        "CREATE TRIGGER \(t)_delete BEFORE DELETE ON \(t) FOR EACH ROW EXECUTE FUNCTION gloss_refuse()",
        "CREATE TRIGGER \(t)_truncate BEFORE TRUNCATE ON \(t) FOR EACH STATEMENT EXECUTE FUNCTION gloss_refuse()",
    ] } + ["forks", "erasure_notices", "erasures"].map { t in
        "CREATE TRIGGER \(t)_update BEFORE UPDATE ON \(t) FOR EACH ROW EXECUTE FUNCTION gloss_refuse()"
    }, projection]

    /// Migration 2: the projection, the hub's current state (Protocol/MERGE.md) kept as rows
    /// and brought up to the log after appends (`HubLog.project`). A cache of the log, never a
    /// source of truth: `hub_projection` says which events it covers, with which device and
    /// erasure maps (`maps.version`) and row format; any difference and it is rebuilt.
    static let projection = [
        """
        CREATE TABLE hub_projection(
          id      integer PRIMARY KEY CHECK (id = 1),
          format  integer NOT NULL,   -- StateCodec.format of the rows
          maps    text    NOT NULL,   -- the maps.version the rows were computed with
          upto    bigint  NOT NULL,   -- events.pos of the last event applied
          events  bigint  NOT NULL,   -- how many events that is
          -- Bumped when an erasure deleted rows holding its text: the annotations' table is to
          -- be rewritten (VACUUM FULL) so the dead rows leave its files; 0 once it was.
          compact bigint  NOT NULL DEFAULT 0)
        """,
        // Each article's and annotation's state in StateCodec's form; annotations with their
        // place in the total order (MERGE.md §2), which a snapshot lists them in.
        "CREATE TABLE p_articles(id bytea PRIMARY KEY, state bytea NOT NULL)",
        "CREATE TABLE p_annotations(id bytea PRIMARY KEY, article bytea NOT NULL, lamport bigint NOT NULL, author bytea NOT NULL, state bytea NOT NULL)",
        "CREATE INDEX p_annotations_order ON p_annotations(lamport, author, id)",
        "CREATE INDEX p_annotations_article ON p_annotations(article, lamport, author, id)",
        // Events waiting for their target (an article or annotation not yet in the log, §8).
        "CREATE TABLE p_waiting(target bytea NOT NULL, event bytea NOT NULL, PRIMARY KEY (target, event))",
        // Events with no effect, and why.
        "CREATE TABLE p_rejected(event bytea PRIMARY KEY, reason text NOT NULL)",
        // The heads of the log: events no other event names as a parent.
        "CREATE TABLE p_heads(id bytea PRIMARY KEY)",
    ]
    /// The device and erasure maps' version as SQL (0 before any append changed them).
    static let mapsVersion = "coalesce((SELECT value FROM settings WHERE key = 'maps.version'), '0')"
    static let projectionTables = ["p_articles", "p_annotations", "p_waiting", "p_rejected", "p_heads"]

    /// The triggers the log's rules need, by table: `hub verify` and `hub status` check each is
    /// there and enabled (the database's owner could disable one).
    static let triggers: [String: [String]] = [
        "events": ["events_update", "events_erased", "events_delete", "events_truncate"],
        "forks": ["forks_delete", "forks_truncate", "forks_update"],
        "erasure_notices": ["erasure_notices_delete", "erasure_notices_truncate", "erasure_notices_update"],
        "erasures": ["erasures_named", "erasures_delete", "erasures_truncate", "erasures_update"],
    ]

    /// The schema version of the database (0 when it has no hub yet).
    static func version(on c: PostgresConnection, logger: Logger) async throws -> Int {
        let exists = try await c.query("SELECT to_regclass('hub_meta') IS NOT NULL", logger: logger)
        var has = false
        for try await b in exists.decode(Bool.self) { has = b }
        guard has else { return 0 }
        var v = 0
        for try await s in try await c.query("SELECT value FROM hub_meta WHERE key = 'schema'", logger: logger).decode(String.self) {
            v = Int(s) ?? 0
        }
        return v
    }
}
