import Foundation

/// The one table `make bench` prints, kept for --json.
final class Table {
    struct Row { let name: String; let value: Double; let unit: String; let note: String }
    var rows: [Row] = []

    func add(_ name: String, _ value: Double, _ unit: String, _ note: String = "") {
        rows.append(Row(name: name, value: value, unit: unit, note: note))
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        let number = value >= 100 ? String(format: "%14.0f", value) : String(format: "%14.3f", value)
        print(pad(name, 52) + number + " " + pad(unit, 10) + note)
        fflush(nil)
    }

    func section(_ title: String) { print("\n" + title) }

    func write(json path: String) throws {
        let obj = rows.map { ["name": $0.name, "value": $0.value, "unit": $0.unit, "note": $0.note] as [String: Any] }
        try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .prettyPrinted]).write(to: URL(fileURLWithPath: path))
    }
}

/// Seconds taken by `body`, on the monotonic clock.
func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func verdict(_ ok: Bool) -> String { ok ? "meets target" : "BELOW TARGET" }
