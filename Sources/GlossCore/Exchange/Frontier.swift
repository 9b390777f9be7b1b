/// What a ledger holds, per author: the newest seq and its id. Because each author's events
/// form a chain, `seq` says exactly which of that author's events a ledger has.
/// Text form (for `--since` and `gloss frontier`): entries `KEY:SEQ` or `KEY:SEQ:ID`, separated
/// by commas or white space, keys and ids in hex.
public struct Frontier: Sendable, Equatable, CustomStringConvertible {
    public struct Tip: Sendable, Equatable {
        public let seq: UInt64
        /// The id at `seq`, when known (it tells a fork apart from a shorter chain).
        public let id: EventID?
        public init(seq: UInt64, id: EventID?) { self.seq = seq; self.id = id }
    }
    public var tips: [PublicKey: Tip]

    public init(_ tips: [PublicKey: Tip] = [:]) { self.tips = tips }

    /// Whether a ledger with this frontier already holds the event at (`author`, `seq`).
    public func covers(_ author: PublicKey, seq: UInt64) -> Bool { (tips[author]?.seq ?? 0) >= seq }

    public var description: String {
        tips.sorted { $0.key < $1.key }
            .map { "\($0.key.hex):\($0.value.seq)" + ($0.value.id.map { ":\($0.hex)" } ?? "") }
            .joined(separator: ",")
    }

    /// Parses the text form; nil with the offending entry when it is not valid.
    public static func parse(_ text: String) -> Result<Frontier, FrontierError> {
        var tips: [PublicKey: Tip] = [:]
        let entries = text.split { $0 == "," || $0.isWhitespace }
        for entry in entries {
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2 || parts.count == 3,
                  let key = PublicKey(hex: String(parts[0])),
                  parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let seq = UInt64(parts[1]) else { return .failure(FrontierError(entry: String(entry))) }
            var id: EventID?
            if parts.count == 3 {
                guard let h = Hash32(hex: String(parts[2])) else { return .failure(FrontierError(entry: String(entry))) }
                id = h
            }
            guard tips[key] == nil else { return .failure(FrontierError(entry: String(entry), duplicate: true)) }
            tips[key] = Tip(seq: seq, id: id)
        }
        return .success(Frontier(tips))
    }
}

/// A frontier entry that could not be read.
public struct FrontierError: Error, Sendable, CustomStringConvertible {
    public let entry: String
    public var duplicate = false
    public var description: String {
        duplicate
            ? "the frontier names author \(entry.prefix(16))… twice"
            : "\"\(entry.prefix(80))\" is not a frontier entry: write KEY:SEQ or KEY:SEQ:ID (64 hex digits, a number, 64 hex digits), as `gloss frontier` prints"
    }
}
