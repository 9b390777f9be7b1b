import GlossCore

/// One annotation as the search index holds it.
public struct SearchEntry: Sendable {
    public let annotation: EventID
    public let article: Hash32
    public let author: PublicKey
    public let quote: String
    public let comment: String
    public let tags: [String]
    public init(annotation: EventID, article: Hash32, author: PublicKey, quote: String, comment: String, tags: [String]) {
        self.annotation = annotation; self.article = article; self.author = author
        self.quote = quote; self.comment = comment; self.tags = tags
    }
}

/// A search result: the annotation, its rank (lower is better, SQLite's bm25) and the matching
/// text with the matched words in [brackets].
public struct SearchHit: Sendable {
    public let annotation: EventID
    public let rank: Double
    public let context: String
}

extension EventLog {
    static let searchRowSetting = "search.row"

    /// Whether the index reflects the log as it is now (else rebuild it from the state).
    public func searchIsCurrent() throws(StoreError) -> Bool {
        try setting(Self.searchRowSetting) == String(try lastRow())
    }

    /// Replaces the whole index (a projection: it holds nothing the log does not).
    public func rebuildSearch(_ entries: [SearchEntry]) throws(StoreError) {
        try wrap {
            try db.transaction {
                try db.execute("DELETE FROM search")
                let ins = try db.statement("INSERT INTO search(quote, comment, tags, annotation, article, author) VALUES (?, ?, ?, ?, ?, ?)")
                for e in entries {
                    ins.reset()
                    try ins.bind(1, e.quote).bind(2, e.comment).bind(3, e.tags.joined(separator: " "))
                        .bind(4, e.annotation.hex).bind(5, e.article.hex).bind(6, e.author.hex).run()
                }
                let row = try db.statement("SELECT coalesce(max(rowid), 0) FROM events")
                _ = try row.step()
                let last = row.int(0)
                row.reset()
                try db.statement("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
                    .bind(1, Self.searchRowSetting).bind(2, String(last)).run()
            }
        }
    }

    /// Annotations matching every word of `query` (in quote, comment or tags), best first.
    /// Words are matched as written (any punctuation is treated as SQLite's tokenizer does);
    /// nothing in the query is FTS5 syntax.
    public func search(_ query: String, limit: Int = 50) throws(StoreError) -> [SearchHit] {
        // Each word becomes an FTS5 string (double quotes doubled), so nothing typed is syntax.
        let words = query.split(whereSeparator: \.isWhitespace).map { w in
            "\"" + w.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
        }
        guard !words.isEmpty else { return [] }
        return try wrap {
            let s = try db.statement("SELECT annotation, bm25(search), snippet(search, -1, '[', ']', '…', 10) FROM search WHERE search MATCH ? ORDER BY bm25(search) LIMIT ?")
            s.bind(1, words.joined(separator: " ")).bind(2, Int64(limit))
            var out: [SearchHit] = []
            while try s.step() {
                guard let id = Hash32(hex: s.text(0)) else { continue }
                out.append(SearchHit(annotation: id, rank: s.double(1), context: s.text(2)))
            }
            return out
        }
    }
}
