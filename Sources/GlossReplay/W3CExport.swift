import GlossCore

/// The W3C Web Annotation Data Model form of a ledger's annotations: an `AnnotationCollection`
/// in JSON-LD with one page holding every live (not deleted) annotation.
/// What the model cannot carry: editors, deleted annotations, and concurrent versions that lost.
public enum W3C {
    public static let context = "http://www.w3.org/ns/anno.jsonld"
    public static let annotationIRIPrefix = "urn:gloss:annotation:"
    public static let authorIRIPrefix = "urn:gloss:author:"
    public static let articleIRIPrefix = "urn:sha256:"

    public static func collection(_ state: LedgerState, article: Hash32? = nil) -> JSON {
        // Deleted annotations are left out, and so are replies whose thread lost its parent:
        // every reply in the file points at an item of the file, so the file imports anywhere.
        let live = state.annotations(of: article)
        var kept: Set<EventID> = []
        for a in live {
            if let parent = a.parent, !kept.contains(parent) { continue }
            kept.insert(a.id)
        }
        let items = live.filter { kept.contains($0.id) }.map(annotation)
        return .object([
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

    public static func annotation(_ a: AnnotationState) -> JSON {
        var bodies: [JSON] = []
        if !a.body.value.isEmpty {
            bodies.append(.object([
                "type": .string("TextualBody"), "value": .string(a.body.value), "format": .string("text/plain"),
                "purpose": .string(a.isReply ? "replying" : "commenting"),
            ]))
        }
        for t in a.tags.tags {
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
            "motivation": .string(a.motivation.value),
            "creator": .object(["id": .string(authorIRIPrefix + a.author.hex), "type": .string("Person")]),
            "created": .string(Timestamp.iso8601(a.created.time)),
            "modified": .string(Timestamp.iso8601(a.modified.time)),
            "target": target,
        ]
        if !bodies.isEmpty { o["body"] = .array(bodies) }
        return .object(o)
    }
}
