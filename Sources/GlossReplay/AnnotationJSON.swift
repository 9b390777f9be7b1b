import GlossCore

extension AnnotationView {
    /// The annotation as a JSON object, as snapshots and `gloss list --json` carry it.
    /// Every field is a function of the set of events (Protocol/MERGE.md §Snapshot).
    public var json: JSON {
        if let x = erasure {
            var o: [String: JSON] = [
                "id": .string(id.hex), "article": .string(article.hex), "author": .string(author.hex),
                "created": .int(created.time), "lamport": .int(Int64(created.lamport)),
                "replies": .array(replies.map { .string($0.hex) }),
                "erased": .object(["at": .int(x.by.time), "by": .string(x.by.identity.hex), "event": .string(x.by.id.hex)]),
            ]
            if let d = device { o["device"] = .string(d.hex) }
            if let p = x.replyTo { o["replyTo"] = .string(p.hex) }
            return .object(o)
        }
        func selector(_ s: TextSelector) -> JSON {
            .object(["exact": .string(s.exact), "prefix": .string(s.prefix), "suffix": .string(s.suffix),
                     "start": .int(Int64(s.start)), "end": .int(Int64(s.end))])
        }
        var o: [String: JSON] = [
            "id": .string(id.hex),
            "article": .string(article.hex),
            "author": .string(author.hex),
            "created": .int(created.time),
            "modified": .int(modified.time),
            "lamport": .int(Int64(created.lamport)),
            "motivation": .string(motivation),
            "body": .string(body),
            "tags": .array(tags.map { .string($0) }),
            "deleted": .bool(isDeleted),
            "replies": .array(replies.map { .string($0.hex) }),
            "editors": .array(editors.map { .string($0.hex) }),
        ]
        if let d = device { o["device"] = .string(d.hex) }
        switch target {
        case .text(let s): o["selector"] = selector(s)
        case .reply(let parent): o["replyTo"] = .string(parent.hex)
        }
        if let re = reanchored, !isReply { o["reanchored"] = selector(re) }
        if !bodyConflicts.isEmpty {
            o["bodyConflicts"] = .array(bodyConflicts.map { .object(["body": .string($0.value), "author": .string($0.stamp.identity.hex), "event": .string($0.stamp.id.hex)]) })
        }
        if !motivationConflicts.isEmpty {
            o["motivationConflicts"] = .array(motivationConflicts.map { .object(["motivation": .string($0.value), "author": .string($0.stamp.identity.hex), "event": .string($0.stamp.id.hex)]) })
        }
        return .object(o)
    }
}

extension AnnotationState {
    /// The annotation as a JSON object (see `AnnotationView.json`).
    public var json: JSON { view.json }
}
