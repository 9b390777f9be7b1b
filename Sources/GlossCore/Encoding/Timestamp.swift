/// Event times (milliseconds since 1970-01-01T00:00:00Z) as ISO 8601 text, in UTC, with no
/// dependence on the machine's time zone or locale.
public enum Timestamp {
    /// `2026-11-25T12:03:04.567Z` (milliseconds shown only when not zero).
    public static func iso8601(_ millis: Int64) -> String {
        let (days, msOfDay) = divFloor(millis, 86_400_000)
        let (y, m, d) = civil(fromDays: days)
        let s = msOfDay / 1000, ms = msOfDay % 1000
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var out = "\(y)-\(two(m))-\(two(d))T\(two(s / 3600)):\(two(s / 60 % 60)):\(two(s % 60))"
        if ms != 0 { out += "." + String(String(ms + 1000).dropFirst()) }
        return out + "Z"
    }

    /// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.mmm]]Z` (a space may replace the T, the Z may
    /// be omitted: times are UTC), or a plain number of milliseconds since the epoch.
    public static func parse(_ text: String) -> Int64? {
        if let n = Int64(text) { return n }
        var t = Substring(text.trimming(" "))
        if t.hasSuffix("Z") || t.hasSuffix("z") { t = t.dropLast() }
        let dateTime = t.split(maxSplits: 1, whereSeparator: { $0 == "T" || $0 == " " })
        guard let datePart = dateTime.first else { return nil }
        let ymd = datePart.split(separator: "-").map { Int64($0) }
        guard ymd.count == 3, let y = ymd[0], let m = ymd[1], let d = ymd[2], (1...12).contains(m), (1...31).contains(d) else { return nil }
        var ms: Int64 = 0
        if dateTime.count == 2 {
            let hms = dateTime[1].split(separator: ":")
            guard hms.count >= 2, hms.count <= 3, let h = Int64(hms[0]), let mi = Int64(hms[1]), h < 24, mi < 60 else { return nil }
            var sec: Int64 = 0, frac: Int64 = 0
            if hms.count == 3 {
                let parts = hms[2].split(separator: ".", maxSplits: 1)
                guard let s = Int64(parts[0]), s < 61 else { return nil }
                sec = s
                if parts.count == 2 {
                    let digits = String(parts[1].prefix(3)).zeroPadded(to: 3)
                    guard let f = Int64(digits) else { return nil }
                    frac = f
                }
            }
            ms = ((h * 60 + mi) * 60 + sec) * 1000 + frac
        }
        return days(fromCivil: y, m, d) * 86_400_000 + ms
    }

    static func divFloor(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b, r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

extension String {
    func trimming(_ c: Character) -> String {
        var s = Substring(self)
        while s.first == c { s.removeFirst() }
        while s.last == c { s.removeLast() }
        return String(s)
    }
    func zeroPadded(to n: Int) -> String { self + String(repeating: "0", count: max(0, n - count)) }
}
