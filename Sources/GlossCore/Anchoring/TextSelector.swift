/// Where an annotation sits in an article: a W3C TextQuoteSelector (`exact`, `prefix`, `suffix`)
/// and a TextPositionSelector (`start`, `end`), counted in Unicode code points of the article text.
public struct TextSelector: Sendable, Equatable {
    public var exact: String
    public var prefix: String
    public var suffix: String
    /// Code-point offset of the first code point of `exact`.
    public var start: UInt32
    /// Code-point offset just past the last code point of `exact`.
    public var end: UInt32

    public init(exact: String, prefix: String, suffix: String, start: UInt32, end: UInt32) {
        self.exact = exact; self.prefix = prefix; self.suffix = suffix; self.start = start; self.end = end
    }

    /// The selector an erased passage annotation is given: nothing (its quote was erased).
    public static let erased = TextSelector(exact: "", prefix: "", suffix: "", start: 0, end: 0)

    func encode(into w: inout ByteWriter) throws(DecodeError) {
        try check()
        w.string(exact); w.string(prefix); w.string(suffix); w.u32(start); w.u32(end)
    }

    static func decode(_ r: inout ByteReader) throws(DecodeError) -> TextSelector {
        let s = TextSelector(exact: try r.string("exact", max: EventLimits.maxQuote),
                             prefix: try r.string("prefix", max: EventLimits.maxContext),
                             suffix: try r.string("suffix", max: EventLimits.maxContext),
                             start: try r.u32("start"), end: try r.u32("end"))
        try s.check()
        return s
    }

    private func check() throws(DecodeError) {
        guard !exact.isEmpty, exact.utf8.count <= EventLimits.maxQuote else {
            throw DecodeError(.invalidField, "exact must be 1–\(EventLimits.maxQuote) bytes")
        }
        guard prefix.utf8.count <= EventLimits.maxContext, suffix.utf8.count <= EventLimits.maxContext else {
            throw DecodeError(.oversize, "prefix and suffix are at most \(EventLimits.maxContext) bytes each")
        }
        guard end > start, Int(end - start) == exact.unicodeScalars.count else {
            throw DecodeError(.invalidField, "end − start must equal the number of code points in exact")
        }
    }
}

extension TextSelector {
    /// The selector's canonical bytes (as inside a payload), for a store that keeps one.
    public var stored: [UInt8] {
        var w = ByteWriter(capacity: 64 + exact.utf8.count + prefix.utf8.count + suffix.utf8.count)
        w.string(exact); w.string(prefix); w.string(suffix); w.u32(start); w.u32(end)
        return w.bytes
    }

    /// Reads back `stored`; nil when the bytes are not a selector.
    public init?(stored bytes: [UInt8]) {
        var r = ByteReader(bytes)
        guard let s = try? TextSelector.decode(&r), r.isAtEnd else { return nil }
        self = s
    }
}
