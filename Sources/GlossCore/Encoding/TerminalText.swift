/// Text that came from a ledger or a peer, made safe to print on a terminal: every character
/// that would act on the terminal instead of being read is shown as visible text.
///
/// - C0 controls (but newline and tab) and DEL become `\xHH`: ESC, and with it every escape
///   sequence (clearing the screen, retitling the window, colours, cursor moves), is printed
///   as the four characters `\x1b`.
/// - C1 controls (U+0080–U+009F, which some terminals take as 8-bit CSI or OSC) become `U+HHHH`.
/// - Bidirectional formatting characters (overrides, embeddings, isolates, marks), which can
///   make text read in another order than it is stored ("Trojan Source"), and the Unicode
///   line and paragraph separators become `U+HHHH`.
///
/// Applied whatever the colour setting: the colours Gloss itself adds are not part of the text.
public enum TerminalText {
    /// Whether the scalar must be shown escaped. Newline and tab are kept unless `oneLine`.
    @inline(__always)
    public static func isHazard(_ v: UInt32, oneLine: Bool = false) -> Bool {
        switch v {
        case 0x0A, 0x09: return oneLine
        case 0x00...0x1F, 0x7F, 0x80...0x9F: return true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029: return true
        default: return false
        }
    }

    /// `s` with every hazard shown as text (see the type's doc). With `oneLine`, newlines and
    /// tabs are escaped too (`\n`, `\t`), for fields shown on one line.
    public static func neutralised(_ s: String, oneLine: Bool = false) -> String {
        guard s.unicodeScalars.contains(where: { isHazard($0.value, oneLine: oneLine) }) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for c in s.unicodeScalars {
            guard isHazard(c.value, oneLine: oneLine) else { out.unicodeScalars.append(c); continue }
            out += visible(c.value)
        }
        return out
    }

    /// How a hazard is shown.
    static func visible(_ v: UInt32) -> String {
        switch v {
        case 0x0A: return "\\n"
        case 0x09: return "\\t"
        case 0x0D: return "\\r"
        case 0x00...0x1F, 0x7F: return "\\x" + hex(v, digits: 2)
        default: return "U+" + hex(v, digits: 4)
        }
    }

    private static func hex(_ v: UInt32, digits: Int) -> String {
        let s = String(v, radix: 16, uppercase: digits == 4)
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }

    /// Gloss's own output, which may hold the SGR colour sequences Gloss itself wrote
    /// (`ESC [ digits ; … m`) around text already neutralised: those pass, and any other control
    /// is neutralised (so a sequence that slipped in unescaped can at most colour, never clear,
    /// move or retitle).
    public static func keepingColours(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { isHazard($0.value) }) else { return s }
        let scalars = Array(s.unicodeScalars)
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var i = 0
        while i < scalars.count {
            let v = scalars[i].value
            if v == 0x1B, let end = sgrEnd(scalars, from: i) {
                for k in i...end { out.unicodeScalars.append(scalars[k]) }
                i = end + 1
                continue
            }
            if isHazard(v) { out += visible(v) } else { out.unicodeScalars.append(scalars[i]) }
            i += 1
        }
        return out
    }

    /// The index of the `m` ending an SGR sequence that starts at `i` (ESC `[` digits and `;`
    /// then `m`), or nil.
    private static func sgrEnd(_ s: [Unicode.Scalar], from i: Int) -> Int? {
        guard i + 2 < s.count, s[i + 1] == "[" else { return nil }
        var k = i + 2
        while k < s.count, k - i < 16 {
            switch s[k] {
            case "m": return k
            case "0"..."9", ";": k += 1
            default: return nil
            }
        }
        return nil
    }
}
