import Foundation
import GlossCore

/// The JSON form of Protocol/vectors/events.json. Field names are the spec's (Protocol/EVENTS.md).
struct VectorFile: Codable {
    var format: String
    var domainTag: String
    var valid: [ValidVector]
    var invalid: [InvalidVector]
    /// Valid events in their erased form (EVENTS.md §8.4).
    var erased: [ErasedVector]
}

/// An event of `valid` as an erased event: header ‖ signature, the same id and signature.
struct ErasedVector: Codable {
    var name: String
    var id: String
    var eventHex: String
    var erasedHex: String
}

struct ValidVector: Codable {
    var name: String
    /// Ed25519 private seed (RFC 8032), hex.
    var seed: String
    var publicKey: String
    var header: HeaderFields
    var payload: PayloadFields
    var payloadHex: String
    var headerHex: String
    var id: String
    var signature: String
    var eventHex: String
}

struct HeaderFields: Codable, Equatable {
    var seq: UInt64
    var prev: String?
    var lamport: UInt64
    var time: Int64
    var deps: [String]
}

/// A payload with every field any kind uses; `kind` says which apply.
struct PayloadFields: Codable, Equatable {
    var kind: String
    var title: String?, source: String?, text: String?
    var article: String?
    var target: String?  // "text" or "reply"
    var exact: String?, prefix: String?, suffix: String?
    var start: UInt32?, end: UInt32?
    var replyTo: String?
    var motivation: String?, body: String?
    var tags: [String]?, editors: [String]?
    var annotation: String?, pred: [String]?
    var add: [String]?, remove: [String]?
    var bodyHex: String?  // unknown kinds
    var identity: String?, device: String?, consent: String?, lastSeq: UInt64?  // device kinds
    var events: [String]?  // annotation.erased (with annotation, article, target, replyTo)

    init(kind: String) { self.kind = kind }

    init(_ p: Payload) {
        kind = PayloadKind.name(p.kindNumber)
        switch p {
        case .articleAdded(let a): title = a.title; source = a.source; text = a.text
        case .annotationCreated(let a):
            article = a.article.hex
            switch a.target {
            case .text(let s): target = "text"; exact = s.exact; prefix = s.prefix; suffix = s.suffix; start = s.start; end = s.end
            case .reply(let r): target = "reply"; replyTo = r.hex
            }
            motivation = a.motivation; body = a.body; tags = a.tags; editors = a.editors.map(\.hex)
        case .bodyEdited(let e): annotation = e.annotation.hex; pred = e.pred.map(\.hex); body = e.body
        case .motivationChanged(let e): annotation = e.annotation.hex; pred = e.pred.map(\.hex); motivation = e.motivation
        case .tagsChanged(let t): annotation = t.annotation.hex; add = t.add; remove = t.remove; pred = t.pred.map(\.hex)
        case .annotationDeleted(let s), .annotationRestored(let s): annotation = s.annotation.hex; pred = s.pred.map(\.hex)
        case .articleRevised(let r): article = r.article.hex; pred = r.pred.map(\.hex); text = r.text
        case .annotationReanchored(let r):
            annotation = r.annotation.hex; pred = r.pred.map(\.hex)
            exact = r.selector.exact; prefix = r.selector.prefix; suffix = r.selector.suffix; start = r.selector.start; end = r.selector.end
        case .deviceLinked(let l): identity = l.identity.hex; device = l.device.hex; consent = Hex.encode(l.consent)
        case .deviceRevoked(let r): identity = r.identity.hex; device = r.device.hex; lastSeq = r.lastSeq
        case .annotationErased(let x):
            annotation = x.annotation.hex; article = x.article.hex; events = x.events.map(\.hex)
            if let p = x.replyTo { target = "reply"; replyTo = p.hex } else { target = "text" }
        case .unknown(_, let body): bodyHex = Hex.encode(body)
        }
    }

    struct Missing: Error { let field: String }

    func payload() throws -> Payload {
        func h(_ s: String?, _ f: String) throws -> Hash32 { guard let s, let v = Hash32(hex: s) else { throw Missing(field: f) }; return v }
        func ids(_ a: [String]?) throws -> [EventID] { try (a ?? []).map { try h($0, "pred") } }
        switch kind {
        case "article.added": return .articleAdded(ArticleAdded(title: title ?? "", source: source ?? "", text: text ?? ""))
        case "annotation.created":
            let t: AnnotationTarget = target == "reply"
                ? .reply(to: try h(replyTo, "replyTo"))
                : .text(TextSelector(exact: exact ?? "", prefix: prefix ?? "", suffix: suffix ?? "", start: start ?? 0, end: end ?? 0))
            return .annotationCreated(AnnotationCreated(article: try h(article, "article"), target: t, motivation: motivation ?? "",
                                                        body: body ?? "", tags: tags ?? [],
                                                        editors: try (editors ?? []).map { PublicKey(try h($0, "editors")) }))
        case "body.edited": return .bodyEdited(BodyEdited(annotation: try h(annotation, "annotation"), pred: try ids(pred), body: body ?? ""))
        case "motivation.changed": return .motivationChanged(MotivationChanged(annotation: try h(annotation, "annotation"), pred: try ids(pred), motivation: motivation ?? ""))
        case "tags.changed": return .tagsChanged(TagsChanged(annotation: try h(annotation, "annotation"), add: add ?? [], remove: remove ?? [], pred: try ids(pred)))
        case "annotation.deleted": return .annotationDeleted(StateChange(annotation: try h(annotation, "annotation"), pred: try ids(pred)))
        case "annotation.restored": return .annotationRestored(StateChange(annotation: try h(annotation, "annotation"), pred: try ids(pred)))
        case "article.revised": return .articleRevised(ArticleRevised(article: try h(article, "article"), pred: try ids(pred), text: text ?? ""))
        case "annotation.reanchored":
            return .annotationReanchored(Reanchored(annotation: try h(annotation, "annotation"), pred: try ids(pred),
                                                    selector: TextSelector(exact: exact ?? "", prefix: prefix ?? "", suffix: suffix ?? "", start: start ?? 0, end: end ?? 0)))
        case "device.linked":
            guard let c = Hex.decode(consent ?? "") else { throw Missing(field: "consent") }
            return .deviceLinked(DeviceLinked(identity: PublicKey(try h(identity, "identity")), device: PublicKey(try h(device, "device")), consent: c))
        case "annotation.erased":
            return .annotationErased(AnnotationErased(annotation: try h(annotation, "annotation"), article: try h(article, "article"),
                                                      replyTo: target == "reply" ? try h(replyTo, "replyTo") : nil,
                                                      events: try (events ?? []).map { try h($0, "events") }))
        case "device.revoked":
            return .deviceRevoked(DeviceRevoked(identity: PublicKey(try h(identity, "identity")), device: PublicKey(try h(device, "device")), lastSeq: lastSeq ?? 0))
        default:
            guard kind.hasPrefix("kind."), let n = UInt16(kind.dropFirst(5)), let body = Hex.decode(bodyHex ?? "") else { throw Missing(field: "kind") }
            return .unknown(kind: n, body: body)
        }
    }
}

/// An event that must be refused, and with which error code. `stored` are events (hex) a
/// ledger holds first, for the chain and causality rules.
struct InvalidVector: Codable {
    var name: String
    var eventHex: String
    /// The id claimed for it (as a peer would send), when the vector tests the id check.
    var claimedID: String?
    var stored: [String]
    /// A DecodeError or StoreError code of Protocol/EVENTS.md.
    var error: String
    var why: String
}

enum Vectors {
    /// Protocol/vectors/events.json, found from this source file.
    static var url: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Protocol/vectors/events.json")
    }
}
