import GlossCore

/// A byte buffer that JSON is written into piece by piece: the canonical forms of MERGE.md
/// §11.1 (strings escaped minimally, integers in decimal, ids in lower-case hex). A value type,
/// so writing into a local one costs no exclusivity checks or reference counting.
struct JSONBytes {
    var bytes: [UInt8] = []

    init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ s: StaticString) { s.withUTF8Buffer { bytes.append(contentsOf: $0) } }
    mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }
    mutating func comma() { bytes.append(UInt8(ascii: ",")) }

    mutating func hex(_ h: Hash32) {
        // 64 digits between quotes, written into a buffer of 66 and appended at once.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 66) { buf in
            buf[0] = UInt8(ascii: "\""); buf[65] = UInt8(ascii: "\"")
            h.withUnsafeBytes { raw in
                for i in 0..<32 {
                    let b = raw[i], hi = b >> 4, lo = b & 15
                    buf[1 + 2 * i] = hi < 10 ? 48 + hi : 87 + hi
                    buf[2 + 2 * i] = lo < 10 ? 48 + lo : 87 + lo
                }
            }
            bytes.append(contentsOf: buf)
        }
    }

    mutating func hexList(_ list: [Hash32]) {
        for (i, h) in list.enumerated() {
            if i > 0 { comma() }
            hex(h)
        }
    }

    /// Ids packed 32 bytes each, as a list of hex strings.
    mutating func hexList(packed: UnsafeRawBufferPointer) {
        var i = 0
        while i + 32 <= packed.count {
            if i > 0 { comma() }
            hex(Hash32(UnsafeRawBufferPointer(rebasing: packed[i..<(i + 32)])))
            i += 32
        }
    }

    mutating func int(_ v: Int64) {
        guard v >= 0 else { bytes.append(contentsOf: String(v).utf8); return }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { d in
            var n = UInt64(v), count = 0
            repeat { d[19 - count] = UInt8(48 + n % 10); n /= 10; count += 1 } while n > 0
            bytes.append(contentsOf: UnsafeMutableBufferPointer(rebasing: d[(20 - count)...]))
        }
    }

    mutating func string(_ s: String) { JSON.writeString(s, into: &bytes) }

    /// A JSON string from UTF-8 bytes, escaped as `JSON.writeString` does.
    mutating func string(bytes s: UnsafeRawBufferPointer) {
        bytes.append(UInt8(ascii: "\""))
        if !s.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: s)
        } else {
            JSON.writeEscaped(s, into: &bytes)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func selector(_ s: TextSelector) {
        raw("{\"end\":"); int(Int64(s.end))
        raw(",\"exact\":"); string(s.exact)
        raw(",\"prefix\":"); string(s.prefix)
        raw(",\"start\":"); int(Int64(s.start))
        raw(",\"suffix\":"); string(s.suffix)
        raw("}")
    }
}
