import Foundation
import GlossCore

/// Reads a W3C Web Annotation collection (or page, or array, or single annotation) into
/// annotation payloads for this ledger. Ids, creators and times in the file are not kept: the
/// imported annotations are new events signed by the importer.
public enum W3CImport {
    /// One annotation to create. `parent` is the key of another item in the file, or an
    /// annotation already in the ledger; the payload is built once the parent's id is known.
    public struct Item: Sendable {
        public let key: String
        public let parentKey: String?
        public let parentInLedger: EventID?
        public let article: Hash32
        public let selector: TextSelector?
        public let motivation: String
        public let body: String
        public let tags: [String]

        public func payload(parent: EventID?) -> Payload {
            let target: AnnotationTarget = selector.map { .text($0) } ?? .reply(to: parent ?? .zero)
            return .annotationCreated(AnnotationCreated(article: article, target: target, motivation: motivation,
                                                        body: body, tags: tags))
        }
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
        init(_ d: String) { description = d }
    }

    /// What an import needs to know of the ledger it goes into.
    public protocol Ledger {
        /// The current text of article `id`, or nil when the ledger has no such article.
        func articleText(_ id: Hash32) -> String?
        /// The article (first in the total order) whose `source` is `source`.
        func article(withSource source: String) -> Hash32?
        /// The article of annotation `id` (deleted or not), or nil when there is none.
        func articleOfAnnotation(_ id: EventID) -> Hash32?
    }

    /// Parses `data`, parents before their replies. `state` resolves articles and existing
    /// annotations.
    public static func items(_ data: [UInt8], state: some Ledger) throws(Failure) -> [Item] {
        guard let root = try? JSONSerialization.jsonObject(with: Data(data)) else {
            throw Failure("the file is not JSON: expected a W3C AnnotationCollection in JSON-LD")
        }
        let raw = annotations(in: root)
        guard !raw.isEmpty else { throw Failure("no annotations found: expected an AnnotationCollection whose first page has items, or Annotation objects") }
        let keys = Set(raw.enumerated().map { key($0.element, $0.offset) })
        var items: [Item] = []
        // An erased annotation (Gloss's `gloss:erased`, MERGE.md §19) has nothing left to import.
        for (i, obj) in raw.enumerated() where obj["gloss:erased"] == nil {
            items.append(try item(obj, index: i, keys: keys, state: state))
        }
        return try parentsFirst(items)
    }

    static func annotations(in root: Any) -> [[String: Any]] {
        if let array = root as? [Any] { return array.flatMap(annotations) }
        guard let o = root as? [String: Any] else { return [] }
        let type = (o["type"] as? String) ?? ((o["type"] as? [String])?.first ?? "")
        switch type {
        case "AnnotationCollection":
            var out: [[String: Any]] = []
            var page = o["first"]
            while let p = page as? [String: Any] {
                out += annotations(in: p)
                page = p["next"] as? [String: Any]
            }
            if let items = o["items"] { out += annotations(in: items) }
            return out
        case "AnnotationPage":
            return annotations(in: o["items"] ?? [])
        case "Annotation":
            return [o]
        default:
            return []
        }
    }

    static func key(_ o: [String: Any], _ i: Int) -> String { (o["id"] as? String) ?? "#\(i + 1)" }

    static func item(_ o: [String: Any], index i: Int, keys: Set<String>, state: some Ledger) throws(Failure) -> Item {
        let name = "annotation \(i + 1) (\(key(o, i)))"
        var comments: [String] = []
        var tags: [String] = []
        let bodies: [Any] = (o["body"] as? [Any]) ?? (o["body"].map { [$0] } ?? [])
        for b in bodies {
            if let s = b as? String { comments.append(s); continue }
            guard let b = b as? [String: Any], let value = b["value"] as? String else {
                throw Failure("\(name): a body is not a TextualBody with a value; only textual bodies can be imported")
            }
            if (b["purpose"] as? String) == "tagging" { tags.append(value) } else { comments.append(value) }
        }
        let motivation = (o["motivation"] as? String) ?? ((o["motivation"] as? [String])?.first)
            ?? (comments.isEmpty ? "highlighting" : "commenting")
        guard !motivation.isEmpty, motivation.utf8.allSatisfy({ (97...122).contains($0) }) else {
            throw Failure("\(name): motivation \"\(motivation)\" is not a W3C motivation name")
        }
        let target = (o["target"] as? [Any])?.first ?? o["target"]
        if let t = target as? String, t.hasPrefix(W3C.annotationIRIPrefix) || keys.contains(t) {
            return try reply(to: t, name: name, key: key(o, i), keys: keys, state: state, motivation: motivation,
                             body: comments.joined(separator: "\n\n"), tags: tags)
        }
        guard let t = target as? [String: Any], let source = t["source"] as? String ?? (t["id"] as? String) else {
            throw Failure("\(name): it has no target with a source")
        }
        if source.hasPrefix(W3C.annotationIRIPrefix) || keys.contains(source) {
            return try reply(to: source, name: name, key: key(o, i), keys: keys, state: state, motivation: motivation,
                             body: comments.joined(separator: "\n\n"), tags: tags)
        }
        guard let article = resolveArticle(source, state) else {
            throw Failure("\(name): its target \(source) is not an article in this ledger; add the article first (`gloss article add FILE`)")
        }
        let selectors: [[String: Any]] = (t["selector"] as? [[String: Any]]) ?? ((t["selector"] as? [String: Any]).map { [$0] } ?? [])
        let quote = selectors.first { $0["type"] as? String == "TextQuoteSelector" }
        let position = selectors.first { $0["type"] as? String == "TextPositionSelector" }
        let matcher = QuoteMatcher(text: ArticleText(state.articleText(article) ?? ""))
        var selector: TextSelector?
        if let p = position, let start = (p["start"] as? NSNumber)?.intValue, let end = (p["end"] as? NSNumber)?.intValue {
            if let s = try? matcher.selector(start: start, end: end), quote == nil || s.exact == quote?["exact"] as? String {
                selector = s
            }
        }
        if selector == nil, let q = quote, let exact = q["exact"] as? String {
            do {
                let prefix = (q["prefix"] as? String).flatMap { $0.isEmpty ? nil : $0 }
                let suffix = (q["suffix"] as? String).flatMap { $0.isEmpty ? nil : $0 }
                selector = try matcher.select(quote: exact, prefix: prefix, suffix: suffix)
            } catch {
                throw Failure("\(name): its TextQuoteSelector does not anchor in the article: \(error)")
            }
        }
        guard let selector else { throw Failure("\(name): it needs a TextQuoteSelector or a TextPositionSelector that fits the article") }
        return Item(key: key(o, i), parentKey: nil, parentInLedger: nil, article: article, selector: selector,
                    motivation: motivation, body: comments.joined(separator: "\n\n"), tags: tags)
    }

    static func reply(to target: String, name: String, key: String, keys: Set<String>, state: some Ledger,
                      motivation: String, body: String, tags: [String]) throws(Failure) -> Item {
        if keys.contains(target) {
            // The parent is in the file; its article is found when the parent is.
            return Item(key: key, parentKey: target, parentInLedger: nil, article: .zero, selector: nil,
                        motivation: motivation, body: body, tags: tags)
        }
        guard let id = Hash32(hex: String(target.dropFirst(W3C.annotationIRIPrefix.count))), let parentArticle = state.articleOfAnnotation(id) else {
            throw Failure("\(name): it replies to \(target), which is neither in the file nor in this ledger")
        }
        return Item(key: key, parentKey: nil, parentInLedger: id, article: parentArticle, selector: nil,
                    motivation: motivation, body: body, tags: tags)
    }

    static func resolveArticle(_ source: String, _ state: some Ledger) -> Hash32? {
        if source.hasPrefix(W3C.articleIRIPrefix), let id = Hash32(hex: String(source.dropFirst(W3C.articleIRIPrefix.count))),
           state.articleText(id) != nil { return id }
        return state.article(withSource: source)
    }

    /// Orders items so that every parent comes before its replies, and gives replies to items
    /// in the file the article of their parent.
    static func parentsFirst(_ items: [Item]) throws(Failure) -> [Item] {
        var byKey: [String: Item] = [:]
        for i in items { byKey[i.key] = i }
        var done: [String: Item] = [:]
        var out: [Item] = []
        var remaining = items
        while !remaining.isEmpty {
            var next: [Item] = []
            for i in remaining {
                if let pk = i.parentKey {
                    guard let parent = done[pk] else { next.append(i); continue }
                    let fixed = Item(key: i.key, parentKey: pk, parentInLedger: nil, article: parent.article, selector: nil,
                                     motivation: i.motivation, body: i.body, tags: i.tags)
                    done[i.key] = fixed; out.append(fixed)
                } else {
                    done[i.key] = i; out.append(i)
                }
            }
            if next.count == remaining.count { throw Failure("replies in the file form a cycle, or reply to a missing item: \(next.map(\.key).prefix(3).joined(separator: ", "))") }
            remaining = next
        }
        return out
    }
}

extension LedgerState: W3CImport.Ledger {
    public func articleText(_ id: Hash32) -> String? { articles[id]?.text }
    public func article(withSource source: String) -> Hash32? {
        articles.values.filter { $0.source == source }.min { $0.added < $1.added }?.id
    }
    public func articleOfAnnotation(_ id: EventID) -> Hash32? { annotations[id]?.article }
}
