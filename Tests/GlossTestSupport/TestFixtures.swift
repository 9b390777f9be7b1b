import Foundation
import GlossCore

/// A temporary folder, removed when the value is released.
public final class TempDir {
    public let path: String
    public init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A seeded random number generator (SplitMix64), so a failing run can be replayed from its seed.
public struct SeededRandom: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `n` signed events of `key`'s chain after `prev` (unknown kind 900 with `body`: carried and
/// kept, no effect), each naming only its prev.
public func signedChain(_ key: SigningKey, _ n: Int, after prev: Event? = nil, body: [UInt8] = [1]) -> [Event] {
    let payload = (try? Payload.unknown(kind: 900, body: body).encoded()) ?? []
    var out: [Event] = []
    var last = prev
    for _ in 0..<n {
        let e = Event.make(key: key, seq: (last?.header.seq ?? 0) + 1, prev: last?.id, lamport: (last?.header.lamport ?? 0) + 1,
                           time: 0, deps: [], payload: payload)
        out.append(e)
        last = e
    }
    return out
}
