import GlossCore
import GlossReplay

/// A register of an annotation, for the ids a new write must name as `pred` (its heads).
public enum AnnotationRegister: Sendable {
    case body, motivation, deleted, reanchor
    var kind: RegisterKind {
        switch self {
        case .body: .body
        case .motivation: .motivation
        case .deleted: .deleted
        case .reanchor: .reanchor
        }
    }
}

/// What commands read: the projection's rows, one query for what each prints. Nothing here
/// loads the whole state; the streams (`forEachAnnotation`, `writeSnapshot`) hold one row at
/// a time.
extension EventLog {
    // MARK: Articles

    static let articleColumns = "id, lamport, author, event, time, title, source, length, revised"

    /// The stamp of a row's (lamport, author, event, time), its author's identity from the
    /// device map read at the start of the call (`devicesInCall`).
    func stamp(_ s: Statement, _ lamport: Int32, _ author: Int32, _ id: Int32, _ time: Int32, event: EventID? = nil) -> Stamp {
        let key = PublicKey(s.hash(author) ?? .zero)
        return Stamp(lamport: UInt64(s.int(lamport)), author: key, id: event ?? s.hash(id) ?? .zero, time: s.int(time),
                     identity: deviceCache?.map.identity(of: key))
    }

    func articleView(_ s: Statement) -> ArticleView {
        ArticleView(id: s.hash(0) ?? .zero, title: s.text(5), source: s.text(6),
                    added: stamp(s, 1, 2, 3, 4),
                    length: Int(s.int(7)), revisedText: s.hash(8))
    }

    public func article(_ id: Hash32) throws(StoreError) -> ArticleView? {
        try viewing {
            let s = try db.statement("SELECT \(Self.articleColumns) FROM p_articles WHERE id = ?").bind(1, id)
            return try s.step() ? articleView(s) : nil
        }
    }

    /// Every article, in the order they were first added (the total order).
    public func articles() throws(StoreError) -> [ArticleView] {
        try viewing {
            let s = try db.statement("SELECT \(Self.articleColumns) FROM p_articles ORDER BY lamport, author, event")
            var out: [ArticleView] = []
            while try s.step() { out.append(articleView(s)) }
            return out
        }
    }

    /// Articles whose id starts with `prefix` (hex), at most `limit`.
    public func articleIDs(withPrefix prefix: String, limit: Int = 10) throws(StoreError) -> [Hash32] {
        try viewing { try IDPrefix.lookup(db, table: "p_articles", prefix: prefix, limit: limit) }
    }

    /// The article's current text: the winning revision's, else the text it was added with.
    public func articleText(_ id: Hash32) throws(StoreError) -> String? {
        try viewing {
            let s = try db.prepared("SELECT coalesce(revision_row, original_row) FROM p_articles WHERE id = ?").bind(1, id)
            guard try s.step() else { return nil }
            let row = s.int(0)
            s.reset()
            return try Projector(db: db).revisionText(row: row)
        }
    }

    /// The article's live revisions (its text register's heads, §3.1), greatest stamp first:
    /// the first is the current text; more than one is a conflict the readers show. Empty when
    /// the article is not revised.
    public func liveRevisions(of id: Hash32) throws(StoreError) -> [Stamp] {
        try viewing { try Projector.textRegister(db, id)?.live.map(\.stamp) ?? [] }
    }

    /// The text of the revision `event` of article `id` (effective or not), nil when the
    /// article has no such revision.
    public func revisionText(_ event: EventID, of id: Hash32) throws(StoreError) -> String? {
        try viewing {
            let s = try db.prepared("SELECT row FROM p_revisions WHERE event = ? AND article = ?").bind(1, event).bind(2, id)
            guard try s.step() else { return nil }
            let row = s.int(0)
            s.reset()
            return try Projector(db: db).revisionText(row: row)
        }
    }

    /// Everyone who added the article's text: each may revise it.
    public func adders(of article: Hash32) throws(StoreError) -> Set<PublicKey> {
        try viewing {
            let s = try db.prepared("SELECT author FROM p_adders WHERE article = ?").bind(1, article)
            var out: Set<PublicKey> = []
            while try s.step() { if let k = s.hash(0) { out.insert(PublicKey(k)) } }
            return out
        }
    }

    /// The live effective revisions of the article (what a new revision replaces).
    public func revisionHeads(of article: Hash32) throws(StoreError) -> [EventID] {
        try viewing { try Projector.textRegister(db, article)?.heads ?? [] }
    }

    // MARK: Annotations

    static let annotationColumns = """
        n, id, article, lamport, author, created, parent, exact, prefix, suffix, start, "end", editors, motivation,
        motivation_live, body, body_live, deleted, reanchored, tags, replies, mod_lamport, mod_author, mod_event, modified,
        erased_event, erased_lamport, erased_author, erased_time
        """

    /// The annotation at the statement's current row, with its conflicts and replies looked up
    /// when it has any.
    func annotationView(_ s: Statement) throws -> AnnotationView {
        let n = s.int(0), id = s.hash(1) ?? .zero
        let created = stamp(s, 3, 4, 1, 5, event: id)
        let target: AnnotationTarget
        if let parent = s.hash(6) {
            target = .reply(to: parent)
        } else {
            target = .text(TextSelector(exact: s.text(7), prefix: s.text(8), suffix: s.text(9),
                                        start: UInt32(clamping: s.int(10)), end: UInt32(clamping: s.int(11))))
        }
        let reanchored = s.isNull(18) ? nil : TextSelector(stored: s.blob(18))
        let tags = s.text(19)
        let erasure = s.isNull(25) ? nil : ErasureMap.Erased(article: s.hash(2) ?? .zero, replyTo: s.hash(6), by: stamp(s, 26, 27, 25, 28))
        return AnnotationView(
            id: id, article: s.hash(2) ?? .zero, created: created,
            modified: stamp(s, 21, 22, 23, 24),
            target: target, editors: Projector.ids(s.blob(12)).map(PublicKey.init),
            motivation: s.text(13), motivationLive: s.int(14) > 1 ? try liveVersions(n, .motivation) : [],
            body: s.text(15), bodyLive: s.int(16) > 1 ? try liveVersions(n, .body) : [],
            isDeleted: s.int(17) != 0, tags: tags.isEmpty ? [] : tags.split(separator: "\n", omittingEmptySubsequences: false).map(String.init),
            replies: s.int(20) > 0 ? try replyIDs(id) : [], reanchored: reanchored,
            earlierReanchors: reanchored == nil ? [] : try earlierReanchors(n, winner: s.blob(18)),
            erasure: erasure)
    }

    /// The re-anchored selectors other than the winner, greatest stamp first (§17 tries them all).
    private func earlierReanchors(_ n: Int64, winner: [UInt8]) throws -> [TextSelector] {
        let s = try db.prepared("""
            SELECT value FROM p_writes WHERE annotation = ? AND reg = 3 ORDER BY lamport DESC, author DESC, event DESC
            """).bind(1, n)
        var out: [TextSelector] = []
        while try s.step() {
            let bytes = s.blob(0)
            if bytes != winner, let sel = TextSelector(stored: bytes) { out.append(sel) }
        }
        return out
    }

    private func liveVersions(_ n: Int64, _ reg: RegisterKind) throws -> [RegisterVersion<String>] {
        let s = try db.prepared("""
            SELECT value, lamport, author, event, time FROM p_writes WHERE annotation = ? AND reg = ? AND live = 1
            ORDER BY lamport DESC, author DESC, event DESC
            """).bind(1, n).bind(2, reg.rawValue)
        var out: [RegisterVersion<String>] = []
        while try s.step() {
            out.append(RegisterVersion(value: s.text(0), stamp: stamp(s, 1, 2, 3, 4)))
        }
        s.reset()
        return out
    }

    private func replyIDs(_ id: EventID) throws -> [EventID] {
        let s = try db.prepared("SELECT id FROM p_annotations WHERE parent = ? ORDER BY lamport, author, id").bind(1, id)
        var out: [EventID] = []
        while try s.step() { if let h = s.hash(0) { out.append(h) } }
        s.reset()
        return out
    }

    /// The effective annotation `id` (deleted or not), or nil.
    public func annotation(_ id: EventID) throws(StoreError) -> AnnotationView? {
        try viewing {
            let s = try db.statement("SELECT \(Self.annotationColumns) FROM p_annotations WHERE id = ?").bind(1, id)
            guard try s.step() else { return nil }
            return try annotationView(s)
        }
    }

    /// Annotations whose id starts with `prefix` (hex), at most `limit`.
    public func annotationIDs(withPrefix prefix: String, limit: Int = 10) throws(StoreError) -> [EventID] {
        try viewing { try IDPrefix.lookup(db, table: "p_annotations", prefix: prefix, limit: limit) }
    }

    /// Calls `body` with each annotation in the total order of their creation, one at a time:
    /// of one article or all, without the deleted ones unless `includeDeleted`, only those
    /// tagged `tag` when given.
    public func forEachAnnotation(article: Hash32? = nil, includeDeleted: Bool = false, tag: String? = nil,
                                  _ body: (AnnotationView) throws -> Void) throws {
        var conditions: [String] = []
        if article != nil { conditions.append("article = ?1") }
        if !includeDeleted { conditions.append("deleted = 0") }
        if tag != nil { conditions.append("EXISTS (SELECT 1 FROM p_tags t WHERE t.annotation = a.n AND t.tag = ?2)") }
        let sql = "SELECT \(Self.annotationColumns) FROM p_annotations a"
            + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            + (article != nil ? " ORDER BY article, lamport, author, id" : " ORDER BY lamport, author, id")
        try viewing {
            let s = try db.statement(sql)
            if let article { s.bind(1, article) }
            if let tag { s.bind(2, tag) }
            while try s.step() { try body(try annotationView(s)) }
        }
    }

    /// How many annotations (not deleted) an article has.
    /// When the article's annotations last changed (milliseconds), nil when it has none.
    public func lastChange(article: Hash32) throws(StoreError) -> Int64? {
        try viewing {
            let s = try db.prepared("SELECT max(modified) FROM p_annotations WHERE article = ?").bind(1, article)
            defer { s.reset() }
            return try s.step() && !s.isNull(0) ? s.int(0) : nil
        }
    }

    public func annotationCount(article: Hash32) throws(StoreError) -> Int {
        try viewing {
            let s = try db.prepared("SELECT count(*) FROM p_annotations WHERE article = ? AND deleted = 0").bind(1, article)
            _ = try s.step()
            return Int(s.int(0))
        }
    }

    /// The ids a write to `register` must name as `pred`: its live writes.
    public func heads(of annotation: EventID, _ register: AnnotationRegister) throws(StoreError) -> [EventID] {
        try viewing {
            let s = try db.prepared("""
                SELECT w.event FROM p_writes w JOIN p_annotations a ON a.n = w.annotation
                WHERE a.id = ? AND w.reg = ? AND w.live = 1 ORDER BY w.lamport DESC, w.author DESC, w.event DESC
                """).bind(1, annotation).bind(2, register.kind.rawValue)
            var out: [EventID] = []
            while try s.step() { if let h = s.hash(0) { out.append(h) } }
            return out
        }
    }

    /// The live writes of every annotation's comment register in `article` (what an edit made
    /// now would replace), in one query: by annotation.
    public func bodyHeads(article: Hash32) throws(StoreError) -> [EventID: [EventID]] {
        try viewing {
            let s = try db.prepared("""
                SELECT a.id, w.event FROM p_annotations a JOIN p_writes w ON w.annotation = a.n
                WHERE a.article = ? AND w.reg = 0 AND w.live = 1 ORDER BY a.n, w.lamport DESC, w.author DESC, w.event DESC
                """).bind(1, article)
            var out: [EventID: [EventID]] = [:]
            while try s.step() { if let a = s.hash(0), let e = s.hash(1) { out[a, default: []].append(e) } }
            return out
        }
    }

    /// The additions of `tag` still present on `annotation`: what a removal of it must name.
    public func tagAdditions(_ annotation: EventID, tag: String) throws(StoreError) -> [EventID] {
        try viewing {
            let s = try db.prepared("SELECT t.event FROM p_tags t JOIN p_annotations a ON a.n = t.annotation WHERE a.id = ? AND t.tag = ? ORDER BY t.event")
                .bind(1, annotation).bind(2, tag)
            var out: [EventID] = []
            while try s.step() { if let h = s.hash(0) { out.append(h) } }
            return out
        }
    }

    /// The creation and every effective change of `annotation`, in the total order.
    public func history(of annotation: EventID) throws(StoreError) -> [Stamp] {
        try viewing {
            let s = try db.prepared("""
                SELECT h.lamport, h.author, h.event, h.time FROM p_history h JOIN p_annotations a ON a.n = h.annotation
                WHERE a.id = ? ORDER BY h.lamport, h.author, h.event
                """).bind(1, annotation)
            var out: [Stamp] = []
            while try s.step() {
                out.append(stamp(s, 0, 1, 2, 3))
            }
            return out
        }
    }

    /// Events with no effect and why: rejected, waiting for a target, and revisions by someone
    /// who did not add the article. With `target`, only the rejected changes of that annotation.
    public func ineffectiveEvents(target: Hash32? = nil) throws(StoreError) -> [(event: EventID, reason: String)] {
        try viewing {
            var out: [(event: EventID, reason: String)] = []
            let s = try db.statement(target == nil
                ? "SELECT e.id, i.reason FROM p_ineffective i JOIN events e ON e.rowid = i.row ORDER BY e.id"
                : "SELECT e.id, i.reason FROM p_ineffective i JOIN events e ON e.rowid = i.row WHERE i.target = ? AND i.waiting = 0 ORDER BY e.id")
            if let target { s.bind(1, target) }
            while try s.step() { if let id = s.hash(0) { out.append((id, s.text(1))) } }
            s.reset()
            guard target == nil else { return out }
            let r = try db.prepared("""
                SELECT r.event, r.article FROM p_revisions r
                WHERE NOT EXISTS (SELECT 1 FROM p_adders d WHERE d.article = r.article AND d.author = r.identity)
                """)
            while try r.step() {
                if let id = r.hash(0), let article = r.hash(1) {
                    out.append((id, "only someone who added article \(article.short()) may revise it"))
                }
            }
            r.reset()
            // Device events and erasures with no effect: the maps say why (MERGE.md §18, §19).
            let devices = try devicesInCall()
            for (id, why) in devices.ineffective { out.append((id, why)) }
            for (id, why) in try erasuresInCall(devices: devices).ineffective { out.append((id, why)) }
            return out.sorted { $0.event < $1.event }
        }
    }

    /// Events the projection covers: every event of the log.
    public func projectedEventCount() throws(StoreError) -> Int {
        try viewing {
            let s = try db.prepared("SELECT events FROM projection WHERE only = 1")
            return try s.step() ? Int(s.int(0)) : 0
        }
    }

    // MARK: Snapshot

    /// Streams the canonical snapshot of the whole ledger (or of one article) to `sink` and
    /// returns its hash. Memory stays flat: one annotation at a time.
    public func writeSnapshot(article: Hash32? = nil, to sink: @escaping ([UInt8]) throws -> Void) throws -> Hash32 {
        let writer = SnapshotWriter(sink: sink)
        try forEachAnnotation(article: article, includeDeleted: true) { try writer.annotation($0) }
        try viewing {
            let s = try db.statement(article == nil
                ? "SELECT \(Self.articleColumns) FROM p_articles ORDER BY id"
                : "SELECT \(Self.articleColumns) FROM p_articles WHERE id = ?")
            if let article { s.bind(1, article) }
            while try s.step() { try writer.article(articleView(s)) }
        }
        return try writer.finish(events: try projectedEventCount(), heads: try heads(), devices: try devices(), erasures: try erasures().eventCount)
    }

    /// The snapshot hash of the whole ledger, without keeping its bytes.
    public func snapshotHash() throws -> Hash32 { try writeSnapshot { _ in } }
}

extension EventLog {
    /// The article (first added, in the total order) whose `source` is `source`.
    public func article(withSource source: String) throws(StoreError) -> Hash32? {
        try viewing {
            let s = try db.prepared("SELECT id FROM p_articles WHERE source = ? ORDER BY lamport, author, event LIMIT 1").bind(1, source)
            return try s.step() ? s.hash(0) : nil
        }
    }
}

// MARK: Anchoring on revised articles

extension EventLog {
    /// The anchors computed earlier for the passage annotations of `article`, on its current
    /// text: empty when it is not revised (anchoring on the original text is by position, cheap).
    public func anchors(of article: Hash32) throws(StoreError) -> [EventID: Anchor] {
        try viewing {
            let s = try db.prepared("""
                SELECT a.id, x.lo, x.hi, x.stage, x.s_lo, x.s_hi, x.alike, x.quote, x.context, x.context_of
                FROM p_anchors x JOIN p_annotations a ON a.n = x.annotation
                JOIN p_articles r ON r.id = a.article WHERE a.article = ? AND r.revised IS NOT NULL AND x.text = r.revised
                """).bind(1, article)
            var out: [EventID: Anchor] = [:]
            while try s.step() {
                guard let id = s.hash(0) else { continue }
                if s.isNull(1) {
                    let lo = s.int(4), hi = s.int(5)
                    out[id] = .orphan(s.isNull(4) || lo >= hi ? nil : Anchor.Suggestion(
                        range: Int(lo)..<Int(hi), alike: Int(s.int(6)), quoteLength: Int(s.int(7)),
                        context: Int(s.int(8)), contextLength: Int(s.int(9))))
                    continue
                }
                guard let stage = Anchor.Stage(rawValue: s.text(3)), s.int(1) < s.int(2) else { continue }
                out[id] = .anchored(Int(s.int(1))..<Int(s.int(2)), stage)
            }
            return out
        }
    }

    /// Keeps anchors just computed for a revised article's current text, `textHash`; does
    /// nothing when the text changed meanwhile.
    public func saveAnchors(_ anchors: [EventID: Anchor], article: Hash32, textHash: Hash32) throws(StoreError) {
        guard !anchors.isEmpty else { return }
        try viewing {
            try db.transaction {
                let r = try db.prepared("SELECT revised FROM p_articles WHERE id = ?").bind(1, article)
                let current = try r.step() ? r.hash(0) : nil
                r.reset()
                guard current == textHash else { return }
                let ins = try db.prepared("""
                    INSERT OR REPLACE INTO p_anchors(annotation, text, lo, hi, stage, s_lo, s_hi, alike, quote, context, context_of)
                    SELECT n, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 FROM p_annotations WHERE id = ?1
                    """)
                for (id, anchor) in anchors {
                    ins.reset()
                    ins.bind(1, id).bind(2, textHash)
                    switch anchor {
                    case .anchored(let range, let stage):
                        ins.bind(3, Int64(range.lowerBound)).bind(4, Int64(range.upperBound)).bind(5, stage.rawValue)
                        for column in 6...11 { ins.bindNull(Int32(column)) }
                    case .orphan(let suggestion):
                        ins.bindNull(3).bindNull(4).bindNull(5)
                        if let g = suggestion {
                            ins.bind(6, Int64(g.range.lowerBound)).bind(7, Int64(g.range.upperBound)).bind(8, Int64(g.alike))
                                .bind(9, Int64(g.quoteLength)).bind(10, Int64(g.context)).bind(11, Int64(g.contextLength))
                        } else {
                            for column in 6...11 { ins.bindNull(Int32(column)) }
                        }
                    }
                    try ins.run()
                }
            }
        }
    }
}
