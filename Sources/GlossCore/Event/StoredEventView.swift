/// A stored event read in place, without copying its bytes: the header fields replay needs and
/// where the payload is. For events the ledger verified when it stored them; the reads are
/// still bounds-checked, and a malformed event gives nil rather than a crash.
public struct StoredEventView {
    public let bytes: UnsafeRawBufferPointer
    public let author: Hash32
    public let seq: UInt64
    public let lamport: UInt64
    public let time: Int64
    /// The author's previous event, nil at seq 1.
    public let prev: Hash32?
    /// Where `deps` start, and how many there are.
    private let depsOffset: Int
    public let depsCount: Int
    public let payload: UnsafeRawBufferPointer
    /// Whether the payload was erased: `payload` is then empty (EVENTS.md §8.4).
    public let isErased: Bool

    public init?(_ bytes: UnsafeRawBufferPointer) {
        var r = RawReader(bytes)
        guard r.u8() == EventLimits.version, let author = r.id(), let seq = r.u64() else { return nil }
        var prev: Hash32?
        if seq > 1 { guard let p = r.id() else { return nil }; prev = p }
        guard let lamport = r.u64(), let time = r.u64(), let count = r.u8() else { return nil }
        let depsOffset = r.offset
        guard r.skip(32 * Int(count)), let length = r.u32(), r.skip(32) else { return nil }
        // An erased event: exactly its signature after the header (its declared length is never
        // 0, so a whole event is never read as one, nor its signature as a payload).
        let erased = length > 0 && r.offset + 64 == bytes.count
        let payload: UnsafeRawBufferPointer
        if erased {
            payload = UnsafeRawBufferPointer(rebasing: bytes[r.offset..<r.offset])
        } else {
            guard let p = r.raw(Int(length)) else { return nil }
            payload = p
            // Exactly a signature after the payload, as `Event.decode(stored:)` requires: a
            // shorter or longer row is not an event.
            guard r.offset + 64 == bytes.count else { return nil }
        }
        self.isErased = erased
        self.bytes = bytes; self.author = author; self.seq = seq; self.lamport = lamport
        self.time = Int64(bitPattern: time); self.prev = prev
        self.depsOffset = depsOffset; self.depsCount = Int(count); self.payload = payload
    }

    /// `deps[i]`.
    public func dep(_ i: Int) -> Hash32 {
        Hash32(UnsafeRawBufferPointer(rebasing: bytes[(depsOffset + 32 * i)..<(depsOffset + 32 * i + 32)]))
    }

    /// Calls `body` with each parent: `prev`, then `deps`.
    public func forEachParent(_ body: (Hash32) -> Void) {
        if let prev { body(prev) }
        for i in 0..<depsCount { body(dep(i)) }
    }
}

/// Reads big-endian integers, ids and byte runs from a buffer in place. Every read checks the
/// bounds and returns nil past the end.
public struct RawReader {
    public let bytes: UnsafeRawBufferPointer
    public private(set) var offset = 0

    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    public var isAtEnd: Bool { offset == bytes.count }

    @inline(__always)
    public mutating func skip(_ n: Int) -> Bool {
        guard n >= 0, bytes.count - offset >= n else { return false }
        offset += n
        return true
    }
    @inline(__always)
    public mutating func u8() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }
    @inline(__always)
    public mutating func u16() -> UInt16? {
        guard bytes.count - offset >= 2 else { return nil }
        defer { offset += 2 }
        return UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
    @inline(__always)
    public mutating func u32() -> UInt32? {
        guard bytes.count - offset >= 4 else { return nil }
        defer { offset += 4 }
        return UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    @inline(__always)
    public mutating func u64() -> UInt64? {
        guard bytes.count - offset >= 8 else { return nil }
        defer { offset += 8 }
        return UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
    @inline(__always)
    public mutating func id() -> Hash32? {
        guard bytes.count - offset >= 32 else { return nil }
        defer { offset += 32 }
        return Hash32(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + 32)]))
    }
    @inline(__always)
    public mutating func raw(_ n: Int) -> UnsafeRawBufferPointer? {
        guard n >= 0, bytes.count - offset >= n else { return nil }
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])
    }
    /// A string field: u32 length, then its bytes (not validated as UTF-8 here).
    @inline(__always)
    public mutating func string() -> UnsafeRawBufferPointer? {
        guard let n = u32() else { return nil }
        return raw(Int(n))
    }
}
