/// A 32-byte value: an event id, an article id, a payload hash or an Ed25519 public key.
/// Ordered byte-wise (lexicographically), which is the order of every sorted set on the wire.
/// Held inline as four big-endian words, so ids cost no allocation and compare in four steps.
public struct Hash32: Hashable, Comparable, Sendable, CustomStringConvertible {
    @usableFromInline let w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// Precondition: exactly 32 bytes. Callers that read outside data go through `ByteReader.id`
    /// or `init?(hex:)`, which check the length first.
    public init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        precondition(bytes.count == 32, "Hash32 needs 32 bytes")
        if let words = bytes.withContiguousStorageIfAvailable({ Self.words(UnsafeRawBufferPointer($0)) }) {
            (w0, w1, w2, w3) = words
            return
        }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var i = 0
        for b in bytes {
            switch i >> 3 {
            case 0: words.0 = words.0 << 8 | UInt64(b)
            case 1: words.1 = words.1 << 8 | UInt64(b)
            case 2: words.2 = words.2 << 8 | UInt64(b)
            default: words.3 = words.3 << 8 | UInt64(b)
            }
            i += 1
        }
        (w0, w1, w2, w3) = words
    }

    /// Precondition: `raw` holds exactly 32 bytes (a column or buffer of known length).
    public init(_ raw: UnsafeRawBufferPointer) {
        precondition(raw.count == 32, "Hash32 needs 32 bytes")
        (w0, w1, w2, w3) = Self.words(raw)
    }

    @inline(__always)
    private static func words(_ raw: UnsafeRawBufferPointer) -> (UInt64, UInt64, UInt64, UInt64) {
        (UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
         UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
         UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
         UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
    }

    public init?(hex: String) {
        guard let b = Hex.decode(hex), b.count == 32 else { return nil }
        self.init(b)
    }

    public static let zero = Hash32([UInt8](repeating: 0, count: 32))

    /// The 32 bytes.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(32)
        appendBytes(to: &out)
        return out
    }

    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }
    /// The first `n` hex digits, as `gloss log` shows ids.
    public func short(_ n: Int = 12) -> String { String(hex.prefix(n)) }

    @inlinable
    public static func < (a: Hash32, b: Hash32) -> Bool {
        if a.w0 != b.w0 { return a.w0 < b.w0 }
        if a.w1 != b.w1 { return a.w1 < b.w1 }
        if a.w2 != b.w2 { return a.w2 < b.w2 }
        return a.w3 < b.w3
    }

    @inlinable
    public func hash(into h: inout Hasher) { h.combine(w0); h.combine(w1) }
}

/// Lower-case hexadecimal, the only form ids and keys take in text.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes hex (either case); nil when the length is odd or a character is not a hex digit.
    public static func decode(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let hi = nibble(u[i]), let lo = nibble(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension Hash32 {
    /// Appends the 64 lower-case hex digits to `out`, without building a String.
    @inlinable
    public func appendHex(to out: inout [UInt8]) {
        @inline(__always) func word(_ w: UInt64, _ out: inout [UInt8]) {
            var shift: UInt64 = 64
            while shift > 0 {
                shift -= 4
                let nibble = UInt8(truncatingIfNeeded: (w >> shift) & 15)
                out.append(nibble < 10 ? 48 + nibble : 87 + nibble)
            }
        }
        word(w0, &out); word(w1, &out); word(w2, &out); word(w3, &out)
    }
}

extension Hash32 {
    /// Appends the 32 bytes to `out`.
    @inlinable
    public func appendBytes(to out: inout [UInt8]) {
        Swift.withUnsafeBytes(of: (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian)) { out.append(contentsOf: $0) }
    }
}

extension Hash32 {
    /// Calls `body` with the 32 bytes, without allocating.
    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian)) { try body($0) }
    }
}
