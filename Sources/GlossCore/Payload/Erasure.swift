/// Annotation erased (kind 12): the payloads of `events` are to be removed from every ledger,
/// keeping their headers and signatures (EVENTS.md §7.13, MERGE.md §19). Names the annotation's
/// article (and parent, for a reply) so that a ledger holding only the erased creation's header
/// can still place it.
public struct AnnotationErased: Sendable, Equatable {
    public var annotation: EventID
    public var article: Hash32
    /// The annotation's parent when it is a reply.
    public var replyTo: EventID?
    /// The events whose payloads go: the creation and its author's own changes of it.
    /// Strictly ascending; contains `annotation`.
    public var events: [EventID]

    public static let maxEvents = 1024

    public init(annotation: EventID, article: Hash32, replyTo: EventID?, events: [EventID]) {
        self.annotation = annotation; self.article = article; self.replyTo = replyTo
        self.events = Array(Set(events + [annotation])).sorted()
    }

    func encode(into w: inout ByteWriter) throws(DecodeError) {
        guard events.count <= Self.maxEvents else { throw DecodeError(.oversize, "\(events.count) events, the limit is \(Self.maxEvents)") }
        w.raw(annotation.bytes); w.raw(article.bytes)
        if let replyTo { w.u8(1); w.raw(replyTo.bytes) } else { w.u8(0) }
        w.u16(UInt16(events.count))
        for e in events { w.raw(e.bytes) }
    }

    static func decode(_ r: inout ByteReader) throws(DecodeError) -> AnnotationErased {
        let annotation = try r.id("annotation")
        let article = try r.id("article")
        var replyTo: EventID?
        switch try r.u8("target kind") {
        case 0: break
        case 1: replyTo = try r.id("replyTo")
        case let k: throw DecodeError(.invalidField, "target kind \(k) is neither 0 (passage) nor 1 (reply)")
        }
        let n = Int(try r.u16("events count"))
        guard n >= 1 else { throw DecodeError(.invalidField, "an erasure names at least one event") }
        guard n <= maxEvents else { throw DecodeError(.oversize, "\(n) events, the limit is \(maxEvents)") }
        var events: [EventID] = []
        for i in 0..<n {
            let id = try r.id("events[\(i)]")
            if let last = events.last, !(last < id) { throw DecodeError(.nonCanonical, "events must be strictly ascending") }
            events.append(id)
        }
        guard events.contains(annotation) else { throw DecodeError(.invalidField, "the erased events must include the annotation's creation") }
        var e = AnnotationErased(annotation: annotation, article: article, replyTo: replyTo, events: [])
        e.events = events
        return e
    }
}
