import GlossCore

/// Writes the canonical snapshot of Protocol/MERGE.md §11 as a stream: annotations in the total
/// order, then articles by id, then the counts, each piece handed to `sink` as it fills a
/// buffer and hashed on the way. Memory does not grow with the ledger: nothing but the buffer
/// is held. The bytes are those `JSON.serialized()` gives for the same state (tested).
///
/// Call `annotation` for each annotation in order, then `article` for each article in order,
/// then `finish`.
public final class SnapshotWriter {
    private var out = JSONBytes(capacity: (1 << 16) + 4096)
    private let hasher = SHA256.Hasher()
    private let sink: ([UInt8]) throws -> Void
    private var annotationCount = 0
    private var articleCount = 0
    private var inArticles = false
    private static let chunk = 1 << 16

    /// `sink` receives the snapshot's bytes in order, in chunks; pass `{ _ in }` to only hash.
    public init(sink: @escaping ([UInt8]) throws -> Void) {
        self.sink = sink
        out.raw("{\"annotations\":[")
    }

    /// The next annotation in the total order (of creation stamps).
    public func annotation(_ a: AnnotationView) throws {
        if let x = a.erasure { return try annotation(json: Self.erased(a, x)) }
        var o = JSONBytes()
        o.raw("{\"article\":"); o.hex(a.article)
        o.raw(",\"author\":"); o.hex(a.author.raw)
        o.raw(",\"body\":"); o.string(a.body)
        if !a.bodyConflicts.isEmpty {
            o.raw(",\"bodyConflicts\":[")
            for (i, v) in a.bodyConflicts.enumerated() {
                if i > 0 { o.comma() }
                o.raw("{\"author\":"); o.hex(v.stamp.identity.raw); o.raw(",\"body\":"); o.string(v.value)
                o.raw(",\"event\":"); o.hex(v.stamp.id); o.raw("}")
            }
            o.raw("]")
        }
        o.raw(",\"created\":"); o.int(a.created.time)
        o.raw(",\"deleted\":"); o.raw(a.isDeleted ? "true" : "false")
        if let d = a.device { o.raw(",\"device\":"); o.hex(d.raw) }
        o.raw(",\"editors\":["); o.hexList(a.editors.map(\.raw)); o.raw("]")
        o.raw(",\"id\":"); o.hex(a.id)
        o.raw(",\"lamport\":"); o.int(Int64(a.created.lamport))
        o.raw(",\"modified\":"); o.int(a.modified.time)
        o.raw(",\"motivation\":"); o.string(a.motivation)
        if !a.motivationConflicts.isEmpty {
            o.raw(",\"motivationConflicts\":[")
            for (i, v) in a.motivationConflicts.enumerated() {
                if i > 0 { o.comma() }
                o.raw("{\"author\":"); o.hex(v.stamp.identity.raw); o.raw(",\"event\":"); o.hex(v.stamp.id)
                o.raw(",\"motivation\":"); o.string(v.value); o.raw("}")
            }
            o.raw("]")
        }
        if let re = a.reanchored, !a.isReply { o.raw(",\"reanchored\":"); o.selector(re) }
        o.raw(",\"replies\":["); o.hexList(a.replies); o.raw("]")
        switch a.target {
        case .reply(let parent): o.raw(",\"replyTo\":"); o.hex(parent)
        case .text(let s): o.raw(",\"selector\":"); o.selector(s)
        }
        o.raw(",\"tags\":[")
        for (i, t) in a.tags.enumerated() {
            if i > 0 { o.comma() }
            o.string(t)
        }
        o.raw("]}")
        try annotation(json: o)
    }

    /// An erased annotation's object (§19): its place, author, times and replies, and who
    /// erased it when.
    static func erased(_ a: AnnotationView, _ x: ErasureMap.Erased) -> JSONBytes {
        var o = JSONBytes()
        o.raw("{\"article\":"); o.hex(a.article)
        o.raw(",\"author\":"); o.hex(a.author.raw)
        o.raw(",\"created\":"); o.int(a.created.time)
        if let d = a.device { o.raw(",\"device\":"); o.hex(d.raw) }
        o.raw(",\"erased\":{\"at\":"); o.int(x.by.time)
        o.raw(",\"by\":"); o.hex(x.by.identity.raw)
        o.raw(",\"event\":"); o.hex(x.by.id); o.raw("}")
        o.raw(",\"id\":"); o.hex(a.id)
        o.raw(",\"lamport\":"); o.int(Int64(a.created.lamport))
        o.raw(",\"replies\":["); o.hexList(a.replies); o.raw("]")
        if let p = x.replyTo { o.raw(",\"replyTo\":"); o.hex(p) }
        o.raw("}")
        return o
    }

    /// The next `count` annotations, already written in canonical form and joined by commas.
    func annotations(joined: JSONBytes, count: Int) throws {
        precondition(!inArticles, "annotations come before articles")
        guard count > 0 else { return }
        if annotationCount > 0 { out.comma() }
        annotationCount += count
        out.bytes.append(contentsOf: joined.bytes)
        try flushIfFull()
    }

    /// The next annotation, already written (by the fast replay, say) in canonical form.
    func annotation(json: JSONBytes) throws {
        precondition(!inArticles, "annotations come before articles")
        if annotationCount > 0 { out.comma() }
        annotationCount += 1
        out.bytes.append(contentsOf: json.bytes)
        try flushIfFull()
    }

    /// The next article, by id.
    public func article(_ a: ArticleView) throws {
        if !inArticles { out.raw("],\"articles\":["); inArticles = true }
        if articleCount > 0 { out.comma() }
        articleCount += 1
        out.raw("{\"added\":"); out.int(a.added.time)
        out.raw(",\"addedBy\":"); out.hex(a.added.identity.raw)
        out.raw(",\"id\":"); out.hex(a.id)
        out.raw(",\"length\":"); out.int(Int64(a.length))
        if let r = a.revisedText { out.raw(",\"revisedText\":"); out.hex(r) }
        out.raw(",\"source\":"); out.string(a.source)
        out.raw(",\"title\":"); out.string(a.title)
        out.raw("}")
        try flushIfFull()
    }

    /// Ends the snapshot with the selection's devices (when it holds a device event), event
    /// count and heads; returns its hash.
    public func finish(events: Int, heads: [EventID], devices: DeviceMap = .empty, erasures: Int = 0) throws -> Hash32 {
        if !inArticles { out.raw("],\"articles\":["); inArticles = true }
        out.raw("]")
        let v2 = devices.eventCount + erasures > 0
        if v2 {
            out.raw(",\"devices\":[")
            for (i, d) in Snapshot.deviceRows(devices).enumerated() {
                if i > 0 { out.comma() }
                out.raw("{\"device\":"); out.hex(d.device.raw); out.raw(",\"identity\":"); out.hex(d.identity.raw)
                if let n = d.lastSeq { out.raw(",\"lastSeq\":"); out.int(Int64(n)) }
                if let l = d.linkedBy { out.raw(",\"linkedBy\":"); out.hex(l) }
                out.raw("}")
            }
            out.raw("]")
        }
        out.raw(",\"events\":"); out.int(Int64(events))
        out.raw(",\"format\":\"\(v2 ? Snapshot.formatWithDevices : Snapshot.format)\",\"heads\":["); out.hexList(heads.sorted()); out.raw("]}")
        try flush()
        return hasher.finish()
    }

    private func flushIfFull() throws { if out.bytes.count >= Self.chunk { try flush() } }
    private func flush() throws {
        guard !out.bytes.isEmpty else { return }
        hasher.update(out.bytes)
        try sink(out.bytes)
        out.bytes.removeAll(keepingCapacity: true)
    }
}
