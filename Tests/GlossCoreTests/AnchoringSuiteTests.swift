import Foundation
import GlossCore
import Testing

/// The revision suite of issue 13 (`AnchoringSuite`) on the shipped seed article: no case may
/// anchor in the wrong place, and no case expected somewhere may become an orphan. Prints the
/// table (`swift test --filter AnchoringSuiteTests`).
@Suite struct AnchoringSuiteTests {
    @Test func everyRevisionCaseAnchorsAsExpected() throws {
        let seed = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("seeds/000_250678edc94afa10.txt"), encoding: .utf8)
        let r = AnchoringSuite.run(seed: seed)
        print(AnchoringSuite.table(r), terminator: "")
        #expect(r.rows.count >= 30)
        #expect(r.wrong == 0, "wrong place: \(r.rows.filter { $0.1 == .wrong }.map { "\($0.0.name) → \($0.2)" })")
        #expect(r.orphaned == 0, "orphaned: \(r.rows.filter { $0.1 == .orphaned }.map { "\($0.0.name) → \($0.2)" })")
        #expect(r.rows.contains { if case .orphan = $0.0.expected { true } else { false } }, "the suite has cases that must be orphans")
    }
}
