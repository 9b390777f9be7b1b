import GlossCore

/// The W3C Web Annotation Data Model form of a ledger's annotations: an `AnnotationCollection`
/// in JSON-LD with one page holding every live (not deleted) annotation.
/// What the model cannot carry: editors, deleted annotations, and concurrent versions that lost.
public enum W3C {
    public static let context = "http://www.w3.org/ns/anno.jsonld"
    public static let annotationIRIPrefix = "urn:gloss:annotation:"
    public static let authorIRIPrefix = "urn:gloss:author:"
    public static let articleIRIPrefix = "urn:sha256:"

    /// The collection of `state`'s live annotations (of one article when given), as one value.
    public static func collection(_ state: LedgerState, article: Hash32? = nil) -> JSON {
        var items: [JSON] = []
        var kept = KeptThreads()
        for a in state.annotations(of: article) where kept.keep(a.view) { items.append(annotation(a.view)) }
        return collection(items)
    }

    static func collection(_ items: [JSON]) -> JSON {
        .object([
            "@context": .string(context),
            "type": .string("AnnotationCollection"),
            "label": .string("Gloss annotations"),
            "total": .int(Int64(items.count)),
            "first": .object([
                "type": .string("AnnotationPage"),
                "startIndex": .int(0),
                "items": .array(items),
            ]),
        ])
    }

    /// Which live annotations go into a collection, fed in the total order: deleted ones are
    /// left out, and so are replies whose thread lost its parent, so every reply in the file
    /// points at an item of the file and the file imports anywhere.
    public struct KeptThreads {
        private var kept: Set<EventID> = []
        public init() {}
        public mutating func keep(_ a: AnnotationView) -> Bool {
            if a.isDeleted { return false }
            if let parent = a.parent, !kept.contains(parent) { return false }
            kept.insert(a.id)
            return true
        }
    }

    /// Writes the collection pretty-printed, item by item, as `collection(...).serialized(pretty: true)`
    /// would: `items` calls its argument with each live annotation in the total order.
    public static func write(items: ((AnnotationView) throws -> Void) throws -> Void, to sink: @escaping (String) throws -> Void) throws {
        try sink("{\n  \"@context\": \"\(context)\",\n  \"first\": {\n    \"items\": [")
        var kept = KeptThreads()
        var count = 0
        try items { a in
            guard kept.keep(a) else { return }
            try sink((count == 0 ? "\n      " : ",\n      ") + annotation(a).serialized(pretty: true, indent: 3))
            count += 1
        }
        try sink((count == 0 ? "]" : "\n    ]") + ",\n    \"startIndex\": 0,\n    \"type\": \"AnnotationPage\"\n  },\n  \"label\": \"Gloss annotations\",\n  \"total\": \(count),\n  \"type\": \"AnnotationCollection\"\n}")
    }

    public static func annotation(_ a: AnnotationView) -> JSON {
        if let x = a.erasure {
            // Erased (MERGE.md §19): where it was and who erased it when; nothing of its text.
            return .object([
                "id": .string(annotationIRIPrefix + a.id.hex),
                "type": .string("Annotation"),
                "creator": .object(["id": .string(authorIRIPrefix + a.author.hex), "type": .string("Person")]),
                "created": .string(Timestamp.iso8601(a.created.time)),
                "target": .string(x.replyTo.map { annotationIRIPrefix + $0.hex } ?? articleIRIPrefix + a.article.hex),
                "gloss:erased": .object(["by": .string(authorIRIPrefix + x.by.identity.hex), "at": .string(Timestamp.iso8601(x.by.time))]),
            ])
        }
        var bodies: [JSON] = []
        if !a.body.isEmpty {
            bodies.append(.object([
                "type": .string("TextualBody"), "value": .string(a.body), "format": .string("text/plain"),
                "purpose": .string(a.isReply ? "replying" : "commenting"),
            ]))
        }
        for t in a.tags {
            bodies.append(.object(["type": .string("TextualBody"), "value": .string(t), "purpose": .string("tagging")]))
        }
        let target: JSON
        switch a.target {
        case .text(let original):
            let s = a.selector ?? original
            target = .object([
                "source": .string(articleIRIPrefix + a.article.hex),
                "selector": .array([
                    .object(["type": .string("TextQuoteSelector"), "exact": .string(s.exact),
                             "prefix": .string(s.prefix), "suffix": .string(s.suffix)]),
                    .object(["type": .string("TextPositionSelector"), "start": .int(Int64(s.start)), "end": .int(Int64(s.end))]),
                ]),
            ])
        case .reply(let parent):
            target = .string(annotationIRIPrefix + parent.hex)
        }
        var o: [String: JSON] = [
            "id": .string(annotationIRIPrefix + a.id.hex),
            "type": .string("Annotation"),
            "motivation": .string(a.motivation),
            "creator": .object(["id": .string(authorIRIPrefix + a.author.hex), "type": .string("Person")]),
            "created": .string(Timestamp.iso8601(a.created.time)),
            "modified": .string(Timestamp.iso8601(a.modified.time)),
            "target": target,
        ]
        if !bodies.isEmpty { o["body"] = .array(bodies) }
        return .object(o)
    }
}
