import Foundation
import GlossCore
import GlossStore
import Testing

/// SIGKILL in the middle of the transactions that write the projection: a bundle import (events
/// and projection in one transaction) and a rebuild of the projection on open. After each kill
/// the ledger must open, `gloss verify` must find the projection in agreement with a replay of
/// the log, and finishing the work must give the snapshot of a run that was never interrupted.
@Suite struct ProjectionCrashTests {
    /// A bundle of `n` events by two authors: an article, annotations, edits, tags, replies.
    static func bundle(_ dir: String, n: Int) throws -> [UInt8] {
        let log = try EventLog(path: dir + "/source.sqlite", create: true)
        let keys = [SigningKey(), SigningKey()]
        let text = String(repeating: "Putin ordered it. Troops landed. “Dozens” were killed — officials said. ", count: 20)
        let added = ArticleAdded(title: "crash", source: "crash", text: text)
        _ = try log.appendOwn(key: keys[0], payload: .articleAdded(added), time: 0)
        let sel = try QuoteMatcher(text: ArticleText(text)).select(quote: "Troops landed", occurrence: 2)
        var ids: [EventID] = []
        var done = 1
        while done < n {
            let key = keys[done % 2]
            let k = min(500, n - done)
            let payloads: [Payload] = (0..<k).map { i in
                let j = done + i
                if ids.isEmpty || j % 4 == 0 {
                    return .annotationCreated(AnnotationCreated(article: added.articleID, target: .text(sel), motivation: "commenting",
                                                                body: "note \(j)", tags: ["t\(j % 5)"], editors: keys.map(\.publicKey).filter { $0 != key.publicKey }))
                }
                let target = ids[j % ids.count]
                switch j % 4 {
                case 1: return .bodyEdited(BodyEdited(annotation: target, pred: [target], body: "edit \(j)"))
                case 2: return .tagsChanged(TagsChanged(annotation: target, add: ["e\(j % 7)"], remove: [], pred: []))
                default: return .annotationCreated(AnnotationCreated(article: added.articleID, target: .reply(to: target), motivation: "replying", body: "re \(j)", tags: []))
                }
            }
            let events = try log.appendOwn(key: key, payloads: payloads, time: Int64(done))
            for (e, p) in zip(events, payloads) { if case .annotationCreated = p { ids.append(e.id) } }
            done += k
        }
        return Bundle.encode(try log.allEvents())
    }

    func killAfter(_ seconds: Double, _ g: GlossRunner, _ args: [String]) throws {
        let p = try g.spawn(args)
        usleep(UInt32(seconds * 1_000_000))
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
    }

    @Test func killedImportsAndRebuildsLeaveTheProjectionInAgreement() throws {
        let work = try GlossRunner()
        let file = try work.write("crash.bundle", try Self.bundle(work.home, n: 6000))
        // The reference: one import, never interrupted, timed to choose the kill moments.
        let reference = try GlossRunner()
        try reference.ok("init")
        let start = Date()
        try reference.ok("bundle", "import", file)
        let duration = Date().timeIntervalSince(start)
        let expected = try reference.snapshotHash()
        var rng = SystemRandomNumberGenerator()
        for round in 0..<4 {
            let g = try GlossRunner()
            try g.ok("init")
            try killAfter(Double.random(in: 0.05...0.95, using: &rng) * duration, g, ["bundle", "import", file])
            let verify = try g.ok("verify")
            #expect(verify.contains("the projection agrees with the log"), "round \(round): \(verify)")
            try g.ok("bundle", "import", file)
            #expect(try g.snapshotHash() == expected, "round \(round): the import completes to the same state")
            // A projection of another format is rebuilt on the next open; kill that rebuild.
            try SQLiteConnection(path: g.ledger + "/ledger.sqlite", create: false).execute("UPDATE projection SET format = 0")
            try killAfter(Double.random(in: 0.05...0.9, using: &rng) * duration, g, ["list"])
            #expect(try g.ok("verify").contains("the projection agrees with the log"), "round \(round), after a killed rebuild")
            #expect(try g.snapshotHash() == expected, "round \(round): rebuilt to the same state")
        }
    }

    /// A projection edited by hand (or damaged) shows wrong text until `verify` compares it with
    /// a replay of the log: then it is reported, rebuilt, and the right text is back.
    @Test func verifyRebuildsAProjectionThatDisagreesWithTheLog() throws {
        let g = try GlossRunner()
        try g.ok("init")
        try g.ok("article", "add", GlossRunner.seedPath)
        try g.ok("annotate", "6d1e", "--quote", "peacekeepers", "--comment", "the real comment")
        try SQLiteConnection(path: g.ledger + "/ledger.sqlite", create: false).execute("UPDATE p_annotations SET body = 'forged'")
        #expect(try g.ok("list").contains("forged"))
        let r = try g.run(["verify"])
        #expect(r.status != 0 && r.out.contains("BAD") && r.out.contains("rebuilt"), "\(r.out)")
        #expect(try g.ok("verify").contains("the projection agrees with the log"))
        let list = try g.ok("list")
        #expect(list.contains("the real comment") && !list.contains("forged"))
    }
}
