import Foundation
import GlossCore
import GlossStore

// `make bench`: Gloss's speed as ratios against the machine's own limits, measured in this run.

struct Options {
    var n = 100_000
    var quick = false
    var json: String?
    init(_ args: [String]) {
        var it = args.makeIterator()
        while let a = it.next() {
            switch a {
            case "--quick": quick = true; n = 2_000
            case "--n": n = Int(it.next() ?? "") ?? n
            case "--json": json = it.next()
            case "--help", "-h":
                print("usage: Benchmarks [--quick] [--n N] [--json FILE]")
                exit(0)
            default:
                FileHandle.standardError.write(Data("unknown option \(a); see --help\n".utf8))
                exit(2)
            }
        }
    }
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

struct Row { let name: String; let value: Double; let unit: String; let note: String }
/// The table being printed, kept for --json.
final class Table {
    var rows: [Row] = []
    func add(_ name: String, _ value: Double, _ unit: String, _ note: String = "") {
        rows.append(Row(name: name, value: value, unit: unit, note: note))
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        print(pad(name, 44) + String(format: "%14.2f ", value) + pad(unit, 10) + note)
    }
}
let table = Table()

let opts = Options(Array(CommandLine.arguments.dropFirst()))
let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-bench-\(UUID().uuidString)").path
try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: tmp) }

print("Gloss benchmarks, N = \(opts.n)\(opts.quick ? " (quick)" : "")")

// Machine limits, in this run.
let key = SigningKey()
let msg = SHA256.hash([1, 2, 3]).bytes
let signN = opts.quick ? 2_000 : 50_000
let signT = seconds { for _ in 0..<signN { _ = key.sign(msg) } }
let rawSign = Double(signN) / signT
table.add("raw Ed25519 sign, 1 core", rawSign, "ops/s")

// Bulk append through the real path: build, sign, verify chain, insert; 1,000 per transaction.
let log = try EventLog(path: tmp + "/bulk.sqlite", create: true)
let article = ArticleAdded(title: "bench", source: "bench", text: String(repeating: "Putin ordered it. ", count: 200))
_ = try log.appendOwn(key: key, payload: .articleAdded(article), time: 0)
let selector = try QuoteMatcher(text: ArticleText(article.text)).select(quote: "Putin", occurrence: 1)
let batch = 1_000
let appendT = try seconds {
    var done = 0
    while done < opts.n {
        let k = min(batch, opts.n - done)
        let payloads = (0..<k).map { i in
            Payload.annotationCreated(AnnotationCreated(article: article.articleID, target: .text(selector),
                                                        motivation: "commenting", body: "comment \(done + i)", tags: ["bench"]))
        }
        _ = try log.appendOwn(key: key, payloads: payloads, time: Int64(done))
        done += k
    }
}
let appendRate = Double(opts.n) / appendT
table.add("bulk append (signed events/s)", appendRate, "events/s", String(format: "÷ raw sign = %.2f", appendRate / rawSign))

if let path = opts.json {
    let obj = Dictionary(uniqueKeysWithValues: table.rows.map { ($0.name, $0.value) })
    try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .prettyPrinted]).write(to: URL(fileURLWithPath: path))
}
