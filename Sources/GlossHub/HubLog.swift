import GlossCore
import GlossReplay
import GlossStore
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The hub's event log in PostgreSQL: what a sync session reads and writes (the log, the
/// frontier, fork evidence, erasure notices, the allow-list), shared by every serve process on
/// the database. The decisions are the SQLite ledger's own (`EventVerifier`, `StubAuthority`,
/// `DeviceMap`, `ErasureMap`, `RelayRow`, `NoticeAssembly`); only the storage differs.
public final class HubLog: Sendable {
    public let db: HubDatabase
    let logger: Logger
    /// The device and erasure maps as last read, with the `maps.version` they were read at
    /// (every append that could change them bumps it, in its transaction).
    let maps = Mutex<(version: String, devices: DeviceMap, erasures: ErasureMap)?>(nil)
    /// This process's writers take turns before the database's append lock.
    let gate = AppendGate()
    /// Whether appends start bringing the projection up to the log in the background (a serve
    /// process), and that catch-up's state: running, and asked for again meanwhile.
    let projectsInBackground: Bool
    let background = Mutex<BackgroundProjection>(BackgroundProjection())

    /// The background catch-up (`projectSoon`): whether one runs, whether it was asked for
    /// again meanwhile, whether the process is stopping, its task, and the last failure logged.
    struct BackgroundProjection {
        var running = false, again = false, stopped = false
        var task: Task<Void, Never>?
        var lastFailure: String?
    }

    /// `projectsInBackground`: every append that stores something brings the projection up to
    /// the log soon after, in a task of its own (what `gloss serve --store` does).
    public init(_ db: HubDatabase, logger: Logger = Logger(label: "gloss.hub"), projectsInBackground: Bool = false) {
        self.db = db; self.logger = logger; self.projectsInBackground = projectsInBackground
    }

    // MARK: Schema

    /// What `initialize` did.
    public enum Initialized: Sendable, Equatable { case created, upgraded(from: Int), unchanged }

    /// Creates or upgrades the schema (under a lock, so two processes starting at once do it
    /// once) and records `key` as the hub's own; a hub recorded for another key is refused.
    public func initialize(key: PublicKey) async throws(HubError) -> Initialized {
        let logger = logger
        return try await db.run("creating the hub's schema", timeout: .seconds(120)) { client in
            try await client.withTransaction(logger: logger) { c in
                for try await _ in try await c.query("SELECT pg_advisory_xact_lock(\(HubSchema.migrateLock))", logger: logger) {}
                let from = try await HubSchema.version(on: c, logger: logger)
                guard from <= HubSchema.version else {
                    throw HubError(.schema, "this hub's schema is version \(from), newer than this gloss knows (\(HubSchema.version)): upgrade gloss")
                }
                for v in from..<HubSchema.version {
                    for statement in HubSchema.migrations[v] { for try await _ in try await c.query(PostgresQuery(unsafeSQL: statement), logger: logger) {} }
                }
                let version = String(HubSchema.version)
                for try await _ in try await c.query("INSERT INTO hub_meta(key, value) VALUES ('schema', \(version)) ON CONFLICT (key) DO UPDATE SET value = excluded.value", logger: logger) {}
                var recorded: String?
                for try await k in try await c.query("SELECT value FROM hub_meta WHERE key = 'hub_key'", logger: logger).decode(String.self) { recorded = k }
                if let recorded, recorded != key.hex {
                    throw HubError(.schema, "this hub belongs to key \(recorded); give its key file (--key), not another")
                }
                if recorded == nil {
                    for try await _ in try await c.query("INSERT INTO hub_meta(key, value) VALUES ('hub_key', \(key.hex))", logger: logger) {}
                }
                return from == 0 ? .created : from < HubSchema.version ? .upgraded(from: from) : .unchanged
            }
        }
    }

    /// Checks the database holds a hub of this gloss's schema, and whose key is `key` when
    /// given (a serve process must present the hub's key). Returns the hub's key.
    @discardableResult
    public func checkReady(key: PublicKey? = nil) async throws(HubError) -> PublicKey {
        let logger = logger
        let (version, recorded) = try await db.run("reading the hub's schema") { client in
            try await client.withConnection { c in
                let v = try await HubSchema.version(on: c, logger: logger)
                var k: String?
                if v > 0 {
                    for try await s in try await c.query("SELECT value FROM hub_meta WHERE key = 'hub_key'", logger: logger).decode(String.self) { k = s }
                }
                return (v, k)
            }
        }
        guard version > 0 else { throw HubError(.schema, "\(db.url) holds no hub yet: run `gloss hub init --store URL --key FILE` first") }
        guard version <= HubSchema.version else { throw HubError(.schema, "this hub's schema is version \(version), newer than this gloss knows (\(HubSchema.version)): upgrade gloss") }
        guard version == HubSchema.version else { throw HubError(.schema, "this hub's schema is version \(version): run `gloss hub init` to upgrade it to \(HubSchema.version)") }
        guard let recorded, let hubKey = PublicKey(hex: recorded) else { throw HubError(.schema, "this hub has no key recorded: run `gloss hub init --key FILE`") }
        if let key, key != hubKey {
            throw HubError(.schema, "this hub belongs to key \(hubKey.hex), not \(key.hex): give the hub's key file (--key)")
        }
        return hubKey
    }

    // MARK: Reads

    /// Each author's newest event held (the frontier a peer is sent).
    public func frontier() async throws(HubError) -> Frontier {
        try await db.run("reading the frontier") { client in try await Self.frontier(on: client) }
    }

    static func frontier(on q: some Querier) async throws -> Frontier {
        var tips: [PublicKey: Frontier.Tip] = [:]
        for try await (a, s, i) in try await q.rows("SELECT author, seq, id FROM hub_tips").decode((ByteBuffer, Int64, ByteBuffer).self) {
            guard let author = a.hash, let id = i.hash else { continue }
            tips[PublicKey(author)] = Frontier.Tip(seq: UInt64(max(0, s)), id: id)
        }
        return Frontier(tips)
    }

    /// How many events the hub holds, and the position of the newest.
    public func counts() async throws(HubError) -> (events: Int, authors: Int, forks: Int, lastPos: Int64) {
        try await db.run("counting events") { client in
            var out = (0, 0, 0, Int64(0))
            for try await (n, a, f, p) in try await client.query(
                "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM hub_tips), (SELECT count(DISTINCT author) FROM forks), (SELECT coalesce(max(pos), 0) FROM events)"
            ).decode((Int64, Int64, Int64, Int64).self) { out = (Int(n), Int(a), Int(f), p) }
            return out
        }
    }

    /// The position of the newest event (0 when none): live sessions watch it grow.
    public func lastPos() async throws(HubError) -> Int64 {
        try await db.run("reading the log's end") { client in
            var p: Int64 = 0
            for try await v in try await client.query("SELECT coalesce(max(pos), 0) FROM events").decode(Int64.self) { p = v }
            return p
        }
    }

    /// The event with this id, whole or erased, when the hub holds it.
    public func event(_ id: EventID) async throws(HubError) -> Event? {
        try await events([id])[id]
    }

    /// The events with these ids the hub holds.
    public func events(_ ids: [EventID]) async throws(HubError) -> [EventID: Event] {
        guard !ids.isEmpty else { return [:] }
        let wanted = ids.map(\.buffer)
        return try await db.run("reading events") { client in
            try await Self.events(wanted, on: client)
        }
    }

    static func events(_ wanted: [ByteBuffer], on client: some Querier) async throws -> [EventID: Event] {
        var out: [EventID: Event] = [:]
        for try await (i, b) in try await client.rows("SELECT id, bytes FROM events WHERE id = ANY(\(wanted))").decode((ByteBuffer, ByteBuffer).self) {
            guard let id = i.hash, let e = try? Event.decode(stored: b.array, id: id) else { continue }
            out[id] = e
        }
        return out
    }

    /// The peers on the hub's allow-list, with their names.
    public func peers() async throws(HubError) -> [(key: PublicKey, name: String)] {
        try await db.run("reading the allow-list") { client in
            var out: [(key: PublicKey, name: String)] = []
            for try await (k, n) in try await client.query("SELECT key, name FROM peers ORDER BY name, key").decode((ByteBuffer, String).self) {
                if let h = k.hash { out.append((PublicKey(h), n)) }
            }
            return out
        }
    }

    /// Puts `key` on the allow-list (renaming it when it is there); whether it was new.
    @discardableResult
    public func allow(_ key: PublicKey, name: String) async throws(HubError) -> Bool {
        let k = key.raw.buffer
        return try await db.run("allowing a peer") { client in
            var new = false
            for try await inserted in try await client.query("""
                INSERT INTO peers(key, name, added) VALUES (\(k), \(name), \(Clock.nowMillis()))
                ON CONFLICT (key) DO UPDATE SET name = excluded.name RETURNING (xmax = 0)
                """).decode(Bool.self) { new = inserted }
            return new
        }
    }

    /// Takes `key` off the allow-list; whether it was on it.
    @discardableResult
    public func remove(_ key: PublicKey) async throws(HubError) -> Bool {
        let k = key.raw.buffer
        return try await db.run("removing a peer") { client in
            var n = 0
            for try await _ in try await client.query("DELETE FROM peers WHERE key = \(k) RETURNING key").decode(ByteBuffer.self) { n += 1 }
            return n > 0
        }
    }

    /// The keys the hub syncs with (SYNC.md §5.4), as a ledger's `allowedKeys`: the
    /// allow-list, every device of an allowed identity, never a revoked device.
    public func allowedKeys(own: PublicKey) async throws(HubError) -> Set<PublicKey> {
        let peers = try await peers().map(\.key)
        return try await currentMaps().devices.allowedKeys(peers: peers, own: own)
    }

    /// Authors with fork evidence here, each with the lowest seq of its evidence.
    public func forkedFrom() async throws(HubError) -> [PublicKey: UInt64] {
        try await db.run("reading fork evidence") { client in
            var out: [PublicKey: UInt64] = [:]
            for try await (a, s) in try await client.query("SELECT author, min(seq) FROM forks GROUP BY author").decode((ByteBuffer, Int64).self) {
                if let h = a.hash { out[PublicKey(h)] = UInt64(max(0, s)) }
            }
            return out
        }
    }

    /// The hub's events at these tips whose ids differ from the tips' (the other side of forks).
    public func forkTwins(of tips: [(author: PublicKey, seq: UInt64, id: EventID)]) async throws(HubError) -> [Event] {
        guard !tips.isEmpty else { return [] }
        let authors = tips.map(\.author.raw.buffer), seqs = tips.map { Int64(clamping: $0.seq) }
        let ids = Set(tips.map(\.id))
        return try await db.run("reading fork twins") { client in
            var out: [Event] = []
            for try await (i, b) in try await client.query("""
                SELECT e.id, e.bytes FROM events e JOIN unnest(\(authors)::bytea[], \(seqs)::int8[]) AS t(author, seq)
                  ON e.author = t.author AND e.seq = t.seq ORDER BY e.pos
                """).decode((ByteBuffer, ByteBuffer).self) {
                guard let id = i.hash, !ids.contains(id) else { continue }
                out.append(try Event.decode(b.array, expectedID: id, allowErased: true))
            }
            return out
        }
    }

    /// The notices the hub keeps (their signatures were checked when they were kept).
    public func keptNotices() async throws(HubError) -> [ErasureNotice] {
        try await db.run("reading erasure notices") { client in
            var out: [ErasureNotice] = []
            for try await b in try await client.query("SELECT bytes FROM erasure_notices ORDER BY id").decode(ByteBuffer.self) {
                if let n = try? ErasureNotice.decode(b.array, verified: true) { out.append(n) }
            }
            return out
        }
    }

    /// The device and erasure maps of the log, read again only when an append changed them.
    public func currentMaps() async throws(HubError) -> (devices: DeviceMap, erasures: ErasureMap) {
        try await db.run("reading devices and erasures") { client in
            try await self.maps(on: client)
        }
    }

    func maps(on client: some Querier) async throws -> (devices: DeviceMap, erasures: ErasureMap) {
        let m = try await versionedMaps(on: client)
        return (m.devices, m.erasures)
    }

    /// The maps with the `maps.version` read before them (an append that changes them after
    /// makes the version differ next time).
    func versionedMaps(on client: some Querier) async throws -> (version: String, devices: DeviceMap, erasures: ErasureMap) {
        var version = ""
        for try await v in try await client.rows("SELECT \(unescaped: HubSchema.mapsVersion)").decode(String.self) { version = v }
        if let m = maps.withLock({ $0 }), m.version == version { return m }
        let loaded = try await Self.loadMaps(on: client)
        maps.withLock { $0 = (version, loaded.devices, loaded.erasures) }
        return (version, loaded.devices, loaded.erasures)
    }

    /// The device map (MERGE.md §18) and erasure map (§19) of every event the log holds, the
    /// authors and kinds of the events erasures name as their held bytes say.
    static func loadMaps(on client: some Querier) async throws -> (devices: DeviceMap, erasures: ErasureMap) {
        var deviceEvents: [DeviceEvent] = []
        for try await (i, b) in try await client.rows("SELECT id, bytes FROM events WHERE kind IN (10, 11) ORDER BY pos").decode((ByteBuffer, ByteBuffer).self) {
            guard let id = i.hash, let e = try? Event.decode(stored: b.array, id: id), let d = DeviceEvent(e) else { continue }
            deviceEvents.append(d)
        }
        let devices = DeviceMap(deviceEvents)
        var erasureEvents: [ErasureEvent] = []
        for try await (i, b) in try await client.rows("SELECT id, bytes FROM events WHERE kind = 12 ORDER BY pos").decode((ByteBuffer, ByteBuffer).self) {
            guard let id = i.hash, let e = try? Event.decode(stored: b.array, id: id), let x = ErasureEvent(e) else { continue }
            erasureEvents.append(x)
        }
        guard !erasureEvents.isEmpty else { return (devices, .empty) }
        let named = Set(erasureEvents.flatMap { $0.erasure.events + [$0.erasure.annotation] })
        let held = try await events(named.map(\.buffer), on: client)
        return (devices, ErasureMap(erasureEvents, devices: devices, authorOf: { held[$0]?.author },
                                    kindOf: { id in held[id].flatMap { $0.isErased ? nil : $0.payloadKind } }))
    }
}

extension Hash32 {
    /// The bytes as PostgreSQL `bytea` (never `[UInt8]`, which PostgresNIO binds as `"char"[]`).
    var buffer: ByteBuffer { ByteBuffer(bytes: bytes) }
}

extension ByteBuffer {
    var array: [UInt8] { Array(readableBytesView) }
    /// The 32 bytes as a hash, nil when the column holds another length.
    var hash: Hash32? { readableBytes == 32 ? Hash32(readableBytesView) : nil }
}
