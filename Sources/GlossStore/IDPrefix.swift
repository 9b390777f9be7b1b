import GlossCore

/// Finds ids by the leading hex digits a person typed, as git finds commits.
enum IDPrefix {
    /// Ids in `table.id` whose hex starts with `prefix`. An odd-length prefix matches on its
    /// whole bytes, then filters on the last half byte.
    static func lookup(_ db: SQLiteConnection, table: String, prefix: String, limit: Int) throws -> [EventID] {
        let p = prefix.lowercased()
        let whole = String(p.prefix(p.count - p.count % 2))
        guard let lower = Hex.decode(whole), p.count <= 64, p.allSatisfy({ $0.isHexDigit }) else { return [] }
        var upper = lower
        // The smallest byte string above every id starting with `lower`.
        while let last = upper.last, last == 0xff { upper.removeLast() }
        let s: Statement
        if upper.isEmpty {
            s = try db.statement("SELECT id FROM \(table) WHERE id >= ? ORDER BY id")
            s.bind(1, blob: lower)
        } else {
            upper[upper.count - 1] += 1
            s = try db.statement("SELECT id FROM \(table) WHERE id >= ? AND id < ? ORDER BY id")
            s.bind(1, blob: lower).bind(2, blob: upper)
        }
        var out: [EventID] = []
        while try s.step() {
            let id = Hash32(s.blob(0))
            guard id.hex.hasPrefix(p) else { continue }
            out.append(id)
            if out.count >= limit { break }
        }
        return out
    }
}
