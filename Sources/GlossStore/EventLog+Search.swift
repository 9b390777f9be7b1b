import GlossCore

/// A search result: the annotation, its rank (lower is better, SQLite's bm25) and the matching
/// text with the matched words in [brackets].
public struct SearchHit: Sendable {
    public let annotation: EventID
    public let rank: Double
    /// The best-matching stretch of any field, matched words in [brackets].
    public let context: String
    /// The annotation's quote, comment and tags (space-separated) in full, each matched word
    /// between `SearchHit.markStart` and `SearchHit.markEnd`.
    public let quote: String
    public let comment: String
    public let tags: String

    /// Private-use code points around matched words (the CLI shows them as colour or brackets).
    public static let markStart: Character = "\u{E000}"
    public static let markEnd: Character = "\u{E001}"
}

/// What to narrow a search to.
public struct SearchFilter: Sendable {
    public var article: Hash32?
    public var tag: String?
    /// Hex digits the author's key starts with.
    public var authorPrefix: String?
    public var includeDeleted = false
    public init(article: Hash32? = nil, tag: String? = nil, authorPrefix: String? = nil, includeDeleted: Bool = false) {
        self.article = article; self.tag = tag; self.authorPrefix = authorPrefix; self.includeDeleted = includeDeleted
    }
}

extension EventLog {
    /// Brings the full-text index up to the projection: rewrites the rows of the annotations
    /// changed since it was last searched (a write, in a transaction of its own).
    public func refreshSearchIndex() throws(StoreError) {
        try wrap {
            let s = try db.prepared("SELECT 1 FROM p_search_dirty LIMIT 1")
            let any = try s.step()
            s.reset()
            guard any else { return }
            try db.transaction { try Projector(db: db).refreshSearch() }
        }
    }

    /// Annotations matching every word of `query` (in quote, comment or tags), best first, through
    /// the projection's full-text index (brought up to date first: see `refreshSearchIndex`).
    /// Words are matched as written (any punctuation is treated as SQLite's tokenizer does);
    /// nothing in the query is FTS5 syntax.
    public func search(_ query: String, filter: SearchFilter = SearchFilter(), limit: Int = 50) throws(StoreError) -> [SearchHit] {
        // Each word becomes an FTS5 string (double quotes doubled), so nothing typed is syntax.
        let words = query.split(whereSeparator: \.isWhitespace).map { w in
            "\"" + w.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
        }
        guard !words.isEmpty else { return [] }
        try refreshSearchIndex()
        var conditions = ["p_search MATCH ?1"]
        if filter.article != nil { conditions.append("a.article = ?3") }
        if !filter.includeDeleted { conditions.append("a.deleted = 0") }
        if filter.tag != nil { conditions.append("EXISTS (SELECT 1 FROM p_tags t WHERE t.annotation = a.n AND t.tag = ?4)") }
        if filter.authorPrefix != nil { conditions.append("(lower(hex(a.identity)) LIKE ?5 OR lower(hex(a.author)) LIKE ?5)") }
        let sql = """
            SELECT a.id, bm25(p_search), snippet(p_search, -1, '[', ']', '…', 10),
                   highlight(p_search, 0, char(57344), char(57345)), highlight(p_search, 1, char(57344), char(57345)),
                   highlight(p_search, 2, char(57344), char(57345))
            FROM p_search JOIN p_annotations a ON a.n = p_search.rowid
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY bm25(p_search) LIMIT ?2
            """
        return try wrap {
            let s = try db.statement(sql)
            s.bind(1, words.joined(separator: " ")).bind(2, Int64(limit))
            if let a = filter.article { s.bind(3, a) }
            if let t = filter.tag { s.bind(4, t) }
            if let p = filter.authorPrefix {
                guard p.allSatisfy(\.isHexDigit) else { return [] }
                s.bind(5, p.lowercased() + "%")
            }
            var out: [SearchHit] = []
            while try s.step() {
                guard let id = s.hash(0) else { continue }
                out.append(SearchHit(annotation: id, rank: s.double(1), context: s.text(2), quote: s.text(3), comment: s.text(4), tags: s.text(5)))
            }
            return out
        }
    }
}
