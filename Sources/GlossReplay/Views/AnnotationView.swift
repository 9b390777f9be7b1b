import GlossCore

/// One version of a register as a reader sees it: the value, and the write that set it.
public struct RegisterVersion<Value: Sendable>: Sendable {
    public let value: Value
    public let stamp: Stamp
    public init(value: Value, stamp: Stamp) { self.value = value; self.stamp = stamp }
}

/// An annotation as commands, renderers and the snapshot read it: every field of its state
/// (Protocol/MERGE.md §11.4), whether it came from the SQLite projection or from a replay.
public struct AnnotationView: Sendable {
    public let id: EventID
    public let article: Hash32
    public let created: Stamp
    /// The greatest stamp of its history (§7).
    public let modified: Stamp
    public let target: AnnotationTarget
    public let editors: [PublicKey]
    public let motivation: String
    /// The motivation register's live versions, greatest stamp first, when there is more than
    /// one (a conflict); empty otherwise.
    public let motivationLive: [RegisterVersion<String>]
    public let body: String
    /// The body register's live versions, greatest first, when they conflict; empty otherwise.
    public let bodyLive: [RegisterVersion<String>]
    public let isDeleted: Bool
    /// Tags present, by UTF-8 bytes.
    public let tags: [String]
    /// Replies, in the total order (deleted ones included).
    public let replies: [EventID]
    /// The winning hand-set selector (`gloss reanchor`), if any.
    public let reanchored: TextSelector?
    /// The other hand-set selectors it has had (replaced or concurrent), greatest stamp first:
    /// anchoring tries them after the one in force (Protocol/MERGE.md §17).
    public let earlierReanchors: [TextSelector]
    /// Set when it was erased (MERGE.md §19): then it has no body, selector, tags or editors.
    public let erasure: ErasureMap.Erased?

    public init(id: EventID, article: Hash32, created: Stamp, modified: Stamp, target: AnnotationTarget,
                editors: [PublicKey], motivation: String, motivationLive: [RegisterVersion<String>],
                body: String, bodyLive: [RegisterVersion<String>], isDeleted: Bool, tags: [String],
                replies: [EventID], reanchored: TextSelector?, earlierReanchors: [TextSelector] = [],
                erasure: ErasureMap.Erased? = nil) {
        self.id = id; self.article = article; self.created = created; self.modified = modified
        self.target = target; self.editors = editors; self.motivation = motivation
        self.motivationLive = motivationLive.count > 1 ? motivationLive : []
        self.body = body; self.bodyLive = bodyLive.count > 1 ? bodyLive : []
        self.isDeleted = isDeleted; self.tags = tags; self.replies = replies; self.reanchored = reanchored
        self.earlierReanchors = earlierReanchors
        self.erasure = erasure
    }

    public var isErased: Bool { erasure != nil }

    /// Who wrote it: the identity of the device that signed the creation (MERGE.md §18).
    public var author: PublicKey { created.identity }
    /// The device that signed the creation, when it is not the identity itself.
    public var device: PublicKey? { created.device }
    public var isReply: Bool { if case .reply = target { true } else { false } }
    public var parent: EventID? { if case .reply(let p) = target { p } else { nil } }
    /// The selector it was created with (nil for a reply).
    public var createdSelector: TextSelector? { if case .text(let s) = target, erasure == nil { s } else { nil } }
    /// The selector in force: the hand-set one when there is one, else the creation's.
    public var selector: TextSelector? { reanchored ?? createdSelector }
    /// Every selector it has had, newest first, each once: the order anchoring tries them in.
    public var selectorsNewestFirst: [TextSelector] {
        var out: [TextSelector] = []
        for s in [reanchored].compactMap({ $0 }) + earlierReanchors + [createdSelector].compactMap({ $0 }) where !out.contains(s) {
            out.append(s)
        }
        return out
    }
    /// Concurrent versions of the comment that lost to the one shown.
    public var bodyConflicts: ArraySlice<RegisterVersion<String>> { bodyLive.dropFirst() }
    public var motivationConflicts: ArraySlice<RegisterVersion<String>> { motivationLive.dropFirst() }
    public var hasConflict: Bool { !bodyLive.isEmpty }

    /// Whether `identity` may edit, tag, delete or restore it: its author, or the identity of a
    /// key it names as an editor (MERGE.md §4, §18).
    public func mayChange(_ identity: PublicKey, devices: DeviceMap) -> Bool {
        identity == author || editors.contains { devices.identity(of: $0) == identity }
    }
}

/// An article as commands and the snapshot read it (§11.3), without its text.
public struct ArticleView: Sendable {
    public let id: Hash32
    public let title: String
    public let source: String
    /// The first `article.added` of its text in the total order.
    public let added: Stamp
    /// Code points of the current text.
    public let length: Int
    /// SHA-256 of the current text once a revision took effect; nil when not revised.
    public let revisedText: Hash32?

    public init(id: Hash32, title: String, source: String, added: Stamp, length: Int, revisedText: Hash32?) {
        self.id = id; self.title = title; self.source = source; self.added = added
        self.length = length; self.revisedText = revisedText
    }

    public var isRevised: Bool { revisedText != nil }
}

extension AnnotationState {
    /// This annotation as a reader sees it.
    public var view: AnnotationView {
        func live<V>(_ r: Register<V>) -> [RegisterVersion<V>] { r.live.map { RegisterVersion(value: $0.value, stamp: $0.stamp) } }
        return AnnotationView(id: id, article: article, created: created, modified: modified, target: target,
                              editors: editors, motivation: motivation.value, motivationLive: live(motivation),
                              body: body.value, bodyLive: live(body), isDeleted: isDeleted, tags: tags.tags,
                              replies: replies, reanchored: reanchors?.value, erasure: erasure)
    }
}

extension ArticleState {
    /// This article as a reader sees it.
    public var view: ArticleView {
        ArticleView(id: id, title: title, source: source, added: added, length: text.unicodeScalars.count,
                    revisedText: isRevised ? SHA256.hash(Array(text.utf8)) : nil)
    }
}
