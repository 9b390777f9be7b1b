import Foundation
import GlossCore
import GlossSync
import GlossTestSupport
import Testing

/// A seeded mutation loop over each fuzz target, in the test suite (libFuzzer runs them longer
/// in `make fuzz`). Starts from Tests/fuzz-corpus/TARGET/, which also keeps every input that
/// once crashed, as a regression test. A crash fails the whole test run.
@Suite struct FuzzLoopTests {
    static func corpus(_ target: String) throws -> [[UInt8]] {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("fuzz-corpus/\(target)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        return try files.map { Array(try Data(contentsOf: dir.appendingPathComponent($0))) }
    }

    static func mutate(_ input: [UInt8], _ rng: inout SeededRandom) -> [UInt8] {
        var b = input
        for _ in 0..<Int(rng.next() % 4 + 1) {
            switch rng.next() % 6 {
            case 0 where !b.isEmpty: b[Int(rng.next() % UInt64(b.count))] ^= UInt8(1 << (rng.next() % 8))
            case 1 where !b.isEmpty: b[Int(rng.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: rng.next())
            case 2: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: Int(rng.next() % UInt64(b.count + 1)))
            case 3 where !b.isEmpty: b.remove(at: Int(rng.next() % UInt64(b.count)))
            case 4: b = Array(b.prefix(Int(rng.next() % UInt64(b.count + 1))))
            default:
                // Interesting lengths in the first four bytes (frames and strings are length-prefixed).
                let values: [UInt32] = [0, 1, 0x7f, 0x80, 0xffff, 0x10000, 0x200000, 0x200001, 0xffff_ffff]
                let v = values[Int(rng.next() % UInt64(values.count))]
                let at = b.count > 4 ? Int(rng.next() % UInt64(b.count - 3)) : 0
                while b.count < at + 4 { b.append(0) }
                for k in 0..<4 { b[at + k] = UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32(k))) }
            }
        }
        return b
    }

    @Test(arguments: FuzzTargets.names)
    func mutationsNeverCrash(target: String) throws {
        var seeds = try Self.corpus(target)
        if target == "handshake" { seeds.append(FuzzTargets.sampleHello) }
        #expect(!seeds.isEmpty)
        var rng = SeededRandom(seed: 0x6C6F_7373 ^ UInt64(target.utf8.count))
        let iterations = ProcessInfo.processInfo.environment["GLOSS_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 20000
        for i in 0..<iterations {
            FuzzTargets.run(target, Self.mutate(seeds[i % seeds.count], &rng))
        }
        for s in seeds { FuzzTargets.run(target, s) }
    }
}

