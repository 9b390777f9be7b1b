import GlossCore

/// Writes the canonical snapshot of Protocol/MERGE.md §11 as a stream: annotations in the total
/// order, then articles by id, then the counts, each piece handed to `sink` as it fills a
/// buffer and hashed on the way. Memory does not grow with the ledger: nothing but the buffer
/// is held. The bytes are those `JSON.serialized()` gives for the same state (tested).
///
/// Call `annotation` for each annotation in order, then `article` for each article in order,
/// then `finish`.
public final class SnapshotWriter {
    private var out: [UInt8] = []
    private let hasher = SHA256.Hasher()
    private let sink: ([UInt8]) throws -> Void
    private var annotationCount = 0
    private var articleCount = 0
    private var inArticles = false
    private static let chunk = 1 << 16

    /// `sink` receives the snapshot's bytes in order, in chunks; pass `{ _ in }` to only hash.
    public init(sink: @escaping ([UInt8]) throws -> Void) {
        self.sink = sink
        out.reserveCapacity(Self.chunk + 4096)
        raw("{\"annotations\":[")
    }

    /// The next annotation in the total order (of creation stamps).
    public func annotation(_ a: AnnotationView) throws {
        precondition(!inArticles, "annotations come before articles")
        if annotationCount > 0 { out.append(UInt8(ascii: ",")) }
        annotationCount += 1
        raw("{\"article\":"); hex(a.article)
        raw(",\"author\":"); hex(a.author.raw)
        raw(",\"body\":"); string(a.body)
        if !a.bodyConflicts.isEmpty {
            raw(",\"bodyConflicts\":[")
            for (i, v) in a.bodyConflicts.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                raw("{\"author\":"); hex(v.stamp.author.raw); raw(",\"body\":"); string(v.value)
                raw(",\"event\":"); hex(v.stamp.id); raw("}")
            }
            raw("]")
        }
        raw(",\"created\":"); int(a.created.time)
        raw(",\"deleted\":"); raw(a.isDeleted ? "true" : "false")
        raw(",\"editors\":["); hexList(a.editors.map(\.raw)); raw("]")
        raw(",\"id\":"); hex(a.id)
        raw(",\"lamport\":"); int(Int64(a.created.lamport))
        raw(",\"modified\":"); int(a.modified.time)
        raw(",\"motivation\":"); string(a.motivation)
        if !a.motivationConflicts.isEmpty {
            raw(",\"motivationConflicts\":[")
            for (i, v) in a.motivationConflicts.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                raw("{\"author\":"); hex(v.stamp.author.raw); raw(",\"event\":"); hex(v.stamp.id)
                raw(",\"motivation\":"); string(v.value); raw("}")
            }
            raw("]")
        }
        if let re = a.reanchored, !a.isReply { raw(",\"reanchored\":"); selector(re) }
        raw(",\"replies\":["); hexList(a.replies); raw("]")
        switch a.target {
        case .reply(let parent): raw(",\"replyTo\":"); hex(parent)
        case .text(let s): raw(",\"selector\":"); selector(s)
        }
        raw(",\"tags\":[")
        for (i, t) in a.tags.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            string(t)
        }
        raw("]}")
        try flushIfFull()
    }

    /// The next article, by id.
    public func article(_ a: ArticleView) throws {
        if !inArticles { raw("],\"articles\":["); inArticles = true }
        if articleCount > 0 { out.append(UInt8(ascii: ",")) }
        articleCount += 1
        raw("{\"added\":"); int(a.added.time)
        raw(",\"addedBy\":"); hex(a.added.author.raw)
        raw(",\"id\":"); hex(a.id)
        raw(",\"length\":"); int(Int64(a.length))
        if let r = a.revisedText { raw(",\"revisedText\":"); hex(r) }
        raw(",\"source\":"); string(a.source)
        raw(",\"title\":"); string(a.title)
        raw("}")
        try flushIfFull()
    }

    /// Ends the snapshot with the selection's event count and heads; returns its hash.
    public func finish(events: Int, heads: [EventID]) throws -> Hash32 {
        if !inArticles { raw("],\"articles\":["); inArticles = true }
        raw("],\"events\":"); int(Int64(events))
        raw(",\"format\":\"\(Snapshot.format)\",\"heads\":["); hexList(heads.sorted()); raw("]}")
        try flush()
        return hasher.finish()
    }

    private func flushIfFull() throws { if out.count >= Self.chunk { try flush() } }
    private func flush() throws {
        guard !out.isEmpty else { return }
        hasher.update(out)
        try sink(out)
        out.removeAll(keepingCapacity: true)
    }

    private func raw(_ s: StaticString) {
        s.withUTF8Buffer { out.append(contentsOf: $0) }
    }
    private func raw(_ s: String) { out.append(contentsOf: s.utf8) }
    private func hex(_ h: Hash32) {
        out.append(UInt8(ascii: "\""))
        h.appendHex(to: &out)
        out.append(UInt8(ascii: "\""))
    }
    private func hexList(_ list: [Hash32]) {
        for (i, h) in list.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            hex(h)
        }
    }
    private func int(_ v: Int64) { out.append(contentsOf: String(v).utf8) }
    private func string(_ s: String) { JSON.writeString(s, into: &out) }
    private func selector(_ s: TextSelector) {
        raw("{\"end\":"); int(Int64(s.end))
        raw(",\"exact\":"); string(s.exact)
        raw(",\"prefix\":"); string(s.prefix)
        raw(",\"start\":"); int(Int64(s.start))
        raw(",\"suffix\":"); string(s.suffix)
        raw("}")
    }
}
