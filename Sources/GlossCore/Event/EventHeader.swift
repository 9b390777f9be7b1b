/// An event id: SHA-256 of the domain tag and the canonical header (Protocol/EVENTS.md §Id).
public typealias EventID = Hash32

/// The signed part of an event: who wrote it, where it sits in the author's chain and in causal
/// order, and the hash of its payload. Canonical encoding in Protocol/EVENTS.md §Header.
public struct EventHeader: Sendable, Equatable {
    public var author: PublicKey
    /// 1, 2, 3, … per author.
    public var seq: UInt64
    /// The author's previous event; nil exactly when `seq == 1`.
    public var prev: EventID?
    /// 1 + the largest lamport among `prev` and `deps`; 1 when both are empty.
    public var lamport: UInt64
    /// Milliseconds since 1970-01-01T00:00:00Z, for display only, never for ordering.
    public var time: Int64
    /// Heads of the ledger the author had seen, other than `prev`; strictly ascending.
    public var deps: [EventID]
    public var payloadLength: UInt32
    public var payloadHash: Hash32

    public init(author: PublicKey, seq: UInt64, prev: EventID?, lamport: UInt64, time: Int64,
                deps: [EventID], payloadLength: UInt32, payloadHash: Hash32) {
        self.author = author; self.seq = seq; self.prev = prev; self.lamport = lamport
        self.time = time; self.deps = deps; self.payloadLength = payloadLength; self.payloadHash = payloadHash
    }

    /// Every event this one names as a parent: `prev` (if any) then `deps`.
    public var parents: [EventID] { (prev.map { [$0] } ?? []) + deps }

    public func encode(into w: inout ByteWriter) {
        w.u8(EventLimits.version)
        w.raw(author.raw.bytes)
        w.u64(seq)
        if let prev { w.raw(prev.bytes) }
        w.u64(lamport)
        w.i64(time)
        w.u8(UInt8(deps.count))
        for d in deps { w.raw(d.bytes) }
        w.u32(payloadLength)
        w.raw(payloadHash.bytes)
    }

    public var encoded: [UInt8] {
        var w = ByteWriter(capacity: 128 + 32 * deps.count)
        encode(into: &w)
        return w.bytes
    }

    /// Reads a header, refusing any byte string that `encode` would not have written.
    public static func decode(_ r: inout ByteReader) throws(DecodeError) -> EventHeader {
        let version = try r.u8("version")
        guard version == EventLimits.version else {
            throw DecodeError(.unsupportedVersion, "event format version \(version); this build reads version \(EventLimits.version)")
        }
        let author = PublicKey(try r.id("author"))
        let seq = try r.u64("seq")
        guard seq >= 1, seq <= EventLimits.maxCounter else { throw DecodeError(.invalidField, "seq \(seq) is out of range 1…2^63-1") }
        let prev: EventID? = seq > 1 ? try r.id("prev") : nil
        let lamport = try r.u64("lamport")
        guard lamport >= seq, lamport <= EventLimits.maxCounter else {
            throw DecodeError(.invalidField, "lamport \(lamport) is out of range \(seq)…2^63-1 (it can never be below seq)")
        }
        let time = try r.i64("time")
        let count = Int(try r.u8("deps count"))
        guard count <= EventLimits.maxDeps else { throw DecodeError(.oversize, "\(count) deps, the limit is \(EventLimits.maxDeps)") }
        var deps: [EventID] = []
        deps.reserveCapacity(count)
        for i in 0..<count {
            let d = try r.id("deps[\(i)]")
            if let last = deps.last, !(last < d) {
                throw DecodeError(.nonCanonical, "deps must be strictly ascending; deps[\(i)] is not")
            }
            if d == prev { throw DecodeError(.nonCanonical, "deps must not repeat prev") }
            deps.append(d)
        }
        let length = try r.u32("payload length")
        guard length <= EventLimits.maxPayload else {
            throw DecodeError(.oversize, "payload of \(length) bytes, the limit is \(EventLimits.maxPayload)")
        }
        let hash = try r.id("payload hash")
        return EventHeader(author: author, seq: seq, prev: prev, lamport: lamport, time: time,
                           deps: deps, payloadLength: length, payloadHash: hash)
    }
}
