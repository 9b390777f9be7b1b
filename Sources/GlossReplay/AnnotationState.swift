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
    /// Selectors set by hand (`gloss reanchor`); empty until one is.
    public var reanchors: Register<TextSelector>?
    /// Replies, in the total order.
    public internal(set) var replyStamps: [Stamp] = []
    /// Every effective event that touched it, in the total order (creation first).
    public internal(set) var history: [Stamp]
    /// Set when it was erased (MERGE.md §19): only its place, author, time and replies remain.
    public internal(set) var erasure: ErasureMap.Erased?

    public var replies: [EventID] { replyStamps.map(\.id) }

    /// Keeps a list in the total order whatever order events arrive in.
    static func insertSorted(_ s: Stamp, into list: inout [Stamp]) {
        guard !list.contains(s) else { return }
        var i = list.count
        while i > 0 && s < list[i - 1] { i -= 1 }
        list.insert(s, at: i)
    }
    mutating func addReply(_ s: Stamp) { Self.insertSorted(s, into: &replyStamps) }
    mutating func addHistory(_ s: Stamp) { Self.insertSorted(s, into: &history) }

    /// Who wrote it: the identity of the device that signed the creation.
    public var author: PublicKey { created.identity }
    public var isDeleted: Bool { deleted.value }
    public var isReply: Bool { if case .reply = target { true } else { false } }
    /// The selector in force: the latest set by hand, else the one it was created with.
    public var selector: TextSelector? {
        if let r = reanchors { return r.value }
        if case .text(let s) = target { return s }
        return nil
    }
    public var parent: EventID? { if case .reply(let p) = target { p } else { nil } }

    /// The latest stamp among its effective events: when it was last modified.
    public var modified: Stamp { history.last ?? created }

    init(id: EventID, article: Hash32, target: AnnotationTarget, created: Stamp, editors: [PublicKey],
         body: Register<String>, motivation: Register<String>, deleted: Register<Bool>, tags: TagSet,
         replyStamps: [Stamp], history: [Stamp]) {
        self.id = id; self.article = article; self.target = target; self.created = created; self.editors = editors
        self.body = body; self.motivation = motivation; self.deleted = deleted; self.tags = tags
        self.replyStamps = replyStamps; self.history = history
    }

    init(_ p: AnnotationCreated, stamp: Stamp) {
        id = stamp.id; article = p.article; target = p.target; created = stamp; editors = p.editors
        body = Register(initial: p.body, stamp: stamp)
        motivation = Register(initial: p.motivation, stamp: stamp)
        deleted = Register(initial: false, stamp: stamp)
        tags = TagSet()
        tags.add(p.tags, by: stamp.id)
        history = [stamp]
    }

    /// An erased annotation: where its erasure places it, who made it and when (from its
    /// creation's header), and nothing of its payload.
    init(erased id: EventID, _ x: ErasureMap.Erased, stamp: Stamp) {
        self.id = id; article = x.article; created = stamp; editors = []
        target = x.replyTo.map { .reply(to: $0) } ?? .text(.erased)
        body = Register(initial: "", stamp: stamp)
        motivation = Register(initial: "", stamp: stamp)
        deleted = Register(initial: false, stamp: stamp)
        tags = TagSet()
        history = [stamp]
        erasure = x
    }

    mutating func modify(_ body: (inout AnnotationState) -> Void) { body(&self) }

    /// Whether `identity` may edit, tag, delete or restore this annotation: its author's
    /// identity, or the identity of a key it names as an editor (MERGE.md §4, §18).
    public func mayChange(_ identity: PublicKey, devices: DeviceMap) -> Bool {
        identity == author || editors.contains { devices.identity(of: $0) == identity }
    }
}

/// An article as replay has built it. The first `article.added` of a text in the total order
/// gives its title and source; revisions by the one who added it change its text.
public struct ArticleState: Sendable {
    public let id: Hash32
    public let title: String
    public let source: String
    /// The text it was added with (its id is the SHA-256 of this).
    public let originalText: String
    public let added: Stamp
    /// The identity of everyone who added this text: each of them may revise it.
    public internal(set) var adders: Set<PublicKey>
    /// Every `article.revised` of it, effective or not: whether one counts depends only on
    /// whether its author is among `adders`, which any order of arrival agrees on.
    var revisionWrites: [EventID: RevisionWrite] = [:]

    struct RevisionWrite: Sendable {
        let stamp: Stamp
        let text: String
        let pred: [EventID]
    }

    public init(id: Hash32, title: String, source: String, text: String, added: Stamp) {
        self.id = id; self.title = title; self.source = source; originalText = text; self.added = added
        adders = [added.identity]
    }

    /// The effective revisions (by someone who added the text) as a register; nil when none.
    public var revisions: Register<String>? {
        let effective = revisionWrites.values.filter { adders.contains($0.stamp.identity) }
        guard !effective.isEmpty else { return nil }
        var r = Register<String>(writes: [:], replaced: [])
        for w in effective { r.write(w.text, stamp: w.stamp, pred: w.pred) }
        return r
    }

    /// Revisions whose author never added this text: they have no effect.
    public var ineffectiveRevisions: [EventID] {
        revisionWrites.values.filter { !adders.contains($0.stamp.identity) }.map(\.stamp.id)
    }

    /// The current text: the winning revision, else the text it was added with.
    public var text: String { revisions?.value ?? originalText }
    public var isRevised: Bool { revisions != nil }
}
