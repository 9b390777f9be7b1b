import Foundation
import GlossCore
import GlossLedger
import GlossStore
import GlossSync
import GlossTestSupport


typealias Side = LocalSyncSide

extension LocalSyncSide {
    convenience init(_ dir: TempDir, _ name: String, key: SigningKey = SigningKey()) throws {
        try self.init(path: "\(dir.path)/\(name).sqlite", key: key)
    }

    func append(_ n: Int, tag: String = "x") throws {
        for i in 0..<n { _ = try log.appendOwn(key: key, payload: .unknown(kind: 900, body: Array("\(tag)\(i)".utf8)), time: Int64(i)) }
    }
}

@discardableResult
func exchange(_ a: Side, _ b: Side, maxFlights: Int = 10_000, onFlight: (Int) -> Void = { _ in }) -> Int {
    LocalSyncSide.exchange(a, b, maxFlights: maxFlights, onFlight: onFlight)
}
