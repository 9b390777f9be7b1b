import GlossCore
import GlossReplay

/// The registers of an annotation, as the projection numbers them in `p_writes.reg`.
enum RegisterKind: Int64 {
    case body = 0, motivation = 1, deleted = 2, reanchor = 3
}

/// What the projection knows of an effective annotation when a change names it: enough to
/// decide, by MERGE.md §4, whether the change takes effect.
struct AnnotationFacts {
    let n: Int64
    let article: Hash32
    /// The identity of the creation's author (MERGE.md §18).
    let author: PublicKey
    let editors: [PublicKey]
    let isReply: Bool
    let isErased: Bool
    func mayChange(_ identity: PublicKey, devices: DeviceMap) -> Bool {
        identity == author || editors.contains { devices.identity(of: $0) == identity }
    }
}

/// Applies events to the projection tables, inside the caller's transaction, by the rules of
/// Protocol/MERGE.md. Applying is commutative (§9): events may come in any order, each once;
/// an event whose target is missing waits for it in `p_ineffective` and is applied when the
/// target arrives. Each event touches only the rows it concerns.
///
/// The reference implementation of the same rules is `LedgerState` (GlossReplay); the property
/// tests hold the two to the same snapshot bytes.
final class Projector {
    let db: SQLiteConnection
    /// Who writes for whom (MERGE.md §18), as the log's device events said when the batch
    /// began. A batch that changes it is followed by a rebuild (`EventLog.finishProjecting`).
    let devices: DeviceMap
    /// Which payloads are erased (§19), as the log's erasures said when the batch began.
    let erasures: ErasureMap
    /// Whether an event the device or erasure map depends on was applied: a device event, an
    /// erasure, or an event an erasure names. The maps may have changed.
    private(set) var touchedMaps = false
    /// Annotations whose quote, comment or tags changed since the last `finish`.
    private var searchDirty: Set<Int64> = []

    init(db: SQLiteConnection, devices: DeviceMap = .empty, erasures: ErasureMap = .empty) {
        self.db = db; self.devices = devices; self.erasures = erasures
    }

    /// Ends a batch: writes the authors' newest events, and lists the annotations whose quote,
    /// comment or tags changed in `p_search_dirty`: their full-text rows are rewritten, once
    /// each, when the index is next searched (`refreshSearch`), not once per event stored.
    func finish() throws {
        try writeTips()
        let mark = try db.prepared("INSERT OR IGNORE INTO p_search_dirty(n) VALUES (?)")
        for n in searchDirty {
            mark.reset()
            try mark.bind(1, n).run()
        }
        searchDirty.removeAll()
    }

    /// Rewrites the full-text rows of the annotations listed in `p_search_dirty`.
    func refreshSearch() throws {
        let dirty = try db.prepared("SELECT n FROM p_search_dirty ORDER BY n")
        var rows: [Int64] = []
        while try dirty.step() { rows.append(dirty.int(0)) }
        dirty.reset()
        guard !rows.isEmpty else { return }
        let drop = try db.prepared("DELETE FROM p_search WHERE rowid = ?")
        let ins = try db.prepared("""
            INSERT INTO p_search(rowid, quote, comment, tags)
            SELECT n, coalesce(exact, ''), body, replace(tags, char(10), ' ') FROM p_annotations WHERE n = ?
            """)
        let quote = try db.prepared("UPDATE p_search SET quote = ? WHERE rowid = ?")
        let reanchored = try db.prepared("SELECT reanchored FROM p_annotations WHERE n = ? AND reanchored IS NOT NULL")
        for n in rows {
            drop.reset(); try drop.bind(1, n).run()
            ins.reset(); try ins.bind(1, n).run()
            reanchored.reset()
            reanchored.bind(1, n)
            if try reanchored.step(), let sel = TextSelector(stored: reanchored.blob(0)) {
                quote.reset(); try quote.bind(1, sel.exact).bind(2, n).run()
            }
        }
        reanchored.reset()
        try db.execute("DELETE FROM p_search_dirty")
    }

    /// Records that `e` is stored: its author's newest seq, for the frontier (written at `finish`).
    func noteStored(_ e: Event) {
        if (tips[e.author]?.seq ?? 0) < e.header.seq { tips[e.author] = (e.header.seq, e.id) }
    }
    private var tips: [PublicKey: (seq: UInt64, id: EventID)] = [:]

    private func writeTips() throws {
        let s = try db.prepared("""
            INSERT INTO p_tips(author, seq, id) VALUES (?1, ?2, ?3)
            ON CONFLICT(author) DO UPDATE SET seq = excluded.seq, id = excluded.id WHERE excluded.seq > p_tips.seq
            """)
        for (author, tip) in tips {
            s.reset()
            try s.bind(1, author).bind(2, Int64(tip.seq)).bind(3, tip.id).run()
        }
        tips.removeAll()
    }

    /// Applies the event stored at `row`. A payload that does not decode has no effect (a stored
    /// event always decodes: the store refuses one that does not).
    func apply(_ e: Event, row: Int64) throws {
        if try appliedAsVoid(e, row: row) || appliedAsErased(e, row: row) { return }
        let payload: Payload
        do { payload = try e.payload() } catch {
            try reject(row, "payload does not decode: \(error)", target: nil)
            return
        }
        try apply(e, payload: payload, row: row)
    }

    /// Applies `e`, whose payload the caller has decoded, stored at `row`. An event its device
    /// signed after its revocation has no effect (§18).
    func apply(_ e: Event, payload: Payload, row: Int64) throws {
        if try appliedAsVoid(e, row: row) || appliedAsErased(e, row: row) { return }
        if PayloadKind.isDevice(payload.kindNumber) || payload.kindNumber == PayloadKind.annotationErased.rawValue {
            touchedMaps = true
            return  // their whole effect is the device or erasure map
        }
        try apply(payload, stamp: Stamp(e, devices: devices), row: row)
    }

    /// An event whose payload an erasure removes (or that arrives without one) has none of
    /// its payload's effect (§19): an erased creation becomes an erased annotation, anything
    /// else is ineffective. True when `e` was handled so.
    private func appliedAsErased(_ e: Event, row: Int64) throws -> Bool {
        if !erasures.isEmpty {
            if erasures.named.contains(e.id) { touchedMaps = true }
            if erasures.erasedEvents[e.id] != nil
                || erasures.erasure(of: e.id, author: e.author, kind: e.isErased ? nil : e.payloadKind, devices: devices) != nil {
                if let x = erasures.annotations[e.id] {
                    try createErased(e.id, x, Stamp(e, devices: devices), row)
                } else {
                    try reject(row, "its payload was erased", target: nil)
                }
                return true
            }
        }
        if e.isErased {
            try reject(row, "its payload was erased by an erasure this ledger does not hold", target: nil)
            return true
        }
        return false
    }

    /// An event its device signed after its revocation has no effect (§18.1), erased or not;
    /// device events and erasures are exempt (the maps decide them). True when `e` was handled so.
    private func appliedAsVoid(_ e: Event, row: Int64) throws -> Bool {
        guard !devices.isEmpty, let why = devices.voidReason(author: e.author, seq: e.header.seq),
              !PayloadKind.isExemptFromVoiding(e.payloadKind) else { return false }
        try reject(row, why, target: (try? e.payload())?.targetAnnotation)
        return true
    }

    private func apply(_ payload: Payload, stamp: Stamp, row: Int64) throws {
        switch payload {
        case .articleAdded(let a):
            try addArticle(a, stamp, row)
        case .annotationCreated(let c):
            try create(c, stamp, row)
        case .bodyEdited(let p):
            try change(p.annotation, stamp, row) { n in
                try write(n, .body, stamp, text: p.body, pred: p.pred)
                searchDirty.insert(n)
            }
        case .motivationChanged(let p):
            try change(p.annotation, stamp, row) { n in try write(n, .motivation, stamp, text: p.motivation, pred: p.pred) }
        case .tagsChanged(let p):
            try change(p.annotation, stamp, row) { n in
                try untag(n, p.remove, pred: p.pred)
                try tag(n, p.add, by: stamp.id)
                try refreshTags(n)
            }
        case .annotationDeleted(let p):
            try change(p.annotation, stamp, row) { n in try write(n, .deleted, stamp, flag: true, pred: p.pred) }
        case .annotationRestored(let p):
            try change(p.annotation, stamp, row) { n in try write(n, .deleted, stamp, flag: false, pred: p.pred) }
        case .articleRevised(let r):
            try revise(r, stamp, row)
        case .annotationReanchored(let r):
            if let a = try facts(r.annotation), a.isReply {
                return try reject(row, "a reply has no passage to re-anchor", target: r.annotation)
            }
            try change(r.annotation, stamp, row) { n in
                try write(n, .reanchor, stamp, selector: r.selector, pred: r.pred)
                searchDirty.insert(n)
                try db.prepared("DELETE FROM p_anchors WHERE annotation = ?").bind(1, n).run()
            }
        case .unknown, .deviceLinked, .deviceRevoked, .annotationErased:
            break
        }
    }

    // MARK: Articles (§3)

    private func addArticle(_ a: ArticleAdded, _ stamp: Stamp, _ row: Int64) throws {
        let id = a.articleID
        let old = try db.prepared("SELECT lamport, author, event FROM p_articles WHERE id = ?").bind(1, id)
        guard try old.step() else {
            let length = Int64(a.text.unicodeScalars.count)
            try db.prepared("""
                INSERT INTO p_articles(id, lamport, author, event, time, title, source, original_row, original_length, revision_row, length, revised)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL)
                """).bind(1, id).bind(2, Int64(stamp.lamport)).bind(3, stamp.author).bind(4, stamp.id).bind(5, stamp.time)
                .bind(6, a.title).bind(7, a.source).bind(8, row).bind(9, length).bind(10, length).run()
            try db.prepared("INSERT INTO p_adders(article, author) VALUES (?, ?)").bind(1, id).bind(2, stamp.identity).run()
            try wake(id)
            return
        }
        let first = Stamp(lamport: UInt64(old.int(0)), author: PublicKey(old.hash(1) ?? .zero), id: old.hash(2) ?? .zero, time: 0)
        old.reset()
        if stamp < first {
            // An earlier addition of the same text names the article instead (a minimum).
            try db.prepared("UPDATE p_articles SET lamport = ?, author = ?, event = ?, time = ?, title = ?, source = ?, original_row = ? WHERE id = ?")
                .bind(1, Int64(stamp.lamport)).bind(2, stamp.author).bind(3, stamp.id).bind(4, stamp.time)
                .bind(5, a.title).bind(6, a.source).bind(7, row).bind(8, id).run()
        }
        try db.prepared("INSERT OR IGNORE INTO p_adders(article, author) VALUES (?, ?)").bind(1, id).bind(2, stamp.identity).run()
        // A new adder may make revisions already held count.
        if db.changes > 0 { try refreshText(id) }
    }

    private func revise(_ r: ArticleRevised, _ stamp: Stamp, _ row: Int64) throws {
        guard try exists("SELECT 1 FROM p_articles WHERE id = ?", r.article) else {
            return try wait(for: r.article, row)
        }
        var pred: [UInt8] = []
        for p in r.pred { p.appendBytes(to: &pred) }
        try db.prepared("INSERT INTO p_revisions(event, article, row, lamport, author, identity, time, pred) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(1, stamp.id).bind(2, r.article).bind(3, row).bind(4, Int64(stamp.lamport)).bind(5, stamp.author)
            .bind(6, stamp.identity).bind(7, stamp.time).bind(8, blob: pred).run()
        let adder = try db.prepared("SELECT 1 FROM p_adders WHERE article = ? AND author = ?").bind(1, r.article).bind(2, stamp.identity)
        defer { adder.reset() }
        if try adder.step() { try refreshText(r.article) }
    }

    /// An article's text register (§3.1): its effective revisions (by an adder), each writing
    /// the log row that holds its text; nil when it has none (the article is not revised).
    static func textRegister(_ db: SQLiteConnection, _ article: Hash32) throws -> Register<Int64>? {
        let s = try db.prepared("""
            SELECT r.row, r.lamport, r.author, r.event, r.time, r.pred, r.identity FROM p_revisions r
            WHERE r.article = ? AND EXISTS (SELECT 1 FROM p_adders d WHERE d.article = r.article AND d.author = r.identity)
            """).bind(1, article)
        defer { s.reset() }
        var register = Register<Int64>()
        var any = false
        while try s.step() {
            let stamp = Stamp(lamport: UInt64(s.int(1)), author: PublicKey(s.hash(2) ?? .zero), id: s.hash(3) ?? .zero, time: s.int(4),
                              identity: s.hash(6).map(PublicKey.init))
            register.write(s.int(0), stamp: stamp, pred: ids(s.blob(5)))
            any = true
        }
        return any ? register : nil
    }

    /// Recomputes an article's text register (§3.1) from its revisions by adders.
    private func refreshText(_ article: Hash32) throws {
        guard let register = try Self.textRegister(db, article) else {
            try db.prepared("UPDATE p_articles SET revision_row = NULL, revised = NULL, length = original_length WHERE id = ?").bind(1, article).run()
            return
        }
        let winner = register.value
        guard let text = try revisionText(row: winner) else { return }
        try db.prepared("UPDATE p_articles SET revision_row = ?, revised = ?, length = ? WHERE id = ?")
            .bind(1, winner).bind(2, SHA256.hash(Array(text.utf8))).bind(3, Int64(text.unicodeScalars.count)).bind(4, article).run()
        // The text may have changed: every anchor on it is recomputed when next read.
        try db.prepared("DELETE FROM p_anchors WHERE annotation IN (SELECT n FROM p_annotations WHERE article = ?)").bind(1, article).run()
    }

    /// The text of the article.added or article.revised event at `row`.
    func revisionText(row: Int64) throws -> String? {
        let s = try db.prepared("SELECT id, bytes FROM events WHERE rowid = ?").bind(1, row)
        guard try s.step(), let id = s.hash(0) else { return nil }
        let bytes = s.blob(1)
        s.reset()
        switch try? Event.decode(stored: bytes, id: id).payload() {
        case .articleAdded(let a): return a.text
        case .articleRevised(let r): return r.text
        default: return nil
        }
    }

    // MARK: Annotations (§4)

    private func create(_ c: AnnotationCreated, _ stamp: Stamp, _ row: Int64) throws {
        guard try exists("SELECT 1 FROM p_articles WHERE id = ?", c.article) else {
            return try wait(for: c.article, row)
        }
        var parent: EventID?
        var selector: TextSelector?
        switch c.target {
        case .reply(let p):
            guard let pf = try facts(p) else { return try wait(for: p, row) }
            guard pf.article == c.article else { return try reject(row, "it replies to \(p.short()) but names another article", target: nil) }
            parent = p
        case .text(let s):
            selector = s
        }
        if c.editors.contains(stamp.author) { return try reject(row, "it lists its own author as an editor", target: nil) }
        var editors: [UInt8] = []
        for e in c.editors { e.raw.appendBytes(to: &editors) }
        let ins = try db.prepared("""
            INSERT INTO p_annotations(id, row, article, lamport, author, created, parent, exact, prefix, suffix, start, "end",
                editors, motivation, motivation_live, body, body_live, deleted, reanchored, tags, replies,
                mod_lamport, mod_author, mod_event, modified, identity)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 1, ?15, 1, 0, NULL, '', 0, ?4, ?5, ?1, ?6, ?16)
            """)
        ins.bind(1, stamp.id).bind(2, row).bind(3, c.article).bind(4, Int64(stamp.lamport)).bind(5, stamp.author).bind(6, stamp.time)
        if let parent { ins.bind(7, parent) } else { ins.bindNull(7) }
        if let s = selector {
            ins.bind(8, s.exact).bind(9, s.prefix).bind(10, s.suffix).bind(11, Int64(s.start)).bind(12, Int64(s.end))
        } else {
            for i in Int32(8)...12 { ins.bindNull(i) }
        }
        ins.bind(13, blob: editors).bind(14, c.motivation).bind(15, c.body).bind(16, stamp.identity)
        try ins.run()
        let n = db.lastInsertRowID
        // The creation is the initial write of the body, motivation and deleted registers.
        let w = try db.prepared("INSERT INTO p_writes(annotation, reg, event, lamport, author, time, value, live) VALUES (?, ?, ?, ?, ?, ?, ?, 1)")
        for (reg, value) in [(RegisterKind.body, c.body), (.motivation, c.motivation)] {
            w.reset()
            try w.bind(1, n).bind(2, reg.rawValue).bind(3, stamp.id).bind(4, Int64(stamp.lamport)).bind(5, stamp.author)
                .bind(6, stamp.time).bind(7, value).run()
        }
        w.reset()
        try w.bind(1, n).bind(2, RegisterKind.deleted.rawValue).bind(3, stamp.id).bind(4, Int64(stamp.lamport))
            .bind(5, stamp.author).bind(6, stamp.time).bind(7, Int64(0)).run()
        try tag(n, c.tags, by: stamp.id)
        if !c.tags.isEmpty { try refreshTags(n) }
        try addHistory(n, stamp, row)
        if let parent {
            try db.prepared("UPDATE p_annotations SET replies = replies + 1 WHERE id = ?").bind(1, parent).run()
        }
        searchDirty.insert(n)
        try wake(stamp.id)
    }

    /// An erased annotation (§19): placed where its erasure says, with nothing of its payload.
    private func createErased(_ id: EventID, _ x: ErasureMap.Erased, _ stamp: Stamp, _ row: Int64) throws {
        guard try !exists("SELECT 1 FROM p_annotations WHERE id = ?", id) else { return }
        guard try exists("SELECT 1 FROM p_articles WHERE id = ?", x.article) else { return try wait(for: x.article, row) }
        if let p = x.replyTo {
            guard let pf = try facts(p) else { return try wait(for: p, row) }
            guard pf.article == x.article else { return try reject(row, "it replies to \(p.short()) but names another article", target: nil) }
        }
        let ins = try db.prepared("""
            INSERT INTO p_annotations(id, row, article, lamport, author, created, parent, editors, motivation, motivation_live,
                body, body_live, deleted, reanchored, tags, replies, mod_lamport, mod_author, mod_event, modified, identity,
                erased_event, erased_lamport, erased_author, erased_time)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, x'', '', 1, '', 1, 0, NULL, '', 0, ?4, ?5, ?1, ?6, ?8, ?9, ?10, ?11, ?12)
            """)
        ins.bind(1, id).bind(2, row).bind(3, x.article).bind(4, Int64(stamp.lamport)).bind(5, stamp.author).bind(6, stamp.time)
        if let p = x.replyTo { ins.bind(7, p) } else { ins.bindNull(7) }
        ins.bind(8, stamp.identity).bind(9, x.by.id).bind(10, Int64(x.by.lamport)).bind(11, x.by.author).bind(12, x.by.time)
        try ins.run()
        let n = db.lastInsertRowID
        try addHistory(n, stamp, row)
        if let p = x.replyTo {
            try db.prepared("UPDATE p_annotations SET replies = replies + 1 WHERE id = ?").bind(1, p).run()
        }
        searchDirty.insert(n)
        try wake(id)
    }

    func facts(_ id: EventID) throws -> AnnotationFacts? {
        let s = try db.prepared("SELECT n, article, identity, editors, parent IS NOT NULL, erased_event IS NOT NULL FROM p_annotations WHERE id = ?").bind(1, id)
        guard try s.step() else { return nil }
        let f = AnnotationFacts(n: s.int(0), article: s.hash(1) ?? .zero, author: PublicKey(s.hash(2) ?? .zero),
                                editors: Self.ids(s.blob(3)).map(PublicKey.init), isReply: s.int(4) != 0, isErased: s.int(5) != 0)
        s.reset()
        return f
    }

    /// A change (kinds 3–7, 9) of annotation `id`: waits for it, or is refused when its author may
    /// not change it, or takes effect through `body` and joins the annotation's history.
    private func change(_ id: EventID, _ stamp: Stamp, _ row: Int64, _ body: (Int64) throws -> Void) throws {
        guard let a = try facts(id) else { return try wait(for: id, row) }
        if a.isErased { return try reject(row, "annotation \(id.short()) was erased", target: id) }
        guard a.mayChange(stamp.identity, devices: devices) else {
            return try reject(row, "its author \(stamp.identity.raw.short()) may not change annotation \(id.short()) (only its author \(a.author.raw.short()) and the editors it names may)", target: id)
        }
        try body(a.n)
        try addHistory(a.n, stamp, row)
    }

    private func addHistory(_ n: Int64, _ stamp: Stamp, _ row: Int64) throws {
        try db.prepared("INSERT OR IGNORE INTO p_history(annotation, lamport, author, event, time, row) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(1, n).bind(2, Int64(stamp.lamport)).bind(3, stamp.author).bind(4, stamp.id).bind(5, stamp.time).bind(6, row).run()
        try db.prepared("""
            UPDATE p_annotations SET mod_lamport = ?2, mod_author = ?3, mod_event = ?4, modified = ?5
            WHERE n = ?1 AND (mod_lamport, mod_author, mod_event) < (?2, ?3, ?4)
            """).bind(1, n).bind(2, Int64(stamp.lamport)).bind(3, stamp.author).bind(4, stamp.id).bind(5, stamp.time).run()
    }

    // MARK: Registers (§5)

    private func write(_ n: Int64, _ reg: RegisterKind, _ stamp: Stamp, text: String? = nil, flag: Bool? = nil,
                       selector: TextSelector? = nil, pred: [EventID]) throws {
        let replace = try db.prepared("INSERT OR IGNORE INTO p_replaced(annotation, reg, event) VALUES (?, ?, ?)")
        let unlive = try db.prepared("UPDATE p_writes SET live = 0 WHERE annotation = ? AND reg = ? AND event = ?")
        for p in pred {
            replace.reset(); try replace.bind(1, n).bind(2, reg.rawValue).bind(3, p).run()
            unlive.reset(); try unlive.bind(1, n).bind(2, reg.rawValue).bind(3, p).run()
        }
        // Live unless a write already stored named it in its pred (it arrived late).
        let ins = try db.prepared("""
            INSERT OR IGNORE INTO p_writes(annotation, reg, event, lamport, author, time, value, live)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NOT EXISTS (SELECT 1 FROM p_replaced WHERE annotation = ?1 AND reg = ?2 AND event = ?3))
            """)
            .bind(1, n).bind(2, reg.rawValue).bind(3, stamp.id).bind(4, Int64(stamp.lamport)).bind(5, stamp.author)
            .bind(6, stamp.time)
        if let text { ins.bind(7, text) } else if let flag { ins.bind(7, Int64(flag ? 1 : 0)) } else if let selector { ins.bind(7, blob: selector.stored) }
        try ins.run()
        try refresh(n, reg)
    }

    /// Caches a register's winner (and how many live versions it has) on the annotation's row:
    /// the live write with the greatest stamp, else (nothing live) the greatest write.
    private func refresh(_ n: Int64, _ reg: RegisterKind) throws {
        let s = try db.prepared("SELECT value, live FROM p_writes WHERE annotation = ? AND reg = ? ORDER BY live DESC, lamport DESC, author DESC, event DESC")
            .bind(1, n).bind(2, reg.rawValue)
        guard try s.step() else { return }
        var liveCount: Int64 = s.int(1)
        let u: Statement
        switch reg {
        case .body: u = try db.prepared("UPDATE p_annotations SET body = ?, body_live = ? WHERE n = ?").bind(1, s.text(0))
        case .motivation: u = try db.prepared("UPDATE p_annotations SET motivation = ?, motivation_live = ? WHERE n = ?").bind(1, s.text(0))
        case .deleted: u = try db.prepared("UPDATE p_annotations SET deleted = ? WHERE n = ?").bind(1, s.int(0))
        case .reanchor: u = try db.prepared("UPDATE p_annotations SET reanchored = ? WHERE n = ?").bind(1, blob: s.blob(0))
        }
        switch reg {
        case .body, .motivation:
            // Live versions beyond the winner are the conflict: count them (usually none).
            if liveCount > 0 { while try s.step(), s.int(1) == 1 { liveCount += 1 } }
            s.reset()
            try u.bind(2, liveCount).bind(3, n).run()
        case .deleted, .reanchor:
            s.reset()
            try u.bind(2, n).run()
        }
    }

    // MARK: Tags (§6)

    private func tag(_ n: Int64, _ tags: [String], by event: EventID) throws {
        // An addition whose removal arrived first (a tombstone) is not added.
        let add = try db.prepared("""
            INSERT OR IGNORE INTO p_tags(annotation, tag, event) SELECT ?1, ?2, ?3
            WHERE NOT EXISTS (SELECT 1 FROM p_untagged WHERE annotation = ?1 AND tag = ?2 AND event = ?3)
            """)
        for t in tags {
            add.reset()
            try add.bind(1, n).bind(2, t).bind(3, event).run()
        }
    }

    private func untag(_ n: Int64, _ tags: [String], pred: [EventID]) throws {
        let tomb = try db.prepared("INSERT OR IGNORE INTO p_untagged(annotation, tag, event) VALUES (?, ?, ?)")
        let drop = try db.prepared("DELETE FROM p_tags WHERE annotation = ? AND tag = ? AND event = ?")
        for t in tags {
            for p in pred {
                tomb.reset(); try tomb.bind(1, n).bind(2, t).bind(3, p).run()
                drop.reset(); try drop.bind(1, n).bind(2, t).bind(3, p).run()
            }
        }
    }

    private func refreshTags(_ n: Int64) throws {
        let s = try db.prepared("SELECT DISTINCT tag FROM p_tags WHERE annotation = ? ORDER BY tag").bind(1, n)
        var tags: [String] = []
        while try s.step() { tags.append(s.text(0)) }
        s.reset()
        try db.prepared("UPDATE p_annotations SET tags = ? WHERE n = ?").bind(1, tags.joined(separator: "\n")).bind(2, n).run()
        searchDirty.insert(n)
    }

    // MARK: Waiting and rejection (§4, §8)

    private func wait(for target: Hash32, _ row: Int64) throws {
        try db.prepared("INSERT OR REPLACE INTO p_ineffective(row, target, waiting, reason) VALUES (?, ?, 1, ?)")
            .bind(1, row).bind(2, target).bind(3, "its target \(target.short()) is not in the ledger").run()
    }

    private func reject(_ row: Int64, _ reason: String, target: Hash32?) throws {
        let s = try db.prepared("INSERT OR REPLACE INTO p_ineffective(row, target, waiting, reason) VALUES (?, ?, 0, ?)")
        s.bind(1, row).bind(3, reason)
        if let target { s.bind(2, target) } else { s.bindNull(2) }
        try s.run()
    }

    /// `target` has arrived: applies, in log order, the events that were waiting for it.
    private func wake(_ target: Hash32) throws {
        let s = try db.prepared("SELECT row FROM p_ineffective WHERE target = ? AND waiting = 1 ORDER BY row").bind(1, target)
        var rows: [Int64] = []
        while try s.step() { rows.append(s.int(0)) }
        s.reset()
        guard !rows.isEmpty else { return }
        let drop = try db.prepared("DELETE FROM p_ineffective WHERE row = ?")
        for row in rows {
            drop.reset(); try drop.bind(1, row).run()
            let ev = try db.prepared("SELECT id, bytes FROM events WHERE rowid = ?").bind(1, row)
            guard try ev.step(), let id = ev.hash(0) else { ev.reset(); continue }
            let bytes = ev.blob(1)
            ev.reset()
            try apply(try Event.decode(stored: bytes, id: id), row: row)
        }
    }

    private func exists(_ sql: StaticString, _ id: Hash32) throws -> Bool {
        let s = try db.prepared(sql).bind(1, id)
        defer { s.reset() }
        return try s.step()
    }

    /// 32-byte ids packed one after another.
    static func ids(_ bytes: [UInt8]) -> [Hash32] {
        guard bytes.count >= 32 else { return [] }
        return bytes.withUnsafeBytes { raw in
            stride(from: 0, to: raw.count - raw.count % 32, by: 32).map { Hash32(UnsafeRawBufferPointer(rebasing: raw[$0..<($0 + 32)])) }
        }
    }
}
