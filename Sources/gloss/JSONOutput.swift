import GlossCore
import GlossReplay

/// `--json` output: one JSON value, or an array written element by element so that memory does
/// not grow with the ledger (`log --json` on a million events). Written as data (`Console.data`):
/// exact when piped, neutralised on a terminal. README §JSON output gives each command's schema.
struct JSONArrayWriter {
    private var count = 0
    init() { Console.data("[") }
    mutating func add(_ value: JSON) {
        Console.data((count == 0 ? "\n  " : ",\n  ") + value.serialized(pretty: true, indent: 1))
        count += 1
    }
    func finish() { Console.data(count == 0 ? "]\n" : "\n]\n") }

    static func one(_ value: JSON) { Console.data(value.serialized(pretty: true) + "\n") }
}

extension Placement {
    /// Where the passage is now, for `show --json`: `{"state": "original"|"anchored"|"orphan", …}`.
    var json: JSON {
        switch self {
        case .at(let r, let exact, _, _, let stage):
            return .object(["state": .string(stage == nil ? "original" : "anchored"), "start": .int(Int64(r.lowerBound)),
                            "end": .int(Int64(r.upperBound)), "exact": .string(exact),
                            "stage": stage.map { .string($0.rawValue) } ?? .null])
        case .orphan(let g):
            var o: [String: JSON] = ["state": .string("orphan")]
            if let g {
                o["suggestion"] = .object(["start": .int(Int64(g.range.lowerBound)), "end": .int(Int64(g.range.upperBound)),
                                           "exact": .string(g.exact), "alikePercent": .int(Int64(g.alikePercent)),
                                           "context": .int(Int64(g.context)), "contextOf": .int(Int64(g.contextOf))])
            }
            return .object(o)
        }
    }
}
