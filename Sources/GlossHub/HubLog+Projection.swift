import GlossCore
import GlossReplay
import GlossStore
import NIOCore
import PostgresNIO

/// How far the projection is behind the log.
public struct HubProjectionStatus: Sendable, Equatable {
    /// Events the projection covers, and events in the log.
    public let projected: Int
    public let logged: Int
    /// False when the rows were computed with device or erasure maps the log has since changed
    /// (or by another gloss's format): the next `project` rebuilds them.
    public let current: Bool

    public init(projected: Int, logged: Int, current: Bool) { self.projected = projected; self.logged = logged; self.current = current }
}

extension HubLog {
    /// Events applied per transaction: a page of the log, its rows read and written in a few
    /// statements each.
    static let projectPage = 2048
    /// SQL over `hub_projection`: its rows are of this format and computed with the log's maps.
    static let rowsAreCurrent = "format = \(StateCodec.format) AND maps = \(HubSchema.mapsVersion)"
    /// How long the background catch-up waits after an append before it starts.
    static let backgroundDelay = Duration.milliseconds(250)

    /// Brings the projection up to the log, page by page, each page one transaction under the
    /// projection's lock (one process at a time; appends go on meanwhile). Rows computed with
    /// other device or erasure maps, or in another format, are dropped and rebuilt from the
    /// first event. Returns how many events were applied, and whether it rebuilt.
    @discardableResult
    public func project() async throws(HubError) -> (applied: Int, rebuilt: Bool) {
        var applied = 0, rebuilt = false
        while true {
            let page = try await db.run("bringing the projection up to the log", timeout: .seconds(600)) { client in
                try await client.withTransaction(logger: sqlLogger) { c in try await self.projectPage(on: c) }
            }
            applied += page.applied
            rebuilt = rebuilt || page.rebuilt
            if page.done { break }
        }
        await compactIfPending()
        return (applied, rebuilt)
    }

    private struct Page { var applied = 0, rebuilt = false, done = false }

    /// In an append's transaction that changed the erasure map from `before` to `now`: the rows
    /// of the annotations it newly erases go at once (the maps' version changes in the same
    /// transaction, so the projection is rebuilt before anyone reads it), and the table is
    /// marked for a rewrite. Rows of annotations erased earlier hold no text (rebuilt since).
    static func dropErasedFromProjection(now erasures: ErasureMap, before: ErasureMap, on c: some Querier) async throws {
        let newly = erasures.annotations.keys.filter { before.annotations[$0] == nil }
        guard !newly.isEmpty else { return }
        let ids = newly.map(\.buffer)
        var dropped = 0
        for try await _ in try await c.rows("DELETE FROM p_annotations WHERE id = ANY(\(ids)::bytea[]) RETURNING id").decode(ByteBuffer.self) { dropped += 1 }
        if dropped > 0 { try await c.exec("UPDATE hub_projection SET compact = compact + 1 WHERE id = 1") }
    }

    /// Rewrites the annotations' table when an erasure dropped rows holding its text, so the dead
    /// rows are in none of its files (as the events table after a cut). The mark stays until a
    /// rewrite succeeds: one that fails (a reader holding the table past the lock timeout) is
    /// tried again by the next catch-up. Appends never wait for it.
    func compactIfPending() async {
        do {
            try await db.run("rewriting the projection's annotations after an erasure", timeout: .seconds(120)) { client in
                try await client.withConnection { c in
                    var mark: Int64 = 0
                    for try await m in try await c.rows("SELECT compact FROM hub_projection WHERE id = 1").decode(Int64.self) { mark = m }
                    guard mark > 0 else { return }
                    try await Self.awaitNewerSnapshots(on: c)
                    try await c.exec("SET lock_timeout = '10s'")
                    do { try await c.exec("VACUUM FULL p_annotations") } catch {
                        try? await c.exec("RESET lock_timeout")
                        throw error
                    }
                    try await c.exec("RESET lock_timeout")
                    try await c.exec("UPDATE hub_projection SET compact = 0 WHERE id = 1 AND compact = \(mark)")
                    self.logger.info("erasure: the projection's annotations were rewritten; the erased text is in none of their files")
                }
            }
        } catch {
            logger.warning("after an erasure the projection's annotations could not be rewritten yet (the next catch-up tries again): \(error)")
        }
    }

    private func projectPage(on c: PostgresConnection) async throws -> Page {
        var page = Page()
        try await c.exec("SELECT pg_advisory_xact_lock(\(HubSchema.projectLock))")
        // Every statement from here sees what committed before it (READ COMMITTED): the maps
        // are read before the events, so an event that changes them after this read makes the
        // version differ next time, and the rows are rebuilt then.
        let (version, devices, erasures) = try await versionedMaps(on: c)
        var upto: Int64 = 0, current = false
        for try await (format, maps, u) in try await c.rows("SELECT format, maps, upto FROM hub_projection WHERE id = 1").decode((Int32, String, Int64).self) {
            current = format == Int32(StateCodec.format) && maps == version
            upto = u
        }
        if !current {
            // DELETE, not TRUNCATE: a reader's snapshot from before must still see the old rows.
            for t in HubSchema.projectionTables { try await c.exec(PostgresQuery(unsafeSQL: "DELETE FROM \(t)")) }
            try await c.exec("""
                INSERT INTO hub_projection(id, format, maps, upto, events) VALUES (1, \(Int32(StateCodec.format)), \(version), 0, 0)
                ON CONFLICT (id) DO UPDATE SET format = excluded.format, maps = excluded.maps, upto = 0, events = 0
                """)
            upto = 0
            page.rebuilt = true
        }
        let rows = try await Self.rows(after: upto, limit: Self.projectPage, on: c)
        guard let last = rows.last else {
            page.done = true
            return page
        }
        var events: [Event] = []
        events.reserveCapacity(rows.count)
        for r in rows {
            guard r.id.count == 32, let e = try? Event.decode(stored: r.bytes, id: Hash32(r.id)) else {
                throw HubError(.database, "the event at position \(r.pos) does not decode: run `gloss hub verify`")
            }
            events.append(e)
        }
        let changes = try await Self.apply(events, devices: devices, erasures: erasures, on: c)
        try await Self.write(changes, events: events, on: c)
        try await c.exec("UPDATE hub_projection SET upto = \(last.pos), events = events + \(Int64(rows.count)) WHERE id = 1")
        page.applied = rows.count
        page.done = rows.count < Self.projectPage
        return page
    }

    /// Applies `events` to the rows they touch: loads what `LedgerStatePart` asks for until it
    /// asks for nothing more (usually twice: the batch's own ids, then those its woken events name).
    private static func apply(_ events: [Event], devices: DeviceMap, erasures: ErasureMap, on c: some Querier) async throws -> LedgerStatePart.Changes {
        var ids: Set<Hash32> = []
        var articles: [ArticleState] = [], annotations: [AnnotationState] = [], waiting: [(target: Hash32, event: Event)] = []
        while true {
            var part = LedgerStatePart(devices: devices, erasures: erasures, loaded: ids,
                                       articles: articles, annotations: annotations, waiting: waiting)
            let missing = part.apply(events)
            if missing.isEmpty { return part.changes }
            let keys = missing.map(\.buffer)
            for try await (i, b) in try await c.rows("SELECT id, state FROM p_articles WHERE id = ANY(\(keys)::bytea[])").decode((ByteBuffer, ByteBuffer).self) {
                articles.append(try state(i, b, StateCodec.article))
            }
            for try await (i, b) in try await c.rows("SELECT id, state FROM p_annotations WHERE id = ANY(\(keys)::bytea[])").decode((ByteBuffer, ByteBuffer).self) {
                annotations.append(try state(i, b, StateCodec.annotation))
            }
            for try await (t, i, b) in try await c.rows("""
                SELECT w.target, e.id, e.bytes FROM p_waiting w JOIN events e ON e.id = w.event
                WHERE w.target = ANY(\(keys)::bytea[]) ORDER BY e.pos
                """).decode((ByteBuffer, ByteBuffer, ByteBuffer).self) {
                guard let target = t.hash, let id = i.hash, let e = try? Event.decode(stored: b.array, id: id) else {
                    throw HubError(.database, "an event waiting in the projection (\(i.hash?.short() ?? "?")) does not decode: run `gloss hub verify`")
                }
                waiting.append((target, e))
            }
            ids.formUnion(missing)
        }
    }

    /// A stored state read back; a row that does not decode is reported with its id.
    private static func state<T>(_ id: ByteBuffer, _ bytes: ByteBuffer, _ decode: ([UInt8]) throws(DecodeError) -> T) throws -> T {
        do { return try decode(bytes.array) } catch {
            let name = id.hash?.short() ?? id.array.prefix(8).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            throw HubError(.database, "the projection's row \(name) does not decode (\(error.description)): rebuild it with `gloss hub snapshot --rebuild`")
        }
    }

    private static func write(_ ch: LedgerStatePart.Changes, events: [Event], on c: some Querier) async throws {
        if !ch.articles.isEmpty {
            let ids = ch.articles.map(\.id.buffer), states = ch.articles.map { ByteBuffer(bytes: StateCodec.encode($0)) }
            try await c.exec("""
                INSERT INTO p_articles(id, state) SELECT * FROM unnest(\(ids)::bytea[], \(states)::bytea[])
                ON CONFLICT (id) DO UPDATE SET state = excluded.state
                """)
        }
        if !ch.annotations.isEmpty {
            let a = ch.annotations
            let ids = a.map(\.id.buffer), articles = a.map(\.article.buffer), lamports = a.map { Int64(clamping: $0.created.lamport) }
            let authors = a.map(\.created.author.raw.buffer), states = a.map { ByteBuffer(bytes: StateCodec.encode($0)) }
            try await c.exec("""
                INSERT INTO p_annotations(id, article, lamport, author, state)
                SELECT * FROM unnest(\(ids)::bytea[], \(articles)::bytea[], \(lamports)::int8[], \(authors)::bytea[], \(states)::bytea[])
                ON CONFLICT (id) DO UPDATE SET state = excluded.state
                """)
        }
        if !ch.waiting.isEmpty {
            let targets = ch.waiting.keys.map(\.buffer)
            try await c.exec("DELETE FROM p_waiting WHERE target = ANY(\(targets)::bytea[])")
            let pairs = ch.waiting.flatMap { t, list in list.map { (t, $0) } }
            if !pairs.isEmpty {
                let t = pairs.map(\.0.buffer), e = pairs.map(\.1.buffer)
                try await c.exec("INSERT INTO p_waiting(target, event) SELECT * FROM unnest(\(t)::bytea[], \(e)::bytea[]) ON CONFLICT DO NOTHING")
            }
        }
        if !ch.rejected.isEmpty {
            let ids = ch.rejected.map(\.0.buffer), reasons = ch.rejected.map(\.1)
            try await c.exec("INSERT INTO p_rejected(event, reason) SELECT * FROM unnest(\(ids)::bytea[], \(reasons)::text[]) ON CONFLICT DO NOTHING")
        }
        // The log is stored parents first: a page's events are new heads, and the parents they
        // name are heads no more.
        let new = events.map(\.id.buffer), named = Array(Set(events.flatMap(\.header.parents))).map(\.buffer)
        try await c.exec("INSERT INTO p_heads(id) SELECT unnest(\(new)::bytea[]) ON CONFLICT DO NOTHING")
        if !named.isEmpty { try await c.exec("DELETE FROM p_heads WHERE id = ANY(\(named)::bytea[])") }
    }

    /// Brings the projection up to the log in a task of its own, when this log does so in the
    /// background; a catch-up under way runs once more instead (so an append never waits for
    /// it, and at most one runs per process). A failure is logged once (until another or a
    /// success): the next append, or any reader (`writeProjectedSnapshot`), catches up again.
    public func projectSoon() {
        guard projectsInBackground else { return }
        let start = background.withLock { s in
            guard !s.stopped else { return false }
            if s.running { s.again = true; return false }
            s.running = true
            s.again = false
            return true
        }
        guard start else { return }
        let task = Task.detached { [self] in
            while !Task.isCancelled {
                var failure: String?
                do {
                    // Appends come in bursts (many sessions at once): a moment's wait lets one
                    // catch-up take them all in full pages instead of many small ones.
                    try await Task.sleep(for: Self.backgroundDelay)
                    let (n, rebuilt) = try await self.project()
                    if rebuilt { self.logger.info("projection rebuilt from the log (\(n) events)") }
                } catch {
                    failure = "\(error)"
                }
                let (more, report) = self.background.withLock { s in
                    let report = failure != nil && failure != s.lastFailure && !Task.isCancelled
                    s.lastFailure = failure
                    if s.again && !s.stopped { s.again = false; return (true, report) }
                    s.running = false
                    return (false, report)
                }
                if report, let failure {
                    self.logger.warning("the projection could not be brought up to the log (the next append or reader tries again): \(failure)")
                }
                if !more { return }
            }
            self.background.withLock { $0.running = false }
        }
        // Kept to be cancelled at shutdown; a handle of a task that already ended is harmless.
        let stopped = background.withLock { s in
            s.task = task
            return s.stopped
        }
        if stopped { task.cancel() }
    }

    /// Stops the background catch-up (before the pool closes), waiting a few seconds at most: a
    /// page under way is rolled back, and picked up by whoever catches up next.
    public func stopProjecting() async {
        let task = background.withLock { s in
            s.stopped = true
            return s.task
        }
        guard let task else { return }
        task.cancel()
        // A statement stuck in the pool may not notice the cancellation: a few seconds at most.
        _ = await Race.first(timeout: .seconds(3)) { await task.value }
    }

    /// The projection against a replay of the whole log (what `hub verify` adds to the log's
    /// checks): a difference is one problem, with what to do.
    public func projectionProblems() async throws(HubError) -> [HubProblem] {
        do {
            for _ in 0..<5 {
                try await project()
                // The rows and the replay of the events they cover, in one moment of the database.
                let compared = try await reading("checking the projection against the log") { c -> (Hash32, Hash32)? in
                    guard let projected = try await self.snapshot(on: c, { _ in }) else { return nil }
                    let replay = try await Self.replay(on: c, through: projected.upto)
                    return (projected.hash, try replay.state.snapshotHash(heads: replay.heads, eventCount: replay.count))
                }
                guard let (projected, replayed) = compared else { continue }  // the maps changed meanwhile
                guard projected != replayed else { return [] }
                return [HubProblem(event: nil, message: "the projection's snapshot \(projected.hex) differs from the log's replay \(replayed.hex): rebuild it with `gloss hub snapshot --rebuild`")]
            }
            return [HubProblem(event: nil, message: "devices or erasures kept arriving while the projection was checked: run `gloss hub verify` again")]
        } catch let e where e.code == .database {
            // A row that does not decode, an event that does not: a problem of the projection.
            return [HubProblem(event: nil, message: "the projection cannot be read: \(e.message)")]
        }
    }

    /// Forces the next `project` to rebuild every row from the log.
    public func invalidateProjection() async throws(HubError) {
        try await db.run("marking the projection for a rebuild") { client in
            try await client.exec("UPDATE hub_projection SET maps = '' WHERE id = 1")
        }
    }

    /// How many events the projection covers against the log, and whether its maps are current.
    public func projectionStatus() async throws(HubError) -> HubProjectionStatus {
        try await reading("reading the projection's progress") { c in
            var projected: Int64 = 0, logged: Int64 = 0, current = false
            for try await (p, l, ok) in try await c.rows("""
                SELECT coalesce((SELECT events FROM hub_projection WHERE id = 1), 0), (SELECT count(*) FROM events),
                  coalesce((SELECT \(unescaped: Self.rowsAreCurrent) FROM hub_projection WHERE id = 1), false)
                """).decode((Int64, Int64, Bool).self) { (projected, logged, current) = (p, l, ok) }
            return HubProjectionStatus(projected: Int(projected), logged: Int(logged), current: current)
        }
    }

    /// Writes the canonical snapshot (as `gloss snapshot`) from the projection, after bringing
    /// it up to the log: one annotation at a time, in one moment of the database. Returns its
    /// hash and how many events it covers.
    public func writeProjectedSnapshot(to sink: @escaping @Sendable ([UInt8]) throws -> Void) async throws(HubError) -> (hash: Hash32, events: Int) {
        for _ in 0..<5 {
            try await project()
            if let done = try await reading("reading the projection", { c in try await self.snapshot(on: c, sink) }) { return (done.hash, done.events) }
            // The maps changed between the catch-up and the read: catch up again.
        }
        throw HubError(.conflict, "devices or erasures kept arriving while the snapshot was read: run it again")
    }

    /// The snapshot from the projection's rows, or nil when they were computed with maps the
    /// log has since changed (nothing is written then).
    private func snapshot(on c: PostgresConnection, _ sink: @escaping @Sendable ([UInt8]) throws -> Void) async throws -> (hash: Hash32, events: Int, upto: Int64)? {
        var events: Int64 = -1, upto: Int64 = 0, current = false
        for try await (n, u, ok) in try await c.rows("""
            SELECT events, upto, \(unescaped: Self.rowsAreCurrent) FROM hub_projection WHERE id = 1
            """).decode((Int64, Int64, Bool).self) { (events, upto, current) = (n, u, ok) }
        guard current, events >= 0 else { return nil }
        let (devices, erasures) = try await maps(on: c)  // cached by the version this snapshot reads
        let writer = SnapshotWriter(sink: sink)
        for try await (i, b) in try await c.rows("SELECT id, state FROM p_annotations ORDER BY lamport, author, id").decode((ByteBuffer, ByteBuffer).self) {
            try writer.annotation(try Self.state(i, b, StateCodec.annotation).view)
        }
        for try await (i, b) in try await c.rows("SELECT id, state FROM p_articles ORDER BY id").decode((ByteBuffer, ByteBuffer).self) {
            try writer.article(try Self.state(i, b, StateCodec.article).view)
        }
        var heads: [EventID] = []
        for try await h in try await c.rows("SELECT id FROM p_heads ORDER BY id").decode(ByteBuffer.self) { if let id = h.hash { heads.append(id) } }
        let hash = try writer.finish(events: Int(events), heads: heads, devices: devices, erasures: erasures.eventCount)
        return (hash, Int(events), upto)
    }
}
