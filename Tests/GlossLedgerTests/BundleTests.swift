import Foundation
import GlossCore
import GlossLedger
import GlossStore
import Testing
import GlossTestSupport

@Suite struct BundleTests {
    func sample(_ dir: TempDir) throws -> [Event] {
        try MergePropertyTests.history(seed: 11, steps: 60, dir: dir).events.sorted { $0.header.lamport < $1.header.lamport }
    }

    func freshLog(_ dir: TempDir, _ name: String = "in") throws -> EventLog {
        try EventLog(path: "\(dir.path)/\(name).sqlite", create: true)
    }

    @Test func roundTripAndIdempotence() throws {
        let dir = try TempDir()
        let events = try sample(dir)
        let log = try freshLog(dir)
        let r = try BundleExchange.import(Bundle.encode(events.shuffled()), into: log)
        #expect(r.new == events.count && r.alreadyHad == 0)
        let again = try BundleExchange.import(Bundle.encode(events), into: log)
        #expect(again.new == 0 && again.alreadyHad == events.count)
        #expect(try log.verifyAll().isEmpty)
    }

    @Test func sinceFrontierSendsOnlyWhatIsMissing() throws {
        let dir = try TempDir()
        let events = try sample(dir)
        let src = try freshLog(dir, "src"), dst = try freshLog(dir, "dst")
        _ = try BundleExchange.import(Bundle.encode(events), into: src)
        let half = Array(events.prefix(events.count / 2))
        _ = try BundleExchange.import(Bundle.encode(half), into: dst)
        let delta = try Bundle.decode(try BundleExchange.export(src, since: try dst.frontier()))
        #expect(Set(delta.map(\.id)).isDisjoint(with: half.map(\.id)))
        let r = try BundleExchange.import(Bundle.encode(delta), into: dst)
        #expect(r.alreadyHad == 0)
        #expect(try dst.count() == events.count)
    }

    @Test func truncatedBundleImportsNothing() throws {
        let dir = try TempDir()
        let bytes = Bundle.encode(try sample(dir))
        let log = try freshLog(dir)
        for cut in [bytes.count - 1, bytes.count / 2, 20] {
            #expect { _ = try BundleExchange.import(Array(bytes.prefix(cut)), into: log) } throws: {
                ($0 as? BundleError)?.description.contains("truncated") == true || ($0 as? BundleError)?.description.contains("not a Gloss bundle") == true
            }
        }
        #expect(try log.count() == 0)
    }

    @Test func aBadSignatureInTheMiddleImportsNothingAndIsNamed() throws {
        let dir = try TempDir()
        var events = try sample(dir)
        let k = events.count / 2
        var b = events[k].bytes
        b[b.count - 1] ^= 1
        events[k] = try Event.decode(b)
        let log = try freshLog(dir)
        #expect { _ = try BundleExchange.import(Bundle.encode(events), into: log) } throws: {
            let e = $0 as? BundleError
            return e?.index == k + 1 && e?.description.contains("bad signature") == true && e?.description.contains(events[k].id.short()) == true
        }
        #expect(try log.count() == 0)
    }

    @Test func aMissingParentImportsNothingAndIsNamed() throws {
        let dir = try TempDir()
        var events = try sample(dir)
        events.remove(at: 1)
        let log = try freshLog(dir)
        #expect { _ = try BundleExchange.import(Bundle.encode(events), into: log) } throws: {
            ($0 as? BundleError)?.description.contains("does not hold") == true
        }
        #expect(try log.count() == 0)
    }

    @Test func garbageIsRefused() throws {
        let dir = try TempDir()
        let log = try freshLog(dir)
        var rng = SeededRandom(seed: 1)
        let junk = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }
        #expect(throws: BundleError.self) { try BundleExchange.import(junk, into: log) }
        // Right magic and digest, nonsense inside.
        var w = ByteWriter()
        w.raw(Bundle.magic); w.u64(1); w.u32(10); w.raw([UInt8](repeating: 7, count: 10))
        w.raw(SHA256.hash(w.bytes).bytes)
        #expect { try BundleExchange.import(w.bytes, into: log) } throws: { ($0 as? BundleError)?.index == 1 }
        #expect(try log.count() == 0)
    }
}
