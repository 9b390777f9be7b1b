import Foundation
import GlossCore
import GlossLedger
import GlossReplay

/// The bodies the web API accepts, decoded by `JSONDecoder`, and the payloads they become:
/// pure decisions (what to append, or why not) made from what the ledger holds, so they are
/// tested without a server.
public enum WebRequests {
    public struct NewAnnotation: Decodable, Sendable {
        public var article: String
        /// The selection, in code points of the article's current text, and its words as the
        /// page saw them: both must agree with the text the server holds.
        public var start: Int
        public var end: Int
        public var exact: String
        /// The text just before and after the passage as the page saw it (up to 32 code points
        /// each, optional): when given, they must be what the text holds there.
        public var prefix: String?
        public var suffix: String?
        public var comment: String?
        public var tags: [String]?
        public var motivation: String?
    }

    public struct Comment: Decodable, Sendable {
        public var comment: String
        public var tags: [String]?
        /// Edits: the versions the page showed (event ids, hex). When the comment changed since,
        /// the edit is refused with 409 and the page shows both (never silently overwritten).
        public var seen: [String]?
    }

    public struct Tags: Decodable, Sendable {
        public var add: [String]?
        public var remove: [String]?
    }

    public struct NewArticle: Decodable, Sendable {
        public var text: String
        public var title: String?
        public var source: String?
    }

    public struct Reanchor: Decodable, Sendable {
        public var start: Int
        public var end: Int
        public var exact: String
        public var prefix: String?
        public var suffix: String?
    }

    /// A selection checked against the article's text exactly as `gloss annotate --start
    /// --end` checks it, plus the words the page saw.
    /// The selector records the article's own context (32 code points each side, as `gloss
    /// annotate` does); the page's `prefix` and `suffix`, when sent, must agree with it.
    public static func selector(start: Int, end: Int, exact: String, prefix: String? = nil, suffix: String? = nil,
                                text: String) throws(WebError) -> TextSelector {
        try selector(start: start, end: end, exact: exact, prefix: prefix, suffix: suffix, article: ArticleText(text))
    }

    public static func selector(start: Int, end: Int, exact: String, prefix: String? = nil, suffix: String? = nil,
                                article: ArticleText) throws(WebError) -> TextSelector {
        let sel: TextSelector
        do { sel = try QuoteMatcher(text: article).selector(start: start, end: end) } catch {
            throw .unprocessable("the selection [\(start)–\(end)] is not a passage of this article's text: \(error)")
        }
        let stale = WebError.conflict("the article's text at [\(start)–\(end)] is not the passage selected: reload the page (the article may have been revised)")
        guard sel.exact.unicodeScalars.elementsEqual(exact.unicodeScalars) else { throw stale }
        if let prefix {
            let p = Array(prefix.unicodeScalars)
            guard p.count <= start else { throw .unprocessable("the prefix is longer than the text before the selection (\(p.count) code points before offset \(start))") }
            guard article.scalars[(start - p.count)..<start].elementsEqual(p) else { throw stale }
        }
        if let suffix {
            let q = Array(suffix.unicodeScalars)
            guard end + q.count <= article.count else { throw .unprocessable("the suffix runs past the end of the text") }
            guard article.scalars[end..<(end + q.count)].elementsEqual(q) else { throw stale }
        }
        return sel
    }

    /// A comment as people may write it: not only white space (an empty one is a highlight).
    public static func comment(_ s: String?, allowEmpty: Bool = false) throws(WebError) -> String? {
        guard let s else { return nil }
        if s.isEmpty { return allowEmpty ? s : nil }
        guard s.contains(where: { !$0.isWhitespace }) else { throw .unprocessable("the comment is only white space: write something, or leave it empty") }
        return s
    }

    public static func motivation(_ m: String?, comment: String?) throws(WebError) -> String {
        let m = m ?? (comment == nil ? "highlighting" : "commenting")
        guard AuthoringRules.motivations.contains(m) else {
            throw .unprocessable("\"\(m)\" is not a W3C motivation; use one of: \(AuthoringRules.motivations.joined(separator: ", "))")
        }
        return m
    }

    public static func tags(_ t: [String]?) throws(WebError) -> [String] {
        let t = (t ?? []).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        for tag in t where tag.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw .unprocessable("a tag may not hold control characters: \(tag.debugDescription)")
        }
        return t
    }

    /// Event ids as the page sends them.
    public static func ids(_ hex: [String]) throws(WebError) -> [EventID] {
        var out: [EventID] = []
        for h in hex {
            guard let id = Hash32(hex: h) else { throw .badRequest("\(h.debugDescription) is not an event id (64 hex digits)") }
            out.append(id)
        }
        return out
    }

    /// An edit of the comment, unless it changed since the page saw it (409).
    public static func edit(_ a: AnnotationView, heads: [EventID], body: String, seen: [EventID]?) throws(WebError) -> Payload? {
        if let seen, Set(seen) != Set(heads) {
            throw .conflict("this comment was changed elsewhere while you were editing: the page now shows the new text and keeps your draft; save again to replace it")
        }
        guard body != a.body || a.hasConflict else { return nil }
        return .bodyEdited(BodyEdited(annotation: a.id, pred: heads, body: body))
    }
}
