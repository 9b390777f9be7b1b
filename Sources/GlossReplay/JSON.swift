/// A JSON value with one canonical serialisation: object keys sorted by their UTF-8 bytes,
/// no insignificant white space (unless pretty), integers only, strings escaped minimally
/// (`\"`, `\\`, `\b \f \n \r \t`, other controls as `\u00xx`, everything else as raw UTF-8).
/// Snapshots hash this form, so it is specified in Protocol/MERGE.md.
public indirect enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    /// `indent`: the nesting level the value starts at (pretty only), for a value written as an
    /// element of an array that is streamed piece by piece.
    public func serialized(pretty: Bool = false, indent: Int = 0) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        write(into: &out, pretty: pretty, indent: indent)
        return String(decoding: out, as: UTF8.self)
    }

    private func write(into out: inout [UInt8], pretty: Bool, indent: Int) {
        func newline(_ level: Int) {
            guard pretty else { return }
            out.append(10)
            out.append(contentsOf: [UInt8](repeating: 32, count: level * 2))
        }
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .string(let s): Self.writeString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                v.write(into: &out, pretty: pretty, indent: indent + 1)
            }
            if !a.isEmpty { newline(indent) }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            let keys = o.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (i, k) in keys.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                Self.writeString(k, into: &out)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(32) }
                o[k]!.write(into: &out, pretty: pretty, indent: indent + 1)  // k comes from o.keys
            }
            if !o.isEmpty { newline(indent) }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// The escaped form of UTF-8 bytes, without the quotes.
    static func writeEscaped<C: Sequence>(_ bytes: C, into out: inout [UInt8]) where C.Element == UInt8 {
        for b in bytes {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
            case 0x08: out.append(contentsOf: "\\b".utf8)
            case 0x0C: out.append(contentsOf: "\\f".utf8)
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            case 0x0D: out.append(contentsOf: "\\r".utf8)
            case 0x09: out.append(contentsOf: "\\t".utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: "\\u00".utf8)
                out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)])
            default: out.append(b)
            }
        }
    }

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most strings need no escaping: copy them whole.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out.append(contentsOf: s.utf8)
        } else {
            writeEscaped(s.utf8, into: &out)
        }
        out.append(UInt8(ascii: "\""))
    }
}
