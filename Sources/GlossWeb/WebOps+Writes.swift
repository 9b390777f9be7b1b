import Foundation
import GlossCore
import GlossLedger
import GlossReplay
import GlossStore

/// The API's changes: each checks like its `gloss` command, appends the user's own events in
/// one transaction, and returns what the page needs to show the result.
extension WebOps {
    static func annotate(_ l: Ledger, _ texts: WebLedger, _ r: WebRequests.NewAnnotation) throws -> JSON {
        let a = try view(l, r.article)
        let sel = try WebRequests.selector(start: r.start, end: r.end, exact: r.exact, prefix: r.prefix, suffix: r.suffix,
                                           article: try texts.text(of: a, l))
        let comment = try WebRequests.comment(r.comment)
        let created = AnnotationCreated(article: a.id, target: .text(sel), motivation: try WebRequests.motivation(r.motivation, comment: comment),
                                        body: comment ?? "", tags: try WebRequests.tags(r.tags))
        let e = try append(l, [.annotationCreated(created)])[0]
        return .object(["id": .string(e.id.hex)])
    }

    static func reply(_ l: Ledger, _ idHex: String, _ r: WebRequests.Comment) throws -> JSON {
        let parent = try annotationView(l, idHex)
        guard !r.comment.allSatisfy(\.isWhitespace) else { throw WebError.unprocessable("a reply needs some words: write them in comment") }
        guard let body = try WebRequests.comment(r.comment) else { throw WebError.unprocessable("a reply needs some words: write them in comment") }
        let reply = AnnotationCreated(article: parent.article, target: .reply(to: parent.id), motivation: "replying", body: body,
                                      tags: try WebRequests.tags(r.tags))
        let e = try append(l, [.annotationCreated(reply)])[0]
        return .object(["id": .string(e.id.hex)])
    }

    static func edit(_ l: Ledger, _ idHex: String, _ r: WebRequests.Comment) throws -> JSON {
        let a = try annotationView(l, idHex)
        try requireMayChange(l, a)
        let body = try WebRequests.comment(r.comment, allowEmpty: true) ?? ""
        let heads = try l.log.heads(of: a.id, .body)
        let seen = try r.seen.map { hex throws(WebError) in try WebRequests.ids(hex) }
        guard let p = try WebRequests.edit(a, heads: heads, body: body, seen: seen) else { return .object(["changed": .bool(false)]) }
        _ = try append(l, [p])
        return .object(["changed": .bool(true)])
    }

    static func tags(_ l: Ledger, _ idHex: String, _ r: WebRequests.Tags) throws -> JSON {
        let a = try annotationView(l, idHex)
        try requireMayChange(l, a)
        let add = try WebRequests.tags(r.add), remove = try WebRequests.tags(r.remove)
        guard Set(add).isDisjoint(with: remove) else { throw WebError.unprocessable("a tag cannot be added and removed at once") }
        let present = Set(a.tags)
        if let missing = remove.first(where: { !present.contains($0) }) { throw WebError.unprocessable("the annotation is not tagged \(missing.debugDescription)") }
        let newTags = add.filter { !present.contains($0) }
        guard !newTags.isEmpty || !remove.isEmpty else { return .object(["changed": .bool(false)]) }
        let pred = try remove.flatMap { try l.log.tagAdditions(a.id, tag: $0) }
        _ = try append(l, [.tagsChanged(TagsChanged(annotation: a.id, add: newTags, remove: remove, pred: pred))])
        return .object(["changed": .bool(true)])
    }

    static func setDeleted(_ l: Ledger, _ idHex: String, _ deleted: Bool) throws -> JSON {
        let a = try annotationView(l, idHex)
        try requireMayChange(l, a)
        guard a.isDeleted != deleted else { return .object(["changed": .bool(false)]) }
        let change = StateChange(annotation: a.id, pred: try l.log.heads(of: a.id, .deleted))
        _ = try append(l, [deleted ? .annotationDeleted(change) : .annotationRestored(change)])
        return .object(["changed": .bool(true)])
    }

    static func reanchor(_ l: Ledger, _ texts: WebLedger, _ idHex: String, _ r: WebRequests.Reanchor) throws -> JSON {
        let a = try annotationView(l, idHex)
        try requireMayChange(l, a)
        guard !a.isReply else { throw WebError.unprocessable("a reply has no passage to re-attach") }
        let sel = try WebRequests.selector(start: r.start, end: r.end, exact: r.exact, prefix: r.prefix, suffix: r.suffix,
                                           article: try texts.text(of: try view(l, a.article.hex), l))
        let heads = try l.log.heads(of: a.id, .reanchor)
        _ = try append(l, [.annotationReanchored(Reanchored(annotation: a.id, pred: heads, selector: sel))])
        return .object(["changed": .bool(true)])
    }

    static func addArticle(_ l: Ledger, _ r: WebRequests.NewArticle) throws -> JSON {
        var text = r.text
        if text.unicodeScalars.first == "\u{FEFF}" { text = String(text.unicodeScalars.dropFirst()) }
        guard !text.allSatisfy(\.isWhitespace) else { throw WebError.unprocessable("the text is empty: an article needs some text") }
        guard text.utf8.count <= EventLimits.maxPayload else {
            throw WebError(413, "the text is \(text.utf8.count) bytes; an article can be at most \(EventLimits.maxPayload): split it into parts")
        }
        let title = r.title.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 } ?? AuthoringRules.defaultTitle(text)
        let added = ArticleAdded(title: title, source: r.source ?? "web", text: text)
        if let existing = try l.log.article(added.articleID) {
            if try l.log.adders(of: existing.id).contains(l.identity()) {
                return .object(["id": .string(existing.id.hex), "added": .bool(false)])
            }
        }
        _ = try append(l, [.articleAdded(added)])
        return .object(["id": .string(added.articleID.hex), "added": .bool(true)])
    }

    static func search(_ l: Ledger, query: String, tag: String?, author: String?) throws -> JSON {
        // Written plainly: a denser form of this function crashed the Swift 6.3.1 optimiser
        // (an ownership verifier error under -O).
        var filter = SearchFilter()
        if let tag, !tag.isEmpty { filter.tag = tag }
        if let author, !author.isEmpty {
            guard author.allSatisfy(\.isHexDigit) else { throw WebError.badRequest("author: hex digits of a public key") }
            filter.authorPrefix = author.lowercased()
        }
        let hits = try l.log.search(query, filter: filter)
        var out: [JSON] = []
        for hit in hits {
            guard let a = try l.log.annotation(hit.annotation) else { continue }
            var o: [String: JSON] = ["id": .string(a.id.hex), "article": .string(a.article.hex), "author": .string(a.author.hex),
                                     "quote": .string(hit.quote), "comment": .string(hit.comment), "tags": .string(hit.tags)]
            if let parent = a.parent { o["replyTo"] = .string(parent.hex) } else { o["replyTo"] = .null }
            out.append(.object(o))
        }
        return .array(out)
    }

    /// The annotation's effective events in the total order, each with its kind and time.
    static func history(_ l: Ledger, _ idHex: String) throws -> JSON {
        let a = try annotationView(l, idHex)
        var out: [JSON] = []
        for stamp in try l.log.history(of: a.id) {
            guard let e = try l.log.event(stamp.id), let p = try? e.payload() else { continue }
            var o: [String: JSON] = ["event": .string(stamp.id.hex), "author": .string(stamp.author.hex), "time": .int(stamp.time),
                                     "kind": .string(PayloadKind.name(p.kindNumber))]
            switch p {
            case .annotationCreated(let c): o["body"] = .string(c.body)
            case .bodyEdited(let b): o["body"] = .string(b.body)
            case .motivationChanged(let m): o["motivation"] = .string(m.motivation)
            case .tagsChanged(let t): o["add"] = .array(t.add.map { .string($0) }); o["remove"] = .array(t.remove.map { .string($0) })
            case .annotationReanchored(let r): o["exact"] = .string(r.selector.exact)
            default: break
            }
            out.append(.object(o))
        }
        return .array(out)
    }
}
