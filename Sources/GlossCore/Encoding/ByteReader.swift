/// Reads the canonical encodings of Protocol/EVENTS.md, refusing anything short or malformed.
public struct ByteReader: ~Copyable {
    private let bytes: [UInt8]
    public private(set) var offset: Int
    private let end: Int

    public init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.offset = start
        self.end = end ?? bytes.count
    }

    public var remaining: Int { end - offset }
    public var isAtEnd: Bool { offset == end }

    private mutating func take(_ n: Int, _ what: String) throws(DecodeError) -> Range<Int> {
        guard n >= 0, remaining >= n else {
            throw DecodeError(.truncated, "\(what): needs \(n) bytes at offset \(offset), only \(remaining) left")
        }
        defer { offset += n }
        return offset..<(offset + n)
    }

    public mutating func u8(_ what: String) throws(DecodeError) -> UInt8 {
        bytes[try take(1, what).lowerBound]
    }

    public mutating func u16(_ what: String) throws(DecodeError) -> UInt16 {
        let r = try take(2, what)
        return UInt16(bytes[r.lowerBound]) << 8 | UInt16(bytes[r.lowerBound + 1])
    }

    public mutating func u32(_ what: String) throws(DecodeError) -> UInt32 {
        let r = try take(4, what)
        var v: UInt32 = 0
        for i in r { v = v << 8 | UInt32(bytes[i]) }
        return v
    }

    public mutating func u64(_ what: String) throws(DecodeError) -> UInt64 {
        let r = try take(8, what)
        var v: UInt64 = 0
        for i in r { v = v << 8 | UInt64(bytes[i]) }
        return v
    }

    public mutating func i64(_ what: String) throws(DecodeError) -> Int64 {
        Int64(bitPattern: try u64(what))
    }

    public mutating func raw(_ n: Int, _ what: String) throws(DecodeError) -> ArraySlice<UInt8> {
        bytes[try take(n, what)]
    }

    public mutating func id(_ what: String) throws(DecodeError) -> Hash32 {
        Hash32(bytes[try take(32, what)])
    }

    /// A string of at most `max` UTF-8 bytes; invalid UTF-8 is refused.
    public mutating func string(_ what: String, max: Int) throws(DecodeError) -> String {
        let n = Int(try u32("\(what) length"))
        guard n <= max else { throw DecodeError(.oversize, "\(what) is \(n) bytes, the limit is \(max)") }
        let slice = bytes[try take(n, what)]
        guard let s = String(validating: slice, as: UTF8.self) else {
            throw DecodeError(.invalidUTF8, "\(what) is not valid UTF-8")
        }
        return s
    }
}
