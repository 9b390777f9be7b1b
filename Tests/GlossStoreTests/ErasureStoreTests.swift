import Foundation
import GlossCore
import GlossStore
import Testing
import GlossTestSupport

/// The log's one controlled exception to append-only (MERGE.md §19.3), enforced by SQLite
/// itself: tried here with raw SQL on a real ledger file, as a buggy tool or a hand edit would.
@Suite struct ErasureStoreTests {
    let alice = try! SigningKey(seed: [UInt8](repeating: 1, count: 32))
    let bob = try! SigningKey(seed: [UInt8](repeating: 2, count: 32))
    static let text = "One two three. One two three."
    let article = ArticleAdded(title: "t", source: "s", text: Self.text)

    func note(_ body: String) throws -> Payload {
        .annotationCreated(AnnotationCreated(article: article.articleID,
                                             target: .text(try QuoteMatcher(text: ArticleText(Self.text)).select(quote: "two", occurrence: 1)),
                                             motivation: "commenting", body: body, tags: []))
    }

    /// A ledger holding an article, Alice's note and Bob's reply; the raw connection to its file.
    func ledger(_ dir: TempDir) throws -> (EventLog, SQLiteConnection, note: Event, reply: Event) {
        let log = try EventLog(path: dir.path + "/l.sqlite", create: true)
        _ = try log.appendOwn(key: alice, payload: .articleAdded(article), time: 1)
        let n = try log.appendOwn(key: alice, payload: try note("Qzx secret words"), time: 2)
        let r = try log.appendOwn(key: bob, payload: .annotationCreated(AnnotationCreated(article: article.articleID, target: .reply(to: n.id),
                                                                                         motivation: "replying", body: "Bob's own reply", tags: [])), time: 3)
        return (log, try SQLiteConnection(path: dir.path + "/l.sqlite", create: false), n, r)
    }

    func bytes(_ raw: SQLiteConnection, _ id: EventID) throws -> [UInt8] {
        let s = try raw.statement("SELECT bytes FROM events WHERE id = ?").bind(1, id)
        return try s.step() ? s.blob(0) : []
    }

    @Test func withoutAnErasureNothingMayBeCut() throws {
        let dir = try TempDir()
        let (log, raw, n, _) = try ledger(dir)
        let stub = n.erased.bytes
        // The exact cut, but no erasure names the event: refused.
        #expect(throws: SQLiteError.self) { try raw.statement("UPDATE events SET bytes = ? WHERE id = ?").bind(1, blob: stub).bind(2, n.id).run() }
        // Nor may `erasures` list it without a stored erasure naming it.
        #expect(throws: SQLiteError.self) { try raw.statement("INSERT INTO erasures(target, erasure) VALUES (?, ?)").bind(1, n.id).bind(2, n.id).run() }
        #expect(throws: SQLiteError.self) { try raw.execute("DELETE FROM events") }
        #expect(try bytes(raw, n.id) == n.bytes)
        #expect(try log.verifyAll().isEmpty)
    }

    /// A hand-replaced update trigger that lets anything through is caught by `verify`, though
    /// it keeps the name.
    @Test func verifyCatchesAWeakenedTrigger() throws {
        let dir = try TempDir()
        let (log, raw, _, _) = try ledger(dir)
        #expect(try log.verifyAll().isEmpty)
        try raw.execute("""
            DROP TRIGGER events_append_only_update;
            CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events WHEN 0 BEGIN SELECT 1; END;
            """)
        #expect(try log.verifyAll().contains { $0.message.contains("only erased payloads") })
    }

    @Test func anErasureAllowsExactlyTheCutOfWhatItNames() throws {
        let dir = try TempDir()
        let (log, raw, n, reply) = try ledger(dir)
        _ = try log.appendOwn(key: alice, payload: .annotationErased(AnnotationErased(annotation: n.id, article: article.articleID,
                                                                                       replyTo: nil, events: [n.id, reply.id])), time: 4)
        // The note lost its payload; Bob's reply, named but not Alice's, kept its own.
        #expect(try bytes(raw, n.id) == n.erased.bytes)
        #expect(try bytes(raw, reply.id) == reply.bytes)
        #expect(try log.verifyAll().isEmpty)
        // No other change is allowed, even to an erased row or to a row an erasure names:
        // putting the payload back, another cut, changing a column, deleting.
        #expect(throws: SQLiteError.self) { try raw.statement("UPDATE events SET bytes = ? WHERE id = ?").bind(1, blob: n.bytes).bind(2, n.id).run() }
        let tooShort = Array(reply.bytes.dropLast(70))
        #expect(throws: SQLiteError.self) { try raw.statement("UPDATE events SET bytes = ? WHERE id = ?").bind(1, blob: tooShort).bind(2, reply.id).run() }
        #expect(throws: SQLiteError.self) { try raw.statement("UPDATE events SET time = 9 WHERE id = ?").bind(1, n.id).run() }
        #expect(throws: SQLiteError.self) { try raw.execute("DELETE FROM erasures") }
        #expect(throws: SQLiteError.self) { try raw.statement("DELETE FROM events WHERE id = ?").bind(1, n.id).run() }
        // A row inserted without its payload needs an erasure too.
        let other = Event.make(key: bob, seq: 2, prev: reply.id, lamport: 4, time: 5, deps: [], payload: try note("x").encoded())
        #expect(throws: SQLiteError.self) {
            try raw.statement("INSERT INTO events(id, author, seq, lamport, time, kind, bytes, tag) VALUES (?, ?, 2, 4, 5, 0, ?, NULL)")
                .bind(1, other.id).bind(2, bob.publicKey).bind(3, blob: other.erased.bytes).run()
        }
        // Every byte of the secret is gone from the file once the log is checkpointed.
        _ = try log.count()
        let file = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/l.sqlite"))
        #expect(file.range(of: Data("Qzx secret words".utf8)) == nil)
    }

    /// A payload arriving for an event an erasure names (a peer that kept a copy) is dropped:
    /// stored as header ‖ signature at once, on a notice's word as on a stored erasure's.
    @Test func aLatePayloadIsDroppedOnArrival() throws {
        let src = try TempDir()
        let (a, _, n, _) = try ledger(src)
        let erasure = try a.appendOwn(key: alice, payload: .annotationErased(AnnotationErased(annotation: n.id, article: article.articleID,
                                                                                             replyTo: nil, events: [n.id])), time: 4)
        let whole = try a.allEvents().map { $0.id == n.id ? n : $0 }  // as a peer that kept the note whole would send them
        // A ledger that knows the erasure only from a notice gets the note whole: it keeps no payload.
        let dir = try TempDir()
        let b = try EventLog(path: dir.path + "/b.sqlite", create: true)
        try b.recordNotice(try ErasureNotice(erasure: erasure, links: []))
        _ = try b.append(Array(whole.prefix(2)))
        let raw = try SQLiteConnection(path: dir.path + "/b.sqlite", create: false)
        #expect(try bytes(raw, n.id) == n.erased.bytes, "dropped on a notice's word")
        _ = try b.append(Array(whole.dropFirst(2)))
        #expect(try b.verifyAll().isEmpty)
        // An erased event with no erasure or notice naming it is refused, batch and all.
        let c = try EventLog(path: dir.path + "/c.sqlite", create: true)
        #expect(throws: StoreError.self) { try c.append([whole[0], n.erased]) }
        #expect(try c.count() == 0)
    }
}
