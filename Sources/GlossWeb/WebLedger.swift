import Dispatch
import GlossCore
import GlossReplay
import GlossStore

/// The ledger as the web app uses it. Every SQLite call runs on one serial queue, never on an
/// event-loop thread; handlers await the result. Reads see what other processes committed
/// (`gloss sync`, `gloss serve`), so pages can follow the ledger live (`changeMark`).
///
/// `@unchecked Sendable` is safe: `ledger` (and its SQLite connection) is touched only inside
/// `run`, on `queue`, one call at a time; the other stored properties are immutable.
public final class WebLedger: @unchecked Sendable {
    private let ledger: Ledger
    private let queue = DispatchQueue(label: "gloss.web.ledger")

    public init(_ ledger: Ledger) { self.ledger = ledger }

    /// Article pages already serialized, with the log's last row they were made at: served
    /// again until any event arrives (50 readers of one page cost one build). Touched only on
    /// `queue`, like `ledger`.
    private var pages: [String: (row: Int64, json: String)] = [:]

    /// Articles' current texts, parsed (characters, code points) once per text: annotating
    /// checks every selection against one. Touched only on `queue`.
    private var texts: [Hash32: ArticleText] = [:]

    /// The current text of `a`; call it only inside `run`.
    func text(of a: ArticleView, _ l: Ledger) throws -> ArticleText {
        let key = a.revisedText ?? a.id
        if let t = texts[key] { return t }
        guard let s = try l.log.articleText(a.id) else { throw WebError(500, "the text of article \(a.id.short()) cannot be read: run gloss verify") }
        let t = ArticleText(s)
        if texts.count >= 4 { texts.removeAll() }  // a few articles at a time: ~25 MB per 1 MB text
        texts[key] = t
        return t
    }

    /// The article page `id`, from the cache when no event arrived since it was built.
    func page(_ id: String) async throws -> String {
        try await run { l in
            let row = try l.log.lastRow()
            if let p = self.pages[id], p.row == row { return p.json }
            let json = try WebOps.article(l, id, row: row).serialized()
            if self.pages.count >= 4 { self.pages.removeAll() }
            self.pages[id] = (row, json)
            return json
        }
    }

    /// Runs `body` on the ledger's queue.
    public func run<T: Sendable>(_ body: @escaping @Sendable (Ledger) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            queue.async { c.resume(with: Result { try body(self.ledger) }) }
        }
    }
}

/// The API's reads and writes, each a short function of the ledger, run on its queue.
enum WebOps {
    static func names(_ l: Ledger) throws -> JSON {
        // Authors are identities (MERGE.md §18): a name given to any device names its identity.
        let devices = try l.log.devices()
        let peers = Dictionary(try l.log.peers().map { ($0.key, $0.name) }, uniquingKeysWith: { a, _ in a })
        let o = Dictionary(uniqueKeysWithValues: devices.namesByIdentity(peers).map { ($0.key.hex, JSON.string($0.value)) })
        return .object(["me": .string(devices.identity(of: l.key.publicKey).hex), "names": .object(o)])
    }

    static func articles(_ l: Ledger) throws -> JSON {
        .array(try l.log.articles().map { a in
            .object(["id": .string(a.id.hex), "title": .string(a.title), "source": .string(a.source),
                     "added": .int(a.added.time), "length": .int(Int64(a.length)), "revised": .bool(a.isRevised),
                     "annotations": .int(Int64(try l.log.annotationCount(article: a.id))),
                     "lastChange": .int(try l.log.lastChange(article: a.id) ?? a.added.time)])
        })
    }

    /// The article page; `row`: the log's last row it reflects (the page skips change events
    /// it already shows).
    static func article(_ l: Ledger, _ idHex: String, row: Int64) throws -> JSON {
        let a = try view(l, idHex)
        guard let text = try l.log.articleText(a.id) else { throw WebError(500, "the text of article \(a.id.short()) cannot be read: run gloss verify") }
        var all: [AnnotationView] = []
        try l.log.forEachAnnotation(article: a.id, includeDeleted: true) { all.append($0) }
        let known = a.isRevised ? try l.log.anchors(of: a.id) : [:]
        let live = a.isRevised ? try l.log.liveRevisions(of: a.id) : []
        let layout = ArticleLayout(article: a, text: text, annotations: all, known: known, losingRevisions: Array(live.dropFirst()))
        if let h = a.revisedText { try? l.log.saveAnchors(layout.computed, article: a.id, textHash: h) }
        let heads = try l.log.bodyHeads(article: a.id)
        let devices = try l.log.devices()
        var annotations: [JSON] = []
        for x in all { annotations.append(annotation(l, x, bodyHeads: heads[x.id] ?? [], devices: devices)) }
        return .object([
            "id": .string(a.id.hex), "title": .string(a.title), "source": .string(a.source), "revised": .bool(a.isRevised),
            "row": .int(row),
            "text": .string(text),
            "paragraphs": .array(ArticleLayout.paragraphRanges(layout.text).map { .array([.int(Int64($0.lowerBound)), .int(Int64($0.upperBound))]) }),
            "notes": .array(layout.notes.map { n in
                .object(["id": .string(n.annotation.id.hex), "number": .int(Int64(n.number)), "start": .int(Int64(n.range.lowerBound)),
                         "end": .int(Int64(n.range.upperBound)), "stage": .string(n.stage.rawValue)])
            }),
            "orphans": .array(layout.orphans.map { o in
                var x: [String: JSON] = ["id": .string(o.id.hex)]
                if let g = layout.suggestions[o.id] {
                    x["suggestion"] = .object(["start": .int(Int64(g.range.lowerBound)), "end": .int(Int64(g.range.upperBound)),
                                               "exact": .string(layout.text.slice(g.range)), "alikePercent": .int(Int64(g.alikePercent))])
                }
                return .object(x)
            }),
            "losingRevisions": .array(layout.losingRevisions.map { .object(["event": .string($0.id.hex), "author": .string($0.identity.hex), "time": .int($0.time)]) }),
            "annotations": .array(annotations),
        ])
    }

    /// An annotation as the snapshot has it, plus what the page needs to change it.
    static func annotation(_ l: Ledger, _ a: AnnotationView, bodyHeads: [EventID], devices: DeviceMap) -> JSON {
        guard case .object(var o) = a.json else { return a.json }
        if a.isErased {
            // Erased (MERGE.md §19): the page shows who erased it, and the replies others made.
            o["body"] = .string(""); o["motivation"] = .string(""); o["tags"] = .array([]); o["modified"] = .int(a.created.time)
            o["bodyHeads"] = .array([]); o["mayChange"] = .bool(false)
            return .object(o)
        }
        o["bodyHeads"] = .array(bodyHeads.map { .string($0.hex) })
        o["mayChange"] = .bool(a.mayChange(devices.identity(of: l.key.publicKey), devices: devices))
        if !a.bodyLive.isEmpty {
            o["bodyVersions"] = .array(a.bodyLive.map { .object(["body": .string($0.value), "author": .string($0.stamp.identity.hex), "event": .string($0.stamp.id.hex), "time": .int($0.stamp.time)]) })
        }
        return .object(o)
    }

    static func view(_ l: Ledger, _ idHex: String) throws -> ArticleView {
        guard let id = Hash32(hex: idHex) else { throw WebError.notFound("\(idHex.prefix(64).debugDescription) is not an article id: the API takes all 64 hex digits (GET /api/articles lists them)") }
        guard let a = try l.log.article(id) else { throw WebError.notFound("no article \(idHex.prefix(64).debugDescription) in this ledger") }
        return a
    }

    static func annotationView(_ l: Ledger, _ idHex: String) throws -> AnnotationView {
        guard let id = Hash32(hex: idHex) else { throw WebError.notFound("\(idHex.prefix(64).debugDescription) is not an annotation id: the API takes all 64 hex digits") }
        guard let a = try l.log.annotation(id) else { throw WebError.notFound("no annotation \(idHex.prefix(64).debugDescription) in this ledger") }
        return a
    }

    /// Appends the user's own events, refused while an imported key awaits its first sync.
    static func append(_ l: Ledger, _ payloads: [Payload]) throws -> [Event] {
        if try l.log.setting(Ledger.awaitingSyncSetting) == "1" {
            throw WebError.conflict("this key was imported from another device: sync first, so that its chain continues where the other device left it")
        }
        if let r = try l.log.devices().revocations[l.key.publicKey] {
            throw WebError.forbidden("this device was revoked: only its events up to seq \(r.lastSeq) count, and anything it writes now would have no effect; pair a new device from one of your others (gloss device link)")
        }
        do { return try l.log.appendOwn(key: l.key, payloads: payloads, time: Clock.nowMillis()) } catch {
            if error.code == .invalidEvent { throw WebError.unprocessable(error.message) }
            throw error
        }
    }

    static func requireMayChange(_ l: Ledger, _ a: AnnotationView) throws {
        let devices = try l.log.devices()
        guard a.mayChange(devices.identity(of: l.key.publicKey), devices: devices) else {
            throw WebError.forbidden("only its author and the editors it names may change this annotation; reply to it instead")
        }
    }
}
