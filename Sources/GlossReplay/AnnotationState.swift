import GlossCore

/// One annotation as replay has built it: where it points, who may change it, and its
/// registers (body, motivation, deleted) and tag set.
public struct AnnotationState: Sendable {
    public let id: EventID
    public let article: Hash32
    public let target: AnnotationTarget
    public let created: Stamp
    public let editors: [PublicKey]
    public var body: Register<String>
    public var motivation: Register<String>
    public var deleted: Register<Bool>
    public var tags: TagSet
    /// Replies, in the total order.
    public var replies: [EventID] = []
    /// Every effective event that touched it, in the total order (creation first).
    public var history: [Stamp]

    public var author: PublicKey { created.author }
    public var isDeleted: Bool { deleted.value }
    public var isReply: Bool { if case .reply = target { true } else { false } }
    public var selector: TextSelector? { if case .text(let s) = target { s } else { nil } }
    public var parent: EventID? { if case .reply(let p) = target { p } else { nil } }

    /// The latest stamp among its effective events: when it was last modified.
    public var modified: Stamp { history.last ?? created }

    init(_ p: AnnotationCreated, stamp: Stamp) {
        id = stamp.id; article = p.article; target = p.target; created = stamp; editors = p.editors
        body = Register(initial: p.body, stamp: stamp)
        motivation = Register(initial: p.motivation, stamp: stamp)
        deleted = Register(initial: false, stamp: stamp)
        tags = TagSet()
        tags.add(p.tags, by: stamp.id)
        history = [stamp]
    }

    /// Whether `key` may edit, tag, delete or restore this annotation.
    public func mayChange(_ key: PublicKey) -> Bool { key == author || editors.contains(key) }
}

/// An article as replay has built it. The first `article.added` of a text in the total order
/// gives its title and source.
public struct ArticleState: Sendable {
    public let id: Hash32
    public let title: String
    public let source: String
    public let text: String
    public let added: Stamp
}
