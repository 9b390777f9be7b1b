import GlossCore
import GlossReplay
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the CLI shows ids, keys, times and quotes.
enum Format {
    /// "you (…)", a peer's name from the allow-list, or the key's first digits.
    static func author(_ key: PublicKey, me: PublicKey, names: [PublicKey: String] = [:]) -> String {
        if key == me { return "you (\(key.raw.short(8)))" }
        if let name = names[key], !name.isEmpty { return "\(name) (\(key.raw.short(8)))" }
        return key.raw.short(8)
    }

    /// `2026-11-25 12:03:04Z` from milliseconds since the epoch.
    static func time(_ millis: Int64) -> String {
        var t = time_t(millis / 1000)
        var tm = tm()
        gmtime_r(&t, &tm)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(tm.tm_year + 1900)-\(two(tm.tm_mon + 1))-\(two(tm.tm_mday)) \(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec))Z"
    }

    /// A quote on one line, shortened to `max` characters, controls shown as text (`TerminalText`).
    static func quote(_ s: String, max: Int = 60) -> String {
        let flat = TerminalText.neutralised(String(s.map { $0.isNewline ? " " : $0 }), oneLine: true)
        return flat.count <= max ? flat : String(flat.prefix(max - 1)) + "…"
    }

    /// The end of `s` on one line, at most `max` characters: context shown before a passage.
    static func tail(_ s: String, max: Int = 30) -> String {
        let flat = TerminalText.neutralised(String(s.map { $0.isNewline ? " " : $0 }), oneLine: true)
        return flat.count <= max ? flat : "…" + String(flat.suffix(max - 1))
    }

    /// A size in words: `1,048,576 bytes (1 MiB)`, `50.0 MB`.
    static func bytes(_ n: Int) -> String {
        if n >= 10 << 20 { return String(format: "%.1f MB", Double(n) / 1_000_000) }
        var digits = String(n), grouped = ""
        while digits.count > 3 { grouped = "," + digits.suffix(3) + grouped; digits = String(digits.dropLast(3)) }
        let exact = digits + grouped + " bytes"
        return n >= 1 << 20 && n % (1 << 20) == 0 ? "\(exact) (\(n >> 20) MiB)" : exact
    }

    static func tags(_ t: [String]) -> String { TerminalText.neutralised(t.map { "#" + $0 }.joined(separator: " "), oneLine: true) }

    /// `s` in an SGR colour when `on` (ids yellow, details dim, warnings red, as git does).
    static func paint(_ s: String, _ sgr: String, _ on: Bool) -> String { on ? "\u{1B}[\(sgr)m\(s)\u{1B}[0m" : s }
    static let yellow = "33", dim = "2", red = "31", bold = "1"
}
