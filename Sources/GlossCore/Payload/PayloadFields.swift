/// Encodings shared by several payload kinds: tag sets, id sets, motivations.
enum PayloadFields {
    /// Tags in canonical order: by UTF-8 bytes, without duplicates.
    /// Byte-wise: two tags are the same only when their UTF-8 bytes are (no Unicode
    /// normalisation, so "é" precomposed and "e" + U+0301 are two tags).
    static func sortedTags(_ tags: [String]) -> [String] {
        Dictionary(tags.map { (Array($0.utf8), $0) }, uniquingKeysWith: { a, _ in a })
            .sorted { $0.key.lexicographicallyPrecedes($1.key) }.map(\.value)
    }

    static func writeTags(_ tags: [String], _ w: inout ByteWriter) throws(DecodeError) {
        guard tags.count <= EventLimits.maxTags else { throw DecodeError(.oversize, "\(tags.count) tags, the limit is \(EventLimits.maxTags)") }
        w.u8(UInt8(tags.count))
        for t in tags {
            try checkTag(t)
            w.string(t)
        }
    }

    static func readTags(_ r: inout ByteReader, _ what: String) throws(DecodeError) -> [String] {
        let n = Int(try r.u8("\(what) count"))
        guard n <= EventLimits.maxTags else { throw DecodeError(.oversize, "\(n) \(what), the limit is \(EventLimits.maxTags)") }
        var out: [String] = []
        for i in 0..<n {
            let t = try r.string("\(what)[\(i)]", max: EventLimits.maxTag)
            try checkTag(t)
            if let last = out.last, !Array(last.utf8).lexicographicallyPrecedes(Array(t.utf8)) {
                throw DecodeError(.nonCanonical, "\(what) must be strictly ascending by UTF-8 bytes")
            }
            out.append(t)
        }
        return out
    }

    /// A tag is 1–128 bytes of UTF-8 with no control characters and no leading or trailing space.
    static func checkTag(_ t: String) throws(DecodeError) {
        guard !t.isEmpty, t.utf8.count <= EventLimits.maxTag else {
            throw DecodeError(.invalidField, "a tag must be 1–\(EventLimits.maxTag) bytes")
        }
        guard !t.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw DecodeError(.invalidField, "a tag must not contain control characters")
        }
        guard let f = t.unicodeScalars.first, let l = t.unicodeScalars.last,
              !f.properties.isWhitespace, !l.properties.isWhitespace else {
            throw DecodeError(.invalidField, "a tag must not start or end with white space")
        }
    }

    static func writeIDs(_ ids: [EventID], _ w: inout ByteWriter) throws(DecodeError) {
        guard ids.count <= EventLimits.maxPred else { throw DecodeError(.oversize, "\(ids.count) ids in pred, the limit is \(EventLimits.maxPred)") }
        w.u8(UInt8(ids.count))
        for id in ids { w.raw(id.bytes) }
    }

    static func readIDs(_ r: inout ByteReader, _ what: String) throws(DecodeError) -> [EventID] {
        let n = Int(try r.u8("\(what) count"))
        guard n <= EventLimits.maxPred else { throw DecodeError(.oversize, "\(n) ids in \(what), the limit is \(EventLimits.maxPred)") }
        var out: [EventID] = []
        for i in 0..<n {
            let id = try r.id("\(what)[\(i)]")
            if let last = out.last, !(last < id) { throw DecodeError(.nonCanonical, "\(what) must be strictly ascending") }
            out.append(id)
        }
        return out
    }

    /// A motivation is 1–64 bytes of lower-case ASCII letters (a W3C motivation name, or a newer one).
    static func checkMotivation(_ m: String) throws(DecodeError) {
        guard !m.isEmpty, m.utf8.count <= EventLimits.maxMotivation,
              m.utf8.allSatisfy({ $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) else {
            throw DecodeError(.invalidField, "a motivation is 1–\(EventLimits.maxMotivation) lower-case ASCII letters, got \"\(m.prefix(70))\"")
        }
    }

    static func writeMotivation(_ m: String, _ w: inout ByteWriter) throws(DecodeError) {
        try checkMotivation(m)
        w.string(m)
    }

    static func readMotivation(_ r: inout ByteReader) throws(DecodeError) -> String {
        let m = try r.string("motivation", max: EventLimits.maxMotivation)
        try checkMotivation(m)
        return m
    }
}
