import GlossCore

extension AnnotationState {
    /// The annotation as a JSON object, as snapshots and `gloss list --json` carry it.
    /// Every field is a function of the set of events (Protocol/MERGE.md §Snapshot).
    public var json: JSON {
        var o: [String: JSON] = [
            "id": .string(id.hex),
            "article": .string(article.hex),
            "author": .string(author.hex),
            "created": .int(created.time),
            "modified": .int(modified.time),
            "lamport": .int(Int64(created.lamport)),
            "motivation": .string(motivation.value),
            "body": .string(body.value),
            "tags": .array(tags.tags.map { .string($0) }),
            "deleted": .bool(isDeleted),
            "replies": .array(replies.map { .string($0.hex) }),
            "editors": .array(editors.map { .string($0.hex) }),
        ]
        switch target {
        case .text(let s):
            o["selector"] = .object([
                "exact": .string(s.exact), "prefix": .string(s.prefix), "suffix": .string(s.suffix),
                "start": .int(Int64(s.start)), "end": .int(Int64(s.end)),
            ])
        case .reply(let parent):
            o["replyTo"] = .string(parent.hex)
        }
        if let re = reanchors?.value {
            o["reanchored"] = .object([
                "exact": .string(re.exact), "prefix": .string(re.prefix), "suffix": .string(re.suffix),
                "start": .int(Int64(re.start)), "end": .int(Int64(re.end)),
            ])
        }
        let c = body.conflicts
        if !c.isEmpty {
            o["bodyConflicts"] = .array(c.map { .object(["body": .string($0.value), "author": .string($0.stamp.author.hex), "event": .string($0.stamp.id.hex)]) })
        }
        let m = motivation.conflicts
        if !m.isEmpty {
            o["motivationConflicts"] = .array(m.map { .object(["motivation": .string($0.value), "author": .string($0.stamp.author.hex), "event": .string($0.stamp.id.hex)]) })
        }
        return .object(o)
    }
}
